"""报告: the period's narrative in the report's words, the official outcome table, and the briefing
pack (Word, slides, Markdown) to download."""

import streamlit as st

import ui
from indicators import briefing
from indicators.output.narrative import narrative

sel = ui.selection()
st.title(ui.md("报告 · {}", sel.period.label))
st.caption(ui.md("{} · {} · 数据截至 {}", sel.period.label, sel.unit_shown, sel.as_of.isoformat()))
ui.sample_notice(sel)
report = sel.report()

screen = st.container(key=ui.SCREEN_ONLY_KEY)
screen.markdown(
    "以下文字由台账数据生成，与各页图表同源；可下载为 Word、幻灯片或 Markdown（纯文字），直接用于年度报告和汇报材料。"
)
columns = screen.columns(len(briefing.FORMATS))
labels = {"docx": "下载 Word（.docx）", "pptx": "下载幻灯片（.pptx）", "md": "下载文字（.md）"}
icons = {"docx": ":material/description:", "pptx": ":material/slideshow:", "md": ":material/notes:"}
for column, (fmt, mime) in zip(columns, briefing.FORMATS.items(), strict=True):
    column.download_button(
        labels[fmt],
        data=ui.later(briefing.pack, report, fmt, sel.unit_label, what=f"briefing_{fmt}", period=sel.period.code),
        file_name=briefing.file_name(report, fmt, sel.unit_label),
        mime=mime,
        key=f"briefing-{fmt}",
        on_click="ignore",
        icon=icons[fmt],
    )

for paragraph in narrative(report.facts):
    st.subheader(paragraph.heading)
    st.markdown(ui.md("{}", paragraph.text))

ui.official_outcomes(sel, report.pages["cases"])

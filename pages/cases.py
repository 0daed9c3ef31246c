"""复议应诉: cases by type, outcomes, loss rate over time, hearings and the head's appearances."""

import streamlit as st

import ui
from indicators.metrics.cards import fmt_number, rate_text

sel, data = ui.open_page("复议应诉", "cases", first_chart_first=True)
k = data["kpis"]
if not data["covered"]:
    st.info(
        ui.md("{}没有复议应诉台账数据：以下卡片显示为“—”，图表只画有台账的期间。", sel.period.label),
        icon=":material/info:",
    )

a, b, c, d = st.columns(4)
a.metric("收案", ui.covered(data, fmt_number(k["cases"], "件")), border=True)
b.metric("结案", ui.covered(data, fmt_number(k["concluded"], "件")), border=True)
c.metric("败诉（被纠错）率", ui.covered(data, rate_text(k["loss_rate"], k["lost"], k["concluded"])), border=True)
d.metric(
    "负责人出庭应诉率",
    ui.covered(data, rate_text(k["head_appearance_rate"], k["head_appearances"], k["hearings"])),
    border=True,
)

ui.definitions("litigation")
ui.first_chart("cases", sel, data)


def rest() -> None:
    """The later charts, the official outcome table and the records: after the first chart is painted
    (ui.after_first_chart)."""
    ui.other_charts("cases", sel, data)
    ui.official_outcomes(sel, data)

    st.subheader("负责人未出庭的开庭")
    if not data["covered"]:
        st.info(ui.md("{}没有复议应诉台账数据。", sel.period.label), icon=":material/info:")
    elif k["hearings"] == 0:
        st.info(ui.md("{}没有已开庭的行政诉讼案件。", sel.period.label), icon=":material/event_busy:")
    elif data["missed"].empty:
        st.success(ui.md("{}所有开庭均有机关负责人出庭。", sel.period.label), icon=":material/check_circle:")
    else:
        st.dataframe(data["missed"], hide_index=True, placeholder="")
    ui.records_table(sel, "cases", data, "本期收案记录")


ui.after_first_chart(rest)

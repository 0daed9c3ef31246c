"""复议应诉: cases by type, outcomes, loss rate over time, hearings and the head's appearances."""

import streamlit as st

import ui
from indicators.metrics.cards import fmt_number, rate_text
from indicators.output import charts

sel, data = ui.open_page("复议应诉", "cases", first_chart_first=True)
ctx = sel.context()
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
ui.chart(charts.simple_bar, data["by_type"], ctx, "复议应诉收案（按案件类型）", "types", "案件类型", "件数", "件")


def rest() -> None:
    """The later charts and the records: after the first chart is painted (ui.after_first_chart)."""
    ui.chart(charts.outcomes, data["outcomes"], ctx, "本期收案的审理结果", "outcomes")
    ui.chart(charts.rate_lines, data["loss"], sel.trend_context(data["loss"]), "败诉（被纠错）率", "loss", ["败诉率"])
    ui.chart(
        charts.appearances,
        data["appearances"],
        sel.trend_context(data["appearances"]),
        "开庭与负责人出庭应诉",
        "appear",
        data["head_goal"],
    )

    st.subheader("负责人未出庭的开庭")
    if k["hearings"] == 0:
        st.info(ui.md("{}没有已开庭的行政诉讼案件。", sel.period.label), icon=":material/event_busy:")
    elif data["missed"].empty:
        st.success(ui.md("{}所有开庭均有机关负责人出庭。", sel.period.label), icon=":material/check_circle:")
    else:
        st.dataframe(data["missed"], hide_index=True, placeholder="")
    ui.records_table(sel, "cases", data, "本期收案记录")


ui.after_first_chart(rest)

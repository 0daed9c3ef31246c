"""培训学法: sessions by type per period, participants and hours, and a timeline of sessions."""

import streamlit as st

import ui
from indicators.metrics.cards import blank_note, fmt_number
from indicators.metrics.definitions import indicator
from indicators.metrics.tables import all_blank
from indicators.output import charts
from indicators.schema import HOURS, PARTICIPANTS

sel, data = ui.open_page("培训学法", "sessions", first_chart_first=True)
ctx = sel.context()
k = data["kpis"]
if not data["covered"]:
    st.info(
        ui.md("{}没有培训学法台账数据：以下卡片显示为“—”，图表只画有台账的期间。", sel.period.label),
        icon=":material/info:",
    )

# The two sums of a field staff may leave blank: (column, its indicator as declared, chart key).
SUMS = tuple(
    (column, indicator("training", column.field), key) for column, key in ((PARTICIPANTS, "people"), (HOURS, "hours"))
)

first, *others = st.columns(3)
first.metric("活动场次", ui.covered(data, fmt_number(k["sessions"], "场")), border=True)
for card, (column, sum_of, _) in zip(others, SUMS, strict=True):
    blank, of = data["unfilled"][column.field]
    shown = "—" if all_blank(data["unfilled"], column.field) else fmt_number(k[column.field], sum_of.unit)
    card.metric(sum_of.name, ui.covered(data, shown), border=True)
    if data["covered"] and blank:
        card.caption(ui.md("{}", blank_note("training", column.field, blank, of)))

trend = sel.trend_context(data["by_type"])
ui.definitions("training")
ui.chart(charts.stacked_by_period, data["by_type"], trend, "培训学法活动场次（按类型）", "types", "类型", "场次", "场")


def rest() -> None:
    """The later charts and the records: after the first chart is painted (ui.after_first_chart)."""
    for column, sum_of, key in SUMS:
        empty = f"各期活动均未填写{column.name}" if data["covered"] else "各期均无台账数据"
        ui.chart(charts.counts_by_period, data["volume"], trend, sum_of.name, key, [sum_of.name], sum_of.unit, empty)
    ui.chart(charts.timeline, data["timeline"], ctx, "培训学法活动时间线", "timeline")


ui.after_first_chart(rest)

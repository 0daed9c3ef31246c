"""培训学法: sessions by type per period, participants and hours, and a timeline of sessions."""

import streamlit as st

import ui
from indicators.metrics.cards import blank_note, fmt_number
from indicators.metrics.definitions import indicator
from indicators.metrics.tables import all_blank
from indicators.schema import HOURS, PARTICIPANTS

sel, data = ui.open_page("培训学法", "sessions", first_chart_first=True)
k = data["kpis"]
if not data["covered"]:
    st.info(
        ui.md("{}没有培训学法台账数据：以下卡片显示为“—”，图表只画有台账的期间。", sel.period.label),
        icon=":material/info:",
    )

# The two sums of a field staff may leave blank: (column, its indicator as declared).
SUMS = tuple((column, indicator("training", column.field)) for column in (PARTICIPANTS, HOURS))

first, *others = st.columns(3)
first.metric("活动场次", ui.covered(data, fmt_number(k["sessions"], "场")), border=True)
for card, (column, sum_of) in zip(others, SUMS, strict=True):
    blank, of = data["unfilled"][column.field]
    shown = "—" if all_blank(data["unfilled"], column.field) else fmt_number(k[column.field], sum_of.unit)
    card.metric(sum_of.name, ui.covered(data, shown), border=True)
    if data["covered"] and blank:
        card.caption(ui.md("{}", blank_note("training", column.field, blank, of)))

ui.definitions("training")
ui.first_chart("sessions", sel, data)


def rest() -> None:
    """The later charts: after the first chart is painted (ui.after_first_chart)."""
    ui.other_charts("sessions", sel, data)


ui.after_first_chart(rest)

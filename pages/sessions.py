"""培训学法: sessions by type per period, participants and hours, and a timeline of sessions."""

import streamlit as st

import ui
from indicators.metrics.cards import fmt_number
from indicators.output import charts

sel, data = ui.open_page("培训学法", "sessions")
ctx = sel.context()
k = data["kpis"]
if not data["covered"]:
    st.info(
        ui.md("{}没有培训学法台账数据：以下卡片显示为“—”，图表只画有台账的期间。", sel.period.label),
        icon=":material/info:",
    )

a, b, c = st.columns(3)
a.metric("活动场次", ui.covered(data, fmt_number(k["sessions"], "场")), border=True)
b.metric("参加人次", ui.covered(data, fmt_number(k["participants"], "人次")), border=True)
c.metric("学时", ui.covered(data, fmt_number(k["hours"], "小时")), border=True)

trend = sel.trend_context()
ui.definitions("training")
ui.chart(charts.stacked_by_period, data["by_type"], trend, "培训学法活动场次（按类型）", "types", "类型", "场次", "场")
ui.chart(charts.counts_by_period, data["volume"], trend, "参加人次", "people", ["参加人次"], "人次")
ui.chart(charts.counts_by_period, data["volume"], trend, "学时", "hours", ["学时"], "小时")
ui.chart(charts.timeline, data["timeline"], ctx, "培训学法活动时间线", "timeline")

"""信访: by channel, monthly against last year, closure and on-time rates, by category, the records."""

import streamlit as st

import ui
from indicators.metrics.cards import fmt_number, rate_text

sel, data = ui.open_page("信访", "petitions", first_chart_first=True)
k = data["kpis"]
if not data["covered"]:
    st.info(
        ui.md("{}没有信访台账数据：以下卡片显示为“—”，图表只画有台账的期间。", sel.period.label), icon=":material/info:"
    )

a, b, c = st.columns(3)
a.metric("收件", ui.covered(data, fmt_number(k["total"], "件")), border=True)
b.metric("办结率", ui.covered(data, rate_text(k["closure_rate"], k["closed"], k["total"])), border=True)
c.metric("按期办结率", ui.covered(data, rate_text(k["on_time_rate"], k["on_time"], k["closed"])), border=True)

ui.definitions("petitions")
ui.first_chart("petitions", sel, data)


def rest() -> None:
    """The later charts and the records: after the first chart is painted (ui.after_first_chart)."""
    ui.other_charts("petitions", sel, data)
    ui.records_table(sel, "petitions", data, "本期信访记录")


ui.after_first_chart(rest)

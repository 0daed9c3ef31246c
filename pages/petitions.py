"""信访: by channel, monthly against last year, closure and on-time rates, by category, the records."""

from dataclasses import replace

import streamlit as st

import ui
from indicators import charts
from indicators.cards import fmt_number, fmt_rate

sel = ui.selection()
ctx = sel.context()
st.title(f"信访 · {sel.period.label}")
ui.sample_notice(sel)
data = sel.data("petitions")
k = data["kpis"]

a, b, c = st.columns(3)
a.metric("收件", fmt_number(k["total"], "件"), border=True)
b.metric("办结率", f"{fmt_rate(k['closure_rate'])}（{k['closed']}/{k['total']}）", border=True)
c.metric("按期办结率", f"{fmt_rate(k['on_time_rate'])}（{k['on_time']}/{k['closed']}）", border=True)

title = "信访件数（按来源渠道）"
ui.show_chart(charts.share_bar(data["channel"], ctx, title, "来源渠道"), data["channel"], title, ctx, "channel")
title = f"每月信访件数：{sel.period.year}年与{sel.period.year - 1}年对比"
year_ctx = replace(ctx, period_label=f"{sel.period.year}年")
ui.show_chart(charts.year_on_year(data["monthly"], year_ctx, title), data["monthly"], title, year_ctx, "monthly")
title = "办结率与按期办结率"
ui.show_chart(
    charts.rate_lines(data["rates"], ctx, title, ["办结率", "按期办结率"]), data["rates"], title, ctx, "rates"
)
title = "信访件数（按事项类别）"
ui.show_chart(charts.share_bar(data["category"], ctx, title, "事项类别"), data["category"], title, ctx, "category")

st.subheader("本期信访记录")
st.dataframe(data["records"], hide_index=True)

"""复议应诉: cases by type, outcomes, loss rate over time, hearings and the head's appearances."""

import streamlit as st

import ui
from indicators import charts
from indicators.cards import fmt_number, fmt_rate
from indicators.config import targets

sel = ui.selection()
ctx = sel.context()
goal = targets().head_appearance_rate
st.title(f"复议应诉 · {sel.period.label}")
ui.sample_notice(sel)
data = sel.data("cases")
k = data["kpis"]

a, b, c, d = st.columns(4)
a.metric("收案", fmt_number(k["cases"], "件"), border=True)
b.metric("结案", fmt_number(k["concluded"], "件"), border=True)
c.metric("败诉（被纠错）率", f"{fmt_rate(k['loss_rate'])}（{k['lost']}/{k['concluded']}）", border=True)
d.metric(
    "负责人出庭应诉率", f"{fmt_rate(k['head_appearance_rate'])}（{k['head_appearances']}/{k['hearings']}）", border=True
)

title = "复议应诉收案（按案件类型）"
ui.show_chart(
    charts.simple_bar(data["by_type"], ctx, title, "案件类型", "件数", "件"), data["by_type"], title, ctx, "types"
)
title = "本期收案的审理结果"
ui.show_chart(charts.outcomes(data["outcomes"], ctx, title), data["outcomes"], title, ctx, "outcomes")
title = "败诉（被纠错）率"
ui.show_chart(charts.rate_lines(data["loss"], ctx, title, ["败诉率"]), data["loss"], title, ctx, "loss")
title = "开庭与负责人出庭应诉"
ui.show_chart(charts.appearances(data["appearances"], ctx, title, goal), data["appearances"], title, ctx, "appear")

st.subheader("负责人未出庭的开庭")
if data["missed"].empty:
    st.success(f"{sel.period.label}所有开庭均有机关负责人出庭。", icon=":material/check_circle:")
else:
    st.dataframe(data["missed"], hide_index=True)
st.subheader("本期收案记录")
st.dataframe(data["records"], hide_index=True)

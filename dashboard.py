"""Entry point: `streamlit run dashboard.py`. Navigation and the shared sidebar; pages lay out the rest."""

import streamlit as st

import ui

st.set_page_config(page_title="法治政府建设指标看板", page_icon=":material/balance:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/petitions.py", title="信访", icon=":material/mail:"),
    st.Page("pages/cases.py", title="复议应诉", icon=":material/gavel:"),
    st.Page("pages/sessions.py", title="培训学法", icon=":material/school:"),
    st.Page(ui.DATA_PAGE, title="数据管理", icon=":material/database:"),
]

page = st.navigation(PAGES)
st.session_state["selection"] = ui.sidebar()
page.run()

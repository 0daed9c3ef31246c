"""Entry point: `streamlit run dashboard.py`. Navigation and the shared sidebar; pages lay out the rest."""

import logging
from pathlib import Path

import streamlit as st

import ui

ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
INTERNAL_ERROR = "页面出现内部错误，详情已记录在服务器日志中。请刷新页面重试；如仍出错，请联系系统管理员。"

# A local icon: a material icon as page_icon is fetched from a font CDN, which offices may not reach.
st.set_page_config(page_title="法治政府建设指标看板", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/petitions.py", title="信访", icon=":material/mail:"),
    st.Page("pages/cases.py", title="复议应诉", icon=":material/gavel:"),
    st.Page("pages/sessions.py", title="培训学法", icon=":material/school:"),
    st.Page(ui.DATA_PAGE, title="数据管理", icon=":material/database:"),
]

page = st.navigation(PAGES)
try:
    st.session_state[ui.SELECTION_KEY] = ui.sidebar()
    page.run()
except Exception:
    # Users get a Chinese message; the traceback goes to the server log only.
    logging.getLogger("dashboard").exception("page %s failed", getattr(page, "url_path", "?"))
    st.error(INTERNAL_ERROR, icon=":material/error:")

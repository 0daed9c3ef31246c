"""Entry point: `streamlit run dashboard.py`. Sign-in, navigation by role and the shared sidebar; pages lay out the rest."""

import logging
from functools import partial
from pathlib import Path

import streamlit as st

import ui

ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
INTERNAL_ERROR = "页面出现内部错误，详情已记录在服务器日志中。请刷新页面重试；如仍出错，请联系系统管理员。"

# A local icon: a material icon as page_icon is fetched from a font CDN, which offices may not reach.
st.set_page_config(page_title="法治政府建设指标看板", page_icon=str(ICON), layout="wide")

VIEW_PAGES = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/petitions.py", title="信访", icon=":material/mail:"),
    st.Page("pages/cases.py", title="复议应诉", icon=":material/gavel:"),
    st.Page("pages/sessions.py", title="培训学法", icon=":material/school:"),
    st.Page("pages/report.py", title="报告", icon=":material/description:"),
]
DATA_PAGES = [st.Page(ui.DATA_PAGE, title="数据管理", icon=":material/database:")]
ADMIN_PAGES = [
    st.Page(ui.ADMIN_PAGE, title="用户与目标", icon=":material/manage_accounts:"),
    st.Page(ui.AUDIT_PAGE, title="审计日志", icon=":material/policy:"),
]


def refused(message: str) -> None:
    st.title("法治政府建设指标看板")
    st.warning(message, icon=":material/lock:")


ui.page_chrome()
try:
    access = ui.access()
    if access.actor is None:
        # A signed-out visitor sees the sign-in form and nothing else: no page list, no figure.
        st.session_state.pop(ui.ACTOR_KEY, None)
        st.session_state.pop(ui.SELECTION_KEY, None)
        if access.message and access.mode == "signed_out":
            st.info(access.message, icon=":material/info:")
        gate = ui.sign_in_form if access.mode == "signed_out" else lambda: refused(access.message)
        # Every page's address shows the form (and, once signed in, that page): no "page not found".
        paths = [p.url_path for p in VIEW_PAGES + DATA_PAGES + ADMIN_PAGES if p.url_path]
        gates = [st.Page(gate, title="登录", default=True)]
        gates += [st.Page(partial(gate), title="登录", url_path=path) for path in paths]
        st.navigation(gates, position="hidden").run()
        st.stop()
    st.session_state[ui.ACTOR_KEY] = actor = access.actor
    pages = VIEW_PAGES + (DATA_PAGES if actor.may_upload else []) + (ADMIN_PAGES if actor.is_admin else [])
    page = st.navigation(pages)
    if access.mode == "local":
        with st.container(key=ui.LOCAL_MODE_KEY):
            st.caption(ui.LOCAL_MODE)
    ui.user_panel(actor)
    st.session_state[ui.SELECTION_KEY] = selection = ui.sidebar()
    st.session_state[ui.DEFERRED_KEY] = False
    try:
        page.run()
    finally:  # also when the page stops or reruns: a widget not drawn in a run loses its state
        if selection is not None:
            ui.sidebar_widgets(selection)
        ui.watch_viewport()
except Exception:
    # Users get a Chinese message; the traceback goes to the server log only.
    logging.getLogger("dashboard").exception("dashboard run failed")
    st.error(INTERNAL_ERROR, icon=":material/error:")

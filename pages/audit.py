"""审计日志 (admins): who did what, when and from where; filters and an xlsx download."""

from datetime import UTC, datetime, time, timedelta

import streamlit as st

import ui
from indicators.access import NotPermitted
from indicators.output import export
from indicators.store import audit

SHOWN = 1000
ui.ensure_entrypoint()
store = ui.store()
st.title("审计日志")
try:
    store.actor.require_admin("查看审计日志")
except NotPermitted as exc:
    st.error(ui.md("{}", exc.message), icon=":material/block:")
    st.stop()

today = datetime.now().astimezone().date()
left, middle, right = st.columns([2, 2, 3])
span = left.date_input("日期范围", (today - timedelta(days=30), today), max_value=today)
who = middle.text_input("用户（留空为全部）").strip()
actions = right.multiselect(
    "操作（留空为全部）", list(audit.ACTION_LABELS), format_func=audit.ACTION_LABELS.get, placeholder="全部操作"
)
first, last = (span[0], span[-1]) if span else (today, today)


def utc(day, plus_days: int = 0) -> str:
    """The start of a local day as UTC text, as the audit table keeps its times."""
    local = datetime.combine(day + timedelta(days=plus_days), time()).astimezone()
    return local.astimezone(UTC).isoformat(timespec="seconds")


found = audit.rows(store.engine, store.actor, utc(first), utc(last, 1), who or None, actions or None)
shown = audit.shown(found)
st.caption(
    ui.md("共 {} 条，最新的在前{}。", f"{len(shown):,}", f"；下表显示前 {SHOWN:,} 条" if len(shown) > SHOWN else "")
)
st.dataframe(shown.head(SHOWN), hide_index=True, placeholder="")
st.download_button(
    "下载审计日志 Excel",
    data=ui.later(export.xlsx_bytes, {"审计日志": shown}, what="audit_xlsx", rows=len(shown)),
    file_name=f"审计日志_{first}_{last}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
    icon=":material/table_view:",
)

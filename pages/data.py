"""数据管理: template, upload with a preview, import on confirmation, history with rollback.

Layout only: checking, importing and rolling back are the importer's (rights and audit there), the
words are output/words.py's. One session key holds the page's state (PageState); the uploader and
the history's batch choice are widgets with keys of their own.
"""

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

import ui
from indicators.access import NotPermitted
from indicators.ingest.reading import Upload
from indicators.ingest.report import REPORT_COLUMNS
from indicators.ingest.safety import MAX_FILE_BYTES
from indicators.metrics.tables import chinese
from indicators.output import export, words
from indicators.output.template import template_bytes
from indicators.schema import DATASETS
from indicators.store import AlreadyRolledBack, BatchNotFound, MetaRejected, Store, StoreBusy
from indicators.store.importer import Outcome, check, commit, rollback

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFUSED = (AlreadyRolledBack, BatchNotFound, MetaRejected, StoreBusy, NotPermitted)
STATE_KEY = "data_page"
HISTORY_KEY = "history_batch"
PROBLEM_ROW_HEIGHT = 68  # three lines of text
PROBLEM_ROW_HEIGHT_PHONE = 128  # six lines in a column a phone shows whole


@dataclass
class PendingUpload:
    """The upload on screen: which files (by content) it checked, against which store version, and what it found."""

    key: tuple[tuple[str, ...], str]
    outcome: Outcome


@dataclass
class PageState:
    nonce: int = 0  # the uploader's generation: a new one forgets the files chosen
    pending: PendingUpload | None = None
    flash: list[str] = field(default_factory=list)  # what the last import or rollback did, shown once
    rollback: int | None = None  # the batch whose rollback dialog is open


def page_state() -> PageState:
    return st.session_state.setdefault(STATE_KEY, PageState())


def refusal(exc: Exception) -> str:
    return exc.message if isinstance(exc, NotPermitted) else words.refusal(exc)


def pending(store: Store, files: list) -> Outcome:
    """The check of these files, made once per content and store version (the store may change meanwhile)."""
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    key = (tuple(u.sha256 for u in uploads), store.version())
    state = page_state()
    if state.pending is None or state.pending.key != key:
        with st.spinner("正在检查文件……"):
            state.pending = PendingUpload(key, check(store, uploads))
    return state.pending.outcome


def reset_upload() -> None:
    """Forget the files and their report: a fresh uploader on the next run."""
    state = page_state()
    state.nonce += 1
    state.pending = None


def show_problems(outcome: Outcome) -> None:
    st.error(
        ui.md(
            "发现 {} 处问题，**本批次未保存任何数据**。请按下表逐条修改后，重新上传全部文件。", len(outcome.problems)
        ),
        icon=":material/error:",
    )
    report = words.problems_frame(outcome.problems)
    problems_table(report)
    st.download_button(
        "下载错误报告（.xlsx）",
        data=ui.later(export.xlsx_bytes, {"错误报告": report}, what="error_report"),
        file_name="导入错误报告.xlsx",
        mime=XLSX,
        on_click="ignore",
        icon=":material/download:",
    )
    st.button("清除，重新选择文件", on_click=reset_upload, icon=":material/restart_alt:")


def problems_table(report: pd.DataFrame) -> None:
    """A report with each 问题 read whole: rows of three lines, which let its text wrap (Streamlit wraps
    a cell only in rows taller than 4rem), in a column wide enough for a sentence, right after the row
    and column it names (so a phone shows it too); file and sheet follow."""
    order = [REPORT_COLUMNS[k] for k in ("row", "column", "message", "value", "file", "sheet")]
    st.dataframe(
        report,
        hide_index=True,
        placeholder="",
        row_height=PROBLEM_ROW_HEIGHT_PHONE if ui.narrow() else PROBLEM_ROW_HEIGHT,
        column_order=order,
        column_config={REPORT_COLUMNS["message"]: st.column_config.TextColumn(width=240 if ui.narrow() else "large")},
    )


def show_preview(store: Store, outcome: Outcome) -> None:
    st.info("检查通过，未发现问题。以下是导入后将发生的变化，确认后才会保存。", icon=":material/fact_check:")
    for note in words.notes(outcome):
        show = st.warning if note.level == "warning" else st.info
        show(ui.md("{}", note.text), icon=":material/content_copy:" if note.level == "warning" else None)
    st.dataframe(words.preview_frame(outcome), hide_index=True)
    if outcome.warnings:
        st.warning(ui.md("有 {} 处值得核对的地方（不影响导入）：", len(outcome.warnings)), icon=":material/rule:")
        problems_table(words.problems_frame(outcome.warnings))
    changes = words.changes_frame(outcome)
    if len(changes):
        with st.expander(ui.md("将更新的 {} 条记录及其变化", len(changes)), expanded=True):
            st.dataframe(changes, hide_index=True)
    skipped = words.skipped_frame(outcome)
    if len(skipped):
        st.caption("以下工作表未导入：")
        st.dataframe(skipped, hide_index=True)
    label = st.text_input("批次说明（选填）", placeholder="如：2025年第1季度台账")
    st.caption(ui.md("导入人：{}", store.actor.name))
    left, right = st.columns([1, 3])
    if left.button("确认导入", type="primary", icon=":material/cloud_upload:"):
        waiting = st.empty()
        try:
            commit(store, outcome, label, on_wait=lambda: waiting.info(words.WAITING))
        except REFUSED as exc:
            waiting.error(ui.md("{}", refusal(exc)), icon=":material/error:")
            st.stop()
        page_state().flash = words.summary_lines(outcome)
        st.session_state[HISTORY_KEY] = outcome.batch_id  # 导入历史 opens on the batch just imported
        reset_upload()
        st.rerun()
    right.button("取消", on_click=reset_upload)


def upload_section(store: Store) -> None:
    st.markdown(
        "每季度上传信访、复议应诉、培训学法台账（.xlsx、.xls 或 .csv，可一次选多个文件）。"
        "上传后先检查并预览，**确认后才会保存**；任何一处有错，整批都不会导入。"
    )
    if store.scope is not None:
        st.caption(ui.md("您可以导入以下单位的台账：{}。", store.actor.units_text()))
    st.download_button(
        "下载填报模板（.xlsx）",
        data=template_bytes,
        file_name="法治政府建设台账填报模板.xlsx",
        mime=XLSX,
        on_click="ignore",
        icon=":material/download:",
    )
    files = st.file_uploader(
        "选择台账文件",
        type=list(ui.UPLOAD_TYPES),
        accept_multiple_files=True,
        key=f"uploader-{page_state().nonce}",
        help=f"单个文件不超过 {MAX_FILE_BYTES // 1024 // 1024} MB。",
    )
    if not files:
        page_state().pending = None
        return
    outcome = pending(store, files)
    if outcome.ok:
        show_preview(store, outcome)
    else:
        show_problems(outcome)


def close_rollback() -> None:
    page_state().rollback = None


@st.dialog("撤销批次", width="large", on_dismiss=close_rollback)
def confirm_rollback(store: Store, batch_id: int) -> None:
    """The rollback's confirmation: what happens to each record, then 确认撤销 or 取消."""
    st.warning(
        ui.md(
            "确认撤销批次 {}？它载有的每条记录将恢复为其他有效批次中的最新版本；只有本批次载有的记录将删除。"
            "撤销后批次仍保留在历史中并标记为已撤销，不能再次撤销。下表逐项说明哪些记录保留、为什么保留。",
            batch_id,
        ),
        icon=":material/warning:",
    )
    try:
        st.dataframe(words.rollback_frame(store.rollback_preview(batch_id)), hide_index=True)
    except NotPermitted as exc:
        st.error(ui.md("{}", exc.message), icon=":material/block:")
        return
    left, right = st.columns([1, 3])
    if left.button("确认撤销", type="primary", key="do_rollback"):
        waiting = st.empty()
        try:
            rollback(store, batch_id, on_wait=lambda: waiting.info(words.WAITING_ROLLBACK))
        except REFUSED as exc:  # e.g. rolled back meanwhile from another window
            waiting.error(ui.md("{}", refusal(exc)), icon=":material/error:")
            return
        close_rollback()
        page_state().flash = [f"已撤销批次 {batch_id}，各页面已显示撤销后的数据。"]
        st.rerun()
    if right.button("取消", key="cancel_rollback"):
        close_rollback()
        st.rerun()


def history_section(store: Store) -> None:
    batches = store.batches()
    if not batches:
        st.info("还没有导入过任何批次。", icon=":material/history:")
        return
    st.dataframe(words.history_frame(batches), hide_index=True)
    by_id = {b["id"]: b for b in batches}
    chosen = st.selectbox(
        "查看批次",
        list(reversed(by_id)),
        format_func=lambda i: f"批次 {i}（{by_id[i]['created_at'][:10]}）{by_id[i]['label']}",
        key=HISTORY_KEY,
    )
    batch = by_id[chosen]
    for f in batch["files"]:
        st.caption(ui.md("文件：{}　SHA-256：{}", f["name"], f["sha256"]))
    for dataset in DATASETS:
        records = store.batch_records(chosen, dataset)
        if records.empty:
            continue
        shown = chinese(records, dataset, dataset.fields)
        shown.insert(0, "变动", records["change"].map({"added": "新增", "updated": "更新"}).to_numpy())
        st.markdown(ui.md("**{}**：本批次新增或更新的 {} 条记录", dataset.name, len(shown)))
        st.dataframe(shown, hide_index=True, placeholder="")  # an empty cell, as in the ledger, not "None"
    if batch["rolled_back"]:
        st.caption(ui.md("该批次已于 {} 撤销。", words.shown_time(batch["rolled_back_at"])))
    else:
        st.button("撤销该批次…", icon=":material/undo:", on_click=lambda: setattr(page_state(), "rollback", chosen))
        if page_state().rollback == chosen:
            confirm_rollback(store, chosen)


ui.ensure_entrypoint()
store = ui.store()
st.title("数据管理")
if lines := page_state().flash:  # the same summary as the command line's, a line each
    page_state().flash = []
    st.success(ui.md("  \n".join("{}" for _ in lines), *lines), icon=":material/check_circle:")
try:
    store.actor.require_upload()
except NotPermitted as exc:
    st.error(ui.md("{}", exc.message), icon=":material/block:")
    st.stop()
upload_tab, history_tab = st.tabs(["上传台账", "导入历史"])
with upload_tab:
    upload_section(store)
with history_tab:
    history_section(store)

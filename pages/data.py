"""数据管理: template, upload with a preview, import on confirmation, history with rollback."""

import streamlit as st

import ui
from indicators.ingest.reading import Upload
from indicators.ingest.safety import MAX_FILE_BYTES
from indicators.metrics.tables import chinese
from indicators.output import export, words
from indicators.output.template import template_bytes
from indicators.schema import DATASETS
from indicators.store import AlreadyRolledBack, BatchNotFound, MetaRejected, StoreBusy
from indicators.store.importer import check, commit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFUSED = (AlreadyRolledBack, BatchNotFound, MetaRejected, StoreBusy)
ui.ensure_entrypoint()
store = ui.store()
state = st.session_state
state.setdefault("upload_nonce", 0)


def reset_upload() -> None:
    """Forget the files and their report: a fresh uploader on the next run."""
    state.pop("pending", None)
    state["upload_nonce"] += 1


st.title("数据管理")
if message := state.pop("flash", None):
    st.success(ui.md("{}", message), icon=":material/check_circle:")

upload_tab, history_tab = st.tabs(["上传台账", "导入历史"])

with upload_tab:
    st.markdown(
        "每季度上传信访、复议应诉、培训学法台账（.xlsx、.xls 或 .csv，可一次选多个文件）。"
        "上传后先检查并预览，**确认后才会保存**；任何一处有错，整批都不会导入。"
    )
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
        type=["xlsx", "xls", "xlsm", "csv"],
        accept_multiple_files=True,
        key=f"uploader-{state['upload_nonce']}",
        help=f"单个文件不超过 {MAX_FILE_BYTES // 1024 // 1024} MB。",
    )
    if not files:
        state.pop("pending", None)
    else:
        uploads = [Upload(f.name, f.getvalue()) for f in files]
        # Files by content and position, never by name; checked again once the store changed meanwhile.
        digest = ("|".join(u.sha256 for u in uploads), store.version())
        if state.get("pending", {}).get("digest") != digest:
            with st.spinner("正在检查文件……"):
                state["pending"] = {"digest": digest, "outcome": check(store, uploads)}
        outcome = state["pending"]["outcome"]
        if not outcome.ok:
            st.error(
                ui.md(
                    "发现 {} 处问题，**本批次未保存任何数据**。请按下表逐条修改后，重新上传全部文件。",
                    len(outcome.problems),
                ),
                icon=":material/error:",
            )
            report = words.problems_frame(outcome.problems)
            st.dataframe(report, hide_index=True, placeholder="")
            st.download_button(
                "下载错误报告（.xlsx）",
                data=ui.later(export.xlsx_bytes, {"错误报告": report}),
                file_name="导入错误报告.xlsx",
                mime=XLSX,
                on_click="ignore",
                icon=":material/download:",
            )
            st.button("清除，重新选择文件", on_click=reset_upload, icon=":material/restart_alt:")
        else:
            st.info("检查通过，未发现问题。以下是导入后将发生的变化，确认后才会保存。", icon=":material/fact_check:")
            for note in words.notes(outcome):
                show = st.warning if note.level == "warning" else st.info
                show(ui.md("{}", note.text), icon=":material/content_copy:" if note.level == "warning" else None)
            st.dataframe(words.preview_frame(outcome), hide_index=True)
            if outcome.warnings:
                st.warning(
                    ui.md("有 {} 处值得核对的地方（不影响导入）：", len(outcome.warnings)), icon=":material/rule:"
                )
                st.dataframe(words.problems_frame(outcome.warnings), hide_index=True, placeholder="")
            changes = words.changes_frame(outcome)
            if len(changes):
                with st.expander(ui.md("将更新的 {} 条记录及其变化", len(changes)), expanded=True):
                    st.dataframe(changes, hide_index=True)
            skipped = words.skipped_frame(outcome)
            if len(skipped):
                st.caption("以下工作表未导入：")
                st.dataframe(skipped, hide_index=True)
            label = st.text_input("批次说明（选填）", placeholder="如：2025年第1季度台账")
            user = st.text_input("导入人（选填）")
            left, right = st.columns([1, 3])
            if left.button("确认导入", type="primary", icon=":material/cloud_upload:"):
                waiting = st.empty()
                try:
                    commit(store, outcome, label, user, on_wait=lambda: waiting.info(words.WAITING))
                except REFUSED as exc:
                    waiting.error(ui.md("{}", words.refusal(exc)), icon=":material/error:")
                    st.stop()
                state["flash"] = words.imported_message(outcome)
                state["history_batch"] = outcome.batch_id  # 导入历史 opens on the batch just imported
                reset_upload()
                st.rerun()
            right.button("取消", on_click=reset_upload)

with history_tab:
    batches = store.batches()
    if not batches:
        st.info("还没有导入过任何批次。", icon=":material/history:")
    else:
        st.dataframe(words.history_frame(batches), hide_index=True)
        by_id = {b["id"]: b for b in batches}
        chosen = st.selectbox(
            "查看批次",
            list(reversed(by_id)),
            format_func=lambda i: f"批次 {i}（{by_id[i]['created_at'][:10]}）{by_id[i]['label']}",
            key="history_batch",
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
        elif state.get("confirm_rollback") != chosen:
            st.button(
                "撤销该批次…",
                on_click=lambda: state.update(confirm_rollback=chosen),
                icon=":material/undo:",
            )
        else:
            st.warning(
                ui.md(
                    "确认撤销批次 {}？它载有的每条记录将恢复为其他有效批次中的最新版本；只有本批次载有的记录将删除。"
                    "撤销后批次仍保留在历史中并标记为已撤销，不能再次撤销。下表逐项说明哪些记录保留、为什么保留。",
                    chosen,
                ),
                icon=":material/warning:",
            )
            st.dataframe(words.rollback_frame(store.rollback_preview(chosen)), hide_index=True)
            left, right = st.columns([1, 3])
            if left.button("确认撤销", type="primary", key="do_rollback"):
                waiting = st.empty()
                try:
                    store.rollback(chosen, on_wait=lambda: waiting.info(words.WAITING_ROLLBACK))
                except REFUSED as exc:  # e.g. rolled back meanwhile from another window
                    state.pop("confirm_rollback", None)
                    waiting.error(ui.md("{}", words.refusal(exc)), icon=":material/error:")
                    st.stop()
                state.pop("confirm_rollback", None)
                state["flash"] = f"已撤销批次 {chosen}，各页面已显示撤销后的数据。"
                st.rerun()
            right.button("取消", key="cancel_rollback", on_click=lambda: state.pop("confirm_rollback", None))

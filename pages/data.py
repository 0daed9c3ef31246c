"""数据管理: template, upload with a preview, import on confirmation, history with rollback."""

import hashlib

import streamlit as st

import ui
from indicators import export
from indicators.importer import changes_frame, check, history_frame, ignored_frame, preview_frame
from indicators.reading import Upload
from indicators.report import problems_frame
from indicators.safety import MAX_FILE_BYTES
from indicators.schema import DATASETS
from indicators.tables import chinese
from indicators.template import template_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    st.success(message, icon=":material/check_circle:")

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
        digest = hashlib.sha256(
            b"".join(hashlib.sha256(u.data).digest() + u.name.encode() for u in uploads)
        ).hexdigest()
        # Check again once the store changed (an import or rollback meanwhile): the preview must stay true.
        digest += store.version()
        if state.get("pending", {}).get("digest") != digest:
            with st.spinner("正在检查文件……"):
                state["pending"] = {"digest": digest, "outcome": check(store, uploads)}
        outcome = state["pending"]["outcome"]
        if not outcome.ok:
            st.error(
                f"发现 {len(outcome.problems)} 处问题，**本批次未保存任何数据**。请按下表逐条修改后，重新上传全部文件。",
                icon=":material/error:",
            )
            report = problems_frame(outcome.problems)
            st.dataframe(report, hide_index=True, placeholder="")
            st.download_button(
                "下载错误报告（.xlsx）",
                data=export.xlsx_bytes({"错误报告": report}),
                file_name="导入错误报告.xlsx",
                mime=XLSX,
                on_click="ignore",
                icon=":material/download:",
            )
            st.button("清除，重新选择文件", on_click=reset_upload, icon=":material/restart_alt:")
        else:
            st.info("检查通过，未发现问题。以下是导入后将发生的变化，确认后才会保存。", icon=":material/fact_check:")
            for name, batch_id in outcome.plan.repeat_of.items():
                st.warning(
                    f"“{name}”与批次 {batch_id} 已导入的文件完全相同（SHA-256 相同），属于重复上传，其记录均计为“未变”。",
                    icon=":material/content_copy:",
                )
            st.dataframe(preview_frame(outcome), hide_index=True)
            changes = changes_frame(outcome)
            if len(changes):
                with st.expander(f"将更新的 {len(changes)} 条记录及其变化", expanded=True):
                    st.dataframe(changes, hide_index=True)
            ignored = ignored_frame(outcome)
            if len(ignored):
                st.caption("以下工作表未导入：")
                st.dataframe(ignored, hide_index=True)
            label = st.text_input("批次说明（选填）", placeholder="如：2025年第1季度台账")
            user = st.text_input("导入人（选填）")
            left, right = st.columns([1, 3])
            if left.button("确认导入", type="primary", icon=":material/cloud_upload:"):
                batch_id, plan = store.import_batch(outcome.validated.frames, outcome.files, label=label, user=user)
                counts = "；".join(
                    f"{d.name}新增 {p.counts['added']}、更新 {p.counts['updated']}、未变 {p.counts['unchanged']}"
                    for d in DATASETS
                    if (p := plan.datasets.get(d.id))
                )
                state["flash"] = f"已导入批次 {batch_id}：{counts}。各页面已显示最新数据。"
                state["history_batch"] = batch_id  # 导入历史 opens on the batch just imported
                reset_upload()
                st.rerun()
            right.button("取消", on_click=reset_upload)

with history_tab:
    batches = store.batches()
    if not batches:
        st.info("还没有导入过任何批次。", icon=":material/history:")
    else:
        st.dataframe(history_frame(batches), hide_index=True)
        by_id = {b["id"]: b for b in batches}
        chosen = st.selectbox(
            "查看批次",
            list(reversed(by_id)),
            format_func=lambda i: f"批次 {i}（{by_id[i]['created_at'][:10]}）{by_id[i]['label']}",
            key="history_batch",
        )
        batch = by_id[chosen]
        for f in batch["files"]:
            st.caption(f"文件：{f['name']}　SHA-256：`{f['sha256']}`")
        for dataset in DATASETS:
            records = store.batch_records(chosen, dataset)
            if records.empty:
                continue
            shown = chinese(records, dataset, dataset.fields)
            shown.insert(0, "变动", records["change"].map({"added": "新增", "updated": "更新"}).to_numpy())
            st.markdown(f"**{dataset.name}**：本批次新增或更新的 {len(shown)} 条记录")
            st.dataframe(shown, hide_index=True, placeholder="")  # an empty cell, as in the ledger, not "None"
        if batch["rolled_back"]:
            st.caption(f"该批次已于 {batch['rolled_back_at']} 撤销。")
        elif state.get("confirm_rollback") != chosen:
            st.button(
                "撤销该批次…",
                on_click=lambda: state.update(confirm_rollback=chosen),
                icon=":material/undo:",
            )
        else:
            st.warning(
                f"确认撤销批次 {chosen}？该批次改动的记录将恢复到导入它之前的状态，之后批次的更新保持不变。"
                "撤销后批次仍保留在历史中并标记为已撤销，不能再次撤销。",
                icon=":material/warning:",
            )
            st.dataframe(store.rollback_preview(chosen), hide_index=True)
            left, right = st.columns([1, 3])
            if left.button("确认撤销", type="primary", key="do_rollback"):
                try:
                    store.rollback(chosen)
                except (LookupError, ValueError) as exc:  # e.g. rolled back meanwhile from another window
                    state.pop("confirm_rollback", None)
                    st.error(str(exc).strip("'\""), icon=":material/error:")
                    st.stop()
                state.pop("confirm_rollback", None)
                state["flash"] = f"已撤销批次 {chosen}，各页面已显示撤销后的数据。"
                st.rerun()
            right.button("取消", key="cancel_rollback", on_click=lambda: state.pop("confirm_rollback", None))

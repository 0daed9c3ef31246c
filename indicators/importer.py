"""One upload from files to store: read, validate, plan, and import only when nothing is wrong."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .reading import ReadResult, Upload, read_uploads
from .report import Problem
from .schema import BY_ID, DATASETS
from .store import FileInfo, Plan, Store, file_info
from .validation import Validated, validate


@dataclass
class Outcome:
    """What an upload read, found wrong, would change, and (once imported) its batch id."""

    files: list[FileInfo]
    read: ReadResult
    validated: Validated
    plan: Plan | None = None
    batch_id: int | None = None

    @property
    def problems(self) -> list[Problem]:
        return self.validated.problems

    @property
    def ok(self) -> bool:
        return not self.problems


def _prepare(uploads: list[Upload]) -> Outcome:
    files = [file_info(u.name, u.data) for u in uploads]
    read = read_uploads(uploads)
    return Outcome(files, read, validate(read))


def check(store: Store, uploads: list[Upload]) -> Outcome:
    """Read and validate a batch and say what it would change, without storing anything."""
    outcome = _prepare(uploads)
    if outcome.ok:
        outcome.plan = store.plan(outcome.validated.frames, outcome.files)
    return outcome


def run_import(store: Store, uploads: list[Upload], label: str = "", user: str = "") -> Outcome:
    """Import a batch all or nothing: any problem anywhere and the store is left untouched."""
    outcome = _prepare(uploads)
    if outcome.ok:
        frames = outcome.validated.frames
        outcome.batch_id, outcome.plan = store.import_batch(frames, outcome.files, label=label, user=user)
    return outcome


def preview_frame(outcome: Outcome) -> pd.DataFrame:
    """Per dataset: where its rows came from, how many, the dates they cover, and what they would do."""
    rows = []
    for dataset in DATASETS:
        frame = outcome.validated.frames.get(dataset.id)
        if frame is None:
            continue
        dates = frame[dataset.date_fields[0]].dropna()
        span = f"{dates.min():%Y-%m-%d} 至 {dates.max():%Y-%m-%d}" if len(dates) else "—"
        sources = [
            f"{t.file}" + (f"／{t.sheet}" if t.sheet else "") for t in outcome.read.tables if t.dataset is dataset
        ]
        counts = outcome.plan.datasets[dataset.id].counts if outcome.plan else {}
        rows.append(
            {
                "数据集": dataset.name,
                "来源（文件／工作表）": "；".join(sources),
                "读取行数": len(frame),
                f"覆盖期间（按{dataset.column(dataset.date_fields[0]).name}）": span,
                "新增": counts.get("added"),
                "更新": counts.get("updated"),
                "未变": counts.get("unchanged"),
            }
        )
    return pd.DataFrame(rows)


def ignored_frame(outcome: Outcome) -> pd.DataFrame:
    """Sheets that matched no dataset, and why."""
    return pd.DataFrame(
        [{"文件": i.file, "工作表": i.sheet, "原因": i.reason} for i in outcome.read.ignored],
        columns=["文件", "工作表", "原因"],
    )


def changes_frame(outcome: Outcome) -> pd.DataFrame:
    """Every record the batch would update, with what changes in it."""
    parts = []
    for dataset_id, dp in outcome.plan.datasets.items() if outcome.plan else []:
        if len(dp.changes):
            part = dp.changes.set_axis(["记录", "变化"], axis=1)
            part.insert(0, "数据集", BY_ID[dataset_id].name)
            parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["数据集", "记录", "变化"])


def history_frame(batches: list[dict]) -> pd.DataFrame:
    """The import history as a table, newest first, with each batch's state in words."""
    rows = []
    for b in reversed(batches):
        state = "已撤销" if b["rolled_back"] else "有效"
        if b["repeat"]:
            state += "（重复上传）"
        rows.append(
            {
                "批次": b["id"],
                "导入时间": b["created_at"].replace("T", " ")[:19],
                "说明": b["label"],
                "导入人": b["user"],
                "文件": "；".join(f["name"] for f in b["files"]),
                "SHA-256": "；".join(f["sha256"][:12] + "…" for f in b["files"]),
                "新增": b["added"],
                "更新": b["updated"],
                "未变": b["unchanged"],
                "状态": state,
            }
        )
    columns = ["批次", "导入时间", "说明", "导入人", "文件", "SHA-256", "新增", "更新", "未变", "状态"]
    return pd.DataFrame(rows, columns=columns)

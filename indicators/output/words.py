"""What users read about uploads, batches and rollbacks: the store's and the reader's facts, in Chinese.

The data page and the command line both word facts through these functions, as plain text and
tables; each medium escapes the text where it writes it (output/escape.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import pandas as pd

from ..ingest.report import REPORT_COLUMNS, Problem, sorted_problems
from ..ingest.sheets import SkipKind
from ..schema import BY_ID, DATASETS, INSTRUCTIONS_SHEET, TEXT_KINDS, Column, Dataset, Kind
from ..store import AlreadyRolledBack, BatchNotFound, MetaRejected, StoreBusy
from ..store.importer import Outcome
from ..store.plan import KEY
from ..store.store import Fate
from . import escape

WAITING = "另一批次正在导入，请稍候……本批次将在它完成后自动导入。"
WAITING_ROLLBACK = "另一批次正在导入，请稍候……撤销将在它完成后自动进行。"
EMPTY = "（空）"


def show(value: object) -> str:
    """A stored value as a ledger shows it: （空）, 2025-01-05, 是/否, or its text."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return EMPTY
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.strftime("%Y-%m-%d")
    if pd.api.types.is_bool(value):  # numpy's bool too: a nullable boolean column yields those
        return "是" if value else "否"
    return str(value)


def shown_time(iso: str | None) -> str:
    """A stored ISO time as people read it: 2026-12-02 08:16."""
    return (iso or "").replace("T", " ")[:16]


def visible(value: object) -> object:
    """A file, sheet or cell text as a table shows it: a bidirectional override or control character as
    its code (a sheet named 说明\u202egpj.exe must not show as 说明exe.jpg); other values as they are."""
    return escape.terminal(value) if isinstance(value, str) else value


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """A report (problems or warnings) as a table with Chinese headers, in the order a reader meets them."""
    rows = [{k: visible(v) for k, v in asdict(p).items() if k in REPORT_COLUMNS} for p in sorted_problems(problems)]
    frame = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame.rename(columns=REPORT_COLUMNS)


def preview_frame(outcome: Outcome) -> pd.DataFrame:
    """Per dataset: where its rows came from, how many, the dates they cover, and what they would do."""
    rows = []
    for dataset in DATASETS:
        frame = outcome.validated.frames.get(dataset.id)
        if frame is None:
            continue
        first_date = dataset.column(dataset.date_fields[0])
        dates = frame[first_date.field].dropna()
        span = f"{dates.min():%Y-%m-%d} 至 {dates.max():%Y-%m-%d}（{first_date.name}）" if len(dates) else "—"
        tables = [t for t in outcome.read.tables if t.dataset_id == dataset.id]
        sources = [visible(t.file + (f"／{t.sheet}" if t.sheet else "")) for t in tables]
        counts = outcome.plan.datasets[dataset.id].counts if outcome.plan else {}
        rows.append(
            {
                "数据集": dataset.name,
                "新增": counts.get("added"),
                "更新": counts.get("updated"),
                "未变": counts.get("unchanged"),
                "读取行数": len(frame),
                "覆盖期间": span,
                "来源（文件／工作表）": "；".join(sources),
            }
        )
    return pd.DataFrame(rows)


def skipped_frame(outcome: Outcome) -> pd.DataFrame:
    """Sheets that bring no rows and why; the template's own instructions sheet is not among them."""
    reasons = {
        SkipKind.EMPTY: lambda s: "空工作表",
        SkipKind.UNMATCHED: lambda s: "表头与任何数据集都不相符" + (f"（{s.detail}）" if s.detail else ""),
        SkipKind.NO_ROWS: lambda s: f"“{s.detail}”表只有表头{'和模板示例行' if s.examples else ''}，没有数据行",
    }
    rows = [
        {"文件": visible(s.file), "工作表": visible(s.sheet), "原因": visible(reasons[s.kind](s))}
        for s in outcome.read.skipped
        if s.kind in reasons
    ]
    return pd.DataFrame(rows, columns=["文件", "工作表", "原因"])


@dataclass(frozen=True)
class Note:
    """A sentence of the preview: `warning` for what may surprise (a repeated file), else `info`."""

    level: str
    text: str

    def __str__(self) -> str:
        return self.text


def notes(outcome: Outcome) -> list[Note]:
    """What the preview says besides its tables: examples skipped, the instructions sheet, repeated files."""
    out = []
    examples = [(t, len(t.examples)) for t in outcome.read.tables if t.examples]
    examples += [(s, s.examples) for s in outcome.read.skipped if s.kind == SkipKind.NO_ROWS and s.examples]
    if examples:
        where = "、".join(f"“{t.sheet or t.file}”{n} 行" for t, n in examples)
        out.append(Note("info", f"已跳过模板的示例行（{where}），它们不会被导入。"))
    if any(s.kind == SkipKind.INSTRUCTIONS for s in outcome.read.skipped):
        out.append(Note("info", f"模板自带的“{INSTRUCTIONS_SHEET}”工作表无需导入，已略过。"))
    if outcome.plan:
        for fileno, batch_id in outcome.plan.repeat_of.items():
            name = outcome.files[fileno].name
            text = (
                f"“{name}”与批次 {batch_id} 已导入的文件完全相同（SHA-256 相同），属于重复上传："
                f"其记录计为“未变”，本批次同样载有它们（撤销批次 {batch_id} 时，只要本批次有效，这些记录仍然保留）。"
            )
            out.append(Note("warning", text))
    return out


def changes_frame(outcome: Outcome) -> pd.DataFrame:
    """Every record the batch would update, with what changes in it: 审理结果：（空） → 驳回诉讼请求."""
    parts = []
    for dataset_id, dp in outcome.plan.datasets.items() if outcome.plan else []:
        if dp.changes.empty:
            continue
        dataset = BY_ID[dataset_id]
        piece = [
            f"{dataset.column(f).name}：{show(o)} → {show(n)}"
            for f, o, n in zip(dp.changes["field"], dp.changes["old"], dp.changes["new"], strict=True)
        ]
        text = pd.Series(piece).groupby(dp.changes[KEY].to_numpy(), sort=False).agg("；".join)
        parts.append(pd.DataFrame({"数据集": dataset.name, "记录": text.index, "变化": text.to_numpy()}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["数据集", "记录", "变化"])


def summary_lines(outcome: Outcome) -> list[str]:
    """The report of a stored batch, a line each: the command line prints it, the data page shows it."""
    plan = outcome.plan
    assert plan is not None
    lines = [f"导入成功：批次 {outcome.batch_id}，文件 {len(outcome.files)} 个。各页面已显示最新数据。"]
    for dataset_id, dp in plan.datasets.items():
        c = dp.counts
        lines.append(f"  {BY_ID[dataset_id].name}：新增 {c['added']}，更新 {c['updated']}，未变 {c['unchanged']}")
    for row in skipped_frame(outcome).itertuples(index=False):
        lines.append(f"  已略过：文件“{row.文件}”工作表“{row.工作表}”（{row.原因}）")
    lines += [f"  注意：{n}" for n in notes(outcome)]
    lines += [f"  请核对：{w.text()}" for w in sorted_problems(outcome.warnings)]
    return lines


def history_frame(batches: list[dict]) -> pd.DataFrame:
    """The import history, newest first: the columns a person decides on first."""
    rows = []
    for b in reversed(batches):
        state = "已撤销" if b["rolled_back"] else "有效"
        if b["repeat"]:
            state += "（重复上传）"
        rows.append(
            {
                "批次": b["id"],
                "状态": state,
                "导入时间": shown_time(b["created_at"]),
                "说明": b["label"],
                "新增": b["added"],
                "更新": b["updated"],
                "未变": b["unchanged"],
                "导入人": b["user"],
                "文件": "；".join(f["name"] for f in b["files"]),
                "SHA-256": "；".join(f["sha256"][:12] + "…" for f in b["files"]),
            }
        )
    columns = ["批次", "状态", "导入时间", "说明", "新增", "更新", "未变", "导入人", "文件", "SHA-256"]
    return pd.DataFrame(rows, columns=columns)


_FATES = {
    Fate.REMOVED: ("将删除", lambda b: "只有本批次载有这些记录"),
    Fate.RESTORED: ("恢复为之前版本", lambda b: f"恢复为批次 {b} 中的版本"),
    Fate.KEPT_SAME: ("保留不变", lambda b: f"批次 {b} 也载有相同版本（如重复上传），只要它有效，记录就保留"),
    Fate.KEPT_NEWER: ("不受影响", lambda b: f"批次 {b} 的更新版本是当前版本，保持不变"),
}
_EXAMPLES = 5


def rollback_frame(preview: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What a rollback does, per dataset and fate, naming the batch that decides it and some records."""
    rows = []
    for dataset in DATASETS:
        fates = preview.get(dataset.id)
        if fates is None:
            continue
        groups: dict[tuple[str, int | None], list[str]] = {}
        for key, fate, batch in zip(fates[KEY], fates["outcome"], fates["batch"], strict=True):
            groups.setdefault((fate, None if batch is None or batch != batch else int(batch)), []).append(key)
        for (fate, batch), keys in sorted(groups.items(), key=lambda g: (list(_FATES).index(g[0][0]), g[0][1] or 0)):
            label, reason = _FATES[fate]
            shown = "、".join(keys[:_EXAMPLES]) + (f" 等 {len(keys)} 条" if len(keys) > _EXAMPLES else "")
            rows.append(
                {"数据集": dataset.name, "结果": label, "记录数": len(keys), "原因": reason(batch), "记录": shown}
            )
    return pd.DataFrame(rows, columns=["数据集", "结果", "记录数", "原因", "记录"])


def rollback_lines(preview: dict[str, pd.DataFrame]) -> list[str]:
    """The command line's account of a rollback, from its preview: per dataset, how many records went where."""
    lines = []
    for dataset in DATASETS:
        fates = preview.get(dataset.id)
        if fates is None or fates.empty:
            continue
        counts = fates["outcome"].value_counts()
        parts = [f"{_FATES[f][0].replace('将', '已')} {int(counts[f])} 条" for f in _FATES if f in counts]
        lines.append(f"  {dataset.name}：{'，'.join(parts)}")
    return lines


def refusal(exc: Exception) -> str:
    """Why the store refused a request, in Chinese."""
    if isinstance(exc, BatchNotFound):
        return f"批次 {exc.batch_id} 不存在。"
    if isinstance(exc, AlreadyRolledBack):
        return f"批次 {exc.batch_id} 已于 {shown_time(exc.at)} 撤销，不能重复撤销。"
    if isinstance(exc, StoreBusy):
        return "另一批次导入或撤销的时间过长，本次操作等待超时，未做任何改动。请稍后重试。"
    if isinstance(exc, MetaRejected):
        return "；".join(exc.messages) + "。"
    raise TypeError(exc)


def column_rules(dataset: Dataset, column: Column) -> str:
    """The rules a column's cells follow beyond their type, from the schema: for the template and the docs."""
    rules = [column.note] if column.note else []
    if column.kind in TEXT_KINDS:
        rules.append(f"最多 {dataset.max_chars(column):,} 个字符，不含控制字符")
    if column.not_before:
        rules.append(f"不早于{dataset.column(column.not_before).name}")
    if column.kind is Kind.DATE and not column.future_ok:
        rules.append("不晚于导入当天")
    if column.only_with:
        rules.append(f"没有{dataset.column(column.only_with).name}时填写会给出提示")
    if column.field in dataset.key:
        rules.append(f"唯一键（{dataset.key_names}）的一部分")
    return "；".join(rules)

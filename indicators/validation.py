"""Validate every matched table of a batch and turn it into typed records, collecting every problem.

Parsers run once per distinct cell value (ledgers repeat dates, channels and yes/no words), so a
100k-row sheet costs a few thousand parser calls, not a Python loop over its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .normalize import PARSERS, Parsed, outcome_class
from .reading import ReadResult, SheetTable
from .report import Problem, shown_value
from .schema import DATASETS, LITIGATION, OUTCOME_CLASS_FIELD, UNIT_FIELD, Dataset, Kind, default_unit

SOURCE_COLUMNS = ("_file", "_sheet", "_row")


@dataclass
class Validated:
    """Typed records per dataset id (with their source file, sheet and row), and every problem."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _cell_key(value: object) -> tuple[type, object] | None:
    """A cell as a cache key: None when blank, else keyed by type too (1, 1.0 and True are equal in Python)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return type(value), value


def _parse_series(raw: pd.Series, kind: Kind) -> tuple[pd.Series, pd.Series]:
    """Parse a column through its kind's parser, once per distinct value: (values, errors)."""
    parser = PARSERS[kind]
    keys = [_cell_key(v) for v in raw.to_numpy(dtype=object)]
    parsed: dict[tuple[type, object], Parsed] = {key: parser(key[1]) for key in set(keys) if key is not None}
    blank = parser(None)
    results = [parsed[key] if key is not None else blank for key in keys]
    values = pd.Series([r.value for r in results], index=raw.index, dtype=object)
    errors = pd.Series([r.error for r in results], index=raw.index, dtype=object)
    return values, errors


def typed(values: pd.Series, kind: Kind) -> pd.Series:
    if kind is Kind.DATE:
        return pd.to_datetime(values, errors="coerce").astype("datetime64[s]")
    if kind is Kind.YESNO:
        return values.astype("boolean")
    if kind is Kind.COUNT:
        return values.astype("Int64")
    if kind is Kind.HOURS:
        return values.astype("Float64")
    return values.astype(object).where(values.notna(), None)


def validate_table(table: SheetTable) -> tuple[pd.DataFrame, list[Problem]]:
    """One sheet's rows as typed records, with a problem for every bad or missing cell."""
    dataset = table.dataset
    problems: list[Problem] = []
    out = pd.DataFrame(index=table.rows.index)
    for column in dataset.columns:
        if column.field not in table.rows:
            out[column.field] = typed(pd.Series(None, index=out.index, dtype=object), column.kind)
            continue
        raw = table.rows[column.field]
        values, errors = _parse_series(raw, column.kind)
        bad = errors.notna()
        if column.required:
            empty = values.isna() & ~bad
            for row in empty[empty].index:
                problems.append(Problem(table.file, "必填项为空", table.sheet, int(row), column.name))
        for row in bad[bad].index:
            problems.append(Problem(table.file, errors[row], table.sheet, int(row), column.name, shown_value(raw[row])))
        out[column.field] = typed(values.where(~bad, None), column.kind)
    out[UNIT_FIELD] = out[UNIT_FIELD].fillna(default_unit())
    if dataset is LITIGATION:
        out[OUTCOME_CLASS_FIELD] = out["outcome"].map(outcome_class)
    for name, value in zip(SOURCE_COLUMNS, (table.file, table.sheet), strict=False):
        out[name] = value
    out["_row"] = out.index.astype(int)
    return out.reset_index(drop=True), problems


def key_series(frame: pd.DataFrame, dataset: Dataset) -> pd.Series:
    """The record key as one text per row (dates as ISO dates), for comparing and storing."""
    parts = []
    for name in dataset.key:
        col = frame[name]
        parts.append(col.dt.strftime("%Y-%m-%d") if dataset.column(name).kind is Kind.DATE else col.astype("string"))
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key.astype(object)


def _duplicate_problems(frame: pd.DataFrame, dataset: Dataset) -> list[Problem]:
    """A problem for every repeat of a key within the batch, naming the row it repeats."""
    keys = key_series(frame, dataset)
    complete = keys.notna()
    dup = keys.duplicated(keep=False) & complete
    if not dup.any():
        return []
    problems = []
    key_label = dataset.key_names
    first_of: dict[str, int] = {}
    for idx in frame.index[dup]:
        key = keys[idx]
        if key not in first_of:
            first_of[key] = idx
            continue
        first = frame.loc[first_of[key]]
        here = frame.loc[idx]
        where = f"文件“{first['_file']}”" + (f"工作表“{first['_sheet']}”" if first["_sheet"] else "")
        problems.append(
            Problem(
                here["_file"],
                f"{key_label}与{where}第 {first['_row']} 行重复（同一批次中同一记录只能出现一次）",
                here["_sheet"],
                int(here["_row"]),
                dataset.column(dataset.key[0]).name,
                str(key),
            )
        )
    return problems


def validate(read: ReadResult) -> Validated:
    """Validate a whole batch: problems from reading, every cell, and duplicate keys across files."""
    result = Validated(problems=list(read.problems))
    for dataset in DATASETS:
        parts = []
        for table in (t for t in read.tables if t.dataset.id == dataset.id):
            frame, problems = validate_table(table)
            result.problems += problems
            parts.append(frame)
        if parts:
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            result.problems += _duplicate_problems(frame, dataset)
            result.frames[dataset.id] = frame
    return result

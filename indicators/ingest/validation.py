"""Validate every matched table of a batch and turn it into typed records, collecting every problem.

Parsers run once per distinct cell value (ledgers repeat dates, channels and yes/no words), so a
100k-row sheet costs a few thousand parser calls, not a Python loop over its rows. The rules that tie
columns together (a date not before another, no date after the import, a value that needs another)
come from the schema's declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from ..schema import (
    DATASETS,
    LITIGATION,
    MAX_META_CHARS,
    OUTCOME,
    OUTCOME_CLASS_FIELD,
    TEXT_KINDS,
    UNIT_FIELD,
    Column,
    Dataset,
    Kind,
    default_unit,
)
from .normalize import PARSERS, Parsed, outcome_class, parse_date, text_problem
from .report import Problem, shown_value
from .sheets import ReadResult, SheetTable

FILENO, FILE, SHEET, ROW = "_fileno", "_file", "_sheet", "_row"
# A report lists at most this many problems (each check creates at most as many), then says how many
# more there are: a wrong file with 600,000 bad rows gets a readable report in seconds, not a 1 GB one.
MAX_LISTED = 10_000
SOURCE_COLUMNS = (FILENO, FILE, SHEET, ROW)


@dataclass
class Validated:
    """Typed records per dataset id (with their source file, sheet and row), every problem and warning.

    `unlisted` counts the problems beyond the MAX_LISTED a check lists (the report's last line says so).
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unlisted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def cell_parser(dataset: Dataset, column: Column, date1904: bool = False) -> Callable[[Any], Parsed]:
    """The column's parser, after the checks every text cell passes: no control characters, a length limit.

    `date1904`: the workbook's serial dates count from 1904 (see normalize.parse_date).
    """
    parse = partial(parse_date, date1904=True) if column.kind is Kind.DATE and date1904 else PARSERS[column.kind]
    limit = dataset.max_chars(column) if column.kind in TEXT_KINDS else None

    def checked(raw: Any) -> Parsed:
        problem = text_problem(raw, limit)
        return Parsed(error=problem) if problem else parse(raw)

    return checked


def _parse_cells(raw: list[object], parse: Callable[[Any], Parsed]) -> tuple[list[Any], list[str | None]]:
    """Parse a column once per distinct value: (values, errors), aligned with `raw`.

    Cells of one type are keyed by value; a column mixing types is keyed by (type, value), since 1, 1.0
    and True are equal in Python but not in a ledger.
    """
    if len({type(v) for v in raw}) <= 1:
        parsed = {v: parse(v) for v in set(raw)}
        results = [parsed[v] for v in raw]
    else:
        keys = list(zip(map(type, raw), raw, strict=True))
        by_key = {key: parse(key[1]) for key in set(keys)}
        results = [by_key[key] for key in keys]
    return [r.value for r in results], [r.error for r in results]


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


def _problem(table: SheetTable, row: int, column: Column, message: str, value: object = "") -> Problem:
    return Problem(
        table.file,
        message,
        table.sheet,
        row,
        column.name,
        shown_value(value),
        table.fileno,
        table.sheet_no,
        table.positions.get(column.field, -1),
    )


def _cell_problems(
    table: SheetTable, column: Column, raw: list, values: list, errors: list
) -> tuple[list[Problem], int]:
    """Unreadable cells, cells read as empty that are not, and empty required cells, in row order.

    Returns at most MAX_LISTED problems and how many there are in all.
    """
    unreadable = any(f == column.field for _, f in table.unreadable)
    if not unreadable and errors.count(None) == len(errors) and not (column.required and None in values):
        return [], 0
    flagged = [
        i
        for i, (value, error) in enumerate(zip(values, errors, strict=True))
        if error is not None
        or (value is None and (column.required or (table.rows[i], column.field) in table.unreadable))
    ]
    problems = []
    for i in flagged[:MAX_LISTED]:
        value, error, row = values[i], errors[i], table.rows[i]
        if error is not None:
            problems.append(_problem(table, row, column, error, raw[i]))
        elif value is None and (why := table.unreadable.get((row, column.field))):
            problems.append(_problem(table, row, column, why))
        elif value is None and column.required:
            problems.append(_problem(table, row, column, "必填项为空"))
    return problems, len(flagged)


def _cross_checks(table: SheetTable, out: pd.DataFrame, today: date) -> tuple[list[Problem], list[Problem], int]:
    """The schema's rules between columns: (problems, warnings, problems not listed), each naming both cells."""
    dataset = table.dataset
    problems, warnings, unlisted = [], [], 0
    day = pd.Timestamp(today)
    rows = out.index
    for column in dataset.columns:
        if column.kind is Kind.DATE and column.field in table.cells:
            values = out[column.field]
            if column.not_before and column.not_before in table.cells:
                other = dataset.column(column.not_before)
                earlier = values.notna() & out[other.field].notna() & (values < out[other.field])
                unlisted += max(int(earlier.sum()) - MAX_LISTED, 0)
                for row in rows[earlier.to_numpy()][:MAX_LISTED]:
                    this, that = f"{values[row]:%Y-%m-%d}", f"{out.at[row, other.field]:%Y-%m-%d}"
                    message = (
                        f"{column.name}（{this}）早于同一行的{other.name}（{that}），{column.name}不能早于{other.name}"
                    )
                    problems.append(_problem(table, row, column, message, this))
            if not column.future_ok:
                later = values.notna() & (values > day)
                unlisted += max(int(later.sum()) - MAX_LISTED, 0)
                for row in rows[later.to_numpy()][:MAX_LISTED]:
                    this = f"{values[row]:%Y-%m-%d}"
                    message = f"{column.name}晚于导入当天（{today:%Y-%m-%d}），请核对年份和月份"
                    problems.append(_problem(table, row, column, message, this))
        if column.only_with and column.field in table.cells:
            other = dataset.column(column.only_with)
            lonely = out[column.field].notna() & out[other.field].isna()
            for row in rows[lonely.to_numpy()][:MAX_LISTED]:
                message = (
                    f"填写了“{column.name}”，但同一行没有“{other.name}”：缺少“{other.name}”时此值不计入指标，请核对"
                )
                warnings.append(_problem(table, row, column, message, _shown(out.at[row, column.field])))
    return problems, warnings, unlisted


def _shown(value: object) -> str:
    """A typed value as the ledger shows it (是/否 for yes/no, numpy's bool included)."""
    if pd.api.types.is_bool(value):
        return "是" if value else "否"
    return shown_value(value)


def validate_table(table: SheetTable, today: date) -> tuple[pd.DataFrame, list[Problem], list[Problem], int]:
    """One sheet's rows as typed records, with a problem for every bad, missing or contradictory cell.

    Returns the records, the problems and warnings listed, and how many problems were not listed.
    """
    dataset = table.dataset
    problems: list[Problem] = []
    unlisted = 0
    index = pd.Index(table.rows)
    out = pd.DataFrame(index=index)
    for column in dataset.columns:
        raw = table.cells.get(column.field)
        if raw is None:
            out[column.field] = typed(pd.Series(None, index=index, dtype=object), column.kind)
            continue
        values, errors = _parse_cells(raw, cell_parser(dataset, column, table.date1904))
        listed, total = _cell_problems(table, column, raw, values, errors)
        problems += listed
        unlisted += total - len(listed)
        clean = [None if e is not None else v for v, e in zip(values, errors, strict=True)]
        out[column.field] = typed(pd.Series(clean, index=index, dtype=object), column.kind)
    more, warnings, unlisted_more = _cross_checks(table, out, today)
    problems += more
    unlisted += unlisted_more
    out[UNIT_FIELD] = out[UNIT_FIELD].fillna(default_unit())
    if dataset is LITIGATION:
        out[OUTCOME_CLASS_FIELD] = out[OUTCOME.field].map(outcome_class)
    out[FILENO], out[FILE], out[SHEET] = table.fileno, table.file, table.sheet
    out[ROW] = out.index.astype(int)
    return out.reset_index(drop=True), problems, warnings, unlisted


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


def _duplicate_problems(frame: pd.DataFrame, dataset: Dataset) -> tuple[list[Problem], int]:
    """A problem for every repeat of a key within the batch, naming the row it repeats (at most
    MAX_LISTED of them), and how many repeats there are in all."""
    keys = key_series(frame, dataset)
    dup = keys.duplicated(keep=False) & keys.notna()
    if not dup.any():
        return [], 0
    repeats = int((keys.duplicated(keep="first") & keys.notna()).sum())
    problems = []
    first_of: dict[str, int] = {}
    key_column = dataset.column(dataset.key[0])
    for idx in frame.index[dup.to_numpy()]:
        if len(problems) >= MAX_LISTED:
            break
        key = keys[idx]
        if key not in first_of:
            first_of[key] = idx
            continue
        first, here = frame.loc[first_of[key]], frame.loc[idx]
        where = f"文件“{first[FILE]}”" + (f"工作表“{first[SHEET]}”" if first[SHEET] else "")
        problems.append(
            Problem(
                here[FILE],
                f"{dataset.key_names}与{where}第 {first[ROW]} 行重复（同一批次中同一记录只能出现一次）",
                here[SHEET],
                int(here[ROW]),
                key_column.name,
                shown_value(key),
                int(here[FILENO]),
            )
        )
    return problems, repeats


def validate(read: ReadResult, today: date | None = None) -> Validated:
    """Validate a whole batch: problems from reading, every cell, the rules between cells, duplicate keys."""
    today = today or date.today()
    result = Validated(problems=list(read.problems))
    for dataset in DATASETS:
        parts = []
        for table in (t for t in read.tables if t.dataset_id == dataset.id):
            frame, problems, warnings, unlisted = validate_table(table, today)
            result.problems += problems
            result.warnings += warnings
            result.unlisted += unlisted
            parts.append(frame)
        if parts:
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
            repeats, total = _duplicate_problems(frame, dataset)
            result.problems += repeats
            result.unlisted += total - len(repeats)
            result.frames[dataset.id] = frame
    result.problems.sort(key=Problem.sort_key)
    result.warnings.sort(key=Problem.sort_key)
    result.unlisted += max(len(result.problems) - MAX_LISTED, 0)
    result.warnings = result.warnings[:MAX_LISTED]
    if result.unlisted:
        more = (
            f"另有 {result.unlisted:,} 处问题未逐条列出（报告最多列出 {MAX_LISTED:,} 处）。"
            "请先修正以上问题后重新上传全部文件"
        )
        result.problems = [*result.problems[:MAX_LISTED], Problem("", more, fileno=len(read.tables) + 10**6)]
    return result


def meta_problems(label: str, user: str) -> list[str]:
    """What is wrong with a batch's label or importer name (trimmed as stored), in Chinese; empty when fine.

    Both are single lines: a line break in a label would let it pass for another batch in a listing.
    """
    out = []
    for what, text in (("批次说明", label), ("导入人", user)):
        if problem := text_problem(text, MAX_META_CHARS):
            out.append(f"{what}{problem}")
        elif any(c in text for c in "\r\n\t"):
            out.append(f"{what}只能写一行，不能含换行或制表符")
    return out

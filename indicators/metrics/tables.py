"""The data behind every chart and table of the dashboard, with Chinese column names.

Each function takes the current records per dataset (`load.page_frames`: records, or a tally of them) and a period, and returns
a new DataFrame: what the chart draws is what its `.xlsx` download holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from ..ingest.normalize import OUTCOME_LABELS, OUTCOME_WORDS, PENDING
from ..schema import (
    AFTER_REVIEW,
    BY_ID,
    CASE_NO,
    CASE_TYPE,
    CATEGORY,
    CHANNEL,
    CONCLUDED_ON,
    DISCLOSURE,
    FILED_ON,
    HEAD_APPEARED,
    HEARING_ON,
    HELD_ON,
    HOURS,
    LITIGATION,
    OUTCOME_CLASS_FIELD,
    PARTICIPANTS,
    PETITIONS,
    RECEIVED_ON,
    TRAINING,
    UNIT_FIELD,
    Column,
    Dataset,
    Kind,
)
from .kpis import (
    LITIGATION_TYPE,
    REVIEW_TYPE,
    breakdown,
    counts_by,
    for_unit,
    hearings_in,
    in_period,
    kpis_from_frames,
    series,
    yes,
)
from .periods import Granularity, Period

TREND_LENGTH = {Granularity.YEAR: 5, Granularity.HALF: 6, Granularity.QUARTER: 8, Granularity.MONTH: 12}
OUTCOME_ORDER = ("upheld", "lost", "withdrawn", PENDING)
NOT_FILLED = "未填写"


def recent_periods(period: Period) -> list[Period]:
    """The trend window ending at the period: 12 months, 8 quarters, 6 half-years or 5 years."""
    n = TREND_LENGTH[period.granularity]
    return [period.shift(i) for i in range(-n + 1, 1)]


def trend_label(labels: Sequence[str], period: Period) -> str:
    """The window a trend chart shows in words, from the first to the last of its periods' labels
    (e.g. 2023年第1季度至2024年第4季度; one period: its label; none: the period chosen)."""
    shown = list(dict.fromkeys(labels))
    if not shown:
        return period.label
    return shown[0] if len(shown) == 1 else f"{shown[0]}至{shown[-1]}"


def data_span(period: Period) -> tuple[date, date]:
    """The dates a page needs records for: the trend window, the previous period, and the whole
    selected year and the year before it (the monthly comparison shows all their months)."""
    start = min(recent_periods(period)[0].start, period.previous().start, date(period.year - 1, 1, 1))
    return start, max(period.end, date(period.year, 12, 31))


def covered_span(frames: dict[str, pd.DataFrame], dataset: Dataset, unit: str | None) -> tuple[date, date] | None:
    """The first and last date of a dataset's records read for a page (its window runs to the end of the
    selected year): periods outside it have no ledger behind them, which is no data, not zero."""
    rows = for_unit(frames[dataset.id], unit)[dataset.date_fields[0]].dropna()
    return (rows.min().date(), rows.max().date()) if len(rows) else None


def covers(frames: dict[str, pd.DataFrame], dataset: Dataset, unit: str | None, period: Period) -> bool:
    """Whether a ledger of the dataset covers any of the period (see covered_span): if not, its figures
    for the period are no data, not zeros."""
    span = covered_span(frames, dataset, unit)
    return span is not None and period.start <= span[1] and period.end >= span[0]


def _trend(frames: dict[str, pd.DataFrame], period: Period, unit: str | None, columns: dict[str, str]) -> pd.DataFrame:
    """Indicators over the trend window: 期间, then each Chinese column from its dotted indicator name.

    Periods of the window before the first record of the dataset are left out (a year of data on a
    five-year axis is one point, not four zeros and a point); the selected period always stays.
    """
    dataset = BY_ID[next(iter(columns.values())).split(".")[0]]
    span = covered_span(frames, dataset, unit)
    window = [p for p in recent_periods(period) if span and p.end >= span[0]] or [period]
    s = series(frames, window, unit)
    out = pd.DataFrame({"期间": s["label"], **{name: s[key].astype(object) for name, key in columns.items()}})
    # before the first record or after the last: no ledger covers it (the selected period stays, empty)
    beyond = [span is None or p.start > span[1] or p.end < span[0] for p in window]
    out.loc[beyond, list(columns)] = None
    return out


def _shares(counts: dict[str, int], label: str) -> pd.DataFrame:
    total = sum(counts.values())
    frame = pd.DataFrame({label: list(counts), "件数": list(counts.values())})
    frame["占比"] = frame["件数"] / total if total else 0.0
    return frame


def petitions_by_channel(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Petitions received in the period per channel, with shares."""
    return _shares(kpis_from_frames(frames, period, unit)["petitions"]["by_channel"], CHANNEL.name)


def petitions_by_category(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Petitions received in the period per 事项类别 (未填写 when empty), with shares."""
    rows = for_unit(frames[PETITIONS.id], unit)
    rows = rows.loc[in_period(rows, RECEIVED_ON.field, period)]
    return _shares(counts_by(rows, CATEGORY.field, empty=NOT_FILLED), CATEGORY.name)


def petitions_monthly(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Petitions per month of the period's year against the same months a year earlier.

    A month no petition ledger covers (before the first record read, after the last) is None, not 0,
    and a year without any is named so: 2023年（无台账数据）. The view is as of the period's end: this
    year's months after it are None too (a 2024年第3季度 view shows no October).
    """
    year = Period(period.year, 1, Granularity.YEAR)
    span = covered_span(frames, PETITIONS, unit)
    out = {"月份": [f"{m}月" for m in range(1, 13)]}
    for shown in (year, year.year_ago()):
        months = shown.subperiods(Granularity.MONTH)
        counts = series(frames, months, unit)["petitions.total"].tolist()
        values = [
            c if span and m.end >= span[0] and m.start <= min(span[1], period.end) else None
            for m, c in zip(months, counts, strict=True)
        ]
        name = f"{shown.year}年" if any(v is not None for v in values) else f"{shown.year}年（无台账数据）"
        out[name] = pd.array(values, dtype="Int64")
    return pd.DataFrame(out)


def petition_rates(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Received, closed, on time and both rates per period of the trend window."""
    return _trend(
        frames,
        period,
        unit,
        {
            "收件": "petitions.total",
            "办结": "petitions.closed",
            "按期办结": "petitions.on_time",
            "办结率": "petitions.closure_rate",
            "按期办结率": "petitions.on_time_rate",
        },
    )


def cases_by_type(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    counts = kpis_from_frames(frames, period, unit)["litigation"]["by_type"]
    return pd.DataFrame({CASE_TYPE.name: list(counts), "件数": list(counts.values())})


def case_outcomes(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Cases received in the period by type and their outcome today (胜诉/维持, 败诉, 撤诉, 未结)."""
    rows = for_unit(frames[LITIGATION.id], unit)
    rows = rows.loc[in_period(rows, FILED_ON.field, period)]
    grid = rows.groupby([CASE_TYPE.field, OUTCOME_CLASS_FIELD]).size()
    out = [
        {CASE_TYPE.name: t, "审理结果": OUTCOME_LABELS[c], "件数": int(grid.get((t, c), 0))}
        for t in (REVIEW_TYPE, LITIGATION_TYPE)
        for c in OUTCOME_ORDER
    ]
    return pd.DataFrame(out)


# The official outcome table (table 4 of the government-information-disclosure annual report): its
# groups of cases and, for each, the five columns; which outcome class counts in which column.
OFFICIAL_GROUPS = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
OFFICIAL_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
OFFICIAL_CLASS = {"upheld": "结果维持", "lost": "结果纠正", "withdrawn": "其他结果", PENDING: "尚未审结"}


def official_outcomes(
    frames: dict[str, pd.DataFrame], period: Period, unit: str | None, disclosure_only: bool = True
) -> pd.DataFrame:
    """Cases received in the period in the layout of the official table: a row per group (行政复议;
    行政诉讼 sued directly or after reconsideration), columns 结果维持 / 结果纠正 / 其他结果 / 尚未审结 / 总计.

    A case's column is its outcome class on the period's last day: one concluded later is 尚未审结 in
    this period's table. The official table counts only 政府信息公开 cases (`disclosure_only`); a
    blank 政府信息公开 cell is 否, a blank 复议后起诉 cell is 未经复议直接起诉 (schema.Column.blank).
    """
    rows = for_unit(frames[LITIGATION.id], unit)
    rows = rows.loc[in_period(rows, FILED_ON.field, period)]
    if disclosure_only:
        rows = rows.loc[yes(rows[DISCLOSURE.field])]
    decided = rows[CONCLUDED_ON.field].notna() & (rows[CONCLUDED_ON.field] <= pd.Timestamp(period.end))
    column = rows[OUTCOME_CLASS_FIELD].where(decided, PENDING).map(OFFICIAL_CLASS)
    lawsuit = rows[CASE_TYPE.field] == LITIGATION_TYPE
    group = pd.Series(OFFICIAL_GROUPS[0], index=rows.index)
    group[lawsuit] = OFFICIAL_GROUPS[1]
    group[lawsuit & yes(rows[AFTER_REVIEW.field])] = OFFICIAL_GROUPS[2]
    grid = pd.crosstab(group, column).reindex(index=list(OFFICIAL_GROUPS), columns=list(OFFICIAL_COLUMNS[:-1]))
    grid = grid.fillna(0).astype(int)
    grid[OFFICIAL_COLUMNS[-1]] = grid.sum(axis=1)
    return grid.rename_axis(index="案件", columns=None).reset_index()


OFFICIAL_HEADER_ROWS = 3
# How 审理结果 maps to the table's columns, in words, from the one declaration of each (OUTCOME_WORDS).
OFFICIAL_NOTE = (
    "注：按本期收案统计，审理结果按本期末的结果归入："
    + "；".join(f"{OFFICIAL_CLASS[c]}（审理结果含{'、'.join(ws)}）" for c, ws in OUTCOME_WORDS)
    + "；未结案或本期末后结案的为尚未审结。涉及政府信息公开的案件表只统计该列为“是”的案件。"
)


def official_header() -> list[tuple[int, int, int, int, str]]:
    """The official table's header as cells (first row, first column, last row, last column, text):
    行政复议 over its five columns (two rows high); 行政诉讼 over 未经复议直接起诉 and 复议后起诉, each over
    the same five. Every medium (page, xlsx, docx, pptx) draws it from here."""
    n = len(OFFICIAL_COLUMNS)
    cells = [(0, 0, 1, n - 1, "行政复议"), (0, n, 0, 3 * n - 1, "行政诉讼")]
    cells += [(1, n, 1, 2 * n - 1, "未经复议直接起诉"), (1, 2 * n, 1, 3 * n - 1, "复议后起诉")]
    return cells + [(2, i, 2, i, OFFICIAL_COLUMNS[i % n]) for i in range(3 * n)]


def official_row(table: pd.DataFrame) -> list[int]:
    """The official table's one row of 15 figures, in the header's column order."""
    by_group = table.set_index("案件")
    return [int(by_group.loc[g, c]) for g in OFFICIAL_GROUPS for c in OFFICIAL_COLUMNS]


def loss_rates(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Concluded and lost cases and the loss rate per period of the trend window."""
    return _trend(
        frames,
        period,
        unit,
        {"结案": "litigation.concluded", "败诉": "litigation.lost", "败诉率": "litigation.loss_rate"},
    )


def head_appearances(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Hearings, the head's appearances and their rate per period of the trend window."""
    return _trend(
        frames,
        period,
        unit,
        {
            "开庭": "litigation.hearings",
            "负责人出庭": "litigation.head_appearances",
            "出庭率": "litigation.head_appearance_rate",
        },
    )


def missed_hearings(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """行政诉讼 hearings in the period that the agency head did not attend (or not recorded)."""
    rows = for_unit(frames[LITIGATION.id], unit)
    missed = rows.loc[hearings_in(rows, period) & ~yes(rows[HEAD_APPEARED.field])]
    fields = [CASE_NO.field, CASE_TYPE.field, HEARING_ON.field, HEAD_APPEARED.field, UNIT_FIELD]
    return chinese(missed, LITIGATION, fields).sort_values(HEARING_ON.name).reset_index(drop=True)


def sessions_by_type(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    long = breakdown(frames, recent_periods(period), "training", "by_type", unit)
    return long.rename(columns={"label": "期间", "category": "类型", "count": "场次"})[["期间", "类型", "场次"]]


VOLUME_COLUMNS = {"场次": "training.sessions", "参加人次": "training.participants", "学时": "training.hours"}


def session_volume(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    """Sessions, participants and hours per period of the trend window; a sum whose sessions all left
    its field blank is no figure (None), as a period without a ledger is."""
    out = _trend(frames, period, unit, VOLUME_COLUMNS)
    by_label = {p.label: p for p in recent_periods(period)}
    for i, label in enumerate(out["期间"]):
        blanks = unfilled(frames, TRAINING, by_label[label], unit)
        for field, column in ((PARTICIPANTS.field, "参加人次"), (HOURS.field, "学时")):
            if all_blank(blanks, field):
                out.loc[i, column] = None
    return out


def unfilled(
    frames: dict[str, pd.DataFrame], dataset: Dataset, period: Period, unit: str | None
) -> dict[str, tuple[int, int]]:
    """For each optional count of a dataset (参加人数, 学时): how many records of the period left it
    blank, and of how many. A sum over blanks alone is no figure; a sum with some is a partial one."""
    rows = for_unit(frames[dataset.id], unit)
    rows = rows.loc[in_period(rows, dataset.date_fields[0], period)]
    counted = [c for c in dataset.columns if c.kind in (Kind.COUNT, Kind.HOURS) and not c.required]
    return {c.field: (int(rows[c.field].isna().sum()), len(rows)) for c in counted}


def all_blank(unfilled: dict[str, tuple[int, int]], field: str) -> bool:
    """Whether every record of the period left the field blank (there being any record): see unfilled."""
    blank, of = unfilled.get(field, (0, 0))
    return of > 0 and blank == of


def session_timeline(frames: dict[str, pd.DataFrame], period: Period, unit: str | None) -> pd.DataFrame:
    rows = for_unit(frames[TRAINING.id], unit)
    rows = rows.loc[in_period(rows, HELD_ON.field, period)]
    return chinese(rows, TRAINING, TRAINING.fields).sort_values(HELD_ON.name).reset_index(drop=True)


def records(frames: dict[str, pd.DataFrame], dataset: Dataset, period: Period, unit: str | None) -> pd.DataFrame:
    """A dataset's current records in the period (by its first date), with the schema's Chinese headers."""
    rows = for_unit(frames[dataset.id], unit)
    rows = rows.loc[in_period(rows, dataset.date_fields[0], period)]
    return records_table(rows, dataset).sort_values(dataset.column(dataset.date_fields[0]).name)


def records_table(rows: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Records as a page's table shows them: every field of the ledger under its Chinese name."""
    return chinese(rows, dataset, dataset.fields)


def chinese(rows: pd.DataFrame, dataset: Dataset, fields: list[str]) -> pd.DataFrame:
    """Selected fields under their Chinese column names; dates as dates, yes/no as 是/否, and an empty
    optional cell as —（what it means）, e.g. —（未办结）: a blank is neither 0 nor a missing value."""
    out = pd.DataFrame(index=rows.index)
    for name in fields:
        col = rows[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            col = col.dt.date
        elif pd.api.types.is_bool_dtype(col) or dataset.column(name).kind == Kind.YESNO:
            col = col.map({True: "是", False: "否"}).astype(object)
        out[dataset.column(name).name] = _blanks_explained(col, rows, dataset.column(name), dataset)
    return out.reset_index(drop=True)


def blank_text(reason: str) -> str:
    """How an empty cell is shown, on pages and in exports: —（未办结）."""
    return f"—（{reason}）"


def _blanks_explained(col: pd.Series, rows: pd.DataFrame, column: Column, dataset: Dataset) -> pd.Series:
    """A column with each empty cell replaced by blank_text of its reason (Column.blank): a column
    without its own reason takes that of the field it goes with when that is empty too."""
    missing = col.isna()
    if column.required or not missing.any():
        return col
    reason = pd.Series(column.blank or NOT_FILLED, index=rows.index, dtype=object)
    if not column.blank and column.only_with in rows.columns:
        other = dataset.column(column.only_with)
        reason = reason.mask(rows[other.field].isna(), other.blank or NOT_FILLED)
    return col.map(_as_text, na_action="ignore").astype(object).mask(missing, reason.map(blank_text))


def _as_text(value: object) -> str:
    """A cell of a column that also holds —（…）: one type per column, as tables and Arrow need."""
    if isinstance(value, float):
        return f"{value:g}"
    return value.isoformat() if isinstance(value, date) else str(value)

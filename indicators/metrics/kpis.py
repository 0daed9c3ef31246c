"""Every indicator of kpis.md, as pure functions of DataFrames of current records.

The command line and the dashboard call the same functions; nothing here reads the store (load.py
does) or mutates its input. Fields are named through the schema's Column constants.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from ..ingest.normalize import CASE_TYPES, PENDING
from ..schema import (
    CASE_TYPE,
    CHANNEL,
    CLOSED_ON,
    CONCLUDED_ON,
    FILED_ON,
    HEAD_APPEARED,
    HEARING_ON,
    HELD_ON,
    HOURS,
    LITIGATION,
    ON_TIME,
    OUTCOME_CLASS_FIELD,
    PARTICIPANTS,
    PETITIONS,
    RECEIVED_ON,
    SESSION_TYPE,
    TRAINING,
    UNIT_FIELD,
)
from .periods import Period

LOST = "lost"
# A tally's rows stand for several records each: those alike in every field a definition reads
# (Store.tally, through load.page_frames, groups petitions by month, channel, category and closure).
# Plain records have no WEIGHT.
WEIGHT = "records"
REVIEW_TYPE, LITIGATION_TYPE = CASE_TYPES


def in_period(frame: pd.DataFrame, field: str, period: Period) -> pd.Series:
    """Rows whose date field falls inside the period, both ends included."""
    col = frame[field]
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    return (col >= start) & (col <= end)


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def ordered_counts(counts: dict) -> dict[str, int]:
    """{value: count}, largest first, then by name for a stable order."""
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))}


def count(rows: pd.DataFrame) -> int:
    """How many records the rows stand for: one each, or their WEIGHT in a tally (load.tally)."""
    return int(rows[WEIGHT].sum()) if WEIGHT in rows.columns else len(rows)


def counts_by(rows: pd.DataFrame, field: str, empty: str | None = None) -> dict[str, int]:
    """Records per value of a field, largest first; empty cells are left out, or counted as `empty`."""
    values = rows[field] if empty is None else rows[field].fillna(empty)
    weights = rows[WEIGHT] if WEIGHT in rows.columns else pd.Series(1, index=rows.index)
    return ordered_counts(dict(weights.groupby(values, dropna=True).sum()))


def for_unit(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """The records of one unit, or all of them when unit is None."""
    return frame if not unit else frame.loc[frame[UNIT_FIELD] == unit]


def yes(values: pd.Series) -> pd.Series:
    """A yes/no column as plain booleans, an empty cell counting as no."""
    return values.fillna(False).astype(bool)


def petition_kpis(frame: pd.DataFrame, period: Period, today: date | None = None) -> dict:
    """Petitions received in the period, by channel, closed and closed on time."""
    rows = frame.loc[in_period(frame, RECEIVED_ON.field, period)]
    closed_mask = rows[CLOSED_ON.field].notna()
    total, closed = count(rows), count(rows.loc[closed_mask])
    on_time = count(rows.loc[closed_mask & yes(rows[ON_TIME.field])])
    return {
        "total": total,
        "by_channel": counts_by(rows, CHANNEL.field),
        "closed": closed,
        "closure_rate": rate(closed, total),
        "on_time": on_time,
        "on_time_rate": rate(on_time, closed),
    }


def hearings_in(frame: pd.DataFrame, period: Period, today: date | None = None) -> pd.Series:
    """行政诉讼 cases heard in the period by `today`: the base of the head-appearance rate.

    A hearing dated after today is scheduled, not held: counting it would count the head as absent.
    """
    held = frame[HEARING_ON.field] <= pd.Timestamp(today or date.today())
    return in_period(frame, HEARING_ON.field, period) & held & (frame[CASE_TYPE.field] == LITIGATION_TYPE)


def litigation_kpis(frame: pd.DataFrame, period: Period, today: date | None = None) -> dict:
    """Cases filed, concluded and lost in the period; hearings held by `today` and the head's appearances."""
    filed = frame.loc[in_period(frame, FILED_ON.field, period)]
    concluded = frame.loc[in_period(frame, CONCLUDED_ON.field, period) & (frame[OUTCOME_CLASS_FIELD] != PENDING)]
    hearings = frame.loc[hearings_in(frame, period, today)]
    lost = count(concluded.loc[concluded[OUTCOME_CLASS_FIELD] == LOST])
    appearances = count(hearings.loc[yes(hearings[HEAD_APPEARED.field])])
    return {
        "cases": count(filed),
        "by_type": counts_by(filed, CASE_TYPE.field),
        "concluded": count(concluded),
        "lost": lost,
        "loss_rate": rate(lost, count(concluded)),
        "hearings": count(hearings),
        "head_appearances": appearances,
        "head_appearance_rate": rate(appearances, count(hearings)),
    }


def training_kpis(frame: pd.DataFrame, period: Period, today: date | None = None) -> dict:
    """Sessions held in the period, by type, with participants and hours summed."""
    rows = frame.loc[in_period(frame, HELD_ON.field, period)]
    return {
        "sessions": count(rows),
        "by_type": counts_by(rows, SESSION_TYPE.field),
        "participants": int(rows[PARTICIPANTS.field].fillna(0).sum()),
        "hours": float(rows[HOURS.field].fillna(0).sum()),
    }


SECTIONS = (
    ("petitions", PETITIONS, petition_kpis),
    ("litigation", LITIGATION, litigation_kpis),
    ("training", TRAINING, training_kpis),
)


def indicator_head(period: Period, unit: str | None) -> dict:
    """The fields of kpis.md's indicator object before its sections: the period, its dates, the unit."""
    return {"period": period.code, "start": period.start.isoformat(), "end": period.end.isoformat(), "unit": unit}


def kpis_from_frames(
    frames: dict[str, pd.DataFrame], period: Period, unit: str | None = None, today: date | None = None
) -> dict:
    """The full indicator object of kpis.md for one period, from current records per dataset id.

    Every section takes `today` (only hearings depend on it: one after today is not yet held). A
    dataset missing from `frames` leaves its section out.
    """
    out = indicator_head(period, unit)
    for key, dataset, compute in SECTIONS:
        if dataset.id in frames:  # a page reads only its datasets (views.PAGES)
            out[key] = compute(for_unit(frames[dataset.id], unit), period, today)
    return out


def compare(frames: dict[str, pd.DataFrame], period: Period, unit: str | None = None) -> dict[str, dict]:
    """The period, the previous one and the same period last year, computed from the same frames."""
    return {
        "current": kpis_from_frames(frames, period, unit),
        "previous": kpis_from_frames(frames, period.previous(), unit),
        "year_ago": kpis_from_frames(frames, period.year_ago(), unit),
    }


def series(frames: dict[str, pd.DataFrame], periods: list[Period], unit: str | None = None) -> pd.DataFrame:
    """One row per period with every scalar indicator (dotted names), for trend charts."""
    rows = []
    for period in periods:
        values = kpis_from_frames(frames, period, unit)
        row = {"period": period.code, "label": period.label, "start": period.start}
        for section in (key for key, _, _ in SECTIONS if key in values):
            row.update({f"{section}.{k}": v for k, v in values[section].items() if not isinstance(v, dict)})
        rows.append(row)
    return pd.DataFrame(rows)


def breakdown(
    frames: dict[str, pd.DataFrame], periods: list[Period], section: str, key: str, unit: str | None = None
) -> pd.DataFrame:
    """Counts by category (`by_channel`, `by_type`) per period, long form: period, label, category, count."""
    rows = []
    for period in periods:
        counts = kpis_from_frames(frames, period, unit)[section][key]
        rows += [{"period": period.code, "label": period.label, "category": k, "count": v} for k, v in counts.items()]
    return pd.DataFrame(rows, columns=["period", "label", "category", "count"])


def has_records(values: dict) -> bool:
    """Whether a period's indicators rest on any record at all (a period before the ledgers has none)."""
    p, lit, tr = values["petitions"], values["litigation"], values["training"]
    return any((p["total"], p["closed"], lit["cases"], lit["concluded"], lit["hearings"], tr["sessions"]))

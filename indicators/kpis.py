"""Every indicator of shared/spec/kpis.md, as pure functions of a DataFrame of current records.

The command line and the dashboard call the same functions; nothing here mutates its input.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from .normalize import PENDING
from .periods import Period
from .schema import LITIGATION, OUTCOME_CLASS_FIELD, PETITIONS, TRAINING, UNIT_FIELD
from .store import Store

LOST = "lost"
LITIGATION_TYPE = "行政诉讼"


def in_period(frame: pd.DataFrame, field: str, period: Period) -> pd.Series:
    """Rows whose date field falls inside the period, both ends included."""
    col = frame[field]
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    return (col >= start) & (col <= end)


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _counts(values: pd.Series) -> dict[str, int]:
    """{value: count}, largest first, then by name for a stable order."""
    counts = values.dropna().value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {str(k): int(v) for k, v in ordered}


def for_unit(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """The records of one unit, or all of them when unit is None."""
    return frame if not unit else frame.loc[frame[UNIT_FIELD] == unit]


def petition_kpis(frame: pd.DataFrame, period: Period) -> dict:
    """Petitions received in the period, by channel, closed and closed on time."""
    rows = frame.loc[in_period(frame, "received_on", period)]
    closed_mask = rows["closed_on"].notna()
    total, closed = len(rows), int(closed_mask.sum())
    on_time = int((closed_mask & rows["on_time"].fillna(False).astype(bool)).sum())
    return {
        "total": total,
        "by_channel": _counts(rows["channel"]),
        "closed": closed,
        "closure_rate": _rate(closed, total),
        "on_time": on_time,
        "on_time_rate": _rate(on_time, closed),
    }


def litigation_kpis(frame: pd.DataFrame, period: Period) -> dict:
    """Cases filed, concluded and lost in the period; hearings and the head's appearances."""
    filed = frame.loc[in_period(frame, "filed_on", period)]
    concluded = frame.loc[in_period(frame, "concluded_on", period) & (frame[OUTCOME_CLASS_FIELD] != PENDING)]
    hearings = frame.loc[in_period(frame, "hearing_on", period) & (frame["case_type"] == LITIGATION_TYPE)]
    lost = int((concluded[OUTCOME_CLASS_FIELD] == LOST).sum())
    appearances = int(hearings["head_appeared"].fillna(False).astype(bool).sum())
    return {
        "cases": len(filed),
        "by_type": _counts(filed["case_type"]),
        "concluded": len(concluded),
        "lost": lost,
        "loss_rate": _rate(lost, len(concluded)),
        "hearings": len(hearings),
        "head_appearances": appearances,
        "head_appearance_rate": _rate(appearances, len(hearings)),
    }


def training_kpis(frame: pd.DataFrame, period: Period) -> dict:
    """Sessions held in the period, by type, with participants and hours summed."""
    rows = frame.loc[in_period(frame, "held_on", period)]
    return {
        "sessions": len(rows),
        "by_type": _counts(rows["session_type"]),
        "participants": int(rows["participants"].fillna(0).sum()),
        "hours": float(rows["hours"].fillna(0).sum()),
    }


# The fields each section's indicators read: the command line loads only these.
KPI_FIELDS = {
    PETITIONS.id: ["received_on", "channel", "closed_on", "on_time", UNIT_FIELD],
    LITIGATION.id: [
        "filed_on",
        "case_type",
        "hearing_on",
        "head_appeared",
        "concluded_on",
        OUTCOME_CLASS_FIELD,
        UNIT_FIELD,
    ],
    TRAINING.id: ["held_on", "session_type", "participants", "hours", UNIT_FIELD],
}

SECTIONS = (
    ("petitions", PETITIONS, petition_kpis),
    ("litigation", LITIGATION, litigation_kpis),
    ("training", TRAINING, training_kpis),
)


def kpis_from_frames(frames: dict[str, pd.DataFrame], period: Period, unit: str | None = None) -> dict:
    """The full indicator object of kpis.md for one period, from current records per dataset id."""
    out: dict = {"period": period.code, "start": period.start.isoformat(), "end": period.end.isoformat(), "unit": unit}
    for key, dataset, compute in SECTIONS:
        out[key] = compute(for_unit(frames[dataset.id], unit), period)
    return out


def load_frames(
    store: Store, start: date, end: date, unit: str | None = None, fields: dict[str, list[str]] | None = None
) -> dict[str, pd.DataFrame]:
    """Current records with any period date in [start, end], per dataset id (all fields, or `fields`)."""
    return {d.id: store.records(d, start, end, unit, (fields or {}).get(d.id)) for _, d, _ in SECTIONS}


def compute(store: Store, period: Period, unit: str | None = None) -> dict:
    """The indicators of one period straight from the store (what `kpis --json` prints)."""
    return kpis_from_frames(load_frames(store, period.start, period.end, unit, KPI_FIELDS), period, unit)


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
        for section, _, _ in SECTIONS:
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

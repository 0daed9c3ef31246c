"""What each dashboard page shows, computed in one call per page from current records.

Pages only lay these results out; the dashboard caches them per store version, period and unit.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..schema import LITIGATION, PETITIONS
from . import tables
from .cards import build_cards
from .kpis import compare, kpis_from_frames
from .periods import Period

Frames = dict[str, pd.DataFrame]


def overview(frames: Frames, period: Period, unit: str | None) -> dict:
    compared = compare(frames, period, unit)
    return {"kpis": compared, "cards": build_cards(compared)}


def petitions(frames: Frames, period: Period, unit: str | None) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["petitions"],
        "channel": tables.petitions_by_channel(frames, period, unit),
        "monthly": tables.petitions_monthly(frames, period, unit),
        "rates": tables.petition_rates(frames, period, unit),
        "category": tables.petitions_by_category(frames, period, unit),
        "records": tables.records(frames, PETITIONS, period, unit),
    }


def cases(frames: Frames, period: Period, unit: str | None) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["litigation"],
        "by_type": tables.cases_by_type(frames, period, unit),
        "outcomes": tables.case_outcomes(frames, period, unit),
        "loss": tables.loss_rates(frames, period, unit),
        "appearances": tables.head_appearances(frames, period, unit),
        "missed": tables.missed_hearings(frames, period, unit),
        "records": tables.records(frames, LITIGATION, period, unit),
    }


def sessions(frames: Frames, period: Period, unit: str | None) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["training"],
        "by_type": tables.sessions_by_type(frames, period, unit),
        "volume": tables.session_volume(frames, period, unit),
        "timeline": tables.session_timeline(frames, period, unit),
    }


BUILDERS: dict[str, Callable[[Frames, Period, str | None], dict]] = {
    "overview": overview,
    "petitions": petitions,
    "cases": cases,
    "sessions": sessions,
}

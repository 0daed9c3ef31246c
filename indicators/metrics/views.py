"""What each dashboard page shows, computed in one call per page from the store.

Each page declares the datasets its figures read; `page_data` loads only those, only for the page's
window and unit (load.py), and builds the page's figures and tables. Pages only lay the result out;
the dashboard caches it per store version, period and unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ..config import Targets
from ..schema import LITIGATION, PETITIONS, TRAINING, Dataset
from ..store import Store
from . import load, tables
from .cards import build_cards
from .kpis import compare, kpis_from_frames
from .periods import Period

Frames = dict[str, pd.DataFrame]


def overview(frames: Frames, period: Period, unit: str | None, goals: Targets) -> dict:
    compared = compare(frames, period, unit)
    covered = {d.id: tables.covers(frames, d, unit, period) for d in (PETITIONS, LITIGATION, TRAINING)}
    blanks = {TRAINING.id: tables.unfilled(frames, TRAINING, period, unit)}
    return {"kpis": compared, "cards": build_cards(compared, goals, covered, blanks)}


def petitions(frames: Frames, period: Period, unit: str | None, goals: Targets) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["petitions"],
        "covered": tables.covers(frames, PETITIONS, unit, period),
        "channel": tables.petitions_by_channel(frames, period, unit),
        "monthly": tables.petitions_monthly(frames, period, unit),
        "rates": tables.petition_rates(frames, period, unit),
        "category": tables.petitions_by_category(frames, period, unit),
    }


def cases(frames: Frames, period: Period, unit: str | None, goals: Targets) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["litigation"],
        "covered": tables.covers(frames, LITIGATION, unit, period),
        "by_type": tables.cases_by_type(frames, period, unit),
        "outcomes": tables.case_outcomes(frames, period, unit),
        "loss": tables.loss_rates(frames, period, unit),
        "appearances": tables.head_appearances(frames, period, unit),
        "missed": tables.missed_hearings(frames, period, unit),
        "head_goal": goals.head_appearance_rate,
    }


def sessions(frames: Frames, period: Period, unit: str | None, goals: Targets) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["training"],
        "covered": tables.covers(frames, TRAINING, unit, period),
        "by_type": tables.sessions_by_type(frames, period, unit),
        "volume": tables.session_volume(frames, period, unit),
        "timeline": tables.session_timeline(frames, period, unit),
        "unfilled": tables.unfilled(frames, TRAINING, period, unit),
    }


@dataclass(frozen=True)
class Page:
    """A page's figures: the function that builds them, the datasets it reads, its records table."""

    build: Callable[[Frames, Period, str | None, Targets], dict]
    reads: tuple[Dataset, ...]
    records: Dataset | None = None


PAGES: dict[str, Page] = {
    "overview": Page(overview, (PETITIONS, LITIGATION, TRAINING)),
    "petitions": Page(petitions, (PETITIONS,), PETITIONS),
    "cases": Page(cases, (LITIGATION,), LITIGATION),
    "sessions": Page(sessions, (TRAINING,)),
}


def page_data(store: Store, page: str, period: Period, unit: str | None) -> dict:
    """Everything one page shows for a period and unit, as the store's actor may see it (their units
    only, the targets in force). A records table holds the first
    load.RECORDS_SHOWN records (`records`), with their number in all (`records_total`)."""
    spec = PAGES[page]
    frames = load.page_frames(store, spec.reads, *tables.data_span(period), unit)
    out = spec.build(frames, period, unit, store.targets())
    if spec.records is not None:
        shown, total = load.period_records(store, spec.records, period, unit)
        out["records"] = tables.records_table(shown, spec.records)
        out["records_total"] = total
    return out


def all_records(store: Store, page: str, period: Period, unit: str | None) -> pd.DataFrame:
    """Every record of a page's records table, for its download."""
    dataset = PAGES[page].records
    if dataset is None:
        raise ValueError(f"page {page} has no records table")
    return tables.records_table(load.period_records(store, dataset, period, unit, limit=None)[0], dataset)

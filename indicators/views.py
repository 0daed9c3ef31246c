"""What each dashboard page shows, computed in one call per page from the store.

Each page declares the datasets its figures read; `page_data` loads only those, only for the page's
window and unit (load.py), and builds the page's figures and tables. Pages only lay the result out;
the dashboard caches it per store version, period and unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from .catalog import CHART_PAGES, chart_tables
from .config import Targets
from .metrics import load, tables
from .metrics.cards import build_cards
from .metrics.kpis import compare, kpis_from_frames
from .metrics.periods import Period
from .schema import LITIGATION, PETITIONS, TRAINING, Dataset
from .store import Store

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
        **chart_tables("petitions", frames, period, unit),
    }


def cases(frames: Frames, period: Period, unit: str | None, goals: Targets) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["litigation"],
        "covered": tables.covers(frames, LITIGATION, unit, period),
        **chart_tables("cases", frames, period, unit),
        "official": tables.official_outcomes(frames, period, unit),
        "all_outcomes": tables.official_outcomes(frames, period, unit, disclosure_only=False),
        "missed": tables.missed_hearings(frames, period, unit),
        "head_goal": goals.head_appearance_rate,
    }


def sessions(frames: Frames, period: Period, unit: str | None, goals: Targets) -> dict:
    return {
        "kpis": kpis_from_frames(frames, period, unit)["training"],
        "covered": tables.covers(frames, TRAINING, unit, period),
        **chart_tables("sessions", frames, period, unit),
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


def report_facts(
    frames: Frames, period: Period, unit: str | None, today: date | None = None, scope_label: str | None = None
) -> dict:
    """What the narrative (output/narrative.py) says, from the KPI functions: the period's indicators
    with the previous period's and last year's, whether a ledger covers each of them, the outcome of
    the cases received, the months of each type of session and the blanks of the sums."""
    compared = compare(frames, period, unit)
    when = {"current": period, "previous": period.previous(), "year_ago": period.year_ago()}
    covered = {
        d.id: {k: tables.covers(frames, d, unit, p) for k, p in when.items()} for d in (PETITIONS, LITIGATION, TRAINING)
    }
    outcomes = tables.official_outcomes(frames, period, unit, disclosure_only=False)
    totals = outcomes[list(tables.OFFICIAL_COLUMNS[:-1])].sum()
    categories = tables.petitions_by_category(frames, period, unit).sort_values("件数", ascending=False, kind="stable")
    categories = categories.loc[categories["件数"] > 0]
    sessions_held = tables.session_timeline(frames, period, unit)
    months: dict[str, list[int]] = {}
    for kind, held in zip(sessions_held["类型"], sessions_held["日期"], strict=True):
        months.setdefault(str(kind), [])
        if held.month not in months[str(kind)]:
            months[str(kind)].append(held.month)
    return {
        "period": period,
        "unit": unit,
        "scope_label": scope_label,  # the total of a limited viewer's units (授权单位合计（…）); None: the bureau
        "kpis": compared,
        "covered": covered,
        "outcomes": {name: int(n) for name, n in totals.items()},
        "categories": dict(zip(categories["事项类别"], categories["件数"].astype(int), strict=True)),
        "session_months": {k: sorted(v) for k, v in months.items()},
        "unfilled": tables.unfilled(frames, TRAINING, period, unit),
    }


@dataclass(frozen=True)
class Report:
    """A period's and unit's briefing: the narrative's facts and every chart page's data."""

    period: Period
    unit: str | None
    facts: dict
    pages: dict[str, dict]
    as_of: date  # the earlier of the period's end and the latest record's date, as the pages say
    sample: str  # whether the figures hold sample data: "", "part" or "all" (the charts' footnote says so)


def report_data(store: Store, period: Period, unit: str | None) -> Report:
    """Everything a briefing pack shows, read once from the store (all three datasets, the page window)."""
    frames = load.page_frames(store, (PETITIONS, LITIGATION, TRAINING), *tables.data_span(period), unit)
    goals = store.targets()
    pages = {page: PAGES[page].build(frames, period, unit, goals) for page in CHART_PAGES}
    scope_label = None if store.actor.scope is None else store.actor.total_label()
    span = store.date_range(primary=True)
    as_of = min(period.end, span[1]) if span else period.end
    sample = store.sample_share(unit) if store.sample_share() else ""
    return Report(period, unit, report_facts(frames, period, unit, scope_label=scope_label), pages, as_of, sample)

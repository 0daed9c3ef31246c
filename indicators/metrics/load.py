"""Current records from the store for a span of dates: what the pages compute their figures from.

A page reads only its datasets, only its window, only its unit. Petitions, the one dataset that grows
into the hundreds of thousands, come as a tally (Store.tally: records alike in every field their
figures read, counted per month), so a page costs the same at 10,000 petitions as at a million.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from ..schema import Dataset
from ..store import Store
from ..store.tables import TALLY
from .kpis import SECTIONS, WEIGHT
from .periods import Period

Frames = dict[str, pd.DataFrame]
# The petition figures (kpis.petition_kpis, tables.petitions_by_*) read, besides the date and the unit,
# only the fields of tables.TALLY (and whether 办结日期 is filled): tests/test_load.py holds every
# page's figures from the tally equal to those from the records.
RECORDS_SHOWN = 1000  # rows of a page's records table; the download holds them all


def load_frames(
    store: Store, start: date, end: date, unit: str | None = None, fields: dict[str, list[str]] | None = None
) -> Frames:
    """Current records with any period date in [start, end], per dataset id (all fields, or `fields`)."""
    return {d.id: store.records(d, start, end, unit, (fields or {}).get(d.id)) for _, d, _ in SECTIONS}


def page_frames(store: Store, datasets: tuple[Dataset, ...], start: date, end: date, unit: str | None) -> Frames:
    """What a page's figures need from [start, end] for one unit (or all): a tally where one is declared."""
    out = {}
    for dataset in datasets:
        if dataset.id in TALLY:
            out[dataset.id] = store.tally(dataset, start, end, unit, WEIGHT)
        else:
            out[dataset.id] = store.records(dataset, start, end, unit)
    return out


def period_records(
    store: Store, dataset: Dataset, period: Period, unit: str | None, limit: int | None = RECORDS_SHOWN
) -> tuple[pd.DataFrame, int]:
    """The first `limit` records of the period (by their first date; None: all) and how many there are in all."""
    return store.records_page(dataset, period.start, period.end, unit, limit)

"""Current records from the store for a span of dates: what the pages compute their figures from."""

from __future__ import annotations

from datetime import date

import pandas as pd

from ..store import Store
from .kpis import SECTIONS

Frames = dict[str, pd.DataFrame]


def load_frames(
    store: Store, start: date, end: date, unit: str | None = None, fields: dict[str, list[str]] | None = None
) -> Frames:
    """Current records with any period date in [start, end], per dataset id (all fields, or `fields`)."""
    return {d.id: store.records(d, start, end, unit, (fields or {}).get(d.id)) for _, d, _ in SECTIONS}

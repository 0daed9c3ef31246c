"""The indicators of kpis.md counted in the database: what `kpis --json` prints.

The same definitions as kpis.py, written as GROUP BY queries over current records (SQLAlchemy Core,
the same SQL on SQLite and PostgreSQL), so a figure costs a few indexed scans instead of loading the
period's records into pandas. tests/test_aggregate.py holds the two to the same numbers on the sample
and on generated ledgers.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..ingest.normalize import PENDING
from ..schema import (
    CASE_TYPE,
    CHANNEL,
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
)
from ..store import Store
from ..store.tables import TALLY, TALLY_CODE, TALLY_CODES, VERSIONS, current_in
from .kpis import LITIGATION_TYPE, LOST, indicator_head, ordered_counts, rate
from .periods import Period

Scope = frozenset[str] | None  # the units the acting user may see (Store.scope)


def _yes(column: sa.ColumnElement) -> sa.ColumnElement:
    """1 for a yes, 0 for a no or an empty cell (booleans do not add up on PostgreSQL)."""
    return sa.case((column == sa.true(), 1), else_=0)


def petitions(conn: Connection, period: Period, unit: str | None, scope: Scope = None) -> dict:
    """Counted per tally code (SQLite from its index alone), then per channel over the codes' fields."""
    t, codes, tally = VERSIONS[PETITIONS.id], TALLY_CODES[PETITIONS.id], TALLY[PETITIONS.id]
    per_code = (
        sa.select(t.c[TALLY_CODE], sa.func.count().label("n"))
        .where(*current_in(t, RECEIVED_ON.field, period.start, period.end, unit, scope))
        .group_by(t.c[TALLY_CODE])
        .subquery()
    )
    closed = codes.c[tally.filled] == sa.true()
    query = (
        sa.select(
            codes.c[CHANNEL.field],
            sa.func.sum(per_code.c.n),
            sa.func.sum(sa.case((closed, per_code.c.n), else_=0)),
            sa.func.sum(sa.case((closed & (codes.c[ON_TIME.field] == sa.true()), per_code.c.n), else_=0)),
        )
        .join_from(per_code, codes, codes.c.id == per_code.c[TALLY_CODE])
        .group_by(codes.c[CHANNEL.field])
    )
    rows = conn.execute(query).all()
    total, closed_n, on_time = (sum(int(r[i] or 0) for r in rows) for i in (1, 2, 3))
    return {
        "total": total,
        "by_channel": ordered_counts({r[0]: int(r[1]) for r in rows if r[0] is not None}),
        "closed": closed_n,
        "closure_rate": rate(closed_n, total),
        "on_time": on_time,
        "on_time_rate": rate(on_time, closed_n),
    }


def litigation(
    conn: Connection, period: Period, unit: str | None, today: date | None = None, scope: Scope = None
) -> dict:
    t = VERSIONS[LITIGATION.id]
    by_type = dict(
        conn.execute(
            sa.select(t.c[CASE_TYPE.field], sa.func.count())
            .where(*current_in(t, FILED_ON.field, period.start, period.end, unit, scope))
            .group_by(t.c[CASE_TYPE.field])
        ).all()
    )
    concluded, lost = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(sa.case((t.c[OUTCOME_CLASS_FIELD] == LOST, 1), else_=0))).where(
            *current_in(t, CONCLUDED_ON.field, period.start, period.end, unit, scope),
            t.c[OUTCOME_CLASS_FIELD] != PENDING,
        )
    ).one()
    held_by = min(period.end, today or date.today())  # a hearing after today is scheduled, not held (kpis.py)
    hearings, appearances = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(_yes(t.c[HEAD_APPEARED.field]))).where(
            *current_in(t, HEARING_ON.field, period.start, held_by, unit, scope),
            t.c[CASE_TYPE.field] == LITIGATION_TYPE,
        )
    ).one()
    concluded, lost, hearings, appearances = (int(v or 0) for v in (concluded, lost, hearings, appearances))
    return {
        "cases": sum(int(n) for n in by_type.values()),
        "by_type": ordered_counts({k: int(v) for k, v in by_type.items() if k is not None}),
        "concluded": concluded,
        "lost": lost,
        "loss_rate": rate(lost, concluded),
        "hearings": hearings,
        "head_appearances": appearances,
        "head_appearance_rate": rate(appearances, hearings),
    }


def training(conn: Connection, period: Period, unit: str | None, scope: Scope = None) -> dict:
    t = VERSIONS[TRAINING.id]
    rows = conn.execute(
        sa.select(
            t.c[SESSION_TYPE.field],
            sa.func.count(),
            sa.func.sum(t.c[PARTICIPANTS.field]),
            sa.func.sum(t.c[HOURS.field]),
        )
        .where(*current_in(t, HELD_ON.field, period.start, period.end, unit, scope))
        .group_by(t.c[SESSION_TYPE.field])
    ).all()
    return {
        "sessions": sum(int(r[1]) for r in rows),
        "by_type": ordered_counts({r[0]: int(r[1]) for r in rows if r[0] is not None}),
        "participants": sum(int(r[2] or 0) for r in rows),
        "hours": float(sum(float(r[3] or 0) for r in rows)),
    }


def compute(store: Store, period: Period, unit: str | None = None, today: date | None = None) -> dict:
    """The full indicator object of kpis.md for one period (and unit), counted in the database."""
    store.actor.require_unit(unit)
    out = indicator_head(period, unit)
    with store.engine.connect() as conn:
        out["petitions"] = petitions(conn, period, unit, store.scope)
        out["litigation"] = litigation(conn, period, unit, today, store.scope)
        out["training"] = training(conn, period, unit, store.scope)
    return out

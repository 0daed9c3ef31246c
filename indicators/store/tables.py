"""The store's tables as the newest migration leaves them (migrations/ creates and upgrades them).

Every import is a batch; every record a batch carries is one row of its dataset's versions table.
`origin` orders versions: the batch whose upload first brought that content. A repeat upload carries
the versions of the batch it repeats with their origin, so it never outranks a later change, and it
keeps those records alive when the batch it repeats is rolled back. `is_current` caches the rule
"newest origin among live batches" so reads are one indexed filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..schema import (
    CATEGORY,
    CHANNEL,
    CLOSED_ON,
    DATASETS,
    MAX_META_CHARS,
    ON_TIME,
    PETITIONS,
    UNIT_FIELD,
    Dataset,
    Kind,
    stored_fields,
)

RECORD_KEY_CHARS = 500  # wider than any key the validator lets through (100 characters a text key cell)
SQL_TYPES = {
    Kind.DATE: sa.Date,
    Kind.YESNO: sa.Boolean,
    Kind.COUNT: sa.Integer,
    Kind.HOURS: sa.Float,
}
OUTCOME_CLASS_CHARS = 20
USER_NAME_CHARS = 64


class Change:
    """What a version did to its record when its batch was imported."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


metadata = sa.MetaData()
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("label", sa.String(MAX_META_CHARS), nullable=False, server_default=""),
    sa.Column("user", sa.String(MAX_META_CHARS), nullable=False, server_default=""),
    sa.Column("added", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("summary", sa.Text, nullable=False, server_default="{}"),
    sa.Column("repeat", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rolled_back", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rolled_back_at", sa.String(40)),
)
batch_files = sa.Table(
    "batch_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
    sa.Column("name", sa.String(500), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    # The live batch whose identical file this one repeats (its records are carried, not re-read).
    sa.Column("repeat_of", sa.Integer),
)
# The people who may sign in: every instance on one database sees the same users.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(USER_NAME_CHARS), nullable=False, unique=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("units", sa.Text, nullable=False, server_default="[]"),  # JSON list of the units granted
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("changed_at", sa.String(40), nullable=False),
)
# Append-only: who did what, when, from where. Times are UTC ISO text, so they sort as text on both
# databases; triggers (APPEND_ONLY) refuse every UPDATE and DELETE.
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(40), nullable=False, index=True),
    sa.Column("actor", sa.String(USER_NAME_CHARS), nullable=False, server_default=""),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
)
sa.Index("ix_audit_actor_failures", audit.c.action, audit.c.actor, audit.c.at)
sa.Index("ix_audit_address_failures", audit.c.action, audit.c.address, audit.c.at)
# Targets set by admins, kept as a history: the newest row of a name is in force.
target_changes = sa.Table(
    "target_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(USER_NAME_CHARS), nullable=False),
)
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
        # INSERT OR REPLACE deletes the old row without firing the delete trigger (unless recursive_triggers).
        "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit is append-only'; END $$",
        "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
        "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
    ],
}
for _dialect, _statements in APPEND_ONLY.items():
    for _statement in _statements:
        sa.event.listen(audit, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))


# What the figures of petitions read besides the first date and the unit (metrics/load.py): these
# fields as they are, and whether the last one is filled. Each combination of them is numbered once,
# in a small table of codes per dataset (`tally_codes`), and each version keeps the number of its own
# (TALLY_CODE): SQLite's index on (is_current, month, code, 收件日期) then lets a year of a million
# petitions be counted and tallied from the index alone, six times faster than visiting each row,
# with entries a third as long as the fields themselves would make them. A batch whose dates spread
# over every month writes into every page of an index that leads with the month, so the shorter the
# entries, the fewer pages an import rewrites (a 100,000-row batch into a million: 25,500 pages with
# the fields, about 12,700 with their code). That index also finds the first and last date and the records
# in date order (by month, then date: `by_first_date`), so SQLite keeps no second index on the first
# date. PostgreSQL gets the narrow index on (is_current, month, 收件日期).
# Cases and sessions are too few to need either.
@dataclass(frozen=True)
class Tally:
    """The fields a dataset's tally keeps as they are, and the one it keeps only as filled or not."""

    keep: tuple[str, ...]
    present: str

    @property
    def filled(self) -> str:
        """The codes table's column of whether `present` is filled."""
        return f"{self.present}_filled"


TALLY = {PETITIONS.id: Tally((CHANNEL.field, CATEGORY.field, ON_TIME.field), CLOSED_ON.field)}
TALLY_CODE = "tally_code"
# Each version keeps the month of its first date as a number (year × 100 + month): petitions are
# tallied per month by grouping on it, which both databases can do as they read (SQLite in the order
# of the index below, PostgreSQL by hashing) instead of sorting a million computed months first.
MONTH_FIELD = "first_month"
# Units are indexed by their first 200 characters, for the same reason; a unit is found by its prefix
# in the index and then compared whole (`of_unit`).
UNIT_PREFIX_CHARS = 200


def unit_prefix(table: sa.Table) -> sa.ColumnElement:
    """The indexed start of a table's unit; literal bounds, so the planners match the index's expression."""
    return sa.func.substr(table.c[UNIT_FIELD], sa.literal_column("1"), sa.literal_column(str(UNIT_PREFIX_CHARS)))


def of_unit(table: sa.Table, unit: str) -> list[sa.ColumnElement]:
    """The conditions of one unit's rows, by the index on the unit's prefix."""
    return [unit_prefix(table) == unit[:UNIT_PREFIX_CHARS], table.c[UNIT_FIELD] == unit]


def in_scope(table: sa.Table, scope: frozenset[str] | None) -> list[sa.ColumnElement]:
    """The condition of the rows an actor may see: those of the units granted (None: every row)."""
    return [] if scope is None else [table.c[UNIT_FIELD].in_(sorted(scope))]


def first_month_triggers(table: str, first_date: str) -> dict[str, list[str]]:
    """Per dialect, the DDL that fills MONTH_FIELD of a row inserted without it.

    This version writes the month itself; the trigger is for a process of an earlier version still
    running when the store was upgraded (or waiting for the write lock during the upgrade): its rows
    would otherwise have no month, and every figure, which asks for the months, would leave them out.
    The condition is checked per row before anything else runs, so an import of this version pays
    almost nothing for it.
    """
    sqlite_month = (
        f"CAST(substr(NEW.{first_date}, 1, 4) AS INTEGER) * 100 + CAST(substr(NEW.{first_date}, 6, 2) AS INTEGER)"
    )
    pg_month = f"EXTRACT(YEAR FROM NEW.{first_date}) * 100 + EXTRACT(MONTH FROM NEW.{first_date})"
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_month AFTER INSERT ON {table} "
            f"WHEN NEW.{MONTH_FIELD} IS NULL AND NEW.{first_date} IS NOT NULL "
            f"BEGIN UPDATE {table} SET {MONTH_FIELD} = {sqlite_month} WHERE id = NEW.id; END"
        ],
        "postgresql": [
            f"CREATE FUNCTION {table}_month() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN NEW.{MONTH_FIELD} := {pg_month}; RETURN NEW; END $$",
            f"CREATE TRIGGER {table}_month BEFORE INSERT ON {table} FOR EACH ROW "
            f"WHEN (NEW.{MONTH_FIELD} IS NULL AND NEW.{first_date} IS NOT NULL) EXECUTE FUNCTION {table}_month()",
        ],
    }


def month_number(day: date) -> int:
    """The month of a day as MONTH_FIELD holds it: 2024-07-15 → 202407."""
    return day.year * 100 + day.month


def current_in(
    table: sa.Table, field: str, start: date, end: date, unit: str | None, scope: frozenset[str] | None = None
) -> list[sa.ColumnElement]:
    """The conditions of current records with `field` in [start, end], of one unit when one is asked for,
    and of the units an actor may see (`scope`, None for all).

    On the first date, the months of [start, end] are asked for too: implied by the dates, they let
    SQLite seek its index on the month (which carries the date, checked from the index)."""
    where = [table.c.is_current == sa.true(), table.c[field].between(start, end), *in_scope(table, scope)]
    if field == table.info["first_date"]:
        where.append(table.c[MONTH_FIELD].between(month_number(start), month_number(end)))
    return [*where, *of_unit(table, unit)] if unit else where


def by_first_date(table: sa.Table) -> list[sa.ColumnElement]:
    """The order of a table's first date as its indexes hold it: by month, then date (the same order,
    as the month is the date's)."""
    return [table.c[MONTH_FIELD], table.c[table.info["first_date"]]]


def _beside_no_covering_index(*_: object, dialect: sa.engine.Dialect, **__: object) -> bool:
    """Every database but SQLite, whose covering index on the month and date stands in for this one."""
    return dialect.name != "sqlite"


def sql_type(kind: Kind) -> sa.types.TypeEngine:
    return SQL_TYPES.get(kind, sa.Text)()


def _version_table(dataset: Dataset) -> sa.Table:
    """The versions of one dataset's records, with a column per stored field."""
    derived = {f: sa.String(OUTCOME_CLASS_CHARS) for f in stored_fields(dataset) if f not in dataset.fields}
    tallied = [sa.Column(TALLY_CODE, sa.Integer)] if dataset.id in TALLY else []
    table = sa.Table(
        f"{dataset.id}_versions",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
        sa.Column("record_key", sa.String(RECORD_KEY_CHARS), nullable=False, index=True),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        *(sa.Column(c.field, sql_type(c.kind)) for c in dataset.columns),
        *(sa.Column(f, t) for f, t in derived.items()),
        sa.Column("origin", sa.Integer, nullable=False),
        sa.Column(MONTH_FIELD, sa.Integer),
        *tallied,
        info={"first_date": dataset.date_fields[0]},
    )
    first = [table.c.is_current, *by_first_date(table)]
    if tallied:
        covering = [*first[:2], table.c[TALLY_CODE], first[2]]
        sa.Index(f"ix_{dataset.id}_current_covering", *covering).ddl_if(dialect="sqlite")
        sa.Index(f"ix_{dataset.id}_current", *first).ddl_if(callable_=_beside_no_covering_index)
    else:
        sa.Index(f"ix_{dataset.id}_current", *first)
    for field in dataset.date_fields[1:]:
        sa.Index(f"ix_{dataset.id}_current_{field}", table.c.is_current, table.c[field])
    sa.Index(f"ix_{dataset.id}_current_unit", table.c.is_current, unit_prefix(table))
    return table


def _codes_table(dataset: Dataset, tally: Tally) -> sa.Table:
    """The numbered combinations of a dataset's tallied fields (no unique index: a field may hold
    1,000 characters, more than a PostgreSQL index entry; codes are added under the write lock)."""
    kinds = {c.field: c.kind for c in dataset.columns}
    return sa.Table(
        f"{dataset.id}_tally_codes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *(sa.Column(f, sql_type(kinds[f])) for f in tally.keep),
        sa.Column(tally.filled, sa.Boolean, nullable=False),
    )


def tally_code_triggers(table: str, codes: str, tally: Tally) -> dict[str, list[str]]:
    """Per dialect, the DDL that gives a row inserted without TALLY_CODE its code (adding the code if new).

    As `first_month_triggers`: for a process of an earlier version still writing after the upgrade.
    """
    fields = ", ".join([*tally.keep, tally.filled])

    def same(new: str, equal: str) -> str:
        return " AND ".join(
            [
                *(f"{codes}.{f} {equal} {new}.{f}" for f in tally.keep),
                f"{codes}.{tally.filled} = ({new}.{tally.present} IS NOT NULL)",
            ]
        )

    values = ", ".join([*(f"NEW.{f}" for f in tally.keep), f"NEW.{tally.present} IS NOT NULL"])
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_tally AFTER INSERT ON {table} WHEN NEW.{TALLY_CODE} IS NULL BEGIN "
            f"INSERT INTO {codes} ({fields}) SELECT {values} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {codes} WHERE {same('NEW', 'IS')}); "
            f"UPDATE {table} SET {TALLY_CODE} = (SELECT min(id) FROM {codes} WHERE {same('NEW', 'IS')}) "
            f"WHERE id = NEW.id; END"
        ],
        "postgresql": [
            f"CREATE FUNCTION {table}_tally() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"DECLARE found_id integer; BEGIN "
            f"SELECT min(id) INTO found_id FROM {codes} WHERE {same('NEW', 'IS NOT DISTINCT FROM')}; "
            f"IF found_id IS NULL THEN INSERT INTO {codes} ({fields}) VALUES ({values}) RETURNING id INTO found_id; "
            f"END IF; NEW.{TALLY_CODE} := found_id; RETURN NEW; END $$",
            f"CREATE TRIGGER {table}_tally BEFORE INSERT ON {table} FOR EACH ROW "
            f"WHEN (NEW.{TALLY_CODE} IS NULL) EXECUTE FUNCTION {table}_tally()",
        ],
    }


VERSIONS: dict[str, sa.Table] = {d.id: _version_table(d) for d in DATASETS}
TALLY_CODES: dict[str, sa.Table] = {d.id: _codes_table(d, TALLY[d.id]) for d in DATASETS if d.id in TALLY}
for _table in VERSIONS.values():
    for _dialect, _statements in first_month_triggers(_table.name, _table.info["first_date"]).items():
        for _statement in _statements:
            sa.event.listen(_table, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))
for _id, _codes in TALLY_CODES.items():  # once both tables exist
    for _dialect, _statements in tally_code_triggers(VERSIONS[_id].name, _codes.name, TALLY[_id]).items():
        for _statement in _statements:
            sa.event.listen(metadata, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))

"""The versioned store's transactions and reads: import a batch, roll one back, read current records.

A record's current version is the version with the newest origin among the batches not rolled back
(tables.py). An import plans outside the write lock, reading only the current versions of the keys
its batch carries, and holds the lock only to write (re-planning under it, in the time its own keys
take, when another writer landed meanwhile). The store returns facts; pages and the command line
word them (output/words.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..access import Actor, NotPermitted, command_line
from ..config import TARGET_LIMITS, Targets, targets
from ..ingest.normalize import cell_text
from ..ingest.validation import FILENO, meta_problems
from ..schema import DATASETS, UNIT_FIELD, Dataset, Kind, stored_fields
from . import audit
from .audit import Action
from .engine import make_engine, write_transaction
from .plan import KEY, VERSION_ID, Batch, DatasetPlan, FileInfo, Plan, plan_batch, typed_records
from .tables import (
    MONTH_FIELD,
    TALLY,
    TALLY_CODE,
    TALLY_CODES,
    UNIT_PREFIX_CHARS,
    VERSIONS,
    Change,
    batch_files,
    batches,
    by_first_date,
    current_in,
    in_scope,
    of_unit,
    target_changes,
    unit_prefix,
)

SAMPLE_LABEL = "示例数据"
CHUNK = 900  # keys per IN (...) list: within every database's limit of bound parameters
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on every database
_CHANGE = "__change"  # the column of a batch's rows naming their kind (no field is named so)


class MetaRejected(ValueError):
    """A batch label or importer name that the store would not keep as given (messages in Chinese)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


class BatchNotFound(LookupError):
    def __init__(self, batch_id: int) -> None:
        super().__init__(batch_id)
        self.batch_id = batch_id


class AlreadyRolledBack(ValueError):
    def __init__(self, batch_id: int, at: str) -> None:
        super().__init__(batch_id, at)
        self.batch_id, self.at = batch_id, at


@dataclass(frozen=True)
class Imported:
    """A stored batch: its id and the plan it carried out."""

    batch_id: int
    plan: Plan


class Fate:
    """What rolling a batch back does to a record (rollback_preview)."""

    REMOVED = "removed"  # no other live batch carries it
    RESTORED = "restored"  # an older version, from `batch`, becomes current
    KEPT_SAME = "kept_same"  # `batch` carries the same version: nothing changes
    KEPT_NEWER = "kept_newer"  # `batch`'s newer version is current and stays so


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _frame(result: sa.CursorResult, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a DataFrame, taken from the driver's cursor as plain tuples.

    SQLAlchemy would build a Row per record and pandas would then probe each for a `dtype` attribute:
    most of `kpis`' time on 100,000 records. The callers read dates as text and yes/no as the driver
    gives them (0/1 on SQLite); `typed_records` turns both into the validated dtypes.
    """
    rows = result.cursor.fetchall()
    result.close()
    return pd.DataFrame(rows, columns=columns)


def _version_of(conn: Connection) -> str:
    """Batches imported, batches rolled back and target changes: every change a figure can show."""
    last, undone = conn.execute(
        sa.select(sa.func.max(batches.c.id), sa.func.count().filter(batches.c.rolled_back == sa.true()))
    ).one()
    goals = conn.execute(sa.select(sa.func.max(target_changes.c.id))).scalar()
    return f"{last or 0}-{undone or 0}-{goals or 0}"


def _live() -> sa.Select:
    return sa.select(batches.c.id).where(batches.c.rolled_back == sa.false())


def _column_values(frame: pd.DataFrame, name: str, kind: Kind | None) -> list:
    """A column as plain Python values for the driver: None for missing, dates as ISO text."""
    col = frame[name]
    if kind is Kind.DATE:
        col = col.dt.strftime("%Y-%m-%d")
    return col.astype(object).where(col.notna(), None).tolist()


class Store:
    """The store behind the command line and the dashboard: imports, rollbacks and reads, as one actor.

    Every read shows only the units the actor may see and every write is checked against the
    actor's rights here, whatever page or command asked. Without an actor, the command line's
    (an admin: whoever runs it holds the database's credentials already).
    """

    def __init__(self, engine: Engine | None = None, actor: Actor | None = None) -> None:
        self.engine = engine or make_engine()
        self.actor = actor or command_line()

    def acting(self, actor: Actor) -> Store:
        """The same store (engine and pool) as another actor."""
        return Store(self.engine, actor)

    @property
    def scope(self) -> frozenset[str] | None:
        return self.actor.scope

    def _unit_asked(self, unit: str | None) -> None:
        self.actor.require_unit(unit)

    def _may_write(self, units: set[str]) -> None:
        """Refuse a write touching units the actor may not write, naming them."""
        self.actor.require_upload()
        refused = sorted(u for u in units if not self.actor.may_write(u))
        if refused:
            raise NotPermitted(
                f"{self.actor.describe()}无权导入或撤销以下单位的记录：{'、'.join(refused)}。本次操作未保存任何数据。"
            )

    # --- planning -------------------------------------------------------------------------------

    def plan(self, batch: Batch) -> Plan:
        """What importing the batch would add, update and leave unchanged, without writing anything."""
        with self.engine.connect() as conn:
            return self._plan(conn, batch)

    def _plan(self, conn: Connection, batch: Batch) -> Plan:
        version = _version_of(conn)
        repeat_of = self._repeats(conn, batch.files)
        current, carried = {}, {}
        for dataset in DATASETS:
            frame = batch.frames.get(dataset.id)
            if frame is None:
                continue
            current[dataset.id] = self._current_for(conn, dataset, frame[KEY].unique().tolist())
            carried[dataset.id] = self._carried_for(conn, dataset, frame, repeat_of)
        # A batch stored before revision 0002 that repeated a file carries no versions: a file matching
        # only such a batch is read as new, not called a repeat.
        with_rows = {int(n) for f in batch.frames.values() for n in f[FILENO].unique()}
        found = {int(n) for c in carried.values() for n in c[FILENO].unique()}
        repeat_of = {n: b for n, b in repeat_of.items() if n in found or n not in with_rows}
        plan = plan_batch(batch, current, carried, repeat_of, version)
        plan.foreign = self._foreign(current)
        return plan

    def _foreign(self, current: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
        """Of the current versions of a batch's keys, those of units the actor may not write, by dataset."""
        out = {}
        for dataset_id, frame in current.items():
            theirs = frame.loc[~frame[UNIT_FIELD].map(lambda u: u is None or self.actor.may_write(u)), KEY]
            if len(theirs):
                out[dataset_id] = sorted(theirs)
        return out

    def _foreign_now(self, conn: Connection, batch: Batch) -> dict[str, list[str]]:
        """The same, read now (under the write lock), whoever made the plan."""
        if self.actor.is_admin:
            return {}
        current = {
            d.id: self._current_for(conn, d, batch.frames[d.id][KEY].unique().tolist())
            for d in DATASETS
            if d.id in batch.frames
        }
        return self._foreign(current)

    @staticmethod
    def _repeats(conn: Connection, files: list[FileInfo]) -> dict[int, int]:
        """Per file position: the earliest live batch that imported a file with the same content."""
        hashes = sorted({f.sha256 for f in files})
        if not hashes:
            return {}
        query = (
            sa.select(batch_files.c.sha256, sa.func.min(batch_files.c.batch_id))
            .where(batch_files.c.sha256.in_(hashes), batch_files.c.batch_id.in_(_live()))
            .group_by(batch_files.c.sha256)
        )
        first = dict(conn.execute(query).all())
        return {i: first[f.sha256] for i, f in enumerate(files) if f.sha256 in first}

    @staticmethod
    def _current_for(conn: Connection, dataset: Dataset, keys: list[str]) -> pd.DataFrame:
        """The current versions of these keys (indexed lookups, in chunks): KEY, VERSION_ID and the fields."""
        table = VERSIONS[dataset.id]
        names = [KEY, VERSION_ID, *dataset.fields]
        columns = ["record_key", "id", *dataset.fields]
        rows = _rows_for_keys(conn, table, columns, keys, _off_index(conn, "is_current = " + _true(conn)))
        return typed_records(pd.DataFrame(rows, columns=names), dataset)

    @staticmethod
    def _carried_for(
        conn: Connection, dataset: Dataset, frame: pd.DataFrame, repeat_of: dict[int, int]
    ) -> pd.DataFrame:
        """For rows of repeated files: the version the repeated batch holds of each key (KEY, FILENO, VERSION_ID)."""
        table = VERSIONS[dataset.id]
        parts = []
        for fileno, batch_id in repeat_of.items():
            keys = frame.loc[frame[FILENO] == fileno, KEY].tolist()
            rows = _rows_for_keys(
                conn, table, ["record_key", "id"], keys, _off_index(conn, f"batch_id = {int(batch_id)}")
            )
            parts.append(pd.DataFrame(rows, columns=[KEY, VERSION_ID]).assign(**{FILENO: fileno}))
        if not parts:
            return pd.DataFrame({KEY: pd.Series(dtype=object), FILENO: pd.Series(dtype="int64"), VERSION_ID: []})
        return pd.concat(parts, ignore_index=True)[[KEY, FILENO, VERSION_ID]]

    # --- importing ------------------------------------------------------------------------------

    def import_batch(
        self,
        batch: Batch,
        label: str = "",
        user: str = "",
        *,
        only_if_empty: bool = False,
        on_wait: Callable[[], None] | None = None,
        plan: Plan | None = None,
    ) -> Imported | None:
        """Store a validated batch, all or nothing; None when `only_if_empty` and the store has batches.

        The plan (the preview's, or one made now) is made before taking the write lock; under it, the
        store's version is compared and the batch re-planned only if another import or rollback landed
        in between.
        """
        if not self.actor.local or not user:
            user = self.actor.name  # a signed-in user is the importer, never a typed name
        label, user = cell_text(label), cell_text(user)  # stored trimmed, so measured trimmed
        if problems := meta_problems(label, user):
            raise MetaRejected(problems)
        self._may_write(batch_units(batch))
        if only_if_empty and not self.is_empty():
            return None
        plan = plan or self.plan(batch)
        rows = {k: self._new_rows(dp) for k, dp in plan.datasets.items()}
        with write_transaction(self.engine, on_wait) as conn:
            if only_if_empty and conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one():
                return None
            if _version_of(conn) != plan.version:
                plan = self._plan(conn, batch)
                rows = {k: self._new_rows(dp) for k, dp in plan.datasets.items()}
            else:
                plan.foreign = self._foreign_now(conn, batch)
            if plan.foreign:
                count = sum(len(keys) for keys in plan.foreign.values())
                raise NotPermitted(
                    f"本批次有 {count} 条记录的编号已由其他单位登记，{self.actor.describe()}无权修改；本次未保存任何数据。"
                )
            batch_id = self._write(conn, batch, plan, rows, label, user)
            audit.record(
                conn,
                self.actor,
                Action.IMPORT,
                batch=batch_id,
                files=[{"name": f.name, "sha256": f.sha256} for f in batch.files],
                added=plan.total("added"),
                updated=plan.total("updated"),
                unchanged=plan.total("unchanged"),
            )
        self._refresh_statistics({VERSIONS[k]: sum(dp.counts.values()) for k, dp in plan.datasets.items()})
        return Imported(batch_id, plan)

    def _refresh_statistics(self, written: dict[sa.Table, int]) -> None:
        """On PostgreSQL, ANALYZE a table an import grew by a tenth or more (autovacuum's rule).

        Autovacuum does the same, but a minute later or (where it is off) never; until then the planner
        takes a million-row table for empty, and the next import's key lookups read every current
        record instead of the record_key index (a second per 100,000 keys instead of 0.1 s). The size
        is the planner's own estimate (-1 before the first ANALYZE), the growth what this batch wrote.
        """
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.connect() as conn:
            for table, rows in written.items():
                size = conn.execute(
                    sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"), {"name": table.name}
                ).scalar_one()
                if rows > 0.1 * max(size, 0) + 50:
                    conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}")
            conn.commit()

    @staticmethod
    def _new_rows(dp: DatasetPlan) -> list[tuple]:
        """The batch's new versions of one dataset as tuples: change, key, stored fields, MONTH_FIELD.

        Added, updated and unchanged ones together, by month, date and key: each index that leads with
        the month then grows in one sweep instead of at random places, and a period's rows lie
        together (on SQLite, `_coded` puts petitions in their index's order: month, code, date, key).
        """
        dataset = dp.dataset
        kinds = {c.field: c.kind for c in dataset.columns}
        changes = ((Change.ADDED, dp.added), (Change.UPDATED, dp.updated), (Change.UNCHANGED, dp.unchanged))
        parts = [frame.assign(**{_CHANGE: change}) for change, frame in changes if not frame.empty]
        if not parts:
            return []
        frame = pd.concat(parts, ignore_index=True)
        first = frame[dataset.date_fields[0]]
        frame = frame.assign(**{MONTH_FIELD: first.dt.year * 100 + first.dt.month})
        order = [MONTH_FIELD, first.name, KEY]
        frame = frame.sort_values(order, kind="stable", na_position="first")  # as SQLite's index: NULL first
        month = frame[MONTH_FIELD].astype(object).where(frame[MONTH_FIELD].notna(), None)
        columns = [
            frame[_CHANGE].tolist(),
            frame[KEY].tolist(),
            *(_column_values(frame, f, kinds.get(f)) for f in stored_fields(dataset)),
            [None if m is None else int(m) for m in month],
        ]
        return list(zip(*columns, strict=True))

    def _write(
        self, conn: Connection, batch: Batch, plan: Plan, rows: dict[str, list[tuple]], label: str, user: str
    ) -> int:
        summary = {k: p.counts for k, p in plan.datasets.items()}
        batch_id = conn.execute(
            batches.insert().returning(batches.c.id),
            {
                "created_at": _now(),
                "label": label,
                "user": user,
                "added": plan.total("added"),
                "updated": plan.total("updated"),
                "unchanged": plan.total("unchanged"),
                "summary": json.dumps(summary, ensure_ascii=False),
                "repeat": bool(batch.files) and len(plan.repeat_of) == len(batch.files),
            },
        ).scalar_one()
        if batch.files:
            conn.execute(
                batch_files.insert(),
                [
                    {
                        "batch_id": batch_id,
                        "name": f.name,
                        "sha256": f.sha256,
                        "size": f.size,
                        "repeat_of": plan.repeat_of.get(i),
                    }
                    for i, f in enumerate(batch.files)
                ],
            )
        for dataset_id, dp in plan.datasets.items():
            table = VERSIONS[dataset_id]
            for chunk in _chunks(dp.replaced):
                conn.execute(table.update().where(table.c.id.in_(chunk)).values(is_current=False))
            columns = ["change", "record_key", *stored_fields(dp.dataset), MONTH_FIELD]
            new = rows[dataset_id]
            if dataset_id in TALLY:
                columns, new = [*columns, TALLY_CODE], _coded(conn, dp.dataset, new)
            columns += ["batch_id", "origin", "is_current"]
            _bulk_insert(conn, table, columns, [(*row, batch_id, batch_id, True) for row in new])
            self._carry(conn, dp, batch_id)
        return batch_id

    @staticmethod
    def _carry(conn: Connection, dp: DatasetPlan, batch_id: int) -> None:
        """Copy the versions repeated files carry into this batch, origin kept, not current."""
        table = VERSIONS[dp.dataset.id]
        fields = ["record_key", *stored_fields(dp.dataset), MONTH_FIELD, "origin"]
        fields += [TALLY_CODE] if dp.dataset.id in TALLY else []
        ids = [int(v) for v in dp.carried[VERSION_ID]]
        for chunk in _chunks(ids):
            source = sa.select(
                *(table.c[f] for f in fields),
                sa.literal(batch_id).label("batch_id"),
                sa.literal(Change.UNCHANGED).label("change"),
                sa.false().label("is_current"),
            ).where(table.c.id.in_(chunk))
            conn.execute(table.insert().from_select([*fields, "batch_id", "change", "is_current"], source))

    # --- rolling back ---------------------------------------------------------------------------

    def rollback(self, batch_id: int, on_wait: Callable[[], None] | None = None) -> None:
        """Roll a batch back: each record it carried returns to its newest version in a live batch."""
        self.actor.require_upload()
        if not 0 < batch_id <= MAX_ID:
            raise BatchNotFound(batch_id)
        with write_transaction(self.engine, on_wait) as conn:
            row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).mappings().first()
            if row is None:
                raise BatchNotFound(batch_id)
            if row["rolled_back"]:
                raise AlreadyRolledBack(batch_id, row["rolled_back_at"])
            self._may_write(_units_of_batch(conn, batch_id))
            audit.record(conn, self.actor, Action.ROLLBACK, batch=batch_id)
            conn.execute(
                batches.update().where(batches.c.id == batch_id).values(rolled_back=True, rolled_back_at=_now())
            )
            for table in VERSIONS.values():
                keys = sa.select(table.c.record_key).where(table.c.batch_id == batch_id)
                ranked = _ranked(table, keys)
                winners = sa.select(ranked.c.id).where(ranked.c.rank == 1)
                conn.execute(
                    table.update()
                    .where(table.c.record_key.in_(keys))
                    .values(is_current=sa.case((table.c.id.in_(winners), sa.true()), else_=sa.false()))
                )

    def rollback_preview(self, batch_id: int) -> dict[str, pd.DataFrame]:
        """Per dataset id, what rolling the batch back does to each record it carries, and why.

        Columns: KEY, `outcome` (a Fate), `batch` (the batch whose version is current afterwards,
        or None when the record goes).
        """
        out: dict[str, pd.DataFrame] = {}
        self.actor.require_upload()
        if not 0 < batch_id <= MAX_ID:
            return out
        with self.engine.connect() as conn:
            self._may_write(_units_of_batch(conn, batch_id))
            for dataset in DATASETS:
                table = VERSIONS[dataset.id]
                keys = sa.select(table.c.record_key).where(table.c.batch_id == batch_id)
                mine = _frame(
                    conn.execute(
                        sa.select(table.c.record_key, table.c.origin, table.c.is_current).where(
                            table.c.batch_id == batch_id
                        )
                    ),
                    [KEY, "origin", "is_current"],
                )
                ranked = _ranked(table, keys, exclude=batch_id)
                best = _frame(
                    conn.execute(
                        sa.select(ranked.c.record_key, ranked.c.batch_id, ranked.c.origin).where(ranked.c.rank == 1)
                    ),
                    [KEY, "batch", "best_origin"],
                )
                out[dataset.id] = _classify(mine.merge(best, on=KEY, how="left"))
        return out

    # --- reading --------------------------------------------------------------------------------

    def batches(self) -> list[dict]:
        """Every batch, oldest first, with its files: the shape of `batches --json` (and a little more).

        For those who upload: an editor sees the batches that carry records of their units (and those
        they imported), and in them the records of their units only.
        """
        self.actor.require_upload()
        with self.engine.connect() as conn:
            query = sa.select(batches).order_by(batches.c.id)
            if self.scope is not None:  # an editor: batches with records of their units, or their own
                theirs = sa.union(*(sa.select(t.c.batch_id).where(*in_scope(t, self.scope)) for t in VERSIONS.values()))
                query = query.where(sa.or_(batches.c.id.in_(theirs), batches.c.user == self.actor.name))
            rows = conn.execute(query).mappings().all()
            files = conn.execute(sa.select(batch_files).order_by(batch_files.c.id)).mappings().all()
        by_batch: dict[int, list[dict]] = {}
        for f in files:
            entry = {"name": f["name"], "sha256": f["sha256"], "repeat_of": f["repeat_of"]}
            by_batch.setdefault(f["batch_id"], []).append(entry)
        return [
            {
                "id": r["id"],
                "created_at": r["created_at"],
                "label": r["label"],
                "user": r["user"],
                "files": by_batch.get(r["id"], []),
                "added": r["added"],
                "updated": r["updated"],
                "unchanged": r["unchanged"],
                "repeat": bool(r["repeat"]),
                "rolled_back": bool(r["rolled_back"]),
                "rolled_back_at": r["rolled_back_at"],
                "summary": json.loads(r["summary"] or "{}"),
            }
            for r in rows
        ]

    def batch_records(self, batch_id: int, dataset: Dataset) -> pd.DataFrame:
        """The records a batch added or changed in one dataset (not those it re-sent unchanged), typed."""
        table = VERSIONS[dataset.id]
        cols = ["change", "is_current", *stored_fields(dataset)]
        query = sa.select(*(table.c[c] for c in cols)).where(
            table.c.batch_id == batch_id, table.c.change != Change.UNCHANGED, *in_scope(table, self.scope)
        )
        with self.engine.connect() as conn:
            frame = _frame(conn.execute(query), cols)
        return typed_records(frame, dataset)

    def records(
        self,
        dataset: Dataset,
        start: date | None = None,
        end: date | None = None,
        unit: str | None = None,
        fields: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Current records of a dataset, optionally those with any period date in [start, end] and one unit.

        `fields` limits the columns read. Dates are fetched as the database sends them (ISO text on
        SQLite) and parsed by pandas in one vectorised step instead of row by row.
        """
        self._unit_asked(unit)
        table = VERSIONS[dataset.id]
        fields = list(fields or stored_fields(dataset))
        dates = {c.field for c in dataset.columns if c.kind is Kind.DATE}
        columns = [sa.type_coerce(table.c[f], sa.String).label(f) if f in dates else table.c[f] for f in fields]
        ranged = start is not None and end is not None
        if not ranged:
            query = sa.select(*columns).where(table.c.is_current == sa.true(), *in_scope(table, self.scope))
            query = query.where(*of_unit(table, unit)) if unit else query
        else:  # one indexed range per date field: with an OR of them the planner reads every current record
            query = sa.union(
                *(
                    sa.select(table.c.id, *columns).where(*current_in(table, f, start, end, unit, self.scope))
                    for f in dataset.date_fields
                )
            )
        with self.engine.connect() as conn:
            frame = _frame(conn.execute(query), ["id", *fields] if ranged else fields)
        frame = frame.drop(columns="id") if ranged else frame
        return typed_records(frame, dataset)

    def tally(self, dataset: Dataset, start: date, end: date, unit: str | None, weight: str) -> pd.DataFrame:
        """Current records with their first date in [start, end], counted in groups alike by month and
        in every field of the dataset's TALLY (the `present` one only as filled or not).

        One row per group: the first date is the month's earliest (so it lies in the group's month),
        `present` that same date for the group of filled ones (a stand-in: the figures read only
        whether it is filled) and empty for the others, the unit the one asked for, and `weight` the
        number of records. Figures over whole months come out as from the records themselves, from a
        few thousand rows instead of hundreds of thousands (kpis.count). The database groups by
        MONTH_FIELD and TALLY_CODE, and SQLite reads them in its index's order, so it never sorts the
        records; the codes are then joined to their fields.
        """
        self._unit_asked(unit)
        table, tally, codes = VERSIONS[dataset.id], TALLY[dataset.id], TALLY_CODES[dataset.id]
        first = table.c[dataset.date_fields[0]]
        where = current_in(table, first.name, start, end, unit, self.scope)
        groups = (
            sa.select(sa.func.min(first).label("first"), table.c[TALLY_CODE], sa.func.count().label("n"))
            .where(*where)
            .group_by(table.c[MONTH_FIELD], table.c[TALLY_CODE])
            .subquery()
        )
        names = [first.name, *tally.keep, tally.filled, weight]
        query = sa.select(
            sa.type_coerce(groups.c.first, sa.String),
            *(codes.c[f] for f in tally.keep),
            codes.c[tally.filled],
            groups.c.n,
        ).join_from(groups, codes, codes.c.id == groups.c[TALLY_CODE])
        with self.engine.connect() as conn:
            frame = _frame(conn.execute(query), names)
        filled = frame.pop(tally.filled).astype(bool)
        frame[tally.present] = frame[first.name].where(filled, None)
        frame[UNIT_FIELD] = unit
        return typed_records(frame, dataset)

    def records_page(
        self, dataset: Dataset, start: date, end: date, unit: str | None, limit: int | None
    ) -> tuple[pd.DataFrame, int]:
        """The first `limit` current records with their first date in [start, end] (by that date and
        key), and how many there are in all: a table a page can show, whatever the store holds."""
        self._unit_asked(unit)
        table = VERSIONS[dataset.id]
        first = table.c[dataset.date_fields[0]]
        where = current_in(table, first.name, start, end, unit, self.scope)
        fields = stored_fields(dataset)
        dates = {c.field for c in dataset.columns if c.kind is Kind.DATE}
        columns = [sa.type_coerce(table.c[f], sa.String).label(f) if f in dates else table.c[f] for f in fields]
        query = sa.select(*columns).where(*where).order_by(*by_first_date(table), table.c.record_key).limit(limit)
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
            frame = _frame(conn.execute(query), fields)
        return typed_records(frame, dataset), int(total)

    def units(self) -> list[str]:
        """Every unit that has a current record, sorted.

        Read by skipping through the index on (is_current, the unit's first 200 characters): one
        indexed step per unit, so the cost follows the number of units, not of records (a DISTINCT
        would read every record); units longer than that are read whole in a second step.
        """
        found: set[str] = set()
        with self.engine.connect() as conn:
            for table in VERSIONS.values():
                prefix, current, after = unit_prefix(table), table.c.is_current == sa.true(), ""
                while True:  # from "": an empty or missing unit is no unit
                    query = sa.select(prefix).where(current, prefix > after).order_by(prefix).limit(1)
                    after = conn.execute(query).scalar()
                    if after is None:
                        break
                    if len(after) < UNIT_PREFIX_CHARS:  # the whole unit
                        found.add(after)
                        continue
                    same = sa.select(table.c[UNIT_FIELD]).where(current, prefix == after).distinct()
                    found.update(conn.execute(same).scalars())
        return sorted(u for u in found if u and self.actor.may_see(u))

    def date_range(self, primary: bool = False) -> tuple[date, date] | None:
        """The earliest and latest period date of current records (primary: each dataset's first date).

        Each end is read from an index on (is_current, [month,] date), not a scan: one step, or on
        SQLite's petitions (whose index holds other fields between month and date) the entries of the
        first or last month.
        """
        lows, highs = [], []
        with self.engine.connect() as conn:
            for dataset in DATASETS:
                table = VERSIONS[dataset.id]
                for f in dataset.date_fields[:1] if primary else dataset.date_fields:
                    order = by_first_date(table) if f == dataset.date_fields[0] else [table.c[f]]
                    where = [table.c.is_current == sa.true(), *(c.isnot(None) for c in order)]
                    query = sa.select(table.c[f]).where(*where, *in_scope(table, self.scope)).limit(1)
                    lo = conn.execute(query.order_by(*order)).scalar()
                    hi = conn.execute(query.order_by(*(c.desc() for c in order))).scalar()
                    lows += [lo] if lo else []
                    highs += [hi] if hi else []
        if not lows:
            return None
        return _as_date(min(lows)), _as_date(max(highs))

    def version(self) -> str:
        """Changes whenever an import or a rollback lands: the key for caches of store reads."""
        with self.engine.connect() as conn:
            return _version_of(conn)

    def has_live_sample(self) -> bool:
        """True while the sample-data batch is imported and not rolled back."""
        return self.sample_share() != ""

    def sample_share(self, unit: str | None = None) -> str:
        """How much of the live data is the sample's: "" none, "all", or "part" (real data beside it).

        With a unit, of that unit's current records: the sample's are all 本单位's, so another unit's
        figures hold none of it, even while the sample batch is live.
        """
        self._unit_asked(unit)
        sample = sa.func.count().filter(batches.c.label == SAMPLE_LABEL)
        query = sa.select(sample, sa.func.count()).where(batches.c.rolled_back == sa.false())
        with self.engine.connect() as conn:
            samples, live = conn.execute(query).one()
            if not samples or (not unit and self.scope is None):
                return "" if not samples else "all" if samples == live else "part"
            ids = sa.select(batches.c.id).where(batches.c.label == SAMPLE_LABEL, batches.c.rolled_back == sa.false())
            found = {"sample": False, "other": False}
            for table in VERSIONS.values():
                mine = [table.c.is_current == sa.true(), *in_scope(table, self.scope)]
                mine += of_unit(table, unit) if unit else []
                for kind, origin in (("sample", table.c.origin.in_(ids)), ("other", table.c.origin.not_in(ids))):
                    found[kind] |= conn.execute(sa.select(sa.exists().where(*mine, origin))).scalar_one()
        return "" if not found["sample"] else "part" if found["other"] else "all"

    def targets(self) -> Targets:
        """The targets in force: the newest each admin set in the store, else the targets file's."""
        newest = sa.select(target_changes.c.name, sa.func.max(target_changes.c.id).label("id")).group_by(
            target_changes.c.name
        )
        newest = newest.subquery()
        query = sa.select(target_changes.c.name, target_changes.c.value).join(
            newest, target_changes.c.id == newest.c.id
        )
        with self.engine.connect() as conn:
            values = dict(conn.execute(query).all())
        base = targets()
        return Targets(
            **{name: type(getattr(base, name))(values.get(name, getattr(base, name))) for name in TARGET_LIMITS}
        )

    def set_target(self, name: str, value: float) -> None:
        """Set one target (admins only, audited): every instance on this database uses it from its next run."""
        self.actor.require_admin("修改指标目标")
        low, high = TARGET_LIMITS[name]
        if not low <= value <= high:
            raise ValueError(name, value)
        before = getattr(self.targets(), name)
        with self.engine.begin() as conn:
            conn.execute(
                target_changes.insert(), {"name": name, "value": value, "at": audit.utc_now(), "actor": self.actor.name}
            )
            audit.record(conn, self.actor, Action.TARGET_CHANGED, target=name, before=before, after=value)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one() == 0


def batch_units(batch: Batch) -> set[str]:
    """Every unit a batch's records belong to."""
    return {u for frame in batch.frames.values() for u in frame[UNIT_FIELD].dropna().unique()}


def _units_of_batch(conn: Connection, batch_id: int) -> set[str]:
    """Every unit of the records a stored batch carries."""
    found: set[str] = set()
    for table in VERSIONS.values():
        query = sa.select(table.c[UNIT_FIELD]).where(table.c.batch_id == batch_id).distinct()
        found.update(u for u in conn.execute(query).scalars() if u is not None)
    return found


def _ranked(table: sa.Table, keys: sa.Select, exclude: int | None = None) -> sa.Subquery:
    """The live versions of these keys ranked per key by the rule: newest origin first (rank 1 is current)."""
    live = _live()
    if exclude is not None:
        live = live.where(batches.c.id != exclude)
    rank = sa.func.row_number().over(partition_by=table.c.record_key, order_by=(table.c.origin.desc(), table.c.id))
    return (
        sa.select(table.c.id, table.c.record_key, table.c.batch_id, table.c.origin, rank.label("rank"))
        .where(table.c.record_key.in_(keys), table.c.batch_id.in_(live))
        .subquery()
    )


def _classify(rows: pd.DataFrame) -> pd.DataFrame:
    """Each record's fate on rollback from its version in the batch and the best version elsewhere."""
    other = rows["batch"].notna().to_numpy()
    same = (rows["best_origin"] == rows["origin"]).to_numpy()
    newer = (rows["best_origin"] > rows["origin"]).to_numpy()
    outcome = pd.Series(Fate.REMOVED, index=rows.index, dtype=object)
    outcome[other] = Fate.RESTORED
    outcome[other & same] = Fate.KEPT_SAME
    outcome[other & newer] = Fate.KEPT_NEWER
    batch = rows["batch"].astype(object).where(rows["batch"].notna(), None)
    return pd.DataFrame({KEY: rows[KEY], "outcome": outcome, "batch": batch}).sort_values(KEY, ignore_index=True)


def _true(conn: Connection) -> str:
    return "true" if conn.dialect.name == "postgresql" else "1"


def _off_index(conn: Connection, condition: str) -> str:
    """A condition the planner must not pick an index for, so that it looks keys up by record_key.

    Without statistics SQLite prefers the index on (is_current, date) for `is_current = 1`, or the one
    on batch_id, and scans every row they match once per chunk of keys; a unary + is SQLite's way to
    keep a term off an index. PostgreSQL plans by statistics, which imports keep fresh
    (`Store._refresh_statistics`).
    """
    return condition if conn.dialect.name == "postgresql" else f"+{condition}"


def _rows_for_keys(conn: Connection, table: sa.Table, columns: list[str], keys: list[str], where: str) -> list[tuple]:
    """Rows of a versions table for these record keys and a fixed condition, by the record_key index.

    Written as plain SQL, prepared once per chunk size: compiling an expanding IN for every chunk cost
    more than the lookups. PostgreSQL takes the keys as one array.
    """
    if not keys:
        return []
    quote = conn.dialect.identifier_preparer.quote
    select = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)} WHERE {where} AND record_key"
    if conn.dialect.name == "postgresql":
        return [
            tuple(r) for chunk in _chunks(keys, 20_000) for r in conn.exec_driver_sql(f"{select} = ANY(%s)", (chunk,))
        ]
    rows: list[tuple] = []
    for chunk in _chunks(keys):
        marks = ", ".join("?" * len(chunk))
        rows += conn.exec_driver_sql(f"{select} IN ({marks})", tuple(chunk)).fetchall()
    return [tuple(r) for r in rows]


def _bulk_insert(conn: Connection, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, one prepared executemany on SQLite."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", rows)


def _coded(conn: Connection, dataset: Dataset, rows: list[tuple]) -> list[tuple]:
    """`Store._new_rows`' rows with the tally code of each appended, codes new to the store added (in
    sorted order, so codes follow the fields' order). On SQLite, whose petitions index is (is_current,
    month, code, date), the rows (by month, date and key already) are put in that order, so it grows in
    one sweep, each of its pages read and written once. Run under the write lock: no other writer adds
    a code meanwhile."""
    tally, codes = TALLY[dataset.id], TALLY_CODES[dataset.id]
    at = {f: 2 + i for i, f in enumerate(stored_fields(dataset))}
    positions, present = [at[f] for f in tally.keep], at[tally.present]
    getter = itemgetter(*positions)
    keep = getter if len(positions) > 1 else lambda r: (getter(r),)
    combinations = [(*keep(r), r[present] is not None) for r in rows]  # yes/no as bool: True == 1 in a key
    names = [*tally.keep, tally.filled]

    def known() -> dict[tuple, int]:
        return {tuple(r[1:]): r[0] for r in conn.execute(sa.select(codes.c.id, *(codes.c[n] for n in names)))}

    codes_of = known()
    new = sorted(set(combinations) - codes_of.keys(), key=lambda c: [(v is not None, v) for v in c])
    for chunk in _chunks(new):
        conn.execute(codes.insert(), [dict(zip(names, c, strict=True)) for c in chunk])
    codes_of = known() if new else codes_of
    coded = [(*row, codes_of[c]) for row, c in zip(rows, combinations, strict=True)]
    if conn.dialect.name != "sqlite":
        return coded
    month = -2  # MONTH_FIELD, before the code; empty first, as in SQLite's index
    return sorted(coded, key=lambda r: (r[month] is not None, r[month] or 0, r[-1]))  # stable: date, key kept


def _as_date(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]

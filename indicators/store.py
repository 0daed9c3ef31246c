"""The versioned store: every import is a batch, every record it carries a version, nothing is lost.

A batch writes a version of every record it holds, marked added, updated or unchanged, so a record
a later batch re-sent survives the rollback of the batch that first brought it. A record's current
version is its newest version from a batch that is not rolled back; `is_current` caches that so
reads are one indexed filter. SQLite (WAL, busy timeout) by default, any SQLAlchemy
URL through `INDICATORS_DB_URL`; the same code runs on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .schema import DATASETS, LITIGATION, OUTCOME_CLASS_FIELD, UNIT_FIELD, Dataset, Kind
from .validation import key_series, typed

DB_URL_ENV = "INDICATORS_DB_URL"
DEFAULT_DB_PATH = Path(__file__).resolve().parent.parent / "data" / "indicators.sqlite3"
SAMPLE_LABEL = "示例数据"
_PG_LOCK_ID = 727_2024
_SQL_TYPES = {
    Kind.DATE: sa.Date,
    Kind.YESNO: sa.Boolean,
    Kind.COUNT: sa.Integer,
    Kind.HOURS: sa.Float,
}

metadata = sa.MetaData()
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("user", sa.String(200), nullable=False, server_default=""),
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
)


def _version_table(dataset: Dataset) -> sa.Table:
    """The versions of one dataset's records, with a column per schema field."""
    columns = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
        sa.Column("record_key", sa.String(500), nullable=False, index=True),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
    ]
    columns += [sa.Column(c.field, _SQL_TYPES.get(c.kind, sa.Text)) for c in dataset.columns]
    if dataset is LITIGATION:
        columns.append(sa.Column(OUTCOME_CLASS_FIELD, sa.String(20)))
    table = sa.Table(f"{dataset.id}_versions", metadata, *columns)
    sa.Index(f"ix_{dataset.id}_current", table.c.is_current, table.c[dataset.date_fields[0]])
    return table


VERSIONS: dict[str, sa.Table] = {d.id: _version_table(d) for d in DATASETS}


def stored_fields(dataset: Dataset) -> list[str]:
    """The record fields stored per version: schema fields plus derived ones."""
    extra = [OUTCOME_CLASS_FIELD] if dataset is LITIGATION else []
    return dataset.fields + extra


@dataclass(frozen=True)
class FileInfo:
    name: str
    sha256: str
    size: int


def file_info(name: str, data: bytes) -> FileInfo:
    return FileInfo(name, hashlib.sha256(data).hexdigest(), len(data))


@dataclass
class DatasetPlan:
    """What a batch would do to one dataset: new and changed records, and how many are unchanged."""

    dataset: Dataset
    added: pd.DataFrame
    updated: pd.DataFrame
    unchanged: pd.DataFrame
    changes: pd.DataFrame
    repeated: int = 0

    @property
    def counts(self) -> dict[str, int]:
        unchanged = len(self.unchanged) + self.repeated
        return {"added": len(self.added), "updated": len(self.updated), "unchanged": unchanged}


@dataclass
class Plan:
    """What a batch would do to the store, computed without writing anything."""

    datasets: dict[str, DatasetPlan] = field(default_factory=dict)
    repeat_of: dict[str, int] = field(default_factory=dict)

    @property
    def repeat_files(self) -> list[str]:
        """Names of the uploaded files identical (same sha256) to a file imported before."""
        return list(self.repeat_of)

    def total(self, what: str) -> int:
        return sum(p.counts[what] for p in self.datasets.values())


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _sqlite_setup(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def db_url() -> str:
    """The database URL: `INDICATORS_DB_URL`, else the SQLite file under data/."""
    url = os.environ.get(DB_URL_ENV, "").strip()
    if url:
        return url
    DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: str | None = None) -> Engine:
    """An engine with the store's tables created; SQLite gets WAL mode and a busy timeout."""
    url = url or db_url()
    engine = sa.create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    metadata.create_all(engine)
    return engine


def _to_rows(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """DataFrame rows as plain Python values for the database driver."""
    out = {}
    for name in columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            values = [None if pd.isna(v) else v for v in col.dt.date.tolist()]
        else:
            values = [
                None if v is pd.NA or (isinstance(v, float) and v != v) else v for v in col.astype(object).tolist()
            ]
        out[name] = values
    return [dict(zip(columns, row, strict=True)) for row in zip(*(out[c] for c in columns), strict=True)]


def _frame(result: sa.CursorResult, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a DataFrame, passed to pandas as plain tuples.

    A SQLAlchemy Row is not a tuple, so pandas would probe every row for a `dtype` attribute first,
    each probe a failed key lookup raising inside SQLAlchemy: most of `kpis`' time on 100,000 records.
    """
    return pd.DataFrame([tuple(row) for row in result.all()], columns=columns)


def _typed_frame(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Stored records with the same dtypes as freshly validated ones, so they compare equal."""
    out = frame.copy()
    for column in dataset.columns:
        if column.field in out:
            out[column.field] = typed(out[column.field], column.kind)
    return out


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise equality where two missing values are equal."""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    a_obj = a.astype(object).where(~a_na, None).to_numpy()
    b_obj = b.astype(object).where(~b_na, None).to_numpy()
    equal = (a_obj == b_obj).astype(bool)
    return pd.Series((a_na & b_na) | (~a_na & ~b_na & equal), index=a.index)


def _show(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value is pd.NaT:
        return "（空）"
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.strftime("%Y-%m-%d")
    if pd.api.types.is_bool(value):  # numpy's bool too: a nullable boolean column yields those
        return "是" if value else "否"
    return str(value)


class Store:
    """The store behind the CLI and the dashboard: imports, plans, reads and rollbacks."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction, serialised against other writers on either database."""
        with self.engine.connect().execution_options(write=True) as conn, conn.begin():
            if self.engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
            yield conn

    def _current(self, conn: Connection, dataset: Dataset) -> pd.DataFrame:
        table = VERSIONS[dataset.id]
        cols = ["record_key", *dataset.fields]
        query = sa.select(*(table.c[c] for c in cols)).where(table.c.is_current)
        frame = _frame(conn.execute(query), cols)
        return _typed_frame(frame, dataset)

    def _plan_dataset(self, conn: Connection, dataset: Dataset, frame: pd.DataFrame) -> DatasetPlan:
        incoming = frame.copy()
        incoming["record_key"] = key_series(incoming, dataset)
        current = self._current(conn, dataset).set_index("record_key")
        stored = incoming["record_key"].isin(current.index)
        added = incoming.loc[~stored]
        candidates = incoming.loc[stored]
        old = current.loc[candidates["record_key"]].set_axis(candidates.index)
        diff = pd.DataFrame({f: ~_same(candidates[f], old[f]) for f in dataset.fields}, index=candidates.index)
        changed = diff.any(axis=1) if len(diff.columns) else pd.Series(False, index=candidates.index)
        updated = candidates.loc[changed]
        changes = self._describe_changes(dataset, updated, old.loc[changed], diff.loc[changed])
        return DatasetPlan(dataset, added, updated, candidates.loc[~changed], changes)

    @staticmethod
    def _describe_changes(dataset: Dataset, new: pd.DataFrame, old: pd.DataFrame, diff: pd.DataFrame) -> pd.DataFrame:
        """One row per changed record: its key and what changed, e.g. 审理结果：（空）→ 驳回诉讼请求."""
        texts = pd.Series("", index=new.index, dtype=object)
        for name in dataset.fields:
            mask = diff[name]
            if not mask.any():
                continue
            label = dataset.column(name).name
            piece = [
                f"{label}：{_show(o)} → {_show(n)}"
                for o, n in zip(old.loc[mask, name], new.loc[mask, name], strict=True)
            ]
            texts.loc[mask] = (texts.loc[mask] + pd.Series(piece, index=texts.loc[mask].index) + "；").values
        return pd.DataFrame({dataset.key_names: new["record_key"].values, "变化": texts.str.rstrip("；").values})

    def plan(self, frames: dict[str, pd.DataFrame], files: list[FileInfo] = ()) -> Plan:
        """What importing these validated records would add, update and leave unchanged."""
        with self.engine.connect() as conn:
            return self._plan(conn, frames, files)

    def _plan(self, conn: Connection, frames: dict[str, pd.DataFrame], files: list[FileInfo]) -> Plan:
        """Plan every dataset; rows from a file identical to one a live batch imported change nothing.

        Such a repeat counts its records as unchanged and writes no version, so re-sending last
        quarter's file by mistake can never undo what later batches changed.
        """
        plan = Plan()
        hashes = [f.sha256 for f in files]
        if hashes:
            query = (
                sa.select(batch_files.c.sha256, sa.func.min(batch_files.c.batch_id))
                .join(batches, batches.c.id == batch_files.c.batch_id)
                .where(batch_files.c.sha256.in_(hashes), ~batches.c.rolled_back)
                .group_by(batch_files.c.sha256)
            )
            first_batch = dict(conn.execute(query).all())
            plan.repeat_of = {f.name: first_batch[f.sha256] for f in files if f.sha256 in first_batch}
        for dataset in DATASETS:
            if dataset.id in frames:
                frame = frames[dataset.id]
                repeated = frame["_file"].isin(list(plan.repeat_of)) if "_file" in frame else None
                if repeated is not None and repeated.any():
                    dp = self._plan_dataset(conn, dataset, frame.loc[~repeated])
                    dp.repeated = int(repeated.sum())
                else:
                    dp = self._plan_dataset(conn, dataset, frame)
                plan.datasets[dataset.id] = dp
        return plan

    def import_batch(
        self, frames: dict[str, pd.DataFrame], files: list[FileInfo], label: str = "", user: str = ""
    ) -> tuple[int, Plan]:
        """Store validated records as one batch, all or nothing; returns the batch id and what it did."""
        with self._write() as conn:
            plan = self._plan(conn, frames, files)
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
                    "repeat": bool(files) and len(plan.repeat_files) == len(files),
                },
            ).scalar_one()
            if files:
                conn.execute(
                    batch_files.insert(),
                    [{"batch_id": batch_id, "name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
                )
            for dp in plan.datasets.values():
                self._write_versions(conn, dp, batch_id)
        return batch_id, plan

    def _write_versions(self, conn: Connection, dp: DatasetPlan, batch_id: int) -> None:
        table = VERSIONS[dp.dataset.id]
        fields = stored_fields(dp.dataset)
        for change, frame in (("added", dp.added), ("updated", dp.updated), ("unchanged", dp.unchanged)):
            if frame.empty:
                continue
            rows = _to_rows(frame, ["record_key", *fields])
            for row in rows:
                row.update(batch_id=batch_id, change=change, is_current=True)
            conn.execute(table.insert(), rows)
        if len(dp.updated) or len(dp.unchanged):
            mine = sa.select(table.c.record_key).where(table.c.batch_id == batch_id)
            conn.execute(
                table.update()
                .where(table.c.is_current, table.c.batch_id != batch_id, table.c.record_key.in_(mine))
                .values(is_current=False)
            )

    def rollback(self, batch_id: int) -> dict[str, int]:
        """Return every record the batch touched to its state before it; later versions stay current."""
        with self._write() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).mappings().first()
            if row is None:
                raise LookupError(f"批次 {batch_id} 不存在。")
            if row["rolled_back"]:
                raise ValueError(f"批次 {batch_id} 已于 {row['rolled_back_at']} 撤销，不能重复撤销。")
            conn.execute(
                batches.update().where(batches.c.id == batch_id).values(rolled_back=True, rolled_back_at=_now())
            )
            touched = {}
            live = sa.select(batches.c.id).where(~batches.c.rolled_back)
            for dataset_id, table in VERSIONS.items():
                keys = sa.select(table.c.record_key).where(table.c.batch_id == batch_id).scalar_subquery()
                newest = (
                    sa.select(sa.func.max(table.c.id))
                    .where(table.c.batch_id.in_(live))
                    .group_by(table.c.record_key)
                    .where(table.c.record_key.in_(keys))
                )
                result = conn.execute(
                    table.update().where(table.c.record_key.in_(keys)).values(is_current=table.c.id.in_(newest))
                )
                touched[dataset_id] = result.rowcount
            return touched

    def rollback_preview(self, batch_id: int) -> pd.DataFrame:
        """What rolling a batch back would do, per dataset: records removed, restored, left as they are.

        removed: the batch brought them and no other live batch has them; restored: they return to
        an earlier version; kept: a later batch's version is current and stays so.
        """
        live = sa.select(batches.c.id).where(~batches.c.rolled_back, batches.c.id != batch_id)
        rows = []
        with self.engine.connect() as conn:
            for dataset in DATASETS:
                table = VERSIONS[dataset.id]
                keys = sa.select(table.c.record_key).where(table.c.batch_id == batch_id)
                mine = pd.DataFrame(
                    conn.execute(
                        sa.select(table.c.record_key, table.c.is_current).where(table.c.batch_id == batch_id)
                    ).all(),
                    columns=["record_key", "is_current"],
                )
                others = set(
                    conn.execute(
                        sa.select(table.c.record_key)
                        .where(table.c.record_key.in_(keys), table.c.batch_id.in_(live))
                        .distinct()
                    ).scalars()
                )
                current = mine["is_current"].astype(bool)
                elsewhere = mine["record_key"].isin(others)
                rows.append(
                    {
                        "数据集": dataset.name,
                        "将删除": int((current & ~elsewhere).sum()),
                        "将恢复为之前版本": int((current & elsewhere).sum()),
                        "不受影响（已有更新版本）": int((~current).sum()),
                    }
                )
        return pd.DataFrame(rows)

    def batches(self) -> list[dict]:
        """Every batch, oldest first, with its files: the shape of `batches --json`."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(batches).order_by(batches.c.id)).mappings().all()
            files = conn.execute(sa.select(batch_files).order_by(batch_files.c.id)).mappings().all()
        by_batch: dict[int, list[dict]] = {}
        for f in files:
            by_batch.setdefault(f["batch_id"], []).append({"name": f["name"], "sha256": f["sha256"]})
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
            table.c.batch_id == batch_id, table.c.change != "unchanged"
        )
        with self.engine.connect() as conn:
            frame = _frame(conn.execute(query), cols)
        return _typed_frame(frame, dataset)

    def records(
        self,
        dataset: Dataset,
        start: date | None = None,
        end: date | None = None,
        unit: str | None = None,
        fields: list[str] | None = None,
    ) -> pd.DataFrame:
        """Current records of a dataset, optionally those with any period date in [start, end] and one unit.

        `fields` limits the columns read. Dates are fetched as the database sends them (ISO text on
        SQLite) and parsed by pandas in one vectorised step instead of row by row.
        """
        table = VERSIONS[dataset.id]
        fields = fields or stored_fields(dataset)
        dates = {c.field for c in dataset.columns if c.kind is Kind.DATE}
        columns = [sa.type_coerce(table.c[f], sa.String).label(f) if f in dates else table.c[f] for f in fields]
        query = sa.select(*columns).where(table.c.is_current)
        if start is not None and end is not None:
            query = query.where(sa.or_(*(table.c[f].between(start, end) for f in dataset.date_fields)))
        if unit:
            query = query.where(table.c[UNIT_FIELD] == unit)
        with self.engine.connect() as conn:
            frame = _frame(conn.execute(query), fields)
        return _typed_frame(frame, dataset)

    def units(self) -> list[str]:
        """Every unit that has a current record, sorted."""
        with self.engine.connect() as conn:
            found: set[str] = set()
            for table in VERSIONS.values():
                found.update(
                    conn.execute(sa.select(table.c[UNIT_FIELD]).where(table.c.is_current).distinct()).scalars()
                )
        return sorted(u for u in found if u)

    def date_range(self, primary: bool = False) -> tuple[date, date] | None:
        """The earliest and latest period date of current records (primary: each dataset's first date)."""
        lows, highs = [], []
        with self.engine.connect() as conn:
            for dataset in DATASETS:
                table = VERSIONS[dataset.id]
                for f in dataset.date_fields[:1] if primary else dataset.date_fields:
                    lo, hi = conn.execute(
                        sa.select(sa.func.min(table.c[f]), sa.func.max(table.c[f])).where(table.c.is_current)
                    ).one()
                    lows += [lo] if lo else []
                    highs += [hi] if hi else []
        if not lows:
            return None
        return _as_date(min(lows)), _as_date(max(highs))

    def version(self) -> str:
        """Changes whenever an import or a rollback lands: the key for caches of store reads."""
        with self.engine.connect() as conn:
            last, undone = conn.execute(
                sa.select(sa.func.max(batches.c.id), sa.func.count().filter(batches.c.rolled_back))
            ).one()
        return f"{last or 0}-{undone or 0}"

    def has_live_sample(self) -> bool:
        """True while the sample-data batch is imported and not rolled back."""
        query = sa.select(sa.func.count()).where(batches.c.label == SAMPLE_LABEL, ~batches.c.rolled_back)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one() > 0

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar_one() == 0


def _as_date(value: object) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]

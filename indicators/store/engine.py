"""The database: its URL, the engine, the one write lock, and the schema brought to the newest revision.

SQLite (WAL, `BEGIN IMMEDIATE`) by default, any SQLAlchemy URL through `INDICATORS_DB_URL`; PostgreSQL
serialises writers with a transaction-scoped advisory lock. Creating or upgrading the schema happens
once, under that same lock, when an engine is made: eight processes opening a new store at once
create its tables once, and a store written by an earlier version is upgraded in place.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

DB_URL_ENV = "INDICATORS_DB_URL"
DEFAULT_DB_PATH = Path(__file__).resolve().parents[2] / "data" / "indicators.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0008"  # the newest migration (tests/test_migrations.py checks it against migrations/versions)
BASELINE = "0001"  # what a store made before migrations existed is stamped with
LOCK_WAIT_SECONDS = 600  # how long a writer waits for another to finish before giving up
_PG_LOCK_ID = 727_2024
_BUSY_MS = 30_000
# SQLite's page cache, KiB: its usual default for readers (set on every connection); a writer's is
# larger, so that a 100,000-row batch reads and writes each index page it touches once instead of
# spilling and re-reading them (-1 s at 1M).
_READ_CACHE_KIB = 2_000
_WRITE_CACHE_KIB = 64_000


class StoreBusy(Exception):
    """Another writer held the store longer than LOCK_WAIT_SECONDS."""


def db_url() -> str:
    """The database URL: `INDICATORS_DB_URL`, else the SQLite file under data/."""
    url = os.environ.get(DB_URL_ENV, "").strip()
    if url:
        return url
    DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DB_PATH}"


def _sqlite_setup(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{_READ_CACHE_KIB}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            _retry_busy(lambda: cursor.execute("PRAGMA journal_mode=WAL"))
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        raw = conn.connection.driver_connection
        if options.get("write", False):
            raw.execute(f"PRAGMA cache_size=-{_WRITE_CACHE_KIB}")
            _begin_immediate(raw, options.get("on_wait"))
        else:
            raw.execute("BEGIN")


def _begin_immediate(raw: sqlite3.Connection, on_wait: Callable[[], None] | None) -> None:
    """BEGIN IMMEDIATE: tried at once; when another writer holds the store, `on_wait`, then waiting."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreBusy() from exc
                if on_wait:
                    on_wait()
                    on_wait = None
                raw.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    finally:
        raw.execute(f"PRAGMA busy_timeout={_BUSY_MS}")


def _retry_busy(step: Callable[[], object]) -> None:
    """Run a step that SQLite may refuse as busy without calling its busy handler (the switch to WAL)."""
    deadline = time.monotonic() + _BUSY_MS / 1000
    while True:
        try:
            step()
            return
        except Exception as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_engine(url: str | None = None) -> Engine:
    """An engine on the store, its schema at the newest revision (SQLite gets WAL and a busy timeout)."""
    url = url or db_url()
    engine = sa.create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    upgrade(engine)
    return engine


@contextmanager
def write_transaction(engine: Engine, on_wait: Callable[[], None] | None = None) -> Iterator[Connection]:
    """One write transaction, serialised against every other writer of the store on either database.

    When another writer holds the lock, `on_wait` is called once (the page says another batch is
    being imported) and the transaction waits for it, up to LOCK_WAIT_SECONDS, then raises StoreBusy.
    """
    with engine.connect().execution_options(write=True, on_wait=on_wait) as conn:
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    _pg_lock(conn, on_wait)
                yield conn
        finally:
            if engine.dialect.name == "sqlite" and not conn.invalidated:
                conn.connection.driver_connection.execute(f"PRAGMA cache_size=-{_READ_CACHE_KIB}")


def _pg_lock(conn: Connection, on_wait: Callable[[], None] | None) -> None:
    """The store's advisory lock for this transaction: tried at once, then (after `on_wait`) waited for."""
    if conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_PG_LOCK_ID))).scalar_one():
        return
    if on_wait:
        on_wait()
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'")
    try:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_ID)))
    except OperationalError as exc:
        raise StoreBusy() from exc
    conn.exec_driver_sql("SET LOCAL lock_timeout = 0")


def revision(conn: Connection) -> str | None:
    """The store's schema revision: None for an empty database, BASELINE for one made before migrations."""
    names = set(sa.inspect(conn).get_table_names())
    if "alembic_version" in names:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return BASELINE if "batches" in names else None


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.DBAPIError:
            return None


def upgrade(engine: Engine) -> None:
    """Bring the schema to HEAD, once, under the write lock; a store already there costs one query.

    A new database gets today's tables at once, stamped HEAD (as Alembic advises for a fresh
    database); a store from an earlier version is upgraded through the migrations.
    """
    if _current_revision(engine) == HEAD:
        return
    with write_transaction(engine) as conn:
        found = revision(conn)
        if found == HEAD:
            return
        if found is None:
            from .tables import metadata

            metadata.create_all(conn)
            _stamp(conn, HEAD)
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        if not sa.inspect(conn).has_table("alembic_version"):
            _stamp(conn, found)
        command.upgrade(config, HEAD)


def _stamp(conn: Connection, rev: str) -> None:
    """Record the schema's revision as Alembic does (its alembic_version table)."""
    version = sa.Table(
        "alembic_version",
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), primary_key=True),
    )
    version.create(conn, checkfirst=True)
    conn.execute(version.delete())
    conn.execute(version.insert().values(version_num=rev))

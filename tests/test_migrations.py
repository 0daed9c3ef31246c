"""Stores written by an earlier version upgrade in place, with every figure unchanged.

tests/fixtures/ holds a store written by commit 0353dff (before migrations existed), as a SQLite file
and as a PostgreSQL dump, with the figures that commit computed from it (make_main_store.py made them).
"""

from __future__ import annotations

import json
import shutil
import uuid
import warnings
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import PG_URL, miscoded
from sqlalchemy.engine import make_url

from indicators import views
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.schema import DATASETS, PETITIONS
from indicators.store import Store, make_engine
from indicators.store.engine import HEAD, MIGRATIONS, revision
from indicators.store.importer import run_import
from indicators.store.tables import MONTH_FIELD, TALLY, TALLY_CODE, TALLY_CODES, VERSIONS, metadata
from ledgers import PETITION_HEADER, petition, upload, xlsx_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FACTS = json.loads((FIXTURES / "main-0353dff.json").read_text(encoding="utf-8"))
BATCH_KEYS = ("id", "label", "user", "added", "updated", "unchanged", "repeat", "rolled_back")


def _old_store(db_url: str, tmp_path: Path) -> str:
    """The database at `db_url` filled as commit 0353dff left it; returns the URL to open."""
    if not PG_URL:
        path = tmp_path / "old.sqlite3"
        shutil.copy(FIXTURES / "main-0353dff.sqlite3", path)
        return f"sqlite:///{path}"
    schema = db_url.rsplit("%3D", 1)[1]
    dump = (FIXTURES / "main-0353dff.pg.sql").read_text(encoding="utf-8")
    dump = dump.replace("CREATE SCHEMA __SCHEMA__;", "").replace("__SCHEMA__", f'"{schema}"')
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(dump)
    engine.dispose()
    return db_url


TRIGGERS = {
    "postgresql": "SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
    "JOIN pg_namespace ON pg_namespace.oid = relnamespace WHERE nspname = current_schema()",
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
}


def _records(store: Store, dataset, columns: list[str]) -> dict:
    """A dataset's records in the columns a store of that time had."""
    frame = store.records(dataset)[columns]
    frame = frame.astype(object).where(frame.notna(), None)
    rows = [[str(v) if v is not None else None for v in row] for row in frame.itertuples(index=False)]
    return {"columns": list(frame.columns), "rows": sorted(rows, key=lambda r: [x or "" for x in r])}


def test_head_is_the_newest_migration():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_a_store_written_by_the_previous_main_upgrades_in_place_with_every_figure_unchanged(db_url, tmp_path):
    url = _old_store(db_url, tmp_path)
    with sa.create_engine(url).connect() as conn:
        assert revision(conn) == "0001", "a store of that time has tables and no alembic_version"
    engine = make_engine(url)
    store = Store(engine)
    with engine.connect() as conn:
        assert revision(conn) == HEAD
    for key, expected in FACTS["kpis"].items():
        period, unit = key.split("|")
        assert compute(store, parse_period(period), unit or None) == expected, key
    for dataset in DATASETS:
        then = FACTS["records"][dataset.id]
        added = [c for c in store.records(dataset).columns if c not in then["columns"]]
        assert store.records(dataset)[added].isna().all().all(), f"{added}: columns added later start empty"
        assert _records(store, dataset, then["columns"]) == then, dataset.id
    batches = [{k: b[k] for k in BATCH_KEYS} for b in store.batches()]
    assert batches == [{k: b[k] for k in BATCH_KEYS} for b in FACTS["batches"]]
    assert store.units() == FACTS["units"]
    assert miscoded(engine) == [], "every version coded as its own fields, empty ones included"

    # and it works by today's rules from here on
    new = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF2025-0099", "2025-06-01")]})
    outcome = run_import(store, [upload("新.xlsx", new)])
    assert outcome.ok and outcome.batch_id == len(FACTS["batches"]) + 1
    store.rollback(2)
    assert "XF2025-0001" in set(store.records(PETITIONS)["petition_no"]), "batch 3 re-sent it, so it stays"
    engine.dispose()


def test_upgrading_twice_or_opening_an_upgraded_store_changes_nothing(db_url, tmp_path):
    url = _old_store(db_url, tmp_path)
    first = make_engine(url)
    before = Store(first).version()
    first.dispose()
    again = make_engine(url)
    assert Store(again).version() == before
    again.dispose()


@pytest.mark.parametrize("start", ["previous main", "empty"])
def test_the_migrated_schema_is_the_schema_a_new_store_gets(db_url, tmp_path, start):
    """Migrations and today's table declarations agree: no column, type or index differs."""
    engine = make_engine(_old_store(db_url, tmp_path) if start == "previous main" else db_url)
    with engine.connect() as conn:
        dialect = conn.dialect.name

        def declared_here(obj, name, type_, reflected, compare_to) -> bool:
            """Leave out indexes declared for other databases only (`Index.ddl_if`)."""
            only = getattr(obj, "_ddl_if", None)
            return reflected or only is None or only._should_execute(None, obj, conn)

        context = MigrationContext.configure(conn, opts={"include_object": declared_here})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # expression indexes cannot be reflected: checked by name below
            differences = compare_metadata(context, metadata)
        listed = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            if dialect == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
        indexes = set(conn.exec_driver_sql(listed).scalars())
        triggers = set(conn.exec_driver_sql(TRIGGERS[dialect]).scalars())
    engine.dispose()
    assert differences == []
    assert {f"{t.name}_month" for t in VERSIONS.values()} <= triggers, triggers
    assert {f"{VERSIONS[d].name}_tally" for d in TALLY} <= triggers, triggers
    expressions = {
        i.name for t in VERSIONS.values() for i in t.indexes if any(not isinstance(e, sa.Column) for e in i.expressions)
    }
    assert expressions and expressions <= indexes, expressions - indexes


def test_a_petition_written_without_its_month_or_code_by_the_previous_version_still_counts(db_url, tmp_path):
    """A process of the previous version still running during the upgrade (or waiting for the write
    lock through it) inserts versions without `first_month` and `tally_code`; every figure asks for
    both, so the store fills them in (triggers), adding a code for fields it has not seen, rather than
    leaving those records out."""
    url = _old_store(db_url, tmp_path)
    engine = make_engine(url)
    store = Store(engine)
    period = parse_period("2024Q3")
    before = compute(store, period, None)["petitions"]["total"]
    table = VERSIONS[PETITIONS.id]
    columns = [c.name for c in table.columns if c.name not in ("id", MONTH_FIELD, TALLY_CODE)]
    source = sa.select(*(table.c[c] for c in columns)).where(table.c.is_current == sa.true()).limit(1)
    written = {"旧版本写入-1": ("来信来访", "规划管理"), "旧版本写入-2": ("旧版本的新渠道", None)}
    with engine.begin() as conn:  # the previous version's INSERT: every column it knew, as it knew them
        row = dict(conn.execute(source).mappings().one())
        for key, (channel, category) in written.items():
            row.update(record_key=key, received_on=date(2024, 8, 31), channel=channel, category=category)
            row.update(closed_on=date(2024, 9, 2), on_time=True)
            conn.execute(table.insert().values(row))
        month = conn.execute(sa.select(table.c[MONTH_FIELD]).where(table.c.record_key.in_(written)))
        assert month.scalars().all() == [202408, 202408]
    figures = compute(store, period, None)["petitions"]
    assert figures["total"] == before + 2
    assert figures["by_channel"]["旧版本的新渠道"] == 1
    page = views.page_data(store, "petitions", period, None)
    assert page["kpis"]["total"] == before + 2
    assert page["kpis"] == figures
    engine.dispose()


@pytest.mark.postgres
def test_the_app_role_of_an_instance_still_running_the_previous_version_codes_its_petitions(db_url, tmp_path):
    """The owner upgrades while an instance of the previous version still imports under the app's
    least-rights role: its petitions are coded by the trigger, with that role's rights, before
    deploy/postgres-app-role.sql is run again."""
    url = _old_store(db_url, tmp_path)
    role, schema = f"indicators_old_app_{uuid.uuid4().hex[:8]}", db_url.rsplit("%3D", 1)[1]
    admin = sa.create_engine(url)
    with admin.begin() as conn:  # what the role script of that time granted
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE ON petitions_versions, batches TO "{role}"')
        conn.exec_driver_sql(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"')
    try:
        make_engine(url).dispose()  # the owner's upgrade
        old_app = sa.create_engine(make_url(url).set(username=role))
        table = VERSIONS[PETITIONS.id]
        known = [c.name for c in table.columns if c.name not in ("id", MONTH_FIELD, TALLY_CODE)]
        with old_app.begin() as conn:
            row = dict(conn.execute(sa.select(*(table.c[c] for c in known)).limit(1)).mappings().one())
            row.update(record_key="旧实例-1", channel="旧实例的新渠道")
            conn.execute(table.insert().values(row))
        old_app.dispose()
        with admin.connect() as conn:
            code = conn.execute(sa.select(table.c[TALLY_CODE]).where(table.c.record_key == "旧实例-1")).scalar_one()
            channel = conn.execute(
                sa.select(TALLY_CODES[PETITIONS.id].c.channel).where(TALLY_CODES[PETITIONS.id].c.id == code)
            )
            assert channel.scalar_one() == "旧实例的新渠道"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()

"""The documented PostgreSQL set-up, for real: the app's least-rights role, and a backup restored.

These run in the PostgreSQL pass only (marker `postgres`): they need pg_dump, pg_restore and psql
beside a PostgreSQL server, and fail, never skip, without one.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import PG_URL, new_database
from people import ADMIN, PASSWORD, add
from sqlalchemy.engine import make_url

from indicators.access import Role
from indicators.cli import load_sample
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.store import Store, audit, make_engine, users
from indicators.store.importer import rollback, run_import
from ledgers import PETITION_HEADER, petition, upload, xlsx_bytes

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
ROLE_SQL = ROOT / "deploy" / "postgres-app-role.sql"


def libpq(url: str) -> str:
    """A SQLAlchemy URL as psql, pg_dump and pg_restore take it (no driver, no query options)."""
    parsed = make_url(url).set(drivername="postgresql", query={})
    return parsed.render_as_string(hide_password=False)


def schema_of(url: str) -> str:
    return make_url(url).query["options"].split("search_path=")[1]


@pytest.fixture
def pg_database(tmp_path):
    assert PG_URL, "the PostgreSQL pass sets INDICATORS_TEST_DB_URL"
    with new_database(tmp_path) as url:
        yield url


@pytest.fixture
def app_role():
    name = f"indicators_app_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
    yield name
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP OWNED BY "{name}"')
        conn.exec_driver_sql(f'DROP ROLE "{name}"')
    admin.dispose()


def test_the_app_runs_under_its_least_rights_role_and_cannot_rewrite_the_audit(pg_database, app_role):
    owner = Store(make_engine(pg_database))  # the owner creates the schema
    add(owner, ADMIN, Role.ADMIN)
    schema = schema_of(pg_database)
    subprocess.run(
        [
            "psql",
            libpq(PG_URL),
            "-v",
            "ON_ERROR_STOP=1",
            "-v",
            f"app_role={app_role}",
            "-v",
            f"schema={schema}",
            "-f",
            str(ROLE_SQL),
        ],
        check=True,
        capture_output=True,
    )
    app_url = make_url(pg_database).set(username=app_role).render_as_string(hide_password=False)
    app = Store(make_engine(app_url))
    signed = users.sign_in(app.engine, ADMIN, PASSWORD, "10.0.0.1")
    as_admin = app.acting(signed)
    rows = [petition("XF-1", received="2025-01-05"), petition("XF-2", received="2025-02-05")]
    outcome = run_import(as_admin, [upload("信访.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, *rows]}))])
    assert outcome.ok and outcome.batch_id == 1
    assert compute(as_admin, parse_period("2025Q1"))["petitions"]["total"] == 2
    as_admin.set_target("loss_rate", 0.2)
    users.add_user(app.engine, signed, "leader", Role.VIEWER, [], PASSWORD)
    rollback(as_admin, 1)
    for statement in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit", "TRUNCATE audit", "DROP TABLE audit"):
        with (
            pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|must be owner"),
            app.engine.begin() as conn,
        ):
            conn.exec_driver_sql(statement)
    assert len(audit.rows(app.engine, signed)) >= 6
    app.engine.dispose()
    owner.engine.dispose()


def test_a_pg_dump_backup_restores_into_a_new_database_with_every_figure_and_user(pg_database, tmp_path):
    store = Store(make_engine(pg_database))
    load_sample(store)
    add(store, ADMIN, Role.ADMIN)
    before = compute(store, parse_period("2024"))
    trail = len(audit.rows(store.engine, store.actor))
    dump = tmp_path / "indicators.dump"
    schema = schema_of(pg_database)
    subprocess.run(["pg_dump", "-Fc", "-n", schema, "-f", str(dump), libpq(PG_URL)], check=True, capture_output=True)
    store.engine.dispose()

    restored_db = f"restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{restored_db}"')
    try:
        target = make_url(PG_URL).set(database=restored_db)
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", libpq(target.render_as_string(hide_password=False)), str(dump)],
            check=True,
            capture_output=True,
        )
        restored_url = target.set(query={"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        restored = Store(make_engine(restored_url))
        assert compute(restored, parse_period("2024")) == before
        assert len(audit.rows(restored.engine, restored.actor)) == trail
        assert users.sign_in(restored.engine, ADMIN, PASSWORD, "10.0.0.1").name == ADMIN
        restored.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{restored_db}" WITH (FORCE)')
        admin.dispose()

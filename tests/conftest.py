"""Shared fixtures: a fresh store per test, on SQLite or (INDICATORS_TEST_DB_URL) on PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from indicators.schema import PETITIONS
from indicators.store import Store, make_engine
from indicators.store.tables import TALLY, TALLY_CODE, TALLY_CODES, VERSIONS

PG_URL = os.environ.get("INDICATORS_TEST_DB_URL", "").strip()


@contextmanager
def new_database(directory: Path | None = None) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a schema of its own on the PostgreSQL under test."""
    if not PG_URL:
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            yield f"sqlite:///{Path(tmp) / 'test.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> Iterator[str]:
    """A URL to an empty database, also set as INDICATORS_DB_URL for the CLI and the app."""
    monkeypatch.delenv("INDICATORS_DEFAULT_UNIT", raising=False)
    with new_database(tmp_path) as url:
        monkeypatch.setenv("INDICATORS_DB_URL", url)
        yield url


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    engine = make_engine(db_url)
    yield Store(engine)
    engine.dispose()


def on_postgres() -> bool:
    return bool(PG_URL)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that touch a database through `db_url`: the PostgreSQL run repeats only these.

    A module that makes its own databases (new_database) says `pytestmark = pytest.mark.store` itself.
    """
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.store)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium for a module's browser tests (one sync Playwright at a time in a process)."""
    from playwright.sync_api import sync_playwright

    from appserver import launch_chromium

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture
def navigation_only(monkeypatch) -> None:
    """Every AppTest run starts at dashboard.py, as every run on the real server does.

    Streamlit switches its legacy `pages/` directory mode off for the whole process once
    st.navigation runs; AppTest resets that switch before every run, so its second run would
    execute the current page's script on its own (no navigation, no sidebar, a stale selection).
    Giving AppTest its own PagesManager class keeps its reset away from streamlit's switch. The one
    place the tests work around that mode (ui.ensure_entrypoint is the app's);
    tests/test_ui.py fails the day Streamlit changes what both rely on.
    """
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import app_test

    class PagesManager(pages_manager.PagesManager):
        pass

    monkeypatch.setattr(app_test, "PagesManager", PagesManager)
    monkeypatch.setattr(pages_manager.PagesManager, "uses_pages_directory", False)


def miscoded(engine: sa.Engine) -> list[str]:
    """Petition versions whose tally code is missing or names other fields than their own, and
    combinations numbered twice: what every store must be free of."""
    table, codes, tally = VERSIONS[PETITIONS.id], TALLY_CODES[PETITIONS.id], TALLY[PETITIONS.id]
    with engine.connect() as conn:
        versions = conn.execute(
            sa.select(
                table.c.record_key,
                *(table.c[f] for f in tally.keep),
                table.c[tally.present].isnot(None),
                table.c[TALLY_CODE],
            )
        ).all()
        named = {
            r[0]: tuple(r[1:])
            for r in conn.execute(sa.select(codes.c.id, *(codes.c[f] for f in tally.keep), codes.c[tally.filled]))
        }
    wrong = [
        f"{key}: {tuple(fields)} coded {code} = {named.get(code)}"
        for key, *fields, code in versions
        if named.get(code) != tuple(fields)
    ]
    return wrong + (["a combination numbered twice"] if len(set(named.values())) < len(named) else [])

"""Shared fixtures: a fresh store per test, on SQLite or (INDICATORS_TEST_DB_URL) on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from indicators.store import Store, make_engine

PG_URL = os.environ.get("INDICATORS_TEST_DB_URL", "").strip()


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> Iterator[str]:
    """A URL to an empty database, also set as INDICATORS_DB_URL for the CLI and the app."""
    monkeypatch.delenv("INDICATORS_DEFAULT_UNIT", raising=False)
    if not PG_URL:
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        monkeypatch.setenv("INDICATORS_DB_URL", url)
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("INDICATORS_DB_URL", url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    engine = make_engine(db_url)
    yield Store(engine)
    engine.dispose()


def on_postgres() -> bool:
    return bool(PG_URL)

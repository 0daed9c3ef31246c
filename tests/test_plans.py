"""Every query that reads current records goes through an index to the rows it needs, on SQLite and
PostgreSQL, so that a later change cannot fall back to reading the whole store without a test failing.

The queries are the ones the code really runs (caught as they are sent), explained afterwards: on
SQLite with EXPLAIN QUERY PLAN, on PostgreSQL with EXPLAIN (FORMAT JSON) and sequential scans
switched off after ANALYZE, which leaves one only where no index can serve the query. An index used for
`is_current` alone would read every current record, so it counts as a scan too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from indicators import views
from indicators.cli import load_sample
from indicators.ingest.reading import Upload
from indicators.metrics import aggregate
from indicators.metrics.periods import parse_period
from indicators.store import Store
from indicators.store.importer import prepare, run_import
from indicators.store.tables import VERSIONS
from ledgers import CASE_HEADER, PETITION_HEADER, SESSION_HEADER, case, csv_bytes, petition

UNIT = "档案室"

Statement = tuple[str, object]


def sent(store: Store, action: Callable[[], object]) -> list[Statement]:
    """The SELECTs on versions tables that `action` sends to the database, with their parameters."""
    caught: list[Statement] = []

    def catch(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "_versions" in statement:
            caught.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", catch)
    try:
        action()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", catch)
    assert caught, "the action read no current records"
    return caught


def full_reads(store: Store, statements: list[Statement]) -> list[str]:
    """The statements whose plan reads a versions table whole (or all its current records)."""
    bad = []
    with store.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # statistics as autovacuum keeps them on a server; then no scan where an index serves
            for table in VERSIONS.values():
                conn.exec_driver_sql(f"ANALYZE {table.name}")
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            if postgres:
                plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar_one()
                problems = list(_pg_full_reads(plan[0]["Plan"]))
            else:
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                problems = [r[3] for r in rows if _sqlite_full_read(r[3])]
            bad += [f"{p}\n    in: {statement[:300]}" for p in problems]
    return bad


def _sqlite_full_read(detail: str) -> bool:
    if "_versions" not in detail:
        return False
    return detail.startswith("SCAN") or bool(re.search(r"\(is_current=\?\)$", detail))


def _pg_full_reads(node: dict, within_and: bool = False) -> Iterator[str]:
    """Sequential scans of versions tables, and index scans on is_current alone (unless ANDed with a
    narrower index: PostgreSQL may combine both bitmaps on a small table)."""
    relation = node.get("Relation Name", "") or node.get("Index Name", "")
    if "_versions" in relation or relation.startswith("ix_"):
        if node["Node Type"] == "Seq Scan":
            yield f"Seq Scan on {relation}"
        condition = node.get("Index Cond", "")
        alone = not condition or re.fullmatch(r"\(is_current = true\)", condition)
        if node["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and alone and not within_and:
            yield f"{node['Node Type']} on {relation} for is_current alone"
    for child in node.get("Plans", []):
        yield from _pg_full_reads(child, node["Node Type"] == "BitmapAnd")


@pytest.fixture
def sample_store(store: Store) -> Store:
    """The sample, and 3,000 records of each ledger from 2005 and another unit: so many records outside
    every window asked for here that reading them all would cost the planner more than an index does."""
    assert load_sample(store).ok
    days = [f"2005-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(3000)]
    old = [
        Upload(
            "旧信访.csv",
            csv_bytes([PETITION_HEADER, *(petition(f"OLD-{i}", d, unit=UNIT) for i, d in enumerate(days))]),
        ),
        Upload(
            "旧案件.csv", csv_bytes([CASE_HEADER, *(case(f"OLD-{i}", filed=d, unit=UNIT) for i, d in enumerate(days))])
        ),
        Upload(
            "旧培训.csv",
            csv_bytes([SESSION_HEADER, *([d, f"旧{i}", "法治培训", 9, 1, UNIT] for i, d in enumerate(days))]),
        ),
    ]
    assert run_import(store, old).ok
    return store


@pytest.mark.parametrize("page", list(views.PAGES))
@pytest.mark.parametrize(("code", "unit"), [("2024", None), ("2024Q3", "本单位")])
def test_every_page_reads_through_indexes(sample_store, page, code, unit):
    statements = sent(sample_store, lambda: views.page_data(sample_store, page, parse_period(code), unit))
    assert full_reads(sample_store, statements) == []


@pytest.mark.parametrize(("code", "unit"), [("2024", None), ("2024Q3", "本单位")])
def test_kpis_count_through_indexes(sample_store, code, unit):
    statements = sent(sample_store, lambda: aggregate.compute(sample_store, parse_period(code), unit, date(2025, 1, 1)))
    assert full_reads(sample_store, statements) == []


def test_units_and_the_span_of_dates_are_steps_in_an_index(sample_store):
    statements = sent(sample_store, lambda: (sample_store.units(), sample_store.date_range(primary=True)))
    assert full_reads(sample_store, statements) == []


def test_planning_a_batch_looks_up_only_its_keys(sample_store):
    rows = [petition(f"XF2024-{i:04d}", "2024-05-06") for i in range(1, 4)]
    outcome = prepare([Upload("信访.csv", csv_bytes([PETITION_HEADER, *rows]))])
    assert outcome.ok
    statements = sent(sample_store, lambda: sample_store.plan(outcome.batch))
    assert full_reads(sample_store, statements) == []


def test_the_monthly_tally_is_grouped_as_it_is_read_not_sorted_first(sample_store):
    """Pages tally petitions per month: grouped by the stored month and fields, never by a month
    computed from each date (both databases then sort every record of the window first: 1.1 s for a
    million on SQLite); SQLite reads them in the order of its index and needs no sort at all."""
    statements = sent(sample_store, lambda: views.page_data(sample_store, "petitions", parse_period("2024"), None))
    tally = [s for s, _ in statements if "GROUP BY" in s and "petitions_versions" in s]
    assert tally, "the page sent no grouped read of petitions"
    for statement in tally:
        grouped = statement.split("GROUP BY", 1)[1]
        assert "(" not in grouped, grouped  # stored columns only
    if sample_store.engine.dialect.name == "sqlite":
        with sample_store.engine.connect() as conn:
            for statement, parameters in statements:
                if statement in tally:
                    plan = [r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
                    assert not any("TEMP B-TREE" in step for step in plan), plan

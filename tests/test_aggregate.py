"""The indicators counted in the database (`kpis --json`) equal the pandas definitions the pages use,
on the sample ledgers and on generated ledgers, for every kind of period and unit, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import new_database
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.cli import load_sample
from indicators.ingest.reading import Upload
from indicators.metrics.aggregate import compute
from indicators.metrics.kpis import kpis_from_frames
from indicators.metrics.load import load_frames
from indicators.metrics.periods import parse_period
from indicators.store import Store, make_engine
from indicators.store.importer import run_import
from ledgers import CASE_HEADER, PETITION_HEADER, SESSION_HEADER, case, csv_bytes, petition

pytestmark = pytest.mark.store  # makes its own databases: repeated on PostgreSQL

TODAY = date(2025, 12, 2)
PERIODS = ["2024", "2024H2", "2024Q4", "2024-12", "2025", "2025H2", "2025Q4", "2025-11", "2025-12", "2023Q1"]


def both(store: Store, code: str, unit: str | None) -> tuple[dict, dict]:
    period = parse_period(code)
    in_pandas = kpis_from_frames(load_frames(store, period.start, period.end, unit), period, unit, TODAY)
    return compute(store, period, unit, TODAY), in_pandas


def test_the_sample_gives_the_same_figures_both_ways(store):
    assert load_sample(store).ok
    for code in PERIODS:
        for unit in (None, "本单位", "没有的单位"):
            in_db, in_pandas = both(store, code, unit)
            assert in_db == in_pandas, (code, unit)


UNITS = st.sampled_from([None, "法规科", "执法支队"])
DAYS = st.integers(0, 700).map(lambda n: date(2024, 1, 1) + timedelta(days=n))
YES = st.sampled_from([None, "是", "否"])
petition_rows = st.lists(
    st.tuples(DAYS, st.sampled_from(["来信来访", "民呼我为"]), st.one_of(st.none(), st.integers(0, 40)), YES, UNITS),
    max_size=25,
)
case_rows = st.lists(
    st.tuples(
        st.sampled_from(["行政复议", "行政诉讼", "行政诉讼（二审）"]),
        DAYS,
        st.one_of(st.none(), st.integers(0, 120)),
        YES,
        st.one_of(st.none(), st.tuples(st.integers(0, 200), st.sampled_from(["维持", "撤销", "撤诉", "驳回"]))),
        UNITS,
    ),
    max_size=15,
)
session_rows = st.lists(
    st.tuples(DAYS, st.sampled_from(["法治培训", "普法宣传"]), st.one_of(st.none(), st.integers(0, 90)), UNITS),
    max_size=10,
)


def ledgers(petitions: list, cases: list, sessions: list) -> list[Upload]:
    """Generated rows as CSV files, each row's later dates kept after its first (the upload rules)."""
    files = []
    if petitions:
        rows = [
            petition(
                f"XF-{i}",
                str(day),
                channel,
                closed=str(day + timedelta(days=c)) if c is not None else None,
                on_time=yes,
                unit=unit,
            )
            for i, (day, channel, c, yes, unit) in enumerate(petitions)
        ]
        files.append(Upload("信访.csv", csv_bytes([PETITION_HEADER, *rows])))
    if cases:
        rows = []
        for i, (kind, filed, heard, head, decided, unit) in enumerate(cases):
            hearing = str(filed + timedelta(days=heard)) if heard is not None else None
            concluded = str(filed + timedelta(days=decided[0])) if decided else None
            rows.append(
                case(
                    f"C-{i}",
                    kind,
                    str(filed),
                    hearing=hearing,
                    head=head if hearing else None,
                    concluded=concluded,
                    outcome=decided[1] if decided else None,
                    unit=unit,
                )
            )
        files.append(Upload("案件.csv", csv_bytes([CASE_HEADER, *rows])))
    if sessions:
        rows = [
            [str(day), f"活动{i}", kind, people, None, unit] for i, (day, kind, people, unit) in enumerate(sessions)
        ]
        files.append(Upload("培训.csv", csv_bytes([SESSION_HEADER, *rows])))
    return files


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(petitions=petition_rows, cases=case_rows, sessions=session_rows)
def test_generated_ledgers_give_the_same_figures_both_ways(petitions, cases, sessions):
    uploads = ledgers(petitions, cases, sessions)
    if not uploads:
        return
    with new_database() as url:
        engine = make_engine(url)
        store = Store(engine)
        outcome = run_import(store, uploads, today=date(2026, 12, 31))
        assert outcome.ok, [p.text() for p in outcome.problems]
        for code in PERIODS:
            for unit in (None, "法规科"):
                in_db, in_pandas = both(store, code, unit)
                assert in_db == in_pandas, (code, unit)
        engine.dispose()

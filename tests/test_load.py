"""What a page reads (its datasets, its window, its unit; petitions as a tally) gives every figure and
table exactly as every current record does, on the sample and on generated ledgers, on both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import new_database
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import views
from indicators.cli import load_sample
from indicators.ingest.reading import Upload
from indicators.metrics import load, tables
from indicators.metrics.periods import parse_period
from indicators.schema import PETITIONS
from indicators.store import Store, make_engine
from indicators.store.importer import run_import
from ledgers import PETITION_HEADER, csv_bytes, petition

pytestmark = pytest.mark.store  # makes its own databases: repeated on PostgreSQL

PERIODS = ["2024", "2024H1", "2024Q4", "2024-02", "2025Q1", "2025-03", "2023"]


def from_every_record(store: Store, page: str, code: str, unit: str | None) -> dict:
    """The page's figures computed from every current record of every dataset, as before tallies."""
    period = parse_period(code)
    spec = views.PAGES[page]
    out = spec.build(load.load_frames(store, *tables.data_span(period)), period, unit, store.targets())
    if spec.records is not None:
        everything = load.load_frames(store, period.start, period.end, unit)
        out["records"] = tables.records(everything, spec.records, period, unit)
        out["records_total"] = len(out["records"])
    return out


def assert_same(read: dict, expected: dict, where: tuple) -> None:
    assert read.keys() == expected.keys(), where
    for key, value in expected.items():
        if isinstance(value, pd.DataFrame):
            got = read[key]
            if key == "records":  # the page's table is ordered by date and key, the reference by date
                got, value = (f.sort_values(list(f.columns)).reset_index(drop=True) for f in (got, value))
            pd.testing.assert_frame_equal(got, value, obj=f"{where} {key}")
        else:
            assert read[key] == value, (where, key)


def check_every_page(store: Store, units: tuple) -> None:
    for page in views.PAGES:
        for code in PERIODS:
            for unit in units:
                read = views.page_data(store, page, parse_period(code), unit)
                assert_same(read, from_every_record(store, page, code, unit), (page, code, unit))


def test_the_sample_reads_the_same_through_the_tally(store):
    assert load_sample(store).ok
    check_every_page(store, (None, "本单位", "没有的单位"))


def test_a_records_table_shows_the_first_rows_and_counts_them_all(store):
    rows = [petition(f"XF-{i:03d}", f"2024-03-{1 + i % 28:02d}", unit="法规科") for i in range(30)]
    assert run_import(store, [Upload("信访.csv", csv_bytes([PETITION_HEADER, *rows]))]).ok
    shown, total = load.period_records(store, PETITIONS, parse_period("2024Q1"), "法规科", limit=7)
    assert total == 30 and len(shown) == 7
    assert list(shown["received_on"].dt.day) == [1, 1, 2, 2, 3, 4, 5], "the earliest first"
    assert load.period_records(store, PETITIONS, parse_period("2024Q1"), "执法支队")[1] == 0
    assert len(views.all_records(store, "petitions", parse_period("2024Q1"), None)) == 30


def test_a_records_table_is_in_date_order_across_months_and_years(store):
    """Records are read by (month, date): the order of the dates themselves, whatever the file's order."""
    days = ["2024-03-31", "2024-01-15", "2023-12-31", "2024-02-01", "2024-01-02", "2024-03-01", "2023-12-01"]
    rows = [petition(f"XF-{i}", d) for i, d in enumerate(days)]
    assert run_import(store, [Upload("信访.csv", csv_bytes([PETITION_HEADER, *rows]))]).ok
    shown, total = load.period_records(store, PETITIONS, parse_period("2024Q1"), None, limit=4)
    assert total == 5
    assert [d.isoformat() for d in shown["received_on"].dt.date] == sorted(d for d in days if d >= "2024")[:4]
    low, high = store.date_range(primary=True)
    assert (low.isoformat(), high.isoformat()) == ("2023-12-01", "2024-03-31")


DAYS = st.integers(0, 900).map(lambda n: date(2023, 1, 1) + timedelta(days=n))
petition_rows = st.lists(
    st.tuples(
        DAYS,
        st.sampled_from(["来信来访", "民呼我为", "自然资源部系统"]),
        st.sampled_from([None, "规划管理", "土地征收"]),
        st.one_of(st.none(), st.integers(0, 40)),
        st.sampled_from([None, "是", "否"]),
        st.sampled_from([None, "法规科", "执法支队"]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=petition_rows)
def test_generated_petitions_read_the_same_through_the_tally(rows):
    ledger = [
        petition(
            f"XF-{i}",
            str(day),
            channel,
            category=category,
            closed=str(day + timedelta(days=took)) if took is not None else None,
            on_time=on_time if took is not None else None,
            unit=unit,
        )
        for i, (day, channel, category, took, on_time, unit) in enumerate(rows)
    ]
    with new_database() as url:
        engine = make_engine(url)
        try:
            store = Store(engine)
            assert run_import(store, [Upload("信访.csv", csv_bytes([PETITION_HEADER, *ledger]))]).ok
            for page in ("overview", "petitions"):
                for code in PERIODS:
                    for unit in (None, "法规科"):
                        read = views.page_data(store, page, parse_period(code), unit)
                        assert_same(read, from_every_record(store, page, code, unit), (page, code, unit))
        finally:
            engine.dispose()

"""Periods as kpis.md defines them: spans, codes, previous period and same period last year."""

from datetime import date

import pytest

from indicators.metrics.periods import Granularity, parse_period, period_of, periods_between


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2025H1", date(2025, 1, 1), date(2025, 6, 30)),
        ("2025H2", date(2025, 7, 1), date(2025, 12, 31)),
        ("2025Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-03", date(2025, 3, 1), date(2025, 3, 31)),
    ],
)
def test_period_spans_include_both_ends(code, start, end):
    period = parse_period(code)
    assert (period.start, period.end) == (start, end)
    assert period.code == code
    assert period.contains(start) and period.contains(end)


@pytest.mark.parametrize(
    ("code", "previous", "year_ago"),
    [
        ("2025Q1", "2024Q4", "2024Q1"),
        ("2025Q3", "2025Q2", "2024Q3"),
        ("2025H1", "2024H2", "2024H1"),
        ("2025-01", "2024-12", "2024-01"),
        ("2025", "2024", "2024"),
    ],
)
def test_previous_period_and_same_period_last_year(code, previous, year_ago):
    period = parse_period(code)
    assert period.previous().code == previous
    assert period.year_ago().code == year_ago


@pytest.mark.parametrize("bad", ["2025Q5", "2025-13", "25Q1", "2025H3", "去年", "", "0000", "0000Q1"])
def test_bad_period_codes_say_what_is_expected(bad):
    with pytest.raises(ValueError, match="2025Q1"):
        parse_period(bad)


def test_labels_are_chinese():
    assert parse_period("2025Q1").label == "2025年第1季度"
    assert parse_period("2025H2").label == "2025年下半年"
    assert parse_period("2025-03").label == "2025年3月"


def test_subperiods_and_ranges():
    months = parse_period("2025Q2").subperiods(Granularity.MONTH)
    assert [m.code for m in months] == ["2025-04", "2025-05", "2025-06"]
    assert period_of(date(2025, 8, 9), Granularity.HALF).code == "2025H2"
    quarters = periods_between(date(2024, 11, 3), date(2025, 2, 1), Granularity.QUARTER)
    assert [q.code for q in quarters] == ["2024Q4", "2025Q1"]


def test_pages_open_on_the_latest_complete_year_that_has_data():
    from datetime import date

    from indicators.metrics.periods import opening_period

    assert opening_period(date(2024, 1, 3), date(2025, 3, 20), date(2026, 12, 2)).code == "2025"
    assert opening_period(date(2024, 1, 3), date(2024, 12, 31), date(2026, 12, 2)).code == "2024"
    assert opening_period(date(2024, 1, 3), date(2025, 3, 20), date(2025, 6, 1)).code == "2024", "2025 is not over"
    assert opening_period(date(2025, 1, 3), date(2025, 3, 20), date(2025, 6, 1)).code == "2025", "no full year yet"

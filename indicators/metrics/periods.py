"""Reporting periods: years, half-years, quarters and months, with their neighbours for comparison."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Granularity(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"


GRANULARITY_LABELS = {
    Granularity.YEAR: "年",
    Granularity.HALF: "半年",
    Granularity.QUARTER: "季度",
    Granularity.MONTH: "月",
}
_MONTHS = {Granularity.YEAR: 12, Granularity.HALF: 6, Granularity.QUARTER: 3, Granularity.MONTH: 1}
_PATTERNS = (
    (re.compile(r"^(\d{4})$"), Granularity.YEAR),
    (re.compile(r"^(\d{4})H([12])$", re.I), Granularity.HALF),
    (re.compile(r"^(\d{4})Q([1-4])$", re.I), Granularity.QUARTER),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), Granularity.MONTH),
)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar span: `year` and the 1-based index of the span within the year."""

    year: int
    index: int
    granularity: Granularity

    @property
    def months(self) -> int:
        return _MONTHS[self.granularity]

    @property
    def start(self) -> date:
        return date(self.year, (self.index - 1) * self.months + 1, 1)

    @property
    def end(self) -> date:
        first_next = _add_months(self.start, self.months)
        return first_next - timedelta(days=1)

    @property
    def code(self) -> str:
        """The code used on the command line: 2025, 2025H1, 2025Q1, 2025-03."""
        return {
            Granularity.YEAR: f"{self.year}",
            Granularity.HALF: f"{self.year}H{self.index}",
            Granularity.QUARTER: f"{self.year}Q{self.index}",
            Granularity.MONTH: f"{self.year}-{self.index:02d}",
        }[self.granularity]

    @property
    def label(self) -> str:
        """The period as a Chinese title reads it: 2025年第1季度."""
        return {
            Granularity.YEAR: f"{self.year}年",
            Granularity.HALF: f"{self.year}年{'上' if self.index == 1 else '下'}半年",
            Granularity.QUARTER: f"{self.year}年第{self.index}季度",
            Granularity.MONTH: f"{self.year}年{self.index}月",
        }[self.granularity]

    @property
    def per_year(self) -> int:
        return 12 // self.months

    def shift(self, steps: int) -> Period:
        """The period `steps` spans later (negative: earlier)."""
        n = self.year * self.per_year + (self.index - 1) + steps
        return Period(n // self.per_year, n % self.per_year + 1, self.granularity)

    def previous(self) -> Period:
        """The period of the same length just before."""
        return self.shift(-1)

    def year_ago(self) -> Period:
        """The same span one year earlier."""
        return Period(self.year - 1, self.index, self.granularity)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def subperiods(self, granularity: Granularity) -> list[Period]:
        """The periods of a finer granularity inside this one, in order."""
        first = period_of(self.start, granularity)
        count = self.months // _MONTHS[granularity]
        return [first.shift(i) for i in range(max(count, 1))]


def _add_months(day: date, months: int) -> date:
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def parse_period(code: str) -> Period:
    """A period from its code; ValueError with a Chinese message otherwise."""
    text = code.strip()
    for pattern, granularity in _PATTERNS:
        match = pattern.match(text)
        if match:
            year = int(match.group(1))
            if not 1900 <= year <= 2999:
                break
            index = int(match.group(2)) if granularity is not Granularity.YEAR else 1
            if granularity is Granularity.MONTH and not 1 <= index <= 12:
                break
            return Period(year, index, granularity)
    raise ValueError(f"无法识别的期间“{code}”，应为 2025、2025H1、2025Q1 或 2025-03 这样的写法。")


def period_of(day: date, granularity: Granularity) -> Period:
    """The period of a granularity that contains a day."""
    months = _MONTHS[granularity]
    return Period(day.year, (day.month - 1) // months + 1, granularity)


def periods_between(first: date, last: date, granularity: Granularity) -> list[Period]:
    """Every period of a granularity from the one containing `first` to the one containing `last`."""
    start, stop = period_of(first, granularity), period_of(last, granularity)
    out = [start]
    while out[-1] < stop:
        out.append(out[-1].shift(1))
    return out


def opening_period(first: date, last: date, today: date) -> Period:
    """The period a page opens on: the latest complete year that has data (the annual picture a
    report gives), else the year of the latest data."""
    complete = min(last.year, today.year - 1 if today < date(today.year, 12, 31) else today.year)
    year = complete if complete >= first.year else last.year
    return Period(year, 1, Granularity.YEAR)

"""Every chart the dashboard shows, declared once: the pages, the tests, the benchmark and the briefing
pack all iterate CHARTS.

An entry names its chart (key, title, export name), the table function that feeds it, the builder that
draws it and its time window: the period chosen, the trend window up to it, or the whole year against
the year before. A new chart is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

import pandas as pd
import plotly.graph_objects as go

from .metrics import tables
from .metrics.definitions import indicator
from .metrics.periods import Period
from .output import charts
from .output.style import ChartContext
from .schema import HOURS, PARTICIPANTS

Frames = dict[str, pd.DataFrame]


class Window(StrEnum):
    """The periods a chart shows."""

    PERIOD = "period"  # the period chosen
    TREND = "trend"  # the trend window up to it (from the first record on)
    YEAR = "year"  # the whole year of the period, month by month, against the year before


def _no_args(data: dict) -> tuple:
    return ()


@dataclass(frozen=True)
class Chart:
    """One chart: `build(table, ctx, title, *args, *extra(page_data))` draws `table(frames, period, unit)`."""

    key: str
    page: str
    title: str  # may name {year} and {last_year}, the period's year and the one before
    table: Callable[[Frames, Period, str | None], pd.DataFrame]
    build: Callable[..., go.Figure]
    window: Window
    args: tuple = ()
    extra: Callable[[dict], tuple] = field(default=_no_args)  # arguments from the page's data (a goal)
    export: str = ""  # the name of its files and its caption, when not its title
    says: str = ""  # the narrative's sentence that goes with it (narrative.chart_sentences)

    def heading(self, period: Period) -> str:
        """The chart's title for a period."""
        return self.title.format(year=period.year, last_year=period.year - 1)

    def export_name(self, period: Period) -> str:
        return self.export or self.heading(period)

    def context(self, base: ChartContext, period: Period, table: pd.DataFrame) -> ChartContext:
        """The chart's context: the period chosen, the periods its trend table shows, or the year."""
        if self.window is Window.TREND:
            return replace(base, period_label=tables.trend_label(list(table["期间"]), period))
        if self.window is Window.YEAR:  # the year's months up to the period's end (tables.petitions_monthly)
            return replace(base, period_label=f"{period.year}年")
        return base

    def figure(self, data: dict, base: ChartContext, period: Period) -> go.Figure:
        """The chart from a page's data (page_data holds its table under its key)."""
        table = data[self.key]
        ctx = self.context(base, period, table)
        return self.build(table, ctx, self.heading(period), *self.args, *self.extra(data))


def _sum_chart(column, key: str) -> Chart:
    """A sum of a field staff may leave blank (participants, hours), per period of the trend."""
    sum_of = indicator("training", column.field)

    def empty(data: dict) -> tuple:
        return (f"各期活动均未填写{column.name}" if data["covered"] else "各期均无台账数据",)

    return Chart(
        key,
        "sessions",
        sum_of.name,
        tables.session_volume,
        charts.counts_by_period,
        Window.TREND,
        ([sum_of.name], sum_of.unit),
        empty,
        says="training.sums",
    )


CHARTS: tuple[Chart, ...] = (
    Chart(
        "channel",
        "petitions",
        "信访件数（按来源渠道）",
        tables.petitions_by_channel,
        charts.share_bar,
        Window.PERIOD,
        ("来源渠道",),
        says="petitions.total",
    ),
    Chart(
        "monthly",
        "petitions",
        "每月信访件数：{year}年与{last_year}年对比",
        tables.petitions_monthly,
        charts.year_on_year,
        Window.YEAR,
        export="每月信访件数同比",
        says="petitions.change",
    ),
    Chart(
        "rates",
        "petitions",
        "办结率与按期办结率",
        tables.petition_rates,
        charts.rate_lines,
        Window.TREND,
        (["办结率", "按期办结率"],),
        says="petitions.closure",
    ),
    Chart(
        "category",
        "petitions",
        "信访件数（按事项类别）",
        tables.petitions_by_category,
        charts.share_bar,
        Window.PERIOD,
        ("事项类别",),
        says="petitions.category",
    ),
    Chart(
        "case_types",
        "cases",
        "复议应诉收案（按案件类型）",
        tables.cases_by_type,
        charts.simple_bar,
        Window.PERIOD,
        ("案件类型", "件数", "件"),
        says="litigation.types",
    ),
    Chart(
        "outcomes",
        "cases",
        "本期收案的审理结果",
        tables.case_outcomes,
        charts.outcomes,
        Window.PERIOD,
        says="litigation.outcomes",
    ),
    Chart(
        "loss",
        "cases",
        "败诉（被纠错）率",
        tables.loss_rates,
        charts.rate_lines,
        Window.TREND,
        (["败诉率"],),
        says="litigation.loss",
    ),
    Chart(
        "appear",
        "cases",
        "开庭与负责人出庭应诉",
        tables.head_appearances,
        charts.appearances,
        Window.TREND,
        extra=lambda data: (data["head_goal"],),
        says="litigation.hearings",
    ),
    Chart(
        "session_types",
        "sessions",
        "培训学法活动场次（按类型）",
        tables.sessions_by_type,
        charts.stacked_by_period,
        Window.TREND,
        ("类型", "场次", "场"),
        says="training.total",
    ),
    _sum_chart(PARTICIPANTS, "people"),
    _sum_chart(HOURS, "hours"),
    Chart(
        "timeline",
        "sessions",
        "培训学法活动时间线",
        tables.session_timeline,
        charts.timeline,
        Window.PERIOD,
        says="training.change",
    ),
)
CHART_PAGES = ("petitions", "cases", "sessions")


def charts_of(page: str) -> tuple[Chart, ...]:
    """A page's charts in the order it shows them."""
    return tuple(c for c in CHARTS if c.page == page)


def chart_tables(page: str, frames: Frames, period: Period, unit: str | None) -> dict[str, pd.DataFrame]:
    """The table of each of a page's charts, under the chart's key."""
    return {c.key: c.table(frames, period, unit) for c in charts_of(page)}

"""Every chart builder on the sample ledgers and on empty data: titles, data labels, template, footnote.

The tables come from `indicators.tables` exactly as the pages pass them, computed from the sample
ledgers read and validated in memory (no store needed: the builders are pure functions).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from indicators import views
from indicators.catalog import CHART_PAGES, CHARTS, Chart
from indicators.cli import SAMPLE_DIR
from indicators.config import targets
from indicators.ingest.reading import Upload, read_uploads
from indicators.ingest.validation import validate
from indicators.metrics import tables
from indicators.metrics.cards import fmt_rate
from indicators.metrics.periods import Period, parse_period
from indicators.output import charts
from indicators.output.style import SOURCE, ChartContext, wrap

Frames = dict[str, pd.DataFrame]
RATE_SERIES = {"办结率", "按期办结率", "败诉率", "出庭率"}
ALL = "全部单位"


@dataclass(frozen=True)
class Builder:
    """One chart of the catalog as its page draws it, with what the tests expect of it: its measure
    (in the subtitle), what it says when no ledger covers its periods, whether the sample fills it."""

    chart: Chart
    measure: str
    empty_message: str
    sample_has_data: bool = True

    @property
    def name(self) -> str:
        return self.chart.key

    def data(self, frames: Frames, period: Period) -> dict:
        return views.PAGES[self.chart.page].build(frames, period, None, targets())

    def build(self, frames: Frames, period: Period, base: ChartContext) -> go.Figure:
        return self.chart.figure(self.data(frames, period), base, period)

    def context(self, frames: Frames, period: Period, base: ChartContext) -> ChartContext:
        """The context the chart is drawn in: its window's (the trend's periods, the year)."""
        return self.chart.context(base, period, self.data(frames, period)[self.chart.key])


# What each chart of the catalog is expected to say; every chart in it must be here (test below).
EXPECTED = {
    "channel": ("件", charts.NO_DATA),
    "monthly": ("件", charts.NO_DATA),
    "rates": ("%", "各期均无可计算的比率"),
    "category": ("件", charts.NO_DATA),
    "case_types": ("件", charts.NO_DATA),
    "outcomes": ("件", charts.NO_DATA),
    "loss": ("%", "各期均无可计算的比率"),
    "appear": ("次、%", "各期均无开庭"),
    "session_types": ("场", "各期均无数据"),
    "people": ("人次", "各期均无台账数据", False),  # the report gives no head counts
    "hours": ("学时", "各期均无台账数据", False),  # nor hours
    "timeline": ("场", charts.NO_DATA),
}
BUILDERS = [Builder(chart, *EXPECTED[chart.key]) for chart in CHARTS]
IDS = [b.name for b in BUILDERS]


def test_every_chart_of_the_catalog_is_tested_and_named_once():
    assert [c.key for c in CHARTS] == list(EXPECTED), "one entry here per chart, in the catalog's order"
    assert len({c.key for c in CHARTS}) == len(CHARTS)
    assert {c.page for c in CHARTS} == set(CHART_PAGES)


@pytest.fixture(scope="module")
def frames() -> Frames:
    """The sample ledgers as validated records per dataset, straight from the committed files."""
    files = sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix == ".xlsx")
    validated = validate(read_uploads([Upload.from_path(p) for p in files]))
    assert validated.ok, validated.problems
    return validated.frames


def context(period: Period, sample: str = "all") -> ChartContext:
    """The page's context for a period: what a chart's own window starts from."""
    return ChartContext(period.label, ALL, min(period.end, date(2024, 12, 31)), sample)


def draw(builder: Builder, frames: Frames, period: Period, sample: str = "all") -> tuple[go.Figure, ChartContext]:
    """The chart as its page draws it, and the context it was drawn in."""
    base = context(period, sample)
    return builder.build(frames, period, base), builder.context(frames, period, base)


def _text(values: object) -> list[str]:
    return [] if values is None else [str(v) for v in values]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def assert_titled(fig: go.Figure, builder: Builder, ctx: ChartContext, measure: str) -> None:
    """The title names what, the period, the unit and the measure (a chart with nothing to draw has none)."""
    title = fig.layout.title.text
    assert title.startswith(builder.chart.title.split("{")[0]), title
    for part in (ctx.period_label, ctx.unit_label, *([f"单位：{measure}"] if measure else [])):
        assert part in title, f"{builder.name}: title {title!r} lacks {part!r}"
    assert measure or "单位：" not in title, "no unit for a chart without figures"


def assert_styled(fig: go.Figure, ctx: ChartContext) -> None:
    family = fig.layout.template.layout.font.family
    assert family.split(",")[0].strip().strip("\"'") == "Noto Sans CJK SC", family
    notes = [a.text for a in fig.layout.annotations if a.text.startswith("数据来源：")]
    assert len(notes) == 1, [a.text for a in fig.layout.annotations]
    assert SOURCE in notes[0]
    assert f"截至 {ctx.as_of.isoformat()}" in notes[0]
    assert ("示例数据" in notes[0]) == bool(ctx.sample)
    # The template carries plotly_white's trace defaults only for the kinds the charts draw (style.py):
    # a new kind of trace must have its defaults added there, or it would look unlike the others.
    kinds = {kind for kind in fig.layout.template.data.to_plotly_json()}
    assert {trace.type for trace in fig.data} <= kinds, kinds


def assert_labelled(fig: go.Figure) -> None:
    """Every trace labels its points: counts with their number, rates with their percentage."""
    assert fig.data, "a chart with data draws traces"
    for trace in fig.data:
        horizontal = getattr(trace, "orientation", None) == "h"
        values = list(trace.x if horizontal else trace.y)
        labels = _text(trace.text)
        assert len(labels) == len(values), f"{trace.name}: {len(labels)} labels for {len(values)} points"
        if trace.type == "scatter":
            assert "text" in trace.mode, f"{trace.name}: mode {trace.mode} shows no labels"
        else:
            assert trace.textposition != "none"
        for value, label in zip(values, labels, strict=True):
            if trace.name in RATE_SERIES:
                assert label == ("" if _missing(value) else fmt_rate(value)), (trace.name, value, label)
            elif value is None or _missing(value):  # no ledger covers the period: no point, no label (not 0)
                assert label == "", (trace.name, label)
            elif isinstance(value, str):  # the timeline: one row per type, labelled with the session's name
                assert label.strip(), trace.name
            elif value == 0 and label == "":
                continue  # a zero segment of a stacked bar stays unlabelled
            else:
                number = re.match(r"\d+(?:\.\d+)?", label)
                assert number and float(number.group()) == float(value), (trace.name, value, label)


@pytest.mark.parametrize("code", ["2024", "2024Q4", "2024H1", "2024-06"])
@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_charts_name_period_unit_and_measure_and_label_their_data(frames, builder, code):
    period = parse_period(code)
    fig, ctx = draw(builder, frames, period)
    assert isinstance(fig, go.Figure)
    if code in ("2024", "2024Q4") and builder.sample_has_data:
        assert fig.data, f"the sample has data for every chart of {period.label}"
    if fig.data:
        assert_titled(fig, builder, ctx, builder.measure)
        assert_styled(fig, ctx)
        assert_labelled(fig)
    elif builder.sample_has_data:
        _assert_says_empty(fig, builder, ctx)
    else:
        field = {"people": "参加人数", "hours": "学时"}[builder.name]
        _assert_says_empty(fig, builder, ctx, f"各期活动均未填写{field}")


def test_the_channel_chart_draws_the_indicator_it_names(frames):
    period = parse_period("2024")
    fig, _ = draw(BUILDERS[0], frames, period)
    (bars,) = fig.data
    assert dict(zip(bars.y, (int(x) for x in bars.x), strict=True)) == {
        "民呼我为": 159,
        "国土空间平台": 62,
        "自然资源部系统": 36,
        "来信来访": 34,
        "重庆市智能信访工作平台": 20,
    }
    assert sum(bars.x) == 311
    assert "159件（51.1%）" in bars.text


def _assert_says_empty(fig: go.Figure, builder: Builder, ctx: ChartContext, message: str = "") -> None:
    assert not fig.data, f"{builder.name}: an empty chart draws no traces"
    messages = [a.text for a in fig.layout.annotations if not a.text.startswith("数据来源：")]
    assert messages == [message or builder.empty_message]
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False, "no empty axes"
    assert_titled(fig, builder, ctx, "")
    assert_styled(fig, ctx)


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_no_records_gives_a_chart_that_says_so(frames, builder):
    empty = {k: v.iloc[0:0] for k, v in frames.items()}
    period = parse_period("2024Q4")
    fig, ctx = draw(builder, empty, period, sample="")
    _assert_says_empty(fig, builder, ctx)


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_a_period_long_before_the_data_gives_a_chart_that_says_so(frames, builder):
    period = parse_period("2015Q2")
    fig, ctx = draw(builder, frames, period)
    _assert_says_empty(fig, builder, ctx)


def test_a_quiet_month_empties_the_period_charts_but_keeps_the_trends(frames):
    """No case was filed in March 2024: the by-type chart says so, the trend charts still draw."""
    period = parse_period("2024-03")
    by_name = {b.name: b for b in BUILDERS}
    for name in ("case_types", "outcomes", "timeline"):
        fig, ctx = draw(by_name[name], frames, period)
        _assert_says_empty(fig, by_name[name], ctx)
        assert charts.NO_DATA in [a.text for a in fig.layout.annotations]
    for name in ("loss", "rates", "monthly"):
        fig, _ = draw(by_name[name], frames, period)
        assert fig.data, name
        assert_labelled(fig)


def test_file_stems_name_chart_period_and_unit_without_path_characters():
    ctx = ChartContext("2024年第4季度", "执法/监察 支队", date(2024, 12, 31))
    stem = charts.file_stem("每月信访件数：2024年与2023年对比", ctx)
    assert stem == "每月信访件数：2024年与2023年对比_2024年第4季度_执法_监察_支队"
    assert not re.search(r'[\\/:*?"<>|\s]', stem)


# --- ledger text is shown, never interpreted ----------------------------------------------------------

LINK = '<a href="https://evil.example">官方通知</a>'
BIG = "<span style='font-size:80px'>大</span>"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_hostile_ledger_text_stays_text_in_every_chart(frames, builder):
    import json

    import plotly.io as pio

    hostile = {k: v.copy() for k, v in frames.items()}
    petitions, cases, sessions = hostile["petitions"], hostile["litigation"], hostile["training"]
    petitions.loc[petitions.index[::3], "channel"] = LINK
    petitions.loc[petitions.index[::2], "category"] = BIG
    sessions["title"] = [f"{LINK}{i}" for i in range(len(sessions))]
    sessions.loc[sessions.index[::2], "session_type"] = BIG
    cases.loc[cases.index[::2], "unit"] = LINK
    period = parse_period("2024")
    ctx = replace(context(period), unit_label=LINK, period_label=f"{period.label}{BIG}")
    texts = _strings(json.loads(pio.to_json(builder.build(hostile, period, ctx))))
    assert not [t for t in texts if "<a " in t or "font-size:80px'>" in t.replace("&lt;span", "")], texts
    assert any("&lt;a href" in t for t in texts), "the unit in the title is there, as text"


def test_a_very_long_name_is_cut_on_the_axis_and_whole_on_hover(frames):
    """A 1,000-character channel, case type or session type would take the chart's whole width as a
    tick label or legend entry; it is cut to a few characters with "…" and read whole on hover."""
    long_name = "很长的名称" * 200
    ctx = ChartContext("2024年", ALL, date(2024, 12, 31))
    channel = pd.DataFrame({"来源渠道": [long_name, "民呼我为"], "件数": [3, 5], "占比": [0.375, 0.625]})
    fig = charts.share_bar(channel, ctx, "信访件数（按来源渠道）", "来源渠道")
    assert max(len(t) for t in fig.layout.yaxis.ticktext) <= charts.TICK_CHARS
    assert "民呼我为" in fig.layout.yaxis.ticktext and long_name in fig.layout.yaxis.tickvals
    assert long_name in fig.data[0].y and long_name in fig.data[0].customdata, "the hover shows the whole name"
    assert "%{customdata}" in fig.data[0].hovertemplate, "not the axis's cut label"
    fancy = pd.DataFrame({"来源渠道": ['=HYPERLINK("https://evil.example","点我")'], "件数": [1], "占比": [1.0]})
    (tick,) = charts.share_bar(fancy, ctx, "信访件数（按来源渠道）", "来源渠道").layout.yaxis.ticktext
    assert tick == '=HYPERLINK("htt…', "cut with …, nothing in between left out"
    types = pd.DataFrame({"案件类型": [f"行政诉讼{long_name}"], "件数": [2]})
    fig = charts.simple_bar(types, ctx, "复议应诉收案（按案件类型）", "案件类型", "件数", "件")
    assert max(len(t) for t in fig.layout.xaxis.ticktext) <= charts.TICK_CHARS
    sessions = pd.DataFrame({"期间": ["2024年", "2024年"], "类型": [long_name, "普法宣传"], "场次": [1, 2]})
    fig = charts.stacked_by_period(sessions, ctx, "培训学法活动场次（按类型）", "类型", "场次", "场")
    assert max(len(t.name) for t in fig.data) <= charts.TICK_CHARS
    assert fig.data[0].customdata[0] == long_name
    held = pd.DataFrame(
        {"日期": [date(2024, 5, 6), date(2024, 6, 6)], "名称": ["甲", "乙"], "类型": [long_name, "普法宣传"]}
    )
    line = charts.timeline(held, ctx, "培训学法活动时间线")
    assert max(len(t) for t in line.layout.yaxis.ticktext) <= charts.TICK_CHARS, "the timeline's rows too"
    kinds = {t.name: t.marker.color for t in line.data}
    stacked = {t.customdata[0]: t.marker.color for t in fig.data}
    assert kinds == stacked, "a session type has one colour in every chart"
    phone = charts.share_bar(channel, replace(ctx, compact=True), "信访件数（按来源渠道）", "来源渠道")
    assert max(len(line) for t in phone.layout.yaxis.ticktext for line in t.split("<br>")) <= 6


def test_months_no_ledger_covers_have_no_bar_and_no_zero(frames):
    """The sample's petitions run through 2024: 2023 is no data, not twelve zeros."""
    from indicators.metrics import tables

    monthly = tables.petitions_monthly(frames, parse_period("2024"), None)
    assert list(monthly.columns) == ["月份", "2024年", "2023年（无台账数据）"]
    assert monthly["2023年（无台账数据）"].isna().all() and monthly["2024年"].notna().all()
    fig = charts.year_on_year(monthly, ChartContext("2024年", "全部单位", date(2024, 12, 31)), "每月信访件数")
    line = fig.data[1]
    assert list(line.y) == [None] * 12 and list(line.text) == [""] * 12
    trend = tables.petition_rates(frames, parse_period("2024"), None)
    assert trend["期间"].tolist() == ["2024年"], "one year of data is one point, not four zeros and a point"


def test_a_share_chart_names_its_total_in_the_title(frames):
    from indicators.metrics import tables

    channel = tables.petitions_by_channel(frames, parse_period("2024"), None)
    fig = charts.share_bar(
        channel, ChartContext("2024年", "全部单位", date(2024, 12, 31)), "信访件数（按来源渠道）", "来源渠道"
    )
    assert fig.layout.title.text.startswith("信访件数（按来源渠道） · 共311件<br>")


def test_two_rates_that_coincide_both_show(frames):
    """In 2024 every petition was closed on time: 办结率 and 按期办结率 are both 100%, and the second
    line must not hide the first (a wide solid line under a dashed one, labels above and below)."""
    rates = tables.petition_rates(frames, parse_period("2024"), None)
    assert list(rates["办结率"]) == list(rates["按期办结率"]) == [1.0]
    fig = charts.rate_lines(
        rates, ChartContext("2024年", ALL, date(2024, 12, 31)), "办结率与按期办结率", ["办结率", "按期办结率"]
    )
    closed, on_time = fig.data
    assert closed.line.width > on_time.line.width and closed.marker.size > on_time.marker.size
    assert on_time.line.dash == "dash" and closed.marker.symbol != on_time.marker.symbol
    assert {closed.textposition, on_time.textposition} == {"top center", "bottom center"}


# --- a phone's layout, names and gridlines --------------------------------------------------------


def test_wrapped_lines_break_where_a_reader_would():
    assert wrap("信访件数（按来源渠道） · 共311件", 14) == ["信访件数（按来源渠道）", "共311件"]
    assert wrap("每月信访件数：2024年与2023年对比", 14) == ["每月信访件数：", "2024年与2023年对比"]
    assert wrap("2020年至2024年 · 全部单位 · 单位：次、%", 26) == ["2020年至2024年 · 全部单位", "单位：次、%"]
    foot = "数据来源：巴南区规划和自然资源局法治政府建设台账（示例数据，据2024年度报告生成）；数据截至 2024-12-31"
    assert wrap(foot, 30) == [
        "数据来源：巴南区规划和自然资源局法治政府建设台账",
        "（示例数据，据2024年度报告生成）；",
        "数据截至 2024-12-31",
    ]
    assert all(len(line) <= 9 for line in wrap("没有任何可以断开的地方的很长的一句话", 9))


def test_a_phone_gets_wrapped_titles_level_ticks_and_a_legend_under_the_title():
    ctx = ChartContext("2023年第1季度至2024年第4季度", "全部单位", date(2024, 12, 31), "all", compact=True)
    quarters = [p.label for p in tables.recent_periods(parse_period("2024Q4"))]
    df = pd.DataFrame({"期间": quarters, "开庭": [3] * 8, "负责人出庭": [2] * 8, "出庭率": [2 / 3] * 8})
    fig = charts.appearances(df, ctx, "开庭与负责人出庭应诉", 1.0)
    title = fig.layout.title.text
    assert title.count("<br>") >= 2 and fig.layout.title.font.size == 17
    assert fig.layout.legend.yanchor == "bottom" and fig.layout.legend.y == 1.0
    assert fig.layout.margin.t >= 30 + 17 * 2 + 24 * 3, "room for the subtitle and a three-row legend"
    assert fig.layout.xaxis.tickangle == 0 and fig.layout.xaxis.ticktext[0] == "23年<br>1季度"
    assert fig.layout.xaxis.title.text == "" and fig.layout.yaxis.title.text == ""
    footnote = next(a for a in fig.layout.annotations if a.text.startswith("数据来源"))
    assert footnote.text.count("<br>") == 2
    wide = charts.appearances(df, replace(ctx, compact=False), "开庭与负责人出庭应诉", 1.0)
    assert wide.layout.xaxis.ticktext[0] == "2023年<br>第1季度"
    assert wide.layout.title.text.startswith("开庭与负责人出庭应诉<br><span"), "one title line on a page"


def test_the_two_axes_of_the_hearings_chart_share_their_gridlines():
    ctx = ChartContext("2020年至2024年", "全部单位", date(2024, 12, 31))
    for hearings in (1, 7, 12, 40):
        df = pd.DataFrame({"期间": ["2024年"], "开庭": [hearings], "负责人出庭": [hearings], "出庭率": [1.0]})
        fig = charts.appearances(df, ctx, "开庭与负责人出庭应诉", 1.0)
        counts, rates = fig.layout.yaxis, fig.layout.yaxis2
        steps = counts.range[1] / counts.dtick
        assert steps == charts.RATE_STEPS and counts.dtick == int(counts.dtick), hearings
        assert rates.range[1] / 0.2 == pytest.approx(charts.RATE_STEPS) and not rates.showgrid
        assert counts.range[1] >= hearings * 1.7, "the bars keep to the lower part"


def test_session_names_are_short_and_tell_sessions_apart():
    names = [
        "局党组理论学习中心组（扩大）第五次专题会议",
        "局党组理论学习中心组（扩大）第七次专题会议",
        "法治综合能力提升培训会（败诉案件复盘暨信访法治化与信息公开规范化）",
        "行政公益诉讼培训",
        "同名很长的培训活动名称甲乙丙",
        "同名很长的培训活动名称甲乙丁",
    ]
    short = charts.short_names(names, 12)
    assert short[names[0]] == "第五次专题会议" and short[names[1]] == "第七次专题会议"
    assert short[names[2]] == "法治综合能力提升培训会" and short[names[3]] == "行政公益诉讼培训"
    assert len(set(short.values())) == len(names), short
    assert all(len(s) <= 12 or s.endswith("）") for s in short.values())


def test_the_timeline_names_dates_as_a_reader_does():
    ctx = ChartContext("2024年", "全部单位", date(2024, 12, 31))
    df = pd.DataFrame(
        {"日期": [date(2024, 5, 12), date(2024, 6, 25)], "名称": ["甲培训", "乙培训"], "类型": ["法治培训"] * 2}
    )
    fig = charts.timeline(df, ctx, "培训学法活动时间线")
    assert fig.layout.xaxis.tickformat == "%-m月%-d日" and fig.layout.xaxis.title.text == "日期（2024年）"
    assert "%Y年%-m月%-d日" in fig.data[0].hovertemplate and "共2场" in fig.layout.title.text

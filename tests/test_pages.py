"""The dashboard's pages through streamlit's AppTest: what they SHOW equals what `kpis --json` prints.

Every test runs the real `dashboard.py` (navigation, sidebar, pages) against its own database. The
numbers are read back from the rendered metrics ("100%（12/12）", "311件") and compared with the
command line run in a subprocess on the same store, for several granularities, periods and units.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from indicators import cli
from indicators.catalog import charts_of
from indicators.cli import load_sample
from indicators.ingest.reading import Upload
from indicators.metrics.periods import Granularity, parse_period
from indicators.store.importer import run_import
from ledgers import CASE_HEADER, PETITION_HEADER, SESSION_HEADER, case, petition, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PAGES = {
    "overview": "pages/overview.py",
    "petitions": "pages/petitions.py",
    "cases": "pages/cases.py",
    "sessions": "pages/sessions.py",
    "report": "pages/report.py",
    "data": "pages/data.py",
}
INDICATOR_PAGES = ("overview", "petitions", "cases", "sessions")
CHARTS = {page: len(charts_of(page)) for page in PAGES}  # the catalog's charts of each page
ALL_UNITS = "全部单位"
OTHER_UNIT = "执法支队"

# What each metric shows: (section, indicator, unit word) or (section, rate, numerator, denominator).
OVERVIEW_METRICS = {
    "信访收件": ("petitions", "total", "件"),
    "办结率": ("petitions", "closure_rate", "closed", "total"),
    "按期办结率": ("petitions", "on_time_rate", "on_time", "closed"),
    "复议应诉收案": ("litigation", "cases", "件"),
    "败诉（被纠错）率": ("litigation", "loss_rate", "lost", "concluded"),
    "负责人出庭应诉率": ("litigation", "head_appearance_rate", "head_appearances", "hearings"),
    "培训学法活动": ("training", "sessions", "场"),
    "参加人次": ("training", "participants", "人次"),
    "学时": ("training", "hours", "小时"),
}
PAGE_METRICS = {
    "overview": OVERVIEW_METRICS,
    "petitions": {
        "收件": ("petitions", "total", "件"),
        "办结率": ("petitions", "closure_rate", "closed", "total"),
        "按期办结率": ("petitions", "on_time_rate", "on_time", "closed"),
    },
    "cases": {
        "收案": ("litigation", "cases", "件"),
        "结案": ("litigation", "concluded", "件"),
        "败诉（被纠错）率": ("litigation", "loss_rate", "lost", "concluded"),
        "负责人出庭应诉率": ("litigation", "head_appearance_rate", "head_appearances", "hearings"),
    },
    "sessions": {
        "活动场次": ("training", "sessions", "场"),
        "参加人次": ("training", "participants", "人次"),
        "学时": ("training", "hours", "小时"),
    },
}
COUNT = re.compile(r"^(?P<n>\d[\d,]*(?:\.\d+)?)(?P<unit>件|场|人次|小时)$")
RATE = re.compile(r"^(?P<rate>—|\d+(?:\.\d)?%)（(?P<num>\d+)/(?P<den>\d+)）$")
FLAGGED = re.compile(r"^:red\[(?P<label>.+)（未达目标）\]$")


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_caches(db_url):
    """streamlit's caches are process-wide and every test has its own database: start and end clean."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    ui = sys.modules.get("ui")
    if ui is not None:
        ui.get_store(db_url).engine.dispose()  # return the pooled connections before the schema goes
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def sample(store):
    outcome = load_sample(store)
    assert outcome is not None and outcome.ok
    return outcome.batch_id


@pytest.fixture(autouse=True)
def runs_start_at_dashboard(navigation_only):
    """Every AppTest run starts at dashboard.py (conftest.navigation_only)."""


class Dashboard:
    """dashboard.py in AppTest on one page; every run is checked for exceptions and error alerts."""

    def __init__(self, quarter: bool = False) -> None:
        """Open the dashboard (on the latest full year); `quarter` switches to the latest quarter, 2024Q4."""
        self.at = AppTest.from_file(APP, default_timeout=60)
        self.page = "overview"
        self.run()
        if quarter:
            self.choose("quarter")

    def run(self) -> AppTest:
        self.at.switch_page(PAGES[self.page])
        self.at.run()
        assert not self.at.exception, self.at.exception
        errors = [e.value for e in self.at.error if not e.value.startswith(("低于目标值", "高于警戒值"))]
        assert not errors, errors
        return self.at

    def visit(self, page: str) -> AppTest:
        self.page = page
        return self.run()

    def choose(self, granularity: str | None = None, period: str | None = None, unit: str | None = None) -> AppTest:
        """Set the sidebar's widgets by key as a user would, one rerun each."""
        if granularity:
            self.at.sidebar.radio(key="granularity").set_value(Granularity(granularity))
            self.run()
        if period:
            self.at.sidebar.selectbox(key="period").set_value(period)
            self.run()
        if unit:
            self.at.sidebar.selectbox(key="unit").set_value("" if unit == ALL_UNITS else unit)
            self.run()
        return self.at


def cli_kpis(period: str, unit: str | None = None) -> dict:
    """`python -m indicators kpis --period P --json [--unit U]` on the test's store, run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["kpis", "--period", period, "--json", *(["--unit", unit] if unit else [])])
    assert status == 0, err.getvalue()
    return json.loads(out.getvalue())


def shown_metrics(at: AppTest) -> dict[str, str]:
    out = {}
    for metric in at.main.metric:
        match = FLAGGED.match(metric.label)
        out[match["label"] if match else metric.label] = metric.value
    return out


def assert_shows(label: str, text: str, spec: tuple, kpis: dict) -> None:
    """One metric's text against the indicator object: counts exactly, rates to the shown digit; "—"
    (no ledger of the section covers the period) only where the command line counts nothing."""
    section = kpis[spec[0]]
    if text == "—":
        assert (section[spec[1]] if len(spec) == 3 else section[spec[3]]) == 0, f"{label}: — for {section}"
        return
    if len(spec) == 3:
        match = COUNT.match(text)
        assert match, f"{label}: {text!r} is not a count"
        assert match["unit"] == spec[2], f"{label}: {text!r}"
        assert float(match["n"].replace(",", "")) == section[spec[1]], f"{label}: shows {text!r}, kpis {section}"
        return
    match = RATE.match(text)
    assert match, f"{label}: {text!r} is not a rate with its basis"
    _, key, numerator, denominator = spec
    assert (int(match["num"]), int(match["den"])) == (section[numerator], section[denominator]), (label, text)
    expected = section[key]
    if expected is None:
        assert match["rate"] == "—", f"{label}: {text!r} for an undefined rate"
    else:
        assert abs(float(match["rate"][:-1]) / 100 - expected) <= 0.0005 + 1e-9, f"{label}: {text!r} vs {expected}"


def assert_page_equals_kpis(at: AppTest, page: str, kpis: dict) -> None:
    shown = shown_metrics(at)
    assert set(shown) == set(PAGE_METRICS[page]), shown
    for label, spec in PAGE_METRICS[page].items():
        assert_shows(label, shown[label], spec, kpis)


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def texts(at: AppTest) -> list[str]:
    """Every piece of text on the page and in the sidebar: titles, markdown, alerts, labels."""
    out = []
    for root in (at.main, at.sidebar):
        for node in root:
            for attr in ("value", "label", "body"):
                value = getattr(node, attr, None)
                if isinstance(value, str):
                    out.append(value)
    return out


def import_ledger(store, name: str, sheets: dict, label: str = "") -> int:
    outcome = run_import(store, [Upload(name, xlsx_bytes(sheets))], label=label, user="test")
    assert outcome.ok, outcome.problems
    return outcome.batch_id


def other_unit_ledgers() -> dict:
    """A second unit's records in 2024Q4: 3 petitions, a lost case with a missed hearing, a session."""
    return {
        "信访": [
            PETITION_HEADER,
            petition("ZF-1", date(2024, 10, 8), "来信来访", closed=date(2024, 10, 20), on_time="是", unit=OTHER_UNIT),
            petition("ZF-2", date(2024, 11, 3), "民呼我为", closed=date(2024, 12, 30), on_time="否", unit=OTHER_UNIT),
            petition("ZF-3", date(2024, 12, 9), "民呼我为", unit=OTHER_UNIT),
        ],
        "应诉": [
            CASE_HEADER,
            case(
                "（2024）渝0113行初900号",
                "行政诉讼",
                date(2024, 10, 2),
                hearing=date(2024, 11, 20),
                head="否",
                concluded=date(2024, 12, 10),
                outcome="撤销被诉行政行为",
                unit=OTHER_UNIT,
            ),
        ],
        "培训": [SESSION_HEADER, [date(2024, 11, 12), "执法人员法治培训", "法治培训", 40, 2.5, OTHER_UNIT]],
    }


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_on_the_sample_with_titled_charts(sample, page):
    at = Dashboard().visit(page)
    specs = chart_specs(at)
    assert len(specs) == CHARTS[page]
    label = parse_period("2024").label
    if page != "data":
        assert label in at.title[0].value, "the default period is the latest complete year with data"
    for spec in specs:
        title = spec["layout"]["title"]["text"]
        says_why = [a["text"] for a in spec["layout"]["annotations"] if not a["text"].startswith("数据来源：")]
        assert f" · {ALL_UNITS} · 单位：" in title or (f" · {ALL_UNITS}" in title and says_why), title
        assert label in title or "2024年 ·" in title, title
        notes = [a["text"] for a in spec["layout"]["annotations"] if a["text"].startswith("数据来源：")]
        assert len(notes) == 1 and "截至 2024-12-31" in notes[0], notes


@pytest.mark.parametrize(
    ("granularity", "period"),
    [("quarter", None), ("year", "2024"), ("half", "2024H1"), ("quarter", "2024Q3"), ("month", "2024-03")],
)
def test_shown_numbers_equal_kpis_json(sample, granularity, period):
    app = Dashboard()
    app.choose(granularity, period)
    code = period or "2024Q4"
    kpis = cli_kpis(code)
    assert kpis["petitions"]["total"] > 0
    for page in INDICATOR_PAGES:
        at = app.visit(page)
        assert parse_period(code).label in at.title[0].value
        assert at.selectbox(key="period").value == code
        assert_page_equals_kpis(at, page, kpis)


def test_changing_granularity_picks_the_latest_period_with_data(sample):
    app = Dashboard()
    assert app.at.radio(key="granularity").value == "year" and app.at.selectbox(key="period").value == "2024"
    assert_page_equals_kpis(app.at, "overview", cli_kpis("2024"))
    at = app.choose("month")
    assert at.selectbox(key="period").value == "2024-12"
    assert at.selectbox(key="period").options[-1] == "2024年1月"
    at = app.choose("quarter")
    assert at.selectbox(key="period").value == "2024Q4"


def test_the_unit_selector_limits_the_numbers(store, sample):
    import_ledger(store, "执法支队台账.xlsx", other_unit_ledgers())
    app = Dashboard(quarter=True)
    assert app.at.selectbox(key="unit").options == [ALL_UNITS, OTHER_UNIT, "本单位"]
    totals = {}
    for unit in (OTHER_UNIT, "本单位", ALL_UNITS):
        app.choose(unit=unit)
        kpis = cli_kpis("2024Q4", None if unit == ALL_UNITS else unit)
        totals[unit] = kpis["petitions"]["total"]
        for page in INDICATOR_PAGES:
            at = app.visit(page)
            assert_page_equals_kpis(at, page, kpis)
            for spec in chart_specs(at):
                assert f" · {unit}" in spec["layout"]["title"]["text"]
    assert totals == {OTHER_UNIT: 3, "本单位": 85, ALL_UNITS: 88}
    app.choose(unit=OTHER_UNIT)
    at = app.visit("overview")
    flagged = [m.label for m in at.main.metric if FLAGGED.match(m.label)]
    assert flagged == [":red[败诉（被纠错）率（未达目标）]", ":red[负责人出庭应诉率（未达目标）]"], (
        "1/1 lost, 0/1 attended"
    )
    assert len(at.main.error) == 2
    assert shown_metrics(at)["参加人次"] == "40人次" and shown_metrics(at)["学时"] == "2.5小时"


@pytest.mark.parametrize("page", INDICATOR_PAGES)
def test_an_empty_store_says_what_to_upload_and_where(db_url, page):
    at = Dashboard().visit(page)
    infos = [i.value for i in at.main.info]
    assert len(infos) == 1 and "数据管理" in infos[0] and "上传" in infos[0], infos
    for word in ("信访", "复议应诉", "培训学法", "模板"):
        assert word in infos[0]
    assert [link.proto.page for link in at.get("page_link")] == ["data"]
    assert not at.get("plotly_chart") and not at.main.metric
    assert not at.sidebar.radio and not at.sidebar.selectbox


def test_the_data_page_with_an_empty_store_explains_the_upload(db_url):
    at = Dashboard().visit("data")
    assert at.title[0].value == "数据管理"
    assert not at.get("plotly_chart")
    assert any("上传" in t for t in texts(at)), texts(at)


def test_the_sample_notice_shows_while_the_sample_is_live(store, sample):
    app = Dashboard()
    assert any("示例数据" in i.value for i in app.at.sidebar.info)
    for page in INDICATOR_PAGES:
        at = app.visit(page)
        assert any("示例数据" in c.value for c in at.main.caption), page
        for spec in chart_specs(at):
            assert "示例数据" in spec["layout"]["annotations"][-1]["text"]

    store.rollback(sample)
    at = app.visit("overview")
    assert "上传" in at.main.info[0].value, "rolling the sample back leaves nothing to show"

    import_ledger(store, "执法支队台账.xlsx", other_unit_ledgers())
    for page in INDICATOR_PAGES:
        at = app.visit(page)
        assert not any("示例数据" in t for t in texts(at)), page
        for spec in chart_specs(at):
            assert "示例数据" not in json.dumps(spec, ensure_ascii=False)
    assert_page_equals_kpis(at, "sessions", cli_kpis("2024"))


def test_real_batches_beside_the_sample_are_not_called_sample_data(store, sample):
    import_ledger(store, "执法支队台账.xlsx", other_unit_ledgers())
    app = Dashboard()
    assert any("含示例数据" in i.value for i in app.at.sidebar.info)
    at = app.visit("petitions")
    assert any("含示例数据" in c.value for c in at.main.caption)
    notes = [spec["layout"]["annotations"][-1]["text"] for spec in chart_specs(at)]
    assert notes and all("含示例数据" in n for n in notes), notes
    # The sample's records are all 本单位's: the other unit's figures hold none of it, its own only it.
    at = app.choose(unit=OTHER_UNIT)
    assert not any("示例数据" in i.value for i in at.sidebar.info)
    assert not any("示例数据" in c.value for c in at.main.caption)
    notes = [spec["layout"]["annotations"][-1]["text"] for spec in chart_specs(at)]
    assert notes and not any("示例数据" in n for n in notes), notes
    at = app.choose(unit="本单位")
    assert any("当前显示的是**示例数据**" in i.value for i in at.sidebar.info)


def test_a_unit_named_like_the_all_units_choice_is_a_unit_of_its_own(store, sample):
    sheets = {"信访": [PETITION_HEADER, petition("QB-1", date(2024, 11, 8), "来信来访", unit=ALL_UNITS)]}
    import_ledger(store, "同名单位.xlsx", sheets)
    app = Dashboard(quarter=True)
    assert app.at.selectbox(key="unit").options[:2] == [f"{ALL_UNITS}（合计）", ALL_UNITS], "told apart"
    assert shown_metrics(app.choose(unit=ALL_UNITS))["信访收件"] == "86件", "the first entry is every unit"
    app.at.sidebar.selectbox(key="unit").set_value(ALL_UNITS)  # the unit itself
    app.run()
    assert shown_metrics(app.at)["信访收件"] == "1件"


def test_cached_reads_follow_the_store_version(store, sample):
    app = Dashboard(quarter=True)
    assert shown_metrics(app.at)["信访收件"] == "85件"
    at = app.visit("petitions")
    assert shown_metrics(at)["收件"] == "85件"
    assert shown_metrics(app.run())["收件"] == "85件"

    batch = import_ledger(store, "执法支队台账.xlsx", other_unit_ledgers())
    at = app.run()
    assert shown_metrics(at)["收件"] == "88件"
    assert OTHER_UNIT in at.selectbox(key="unit").options
    at = app.visit("overview")
    assert_page_equals_kpis(at, "overview", cli_kpis("2024Q4"))
    assert shown_metrics(at)["信访收件"] == "88件"

    store.rollback(batch)
    at = app.run()
    assert shown_metrics(at)["信访收件"] == "85件"
    assert OTHER_UNIT not in at.selectbox(key="unit").options


def test_the_same_indicator_reads_the_same_on_every_page(store):
    """Thousands are grouped alike on the overview and on the indicator pages (1,200件 both times), and
    the records table shows the first 1,000 of them with the count of all."""
    rows = [PETITION_HEADER]
    rows += [
        petition(f"XF2025-{i:04d}", date(2025, 1 + i % 3, 1 + i % 28), closed=date(2025, 3, 31), on_time="是")
        for i in range(1, 1201)
    ]
    import_ledger(store, "信访台账_2025Q1.xlsx", {"信访": rows})
    app = Dashboard()
    overview = shown_metrics(app.at)
    petitions = shown_metrics(app.visit("petitions"))
    assert overview["信访收件"] == petitions["收件"] == "1,200件"
    assert overview["办结率"] == petitions["办结率"] == "100%（1200/1200）"
    # The records table shows the first 1,000 and says so; its download holds all 1,200.
    captions = [c.value.replace("\\", "") for c in app.at.caption]  # as shown: Markdown escapes removed
    assert any("共 1,200 条" in c and "前 1,000 条" in c for c in captions), captions
    assert len(app.at.dataframe[0].value) == 1000
    (button,) = [b for b in app.at.get("download_button") if "全部" in b.proto.label]
    assert "全部 1,200 条" in button.proto.label.replace("\\", "")
    assert shown_metrics(app.visit("cases"))["收案"] == "—", "no case ledger at all: no data, not 0"
    assert_page_equals_kpis(app.at, "cases", cli_kpis("2025Q1"))


def test_a_card_without_a_year_to_compare_says_so_once(sample):
    """2024 on the sample: no ledger covers 2023, so each card says 较上年（2023年）：无可比数据 once,
    under the card, and not again as the metric's own comparison line."""
    at = Dashboard().at
    notes = [c.value for c in at.main.caption]
    assert at.metric and notes.count("较上年（2023年）：无可比数据") == len(at.metric), "a ledger covers each card"
    assert not any(m.proto.delta_description for m in at.metric), "no 较上年 without a change beside it"


def test_card_colours_say_whether_a_change_is_good_news(sample):
    """2024Q4 against Q3 on the sample: volumes grey, rates by direction, no change grey without arrow."""
    from streamlit.proto.Metric_pb2 import Metric

    from indicators.metrics.cards import CARD_SPECS

    at = Dashboard(quarter=True).at
    kpis, before = cli_kpis("2024Q4"), cli_kpis("2024Q3")
    labels = {spec.label: spec for spec in CARD_SPECS}
    checked = 0
    for metric in at.metric:
        spec = labels[FLAGGED.sub(r"\g<label>", metric.label)]
        now, then = kpis[spec.section][spec.key], before[spec.section][spec.key]
        if now is None or then is None:
            continue
        change = round((now - then) * 100, 1) if spec.numerator else now - then
        up_good = {"up_good": True, "up_bad": False}.get(spec.direction)
        if change == 0 or up_good is None:
            expected = Metric.GRAY
        else:
            expected = Metric.GREEN if (change > 0) == up_good else Metric.RED
        assert metric.proto.color == expected, (metric.label, change)
        checked += 1
    assert checked >= 7


def link_notes(at: AppTest) -> list[str]:
    """The notes that a link could not be followed as it is (ui.show_link_note)."""
    return [w.value for w in at.warning if w.icon == ":material/link_off:"]


def test_a_link_reopens_the_view_it_names_and_the_address_follows_the_choice(store, sample):
    import_ledger(store, "执法支队台账.xlsx", other_unit_ledgers())
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "2024Q4"
    at.query_params["unit"] = OTHER_UNIT
    at.run()
    assert at.selectbox(key="period").value == "2024Q4" and at.selectbox(key="unit").value == OTHER_UNIT
    assert shown_metrics(at)["信访收件"] == "3件"
    assert not link_notes(at), "a link followed as it is needs no note"
    at.selectbox(key="unit").set_value("").run()
    assert at.query_params["period"] == "2024Q4" and "unit" not in at.query_params


def test_a_link_to_a_unit_one_may_not_see_opens_on_all_units(store, sample):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "2024"
    at.query_params["unit"] = "不存在的单位"
    at.run()
    assert at.selectbox(key="unit").value == "" and at.selectbox(key="period").value == "2024"
    notes = link_notes(at)
    assert notes == ["链接中的单位“不存在的单位”没有可查看的数据，现显示2024年 · 全部单位。"], notes
    at.selectbox(key="unit").set_value("本单位").run()
    assert not link_notes(at), "once the view is chosen anew, the note goes"


def test_a_link_to_a_period_without_data_says_what_is_shown_instead(store, sample):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "2019"
    at.run()
    assert at.selectbox(key="period").value == "2024"
    assert link_notes(at) == ["链接中的期间“2019”没有可查看的数据，现显示2024年 · 全部单位。"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = "2024Q9"
    at.run()
    assert link_notes(at) == [
        "链接中的期间“2024Q9”无法识别（应如 2024、2024H1、2024Q3、2024-05），现显示2024年 · 全部单位。"
    ]


def test_a_period_no_ledger_covers_shows_dashes_and_says_so_while_a_covered_empty_one_shows_zero(sample):
    """The sample's sessions run from 2024-04-22: March 2024 has no training ledger (—), while June
    2024, inside it, may well have none held (0场)."""
    app = Dashboard()
    app.choose("month", "2024-03")
    at = app.visit("sessions")
    assert shown_metrics(at) == {"活动场次": "—", "参加人次": "—", "学时": "—"}
    assert any("没有培训学法台账数据" in i.value for i in at.main.info)
    overview = app.visit("overview")
    assert shown_metrics(overview)["培训学法活动"] == "—" and shown_metrics(overview)["信访收件"] != "—"
    sessions_in_june = cli_kpis("2024-06")["training"]["sessions"]
    app.choose(period="2024-06")
    assert shown_metrics(app.visit("sessions"))["活动场次"] == f"{sessions_in_june}场"


def test_a_sum_every_session_left_blank_shows_a_dash_with_the_reason_not_a_zero(sample):
    """The report names its sessions but gives no head counts or hours: the sample leaves 参加人数 and
    学时 blank. kpis --json counts them as 0 (kpis.md); the pages say — and why."""
    assert cli_kpis("2024")["training"]["participants"] == 0
    app = Dashboard()
    at = app.visit("sessions")
    assert shown_metrics(at) == {"活动场次": "8场", "参加人次": "—", "学时": "—"}
    captions = [c.value for c in at.main.caption]
    assert "本期8场活动均未填写参加人数" in captions and "本期8场活动均未填写学时" in captions
    charts = {spec["layout"]["title"]["text"].split("<br>")[0]: spec for spec in chart_specs(at)}
    says = [a["text"] for a in charts["参加人次"]["layout"]["annotations"]]
    assert "各期活动均未填写参加人数" in says, "the trend chart draws no 0 bar for a blank field"
    overview = app.visit("overview")
    assert shown_metrics(overview)["参加人次"] == "—"
    assert "本期8场活动均未填写参加人数" in [c.value for c in overview.main.caption]


@pytest.mark.parametrize("page", ["petitions", "cases", "sessions"])
def test_a_browsers_first_chart_page_draws_its_cards_and_first_chart_then_the_rest(sample, monkeypatch, page):
    """In a browser (a session with request headers) the first chart page of a session draws its title,
    cards and first chart only, while plotly.js loads; the page's script clicks the hidden 继续加载
    once that chart is drawn, and the rerun draws the whole page with the sidebar kept as chosen."""
    import ui

    monkeypatch.setattr(ui, "_request_headers", lambda: {"Host": "127.0.0.1:8501"})
    app = Dashboard()  # the overview has no chart: it is drawn whole, sidebar and all
    app.choose(granularity="quarter", period="2024Q3")
    at = app.visit(page)
    assert parse_period("2024Q3").label in at.title[0].value
    assert len(chart_specs(at)) == 1, "the first chart only"
    assert set(shown_metrics(at)) == set(PAGE_METRICS[page]), "the cards come with it"
    assert not at.main.get("download_button") and not at.main.expander, "buttons and definitions follow"
    assert not at.sidebar.selectbox, "the sidebar's widgets follow too"
    assert "其余图表正在加载……" in [c.value for c in at.main.caption]
    at.button(key=ui.PAINT_BUTTON_KEY).click()
    at = app.run()
    assert len(chart_specs(at)) == CHARTS[page]
    assert at.main.get("download_button") and at.main.expander
    assert at.sidebar.selectbox(key="period").value == "2024Q3", "the sidebar kept its choice"
    assert "其余图表正在加载……" not in [c.value for c in at.main.caption]
    at = app.visit("overview")
    at = app.visit(page)
    assert len(chart_specs(at)) == CHARTS[page], "once a chart is drawn, every page is drawn whole"


def html_of(at: AppTest) -> str:
    return "".join(e.proto.body for e in at.get("html"))


def test_the_report_page_shows_the_narrative_the_official_table_and_a_download_per_format(sample):
    """The report's own sentences for 2024, the table in its official layout, and docx, pptx and md."""
    at = Dashboard().visit("report")
    text = "".join(re.sub(r"\\(.)", r"\1", m.value).replace("\u2060", "") for m in at.main.markdown)
    assert "2024年我局共收信访311件，其中：来信来访件共34件，《重庆市智能信访工作平台》交办20件" in text
    assert "2024年，全局共办理以我局为主体的复议应诉案件19件，领导人出庭应诉率100%。" in text
    assert [h.value for h in at.main.subheader][:3] == ["信访工作", "行政复议和行政应诉", "法治培训、学法和普法"]
    table = html_of(at)
    assert "未经复议直接起诉" in table and "复议后起诉" in table
    every = [int(v) for v in re.findall(r"<td>([\d,]+)</td>", table.split("<table")[2])]
    assert len(every) == 15 and every[4] + every[9] + every[14] == 19, "the 总计 of every case adds up to 19"
    buttons = at.main.get("download_button")
    assert {b.proto.label for b in buttons} >= {"下载 Word（.docx）", "下载幻灯片（.pptx）", "下载文字（.md）"}


def test_the_cases_page_shows_the_official_outcome_table_with_its_download(sample):
    """AppTest has no browser, so the page is drawn whole at once (first paint is a browser's)."""
    at = Dashboard().visit("cases")
    table = html_of(at)
    assert table.count("<table") == 2 and "行政复议" in table and "尚未审结" in table
    assert "下载此表 Excel" in [b.proto.label for b in at.main.get("download_button")]

"""The report's paragraphs: the 2024 sample reproduces the report's sentences, and every wording branch
says what the data says (no 其中 for one channel, no rate on a zero base, no comparison with a period no
ledger covers, a unit named as a unit)."""

from __future__ import annotations

import copy
import functools

import pytest

from indicators import views
from indicators.cli import SAMPLE_DIR
from indicators.ingest.reading import Upload, read_uploads
from indicators.ingest.validation import validate
from indicators.metrics.kpis import kpis_from_frames
from indicators.metrics.periods import parse_period
from indicators.output import narrative
from indicators.output.narrative import chart_sentences, markdown

# The report's own sentences (2024年度法治政府建设报告), which the sample must reproduce word for word.
REPORT_PETITIONS = (
    "2024年我局共收信访311件，其中：来信来访件共34件，《重庆市智能信访工作平台》交办20件，"
    "《自然资源部系统》交办36件，《民呼我为》交办159件，《国土空间平台》交办62件。"
)
REPORT_CASES = "2024年，全局共办理以我局为主体的复议应诉案件19件，领导人出庭应诉率100%。"


@pytest.fixture(scope="module")
def frames():
    return sample_frames()


def paragraphs(facts: dict) -> dict[str, str]:
    return {p.section: p.text for p in narrative.narrative(facts)}


def test_the_2024_sample_reproduces_the_reports_sentences(frames):
    text = paragraphs(views.report_facts(frames, parse_period("2024"), None))
    assert text["petitions"].startswith(REPORT_PETITIONS)
    assert text["litigation"].startswith(REPORT_CASES)
    assert "2023年" not in text["petitions"], "no ledger covers 2023: no comparison with it"
    assert "其中行政复议7件、行政诉讼12件" in text["litigation"]
    assert "共开展培训学法活动8场" in text["training"]
    assert "参加" not in text["training"], "the report gives no head counts: no sum of blanks"


def test_a_quarter_compares_with_the_previous_quarter_and_not_with_a_year_no_ledger_covers(frames):
    text = paragraphs(views.report_facts(frames, parse_period("2024Q3"), None))
    assert "收件数环比下降2.5%（2024年第2季度81件）。" in text["petitions"]
    assert "同比" not in text["petitions"]
    assert "均为行政诉讼案件。" in text["litigation"], "one type: no 其中"
    assert "均为理论学习（8月）。" in text["training"]


def test_a_month_names_no_months_and_says_no_change(frames):
    text = paragraphs(views.report_facts(frames, parse_period("2024-05"), None))
    assert "收案数环比持平（2024年4月3件）。" in text["litigation"]
    assert "（5月）" not in text["training"]


# --- every branch, on facts shaped as views.report_facts makes them -------------------------------------


@functools.cache
def sample_frames() -> dict:
    files = sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix == ".xlsx")
    validated = validate(read_uploads([Upload.from_path(p) for p in files]))
    assert validated.ok
    return validated.frames


def _section(petitions=None, litigation=None, training=None) -> dict:
    """The indicators of a period without records (kpis_from_frames on empty ledgers), then these figures."""
    empty = {k: v.iloc[0:0] for k, v in sample_frames().items()}
    zero = kpis_from_frames(empty, parse_period("2025Q2"))
    return {
        "petitions": {**zero["petitions"], **(petitions or {})},
        "litigation": {**zero["litigation"], **(litigation or {})},
        "training": {**zero["training"], **(training or {})},
    }


def facts(period: str = "2025Q2", unit: str | None = None, earlier: bool = False, **kw) -> dict:
    """Facts of a period with these figures; `earlier`: ledgers cover the previous period and last year."""
    covered = {
        d: {"current": True, "previous": earlier, "year_ago": earlier} for d in ("petitions", "litigation", "training")
    }
    return {
        "period": parse_period(period),
        "unit": unit,
        "kpis": {"current": _section(**kw), "previous": _section(), "year_ago": _section()},
        "covered": covered,
        "outcomes": {"结果维持": 0, "结果纠正": 0, "其他结果": 0, "尚未审结": 0},
        "categories": {},
        "session_months": {},
        "unfilled": {"participants": (0, 0), "hours": (0, 0)},
    }


def test_no_ledger_and_no_records_are_said_apart():
    f = facts()
    for section in f["covered"].values():
        section["current"] = False
    assert paragraphs(f) == {
        "petitions": "2025年第2季度我局没有信访台账数据。",
        "litigation": "2025年第2季度我局没有复议应诉台账数据。",
        "training": "2025年第2季度我局没有培训学法台账数据。",
    }
    text = paragraphs(facts())
    assert text["petitions"] == "2025年第2季度我局未收到信访。"
    assert text["training"] == "2025年第2季度我局未开展培训学法活动。"
    assert text["litigation"].startswith("2025年第2季度，全局共办理以我局为主体的复议应诉案件0件。")
    both = facts(earlier=True)
    both["kpis"]["current"]["training"].update(sessions=1, by_type={"法治培训": 1})
    assert "活动场次2025年第1季度、2024年第2季度均为0场，不计增减幅度。" in paragraphs(both)["training"]


def test_one_channel_has_no_qizhong_and_unknown_channels_follow_the_reports_largest_first():
    one = paragraphs(facts(petitions={"total": 5, "by_channel": {"民呼我为": 5}}))["petitions"]
    assert one.startswith("2025年第2季度我局共收信访5件，均为《民呼我为》交办5件。")
    many = facts(petitions={"total": 12, "by_channel": {"12345热线": 2, "来信来访": 1, "民呼我为": 4, "市长信箱": 5}})
    assert paragraphs(many)["petitions"].startswith(
        "2025年第2季度我局共收信访12件，其中：来信来访件共1件，《民呼我为》交办4件，《市长信箱》交办5件，《12345热线》交办2件。"
    )


def test_changes_grow_fall_hold_and_skip_a_zero_base_or_an_uncovered_period():
    f = facts(earlier=True, petitions={"total": 12, "by_channel": {"来信来访": 12}, "closed": 0})
    f["kpis"]["previous"]["petitions"]["total"] = 10
    f["kpis"]["year_ago"]["petitions"]["total"] = 16
    assert (
        "收件数环比增长20.0%（2025年第1季度10件），同比下降25.0%（2024年第2季度16件）。" in paragraphs(f)["petitions"]
    )
    f["kpis"]["previous"]["petitions"]["total"] = 0
    f["covered"]["petitions"]["year_ago"] = False
    text = paragraphs(f)["petitions"]
    assert "收件数2025年第1季度为0件，不计增减幅度。" in text, "no rate on a zero base"
    assert "同比" not in text and "2024年第2季度" not in text, "no comparison with a period no ledger covers"
    f["kpis"]["previous"]["petitions"]["total"] = 12
    assert "收件数环比持平（2025年第1季度12件）。" in paragraphs(f)["petitions"]
    year = facts("2025", earlier=True, petitions={"total": 12, "by_channel": {"来信来访": 12}})
    year["kpis"]["year_ago"]["petitions"]["total"] = 10
    assert "收件数同比增长20.0%（2024年10件）。" in paragraphs(year)["petitions"], "a year compares once"
    assert "环比" not in paragraphs(year)["petitions"]


def test_rates_only_on_a_base():
    text = paragraphs(facts(petitions={"total": 3, "by_channel": {"来信来访": 3}, "closure_rate": 0.0}))["petitions"]
    assert "已办结0件，办结率0%。" in text and "按期办结率" not in text, "nothing closed: no on-time rate"
    cases = paragraphs(facts(litigation={"cases": 2, "by_type": {"行政复议": 2}}))["litigation"]
    assert "出庭应诉率" not in cases and "败诉" not in cases and "开庭" not in cases


def test_cases_by_type_outcome_loss_and_hearings():
    f = facts(
        litigation={
            "cases": 4,
            "by_type": {"行政诉讼": 3, "行政复议": 1},
            "concluded": 2,
            "lost": 1,
            "loss_rate": 0.5,
            "hearings": 3,
            "head_appearances": 2,
            "head_appearance_rate": 2 / 3,
        }
    )
    f["outcomes"] = {"结果维持": 1, "结果纠正": 1, "其他结果": 0, "尚未审结": 2}
    assert paragraphs(f)["litigation"] == (
        "2025年第2季度，全局共办理以我局为主体的复议应诉案件4件，领导人出庭应诉率66.7%。其中行政复议1件、行政诉讼3件。"
        "从审理结果看，本季度收案中结果维持1件、结果纠正1件、尚未审结2件。本季度结案2件，其中败诉（被纠错）1件，"
        "败诉（被纠错）率50%。行政诉讼案件开庭3次，机关负责人出庭应诉2次。"
    )


def test_a_unit_other_than_the_bureau_is_named():
    f = facts(unit="执法支队", petitions={"total": 1, "by_channel": {"来信来访": 1}}, litigation={"cases": 1})
    text = paragraphs(f)
    assert text["petitions"].startswith("2025年第2季度执法支队共收信访1件")
    assert text["litigation"].startswith("2025年第2季度，执法支队共办理复议应诉案件1件")
    assert paragraphs(facts(unit="本单位"))["petitions"].startswith("2025年第2季度我局")
    limited = facts(petitions={"total": 2, "by_channel": {"来信来访": 2}}, litigation={"cases": 1})
    limited["scope_label"] = "授权单位合计（法规科、执法支队）"
    text = paragraphs(limited)
    assert text["petitions"].startswith("2025年第2季度授权单位合计（法规科、执法支队）共收信访2件"), "not 我局"
    assert (
        "全局" not in text["litigation"]
        and "授权单位合计（法规科、执法支队）共办理复议应诉案件1件" in text["litigation"]
    )


def test_sessions_by_type_with_months_and_partial_sums():
    f = facts(training={"sessions": 3, "by_type": {"法治培训": 2, "普法宣传": 1}, "participants": 80, "hours": 4.5})
    f["session_months"] = {"法治培训": [4, 6], "普法宣传": [5]}
    f["unfilled"] = {"participants": (1, 3), "hours": (0, 3)}
    assert paragraphs(f)["training"] == (
        "2025年第2季度我局共开展培训学法活动3场，其中法治培训2场（4月、6月）、普法宣传1场（5月）。"
        "参加80人次（1场未填写参加人数），累计4.5学时。"
    )
    f["unfilled"] = {"participants": (3, 3), "hours": (3, 3)}
    assert "人次" not in paragraphs(f)["training"] and "学时" not in paragraphs(f)["training"]


def test_each_chart_names_a_sentence_of_the_narrative(frames):
    from indicators.catalog import CHARTS

    said = chart_sentences(views.report_facts(frames, parse_period("2024"), None))
    tags = {c.says for c in CHARTS}
    optional = {"petitions.change", "litigation.change", "training.change", "training.sums"}  # none in 2024
    assert "" not in tags and tags <= set(said) | optional
    assert said["petitions.total"] == REPORT_PETITIONS


def test_markdown_keeps_ledger_text_as_text():
    f = facts(petitions={"total": 2, "by_channel": {"[点此](https://evil.example)": 1, "<img src=x>": 1}})
    text = markdown(f, "简报")
    assert "](https" not in text.replace("\\]", "") and "<img" not in text.replace("\\<", "")
    assert text.startswith("# 简报\n\n## 信访工作\n\n2025年第2季度我局共收信访2件")
    g = copy.deepcopy(f)
    g["kpis"]["current"]["petitions"]["closure_rate"] = 0.5
    assert "办结率50%" in markdown(g, "简报"), "prose keeps its percentages readable"

"""The sample ledgers reproduce the figures of the bureau's 2024 report, and load as one batch."""

from __future__ import annotations

from indicators.cli import SAMPLE_DIR, load_sample
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.output.sample import CASE_COUNT, PETITION_CHANNELS, write_sample
from indicators.store import SAMPLE_LABEL

# The figures of《巴南区规划和自然资源局法治政府建设2024年度报告》, in its own words (copied here: the
# repository stands alone), that the sample ledgers reproduce.
REPORT_SENTENCES = (
    "2024年我局共收信访311件，其中：来信来访件共34件，《重庆市智能信访工作平台》交办20件，"
    "《自然资源部系统》交办36件，《民呼我为》交办159件，《国土空间平台》交办62件。",
    "2024年，全局共办理以我局为主体的复议应诉案件19件，领导人出庭应诉率100%。",
    "2024年5月我局党组理论学习中心组（扩大）第五次专题会议",
    "2024年8月召开局党组理论学习中心组（扩大）第七次专题会议",
    "2024年11月局党组理论学习中心组（扩大）2024年第十次专题",
    "2024年12月我局召开涵盖败诉案件复盘暨信访法治化与信息公开规范化内容的法治综合能力提升培训会",
    "同月……开展了行政公益诉讼培训",
    "依托“4.22”地球日、“6.25”土地日、“12.4”宪法宣传日等集中宣传日契机",
)
REPORT_CHANNELS = {
    "来信来访": 34,
    "重庆市智能信访工作平台": 20,
    "自然资源部系统": 36,
    "民呼我为": 159,
    "国土空间平台": 62,
}


def _check_report_figures(store) -> None:
    year = compute(store, parse_period("2024"))
    assert year["petitions"]["total"] == 311 == sum(REPORT_CHANNELS.values())
    assert year["petitions"]["by_channel"] == REPORT_CHANNELS
    assert year["litigation"]["cases"] == 19
    assert year["litigation"]["hearings"] > 0
    assert year["litigation"]["head_appearance_rate"] == 1.0
    assert year["litigation"]["lost"] >= 1, "the report reviews a lost case (败诉案件复盘)"
    assert year["training"]["by_type"] == {"普法宣传": 3, "理论学习": 3, "法治培训": 2}
    months = {m: compute(store, parse_period(f"2024-{m:02d}"))["training"]["sessions"] for m in range(1, 13)}
    assert months == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 1, 7: 0, 8: 1, 9: 0, 10: 0, 11: 1, 12: 3}


def test_committed_sample_loads_as_one_labelled_batch_with_the_report_figures(store):
    outcome = load_sample(store)
    assert outcome is not None and outcome.ok
    history = store.batches()
    assert len(history) == 1 and history[0]["label"] == SAMPLE_LABEL
    _check_report_figures(store)
    assert load_sample(store) is None, "never loaded twice"
    store.rollback(history[0]["id"])
    assert compute(store, parse_period("2024"))["petitions"]["total"] == 0, "one step removes it"


def test_the_script_regenerates_the_same_figures(store, tmp_path):
    written = write_sample(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in SAMPLE_DIR.glob("*.xlsx"))
    assert load_sample(store, tmp_path).ok
    _check_report_figures(store)


def test_the_sample_generator_uses_the_report_figures():
    assert PETITION_CHANNELS == REPORT_CHANNELS
    assert CASE_COUNT == 19
    for phrase in ("共收信访311件", "复议应诉案件19件", "出庭应诉率100%"):
        assert any(phrase in sentence for sentence in REPORT_SENTENCES)

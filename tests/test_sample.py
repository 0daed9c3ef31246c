"""The sample ledgers reproduce the figures of the bureau's 2024 report, and load as one batch."""

from __future__ import annotations

from pathlib import Path

from indicators.cli import SAMPLE_DIR, load_sample
from indicators.kpis import compute
from indicators.periods import parse_period
from indicators.sample import write_sample
from indicators.store import SAMPLE_LABEL

REPORT = Path(__file__).resolve().parent.parent.parent / "shared" / "source"


def _check_report_figures(store) -> None:
    year = compute(store, parse_period("2024"))
    assert year["petitions"]["total"] == 311
    assert year["petitions"]["by_channel"] == {
        "民呼我为": 159,
        "国土空间平台": 62,
        "自然资源部系统": 36,
        "来信来访": 34,
        "重庆市智能信访工作平台": 20,
    }
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


def test_the_report_states_the_figures_the_sample_reproduces():
    text = next(REPORT.glob("*.txt")).read_text(encoding="utf-8")
    for phrase in (
        "共收信访311件",
        "来信来访件共34件",
        "交办20件",
        "交办36件",
        "交办159件",
        "交办62件",
        "19件",
        "100%",
    ):
        assert phrase in text

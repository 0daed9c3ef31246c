"""The versioned store: batches, upserts across quarters, repeats, rollback and all-or-nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from indicators.importer import check, run_import
from indicators.kpis import compute
from indicators.periods import parse_period
from indicators.schema import LITIGATION, PETITIONS
from indicators.store import VERSIONS
from ledgers import CASE_HEADER, PETITION_HEADER, case, petition, upload, xlsx_bytes


def _cases(*rows: list[object]) -> bytes:
    return xlsx_bytes({"复议应诉": [CASE_HEADER, *rows]})


Q1 = _cases(
    case("（2025）渝0113行初1号", hearing="2025-02-20", head="是"),
    case("巴南府复〔2025〕1号", "行政复议", "2025-02-01", concluded="2025-03-20", outcome="维持"),
)
Q2 = _cases(
    case("（2025）渝0113行初1号", hearing="2025-02-20", head="是", concluded="2025-04-15", outcome="驳回诉讼请求"),
    case("巴南府复〔2025〕1号", "行政复议", "2025-02-01", concluded="2025-03-20", outcome="维持"),
    case("（2025）渝0113行初2号", filed="2025-04-02"),
)


def _case_outcome(store, case_no: str) -> str | None:
    frame = store.records(LITIGATION)
    row = frame.loc[frame["case_no"] == case_no]
    return None if row.empty else row["outcome_class"].iloc[0]


def test_case_uploaded_again_next_quarter_replaces_its_version_without_double_counting(store):
    first = run_import(store, [upload("一季度.xlsx", Q1)])
    second = run_import(store, [upload("二季度.xlsx", Q2)])
    assert first.plan.datasets["litigation"].counts == {"added": 2, "updated": 0, "unchanged": 0}
    assert second.plan.datasets["litigation"].counts == {"added": 1, "updated": 1, "unchanged": 1}
    assert len(store.records(LITIGATION)) == 3
    assert _case_outcome(store, "（2025）渝0113行初1号") == "upheld"
    half = compute(store, parse_period("2025H1"))["litigation"]
    assert (half["cases"], half["concluded"], half["hearings"], half["head_appearances"]) == (3, 2, 1, 1)
    with store.engine.connect() as conn:
        versions = conn.execute(sa.select(sa.func.count()).select_from(VERSIONS["litigation"])).scalar_one()
    assert versions == 5, "every batch keeps a version of every record it carried"


def test_preview_says_what_changes_before_anything_is_stored(store):
    run_import(store, [upload("一季度.xlsx", Q1)])
    outcome = check(store, [upload("二季度.xlsx", Q2)])
    plan = outcome.plan.datasets["litigation"]
    assert plan.counts == {"added": 1, "updated": 1, "unchanged": 1}
    change = plan.changes.iloc[0].tolist()
    assert change[0] == "（2025）渝0113行初1号"
    assert "结案日期：（空） → 2025-04-15" in change[1]
    assert "审理结果：（空） → 驳回诉讼请求" in change[1]
    assert len(store.batches()) == 1, "a preview stores nothing"


def test_rollback_restores_the_state_before_the_batch(store):
    run_import(store, [upload("一季度.xlsx", Q1)])
    before = compute(store, parse_period("2025H1"))
    second = run_import(store, [upload("二季度.xlsx", Q2)])
    store.rollback(second.batch_id)
    assert compute(store, parse_period("2025H1")) == before
    assert _case_outcome(store, "（2025）渝0113行初1号") == "pending"
    assert _case_outcome(store, "（2025）渝0113行初2号") is None
    history = store.batches()
    assert [b["rolled_back"] for b in history] == [False, True]
    with pytest.raises(ValueError, match="不能重复撤销"):
        store.rollback(second.batch_id)
    with pytest.raises(LookupError, match="不存在"):
        store.rollback(99)


def test_rolling_back_an_earlier_batch_keeps_later_versions_current(store):
    first = run_import(store, [upload("一季度.xlsx", Q1)])
    run_import(store, [upload("二季度.xlsx", Q2)])
    store.rollback(first.batch_id)
    assert _case_outcome(store, "（2025）渝0113行初1号") == "upheld", "the later version stays current"
    assert len(store.records(LITIGATION)) == 3, "batch 2 re-sent the other cases, so they stay"


def test_record_only_in_a_rolled_back_batch_disappears(store):
    only = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1"), petition("XF-2")]})
    first = run_import(store, [upload("信访.xlsx", only)])
    assert len(store.records(PETITIONS)) == 2
    store.rollback(first.batch_id)
    assert store.records(PETITIONS).empty
    again = run_import(store, [upload("信访.xlsx", only)])
    assert again.plan.datasets["petitions"].counts["added"] == 2, "importable again after its rollback"


def test_identical_file_again_is_flagged_repeat_and_counts_unchanged(store):
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1"), petition("XF-2")]})
    run_import(store, [upload("信访.xlsx", data)])
    again = run_import(store, [upload("信访（副本）.xlsx", data)])
    assert again.plan.repeat_files == ["信访（副本）.xlsx"]
    assert again.plan.datasets["petitions"].counts == {"added": 0, "updated": 0, "unchanged": 2}
    latest = store.batches()[-1]
    assert latest["repeat"] is True and latest["files"][0]["sha256"] == store.batches()[0]["files"][0]["sha256"]
    assert len(store.records(PETITIONS)) == 2


def test_a_failure_while_writing_stores_nothing(store, monkeypatch):
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1")], "复议应诉": [CASE_HEADER, case("C-1")]})
    calls = []

    def fail_on_second(self, conn, dp, batch_id):
        calls.append(dp.dataset.id)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, conn, dp, batch_id)

    original = type(store)._write_versions
    monkeypatch.setattr(type(store), "_write_versions", fail_on_second)
    with pytest.raises(RuntimeError):
        run_import(store, [upload("两表.xlsx", data)])
    assert store.batches() == []
    assert store.records(PETITIONS).empty and store.records(LITIGATION).empty


def test_version_changes_on_import_and_rollback(store):
    assert store.is_empty() and store.version() == "0-0"
    first = run_import(store, [upload("一季度.xlsx", Q1)])
    v1 = store.version()
    store.rollback(first.batch_id)
    assert len({"0-0", v1, store.version()}) == 3


def test_units_and_date_range(store):
    data = xlsx_bytes(
        {"信访": [PETITION_HEADER, petition("XF-1", "2024-03-02", unit="法规科"), petition("XF-2", "2025-07-09")]}
    )
    run_import(store, [upload("信访.xlsx", data)])
    assert store.units() == ["本单位", "法规科"]
    low, high = store.date_range()
    assert (low.isoformat(), high.isoformat()) == ("2024-03-02", "2025-07-09")
    only = store.records(PETITIONS, unit="法规科")
    assert only["petition_no"].tolist() == ["XF-1"]


def test_resending_an_old_file_never_undoes_later_changes(store):
    run_import(store, [upload("一季度.xlsx", Q1)])
    run_import(store, [upload("二季度.xlsx", Q2)])
    again = run_import(store, [upload("一季度.xlsx", Q1)])
    assert again.plan.repeat_of == {"一季度.xlsx": 1}
    assert again.plan.datasets["litigation"].counts == {"added": 0, "updated": 0, "unchanged": 2}
    assert _case_outcome(store, "（2025）渝0113行初1号") == "upheld", "the outcome batch 2 brought stays"
    assert store.batches()[-1]["repeat"] is True


def test_a_file_whose_batch_was_rolled_back_imports_again_as_new(store):
    first = run_import(store, [upload("一季度.xlsx", Q1)])
    store.rollback(first.batch_id)
    again = run_import(store, [upload("一季度.xlsx", Q1)])
    assert again.plan.repeat_of == {} and again.plan.datasets["litigation"].counts["added"] == 2
    assert store.batches()[-1]["repeat"] is False

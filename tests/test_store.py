"""The versioned store: batches, upserts across quarters, repeats, rollback and all-or-nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import miscoded

from indicators.cli import load_sample
from indicators.ingest.reading import Upload
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.output import words
from indicators.schema import LITIGATION, PETITIONS
from indicators.store import AlreadyRolledBack, BatchNotFound, Store, make_engine
from indicators.store import store as store_module
from indicators.store.engine import write_transaction
from indicators.store.importer import check, run_import
from indicators.store.tables import VERSIONS
from ledgers import CASE_HEADER, PETITION_HEADER, case, csv_bytes, petition, upload, xlsx_bytes


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
    assert plan.changes[["record_key", "field"]].values.tolist() == [
        ["（2025）渝0113行初1号", "concluded_on"],
        ["（2025）渝0113行初1号", "outcome"],
    ]
    change = words.changes_frame(outcome).iloc[0]
    assert change["记录"] == "（2025）渝0113行初1号"
    assert change["变化"] == "结案日期：（空） → 2025-04-15；审理结果：（空） → 驳回诉讼请求"
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
    with pytest.raises(AlreadyRolledBack) as again:
        store.rollback(second.batch_id)
    assert "不能重复撤销" in words.refusal(again.value)
    with pytest.raises(BatchNotFound) as missing:
        store.rollback(99)
    assert words.refusal(missing.value) == "批次 99 不存在。"


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
    assert again.plan.repeat_of == {0: 1}
    assert again.plan.datasets["petitions"].counts == {"added": 0, "updated": 0, "unchanged": 2}
    latest = store.batches()[-1]
    assert latest["repeat"] is True and latest["files"][0]["sha256"] == store.batches()[0]["files"][0]["sha256"]
    assert len(store.records(PETITIONS)) == 2


def test_a_failure_while_writing_stores_nothing(store, monkeypatch):
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1")], "复议应诉": [CASE_HEADER, case("C-1")]})
    calls = []

    def fail_on_second(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args)

    original = store_module._bulk_insert
    monkeypatch.setattr(store_module, "_bulk_insert", fail_on_second)
    with pytest.raises(RuntimeError):
        run_import(store, [upload("两表.xlsx", data)])
    assert store.batches() == []
    assert store.records(PETITIONS).empty and store.records(LITIGATION).empty


def test_version_changes_on_import_and_rollback(store):
    assert store.is_empty() and store.version() == "0-0-0"
    first = run_import(store, [upload("一季度.xlsx", Q1)])
    v1 = store.version()
    store.rollback(first.batch_id)
    assert len({"0-0-0", v1, store.version()}) == 3


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
    assert again.plan.repeat_of == {0: 1}
    assert again.plan.datasets["litigation"].counts == {"added": 0, "updated": 0, "unchanged": 2}
    assert _case_outcome(store, "（2025）渝0113行初1号") == "upheld", "the outcome batch 2 brought stays"
    assert store.batches()[-1]["repeat"] is True


def test_a_file_whose_batch_was_rolled_back_imports_again_as_new(store):
    first = run_import(store, [upload("一季度.xlsx", Q1)])
    store.rollback(first.batch_id)
    again = run_import(store, [upload("一季度.xlsx", Q1)])
    assert again.plan.repeat_of == {} and again.plan.datasets["litigation"].counts["added"] == 2
    assert store.batches()[-1]["repeat"] is False


# --- files are told apart by content, never by name ---------------------------------------------------

A = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1"), petition("XF-2")]})
B = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-3"), petition("XF-4", "2025-02-01")]})


def _petitions(store) -> list[str]:
    return sorted(store.records(PETITIONS)["petition_no"])


def test_two_files_of_one_name_in_one_upload_are_two_files_when_one_repeats_an_earlier_upload(store):
    """Two departments each send 信访台账.xlsx; one of them had sent the same file last quarter."""
    run_import(store, [upload("信访台账.xlsx", A)])
    outcome = run_import(store, [upload("信访台账.xlsx", A), upload("信访台账.xlsx", B)])
    assert outcome.plan.repeat_of == {0: 1}, "only the first file repeats batch 1"
    assert outcome.plan.datasets["petitions"].counts == {"added": 2, "updated": 0, "unchanged": 2}
    assert _petitions(store) == ["XF-1", "XF-2", "XF-3", "XF-4"], "the other file's rows are stored"
    assert [f["repeat_of"] for f in store.batches()[1]["files"]] == [1, None]
    assert store.batches()[1]["repeat"] is False


# --- rollback and repeats: a live batch that carried a record keeps it alive ------------------------


def test_rolling_back_the_first_of_two_identical_uploads_keeps_the_records_the_repeat_carries(store):
    first = run_import(store, [upload("信访.xlsx", A)])
    repeat = run_import(store, [upload("信访（再传）.xlsx", A)])
    assert repeat.plan.repeat_of == {0: first.batch_id}
    fates = words.rollback_frame(store.rollback_preview(first.batch_id))
    assert fates[["结果", "记录数", "原因"]].values.tolist() == [
        ["保留不变", 2, "批次 2 也载有相同版本（如重复上传），只要它有效，记录就保留"]
    ]
    store.rollback(first.batch_id)
    assert _petitions(store) == ["XF-1", "XF-2"]
    store.rollback(repeat.batch_id)
    assert _petitions(store) == [], "no live batch carries them any more"
    again = run_import(store, [upload("信访.xlsx", A)])
    assert again.plan.repeat_of == {} and again.plan.datasets["petitions"].counts["added"] == 2
    assert _petitions(store) == ["XF-1", "XF-2"], "uploading the file once more restores them"


def test_a_repeat_never_outranks_a_later_change_and_survives_its_rollback(store):
    run_import(store, [upload("一季度.xlsx", Q1)])  # 1
    run_import(store, [upload("二季度.xlsx", Q2)])  # 2: case 1 gains its outcome
    run_import(store, [upload("一季度.xlsx", Q1)])  # 3: a repeat of 1
    assert _case_outcome(store, "（2025）渝0113行初1号") == "upheld"
    preview = store.rollback_preview(2)["litigation"].set_index("record_key")
    assert preview.loc["（2025）渝0113行初1号", "outcome"] == "restored"
    assert preview.loc["（2025）渝0113行初2号", "outcome"] == "removed"
    store.rollback(2)
    assert _case_outcome(store, "（2025）渝0113行初1号") == "pending"
    store.rollback(1)
    assert _case_outcome(store, "（2025）渝0113行初1号") == "pending", "batch 3 still carries Q1's version"
    assert _case_outcome(store, "（2025）渝0113行初2号") is None


def test_no_record_is_ever_current_twice(store):
    for data in (Q1, Q2, Q1, Q2):
        run_import(store, [upload("案件.xlsx", data)])
    store.rollback(2)
    store.rollback(4)
    with store.engine.connect() as conn:
        table = VERSIONS["litigation"]
        counts = conn.execute(
            sa.select(table.c.record_key, sa.func.count())
            .where(table.c.is_current == sa.true())
            .group_by(table.c.record_key)
        ).all()
    assert sorted(n for _, n in counts) == [1, 1]


def test_an_import_leaves_postgresql_statistics_to_plan_by(store, db_url):
    """A large import is followed by ANALYZE on PostgreSQL (the next import's key lookups depend on it);
    SQLite plans without statistics and gets none."""
    rows = [petition(f"XF-{i:05d}", "2024-05-06") for i in range(2000)]
    assert run_import(store, [Upload("信访.csv", csv_bytes([PETITION_HEADER, *rows]))]).ok
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            analyzed = conn.execute(
                sa.text("SELECT last_analyze FROM pg_stat_user_tables WHERE relid = CAST(:t AS regclass)"),
                {"t": "petitions_versions"},
            ).scalar_one()
            assert analyzed is not None
        else:
            assert not sa.inspect(conn).has_table("sqlite_stat1")


def test_the_sample_share_of_a_unit_counts_only_that_units_records(store):
    assert load_sample(store).ok
    assert store.sample_share() == "all" and store.sample_share("本单位") == "all"
    rows = [PETITION_HEADER, petition("ZF-1", "2024-05-06", unit="执法支队")]
    assert run_import(store, [Upload("执法支队.csv", csv_bytes(rows))]).ok
    assert store.sample_share() == "part"
    assert store.sample_share("执法支队") == "", "none of the sample is that unit's"
    assert store.sample_share("本单位") == "all"
    rows = [PETITION_HEADER, petition("BD-1", "2024-05-07", unit="本单位")]
    assert run_import(store, [Upload("本单位.csv", csv_bytes(rows))]).ok
    assert store.sample_share("本单位") == "part"


def test_units_of_a_thousand_chinese_characters_store_list_and_filter(store):
    """A unit may have 1,000 characters (3,000 bytes): more than a PostgreSQL index entry holds. Two such
    units sharing their first 200 characters are listed and counted apart, on both databases."""
    long = "规划" * 100  # 200 characters
    first, second = long + "甲" * 800, long + "乙" * 800
    rows = [
        PETITION_HEADER,
        petition("L-1", "2024-05-06", category="类" * 1000, unit=first),
        petition("L-2", "2024-05-07", "来" * 1000, unit=second),
        petition("L-3", "2024-05-08", unit=second),
        petition("S-1", "2024-05-08", unit="法规科"),
    ]
    cases = [CASE_HEADER, case("C-1", filed="2024-05-06", unit=first)]
    outcome = run_import(store, [Upload("长单位.csv", csv_bytes(rows)), Upload("长案件.csv", csv_bytes(cases))])
    assert outcome.ok, [p.text() for p in outcome.problems]
    assert store.units() == sorted([first, second, "法规科"])
    year = parse_period("2024")
    assert compute(store, year, second)["petitions"]["total"] == 2
    assert compute(store, year, first)["litigation"]["cases"] == 1
    assert len(store.records(PETITIONS, unit=first)) == 1


def test_every_petition_version_keeps_the_code_of_its_own_fields(store):
    """The tally and `kpis` count petitions by a code of 来源渠道, 事项类别, 是否按期办结 and whether
    办结日期 is filled: after imports, an update, a repeated file (whose versions are carried) and a
    rollback, every version's code names exactly its own fields, and no combination has two codes."""
    assert load_sample(store).ok
    first = [
        PETITION_HEADER,
        petition("C-1", "2024-05-06", "新渠道", category=None),
        petition("C-2", "2024-05-07", category="类" * 1000, closed="2024-05-09", on_time="是"),
        petition("C-3", "2024-06-07", closed="2024-06-30"),
    ]
    changed = [PETITION_HEADER, petition("C-1", "2024-05-06", "来信来访", closed="2024-05-08", on_time="否")]
    for rows in (first, changed, first):
        assert run_import(store, [Upload("编码.csv", csv_bytes(rows))]).ok
    store.rollback(3)
    with store.engine.connect() as conn:
        versions = conn.execute(sa.select(sa.func.count()).select_from(VERSIONS[PETITIONS.id])).scalar_one()
    assert versions > 50 and miscoded(store.engine) == []
    year = compute(store, parse_period("2024"))["petitions"]
    assert year["by_channel"]["新渠道"] == 1, "batch 3's change rolled back: the version batch 4 carries is current"


def test_sqlite_writer_gets_a_large_page_cache_and_readers_keep_the_small_one(tmp_path):
    """A batch's index pages fit the writer's cache (each read and written once); the connection goes
    back to the pool with SQLite's usual 2 MB, so readers do not each fill 64 MB of cache."""

    def cache(conn: sa.Connection) -> int:
        return conn.connection.driver_connection.execute("PRAGMA cache_size").fetchone()[0]

    store = Store(make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}"))
    with write_transaction(store.engine) as conn:
        assert cache(conn) == -64_000
    run_import(store, [upload("台账.csv", csv_bytes([PETITION_HEADER, petition("1", "2024-07-01")]))])
    with store.engine.connect() as conn:
        assert cache(conn) == -2_000
    assert store.engine.pool.checkedin() == 1, "the writer's connection is the one readers get back"
    store.engine.dispose()

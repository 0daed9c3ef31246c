"""Every indicator of kpis.md on small ledgers whose answers can be counted by hand."""

from __future__ import annotations

import pandas as pd

from indicators.metrics.aggregate import compute
from indicators.metrics.kpis import breakdown, compare, series
from indicators.metrics.load import load_frames
from indicators.metrics.periods import Granularity, parse_period
from indicators.store.importer import run_import
from ledgers import CASE_HEADER, PETITION_HEADER, SESSION_HEADER, case, petition, upload, xlsx_bytes

LEDGER = xlsx_bytes(
    {
        "信访": [
            PETITION_HEADER,
            petition("P1", "2025-01-05", "民呼我为", closed="2025-01-20", on_time="是"),
            petition("P2", "2025-02-10", "民呼我为", closed="2025-04-02", on_time="否"),
            petition("P3", "2025-03-31", "来信来访"),
            petition("P4", "2025-04-01", "国土空间平台", closed="2025-04-03", on_time="是", unit="法规科"),
            petition("P5", "2024-01-15", "来信来访", closed="2024-01-30", on_time="是"),
        ],
        "复议应诉": [
            CASE_HEADER,
            case(
                "L1", "行政诉讼", "2024-11-01", hearing="2025-01-08", head="是", concluded="2025-02-01", outcome="撤销"
            ),
            case("L2", "行政诉讼（二审）", "2025-01-02", hearing="2025-03-01", head="否"),
            case(
                "L3", "行政复议", "2025-02-01", hearing="2025-02-15", head="是", concluded="2025-03-01", outcome="维持"
            ),
            case("L4", "行政复议", "2025-03-01", concluded="2025-03-30", outcome="申请人撤回"),
            case("L5", "行政诉讼", "2025-03-05", concluded="2025-03-25"),
        ],
        "培训学法": [
            SESSION_HEADER,
            ["2025-01-10", "民法典专题培训", "法治培训", 40, 2.5, None],
            ["2025-03-12", "理论学习中心组", "理论学习", None, 1, None],
            ["2025-03-15", "普法进社区", "普法宣传", 120, None, "法规科"],
        ],
    }
)


def test_every_indicator_for_a_quarter(store):
    assert run_import(store, [upload("台账.xlsx", LEDGER)]).ok
    result = compute(store, parse_period("2025Q1"))
    assert result["period"] == "2025Q1" and result["start"] == "2025-01-01" and result["end"] == "2025-03-31"
    assert result["unit"] is None
    assert result["petitions"] == {
        "total": 3,
        "by_channel": {"民呼我为": 2, "来信来访": 1},
        "closed": 2,
        "closure_rate": 2 / 3,
        "on_time": 1,
        "on_time_rate": 0.5,
    }
    # L1 concluded in Q1 with a lost outcome; L4 withdrawn; L3 upheld; L5 has a 结案日期 but no outcome: pending.
    # Hearings are 行政诉讼 only: L1 (head present) and L2 (absent); L3 is a 复议 and does not count.
    assert result["litigation"] == {
        "cases": 4,
        "by_type": {"行政复议": 2, "行政诉讼": 2},
        "concluded": 3,
        "lost": 1,
        "loss_rate": 1 / 3,
        "hearings": 2,
        "head_appearances": 1,
        "head_appearance_rate": 0.5,
    }
    assert result["training"] == {
        "sessions": 3,
        "by_type": {"普法宣传": 1, "法治培训": 1, "理论学习": 1},
        "participants": 160,
        "hours": 3.5,
    }


def test_unit_limits_every_figure(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    result = compute(store, parse_period("2025"), unit="法规科")
    assert result["unit"] == "法规科"
    assert result["petitions"]["total"] == 1 and result["petitions"]["by_channel"] == {"国土空间平台": 1}
    assert result["litigation"]["cases"] == 0 and result["litigation"]["loss_rate"] is None
    assert (result["training"]["sessions"], result["training"]["participants"]) == (1, 120)


def test_empty_period_gives_zeros_and_null_rates(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    result = compute(store, parse_period("2023-06"))
    assert result["petitions"] == {
        "total": 0,
        "by_channel": {},
        "closed": 0,
        "closure_rate": None,
        "on_time": 0,
        "on_time_rate": None,
    }
    assert result["litigation"]["head_appearance_rate"] is None
    assert result["training"] == {"sessions": 0, "by_type": {}, "participants": 0, "hours": 0.0}


def test_previous_period_and_last_year_come_from_the_same_definitions(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    frames = load_frames(store, parse_period("2024").start, parse_period("2025").end)
    result = compare(frames, parse_period("2025Q1"))
    assert result["current"] == compute(store, parse_period("2025Q1"))
    assert result["previous"] == compute(store, parse_period("2024Q4"))
    assert result["year_ago"]["petitions"]["total"] == 1


def test_series_and_breakdown_per_month(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    quarter = parse_period("2025Q1")
    frames = load_frames(store, quarter.start, quarter.end)
    months = quarter.subperiods(Granularity.MONTH)
    trend = series(frames, months)
    assert trend["petitions.total"].tolist() == [1, 1, 1]
    channels = breakdown(frames, months, "petitions", "by_channel")
    assert channels.groupby("category")["count"].sum().to_dict() == {"民呼我为": 2, "来信来访": 1}


def test_kpi_functions_do_not_mutate_their_input(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    frames = load_frames(store, parse_period("2024").start, parse_period("2025").end)
    copies = {k: v.copy() for k, v in frames.items()}
    compare(frames, parse_period("2025Q1"), unit="法规科")
    for key, frame in frames.items():
        pd.testing.assert_frame_equal(frame, copies[key])


def test_a_hearing_scheduled_after_today_is_not_yet_a_hearing_nor_a_missed_appearance():
    from datetime import date

    from indicators.ingest.reading import read_uploads
    from indicators.ingest.validation import validate
    from indicators.metrics.kpis import litigation_kpis
    from ledgers import CASE_HEADER, case, upload, xlsx_bytes

    cases = [
        CASE_HEADER,
        case("C-1", filed="2025-09-01", hearing="2025-11-10", head="是"),
        case("C-2", filed="2025-09-02", hearing="2025-12-22"),  # scheduled: today is 2025-12-02
    ]
    today = date(2025, 12, 2)
    frame = validate(read_uploads([upload("案件.xlsx", xlsx_bytes({"应诉": cases}))]), today=today).frames["litigation"]
    quarter = parse_period("2025Q4")
    now = litigation_kpis(frame, quarter, today)
    assert (now["hearings"], now["head_appearances"], now["head_appearance_rate"]) == (1, 1, 1.0)
    later = litigation_kpis(frame, quarter, date(2025, 12, 31))
    assert (later["hearings"], later["head_appearances"]) == (2, 1), "once held, an unanswered hearing is a miss"

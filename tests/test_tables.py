"""The tables behind the charts: windows, monthly comparison, outcomes and missed hearings."""

from __future__ import annotations

from datetime import date

from indicators.metrics import tables
from indicators.metrics.load import load_frames
from indicators.metrics.periods import parse_period
from indicators.store.importer import run_import
from ledgers import CASE_HEADER, PETITION_HEADER, case, petition, upload, xlsx_bytes

LEDGER = xlsx_bytes(
    {
        "信访": [
            PETITION_HEADER,
            petition("P1", "2025-01-05"),
            petition("P2", "2025-01-20", category=None),
            petition("P3", "2024-01-07"),
        ],
        "复议应诉": [
            CASE_HEADER,
            case("L1", "行政诉讼", "2025-01-02", hearing="2025-02-01", head="否"),
            case("L2", "行政诉讼", "2025-01-03", hearing="2025-02-03"),
            case(
                "L3", "行政诉讼", "2025-01-04", hearing="2025-02-05", head="是", concluded="2025-03-01", outcome="撤销"
            ),
            case("L4", "行政复议", "2025-02-01", concluded="2025-03-01", outcome="维持"),
        ],
    }
)


def frames(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    return load_frames(store, parse_period("2024").start, parse_period("2025").end)


def test_trend_windows():
    window = tables.recent_periods(parse_period("2025Q1"))
    assert [p.code for p in window] == ["2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1"]
    assert tables.trend_label(["2024年", "2025年"], parse_period("2025")) == "2024年至2025年"
    assert tables.trend_label(["2024年"], parse_period("2024")) == "2024年", "one year of data: that year"
    assert tables.trend_label([], parse_period("2024Q2")) == "2024年第2季度"
    assert tables.data_span(parse_period("2025-03")) == (date(2024, 1, 1), date(2025, 12, 31))
    assert tables.data_span(parse_period("2025Q1")) == (date(2023, 4, 1), date(2025, 12, 31))


def test_monthly_comparison_counts_whole_months_whatever_the_period(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    period = parse_period("2025-06")
    monthly = tables.petitions_monthly(load_frames(store, *tables.data_span(period)), period, None)
    assert monthly.iloc[0].tolist() == ["1月", 2, 1], "months outside the selected one are counted in full"


def test_monthly_this_year_against_last_year(store):
    monthly = tables.petitions_monthly(frames(store), parse_period("2025Q1"), None)
    assert list(monthly.columns) == ["月份", "2025年", "2024年"]
    assert monthly.iloc[0].tolist() == ["1月", 2, 1] and monthly["2025年"].sum() == 2


def test_categories_name_missing_ones(store):
    category = tables.petitions_by_category(frames(store), parse_period("2025Q1"), None).set_index("事项类别")
    assert category["件数"].to_dict() == {"规划管理": 1, "未填写": 1}
    assert category["占比"].sum() == 1


def test_outcomes_and_missed_hearings(store):
    data = frames(store)
    outcomes = tables.case_outcomes(data, parse_period("2025Q1"), None)
    got = {(r["案件类型"], r["审理结果"]): r["件数"] for r in outcomes.to_dict("records") if r["件数"]}
    assert got == {("行政诉讼", "败诉/被纠错"): 1, ("行政诉讼", "未结"): 2, ("行政复议", "胜诉/维持"): 1}
    missed = tables.missed_hearings(data, parse_period("2025Q1"), None)
    assert missed["案号"].tolist() == ["L1", "L2"], "an empty 负责人是否出庭 counts as not attended"
    assert missed["负责人是否出庭"].tolist()[0] == "否"


def test_trend_tables_follow_kpis(store):
    loss = tables.loss_rates(frames(store), parse_period("2025Q1"), None)
    assert loss.iloc[-1].tolist() == ["2025年第1季度", 2, 1, 0.5]
    appearances = tables.head_appearances(frames(store), parse_period("2025Q1"), None)
    assert appearances.iloc[-1][["开庭", "负责人出庭"]].tolist() == [3, 1]


def test_a_blank_cell_says_what_it_means_on_the_page_and_in_exports(store):
    run_import(store, [upload("台账.xlsx", LEDGER)])
    frames = load_frames(store, parse_period("2025").start, parse_period("2025").end)
    shown = tables.records(frames, tables.BY_ID["petitions"], parse_period("2025"), None).set_index("信访编号")
    assert shown.loc["P2", "事项类别"] == "—（未填写）"
    cases = tables.records(frames, tables.BY_ID["litigation"], parse_period("2025"), None).set_index("案号")
    assert cases.loc["L4", "开庭日期"] == "—（未开庭）"
    assert cases.loc["L4", "负责人是否出庭"] == "—（未开庭）", "a blank that follows from another says so"
    assert cases.loc["L2", "负责人是否出庭"] == "—（未填写）", "a hearing was held: the answer was left out"
    assert cases.loc["L1", "结案日期"] == "—（未结案）" and cases.loc["L1", "审理结果"] == "—（审理中）"
    assert cases.loc["L3", "负责人是否出庭"] == "是"


# The official outcome table: a ledger with the two optional columns table 4 needs.
OFFICIAL_HEADER = [*CASE_HEADER[:-1], "复议后起诉", "政府信息公开", CASE_HEADER[-1]]


def _official_case(no: str, case_type: str, after_review: object, disclosure: object, **extra: object) -> list:
    row = case(no, case_type, "2025-04-10", **extra)
    return [*row[:-1], after_review, disclosure, row[-1]]


OFFICIAL_LEDGER = xlsx_bytes(
    {
        "复议应诉": [
            OFFICIAL_HEADER,
            _official_case("R1", "行政复议", None, "是", concluded="2025-05-01", outcome="维持"),
            _official_case("R2", "行政复议", None, "是", concluded="2025-05-02", outcome="撤销"),
            _official_case("R3", "行政复议", None, None, concluded="2025-05-03", outcome="驳回"),  # not disclosure
            _official_case("S1", "行政诉讼（一审）", None, "是", concluded="2025-06-01", outcome="驳回诉讼请求"),
            _official_case("S2", "行政诉讼", "否", "是", concluded="2025-06-02", outcome="原告撤诉"),
            _official_case("S3", "行政诉讼", "是", "是", concluded="2025-06-03", outcome="确认违法"),
            _official_case("S4", "行政诉讼", "是", "是", concluded="2025-08-03", outcome="维持"),  # after Q2 ends
            _official_case("S5", "行政诉讼", "是", "是"),
            _official_case("S6", "行政诉讼", "是", "否", concluded="2025-06-04", outcome="撤销"),
        ]
    }
)


def test_the_official_outcome_table_maps_outcomes_and_splits_lawsuits_as_table_4(store):
    """审理结果 → 结果维持 (驳回, 维持), 结果纠正 (撤销, 确认违法), 其他结果 (撤诉); a case still open at the
    period's end is 尚未审结 (S4 concluded after 2025Q2); a blank 复议后起诉 is a direct lawsuit; the
    official table counts only 政府信息公开 cases, the second table every case."""
    run_import(store, [upload("案件.xlsx", OFFICIAL_LEDGER)])
    f = load_frames(store, date(2025, 1, 1), date(2025, 12, 31))
    q2 = parse_period("2025Q2")
    official = tables.official_outcomes(f, q2, None).set_index("案件")
    assert official.loc["行政复议"].to_dict() == {"结果维持": 1, "结果纠正": 1, "其他结果": 0, "尚未审结": 0, "总计": 2}
    assert official.loc["行政诉讼（未经复议直接起诉）"].to_dict() == {
        "结果维持": 1,
        "结果纠正": 0,
        "其他结果": 1,
        "尚未审结": 0,
        "总计": 2,
    }
    assert official.loc["行政诉讼（复议后起诉）"].to_dict() == {
        "结果维持": 0,
        "结果纠正": 1,
        "其他结果": 0,
        "尚未审结": 2,
        "总计": 3,
    }
    every = tables.official_outcomes(f, q2, None, disclosure_only=False).set_index("案件")
    assert every["总计"].tolist() == [3, 2, 4] and int(every["总计"].sum()) == 9, "every case once"
    assert (every.drop(columns="总计").sum(axis=1) == every["总计"]).all(), "each row adds up to its 总计"
    year = tables.official_outcomes(f, parse_period("2025"), None).set_index("案件")
    assert year.loc["行政诉讼（复议后起诉）", "结果维持"] == 1, "by the year's end S4 is decided"
    assert len(tables.official_row(tables.official_outcomes(f, q2, None))) == 15
    empty = tables.official_outcomes(f, parse_period("2024"), None)
    assert empty["总计"].tolist() == [0, 0, 0], "a period without cases: a table of zeros, not an error"


def test_the_official_note_says_where_each_outcome_word_goes():
    from indicators.ingest.normalize import OUTCOME_WORDS

    for cls, words in OUTCOME_WORDS:
        assert f"{tables.OFFICIAL_CLASS[cls]}（审理结果含{'、'.join(words)}）" in tables.OFFICIAL_NOTE

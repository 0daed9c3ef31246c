"""The upload flow's own tables: what a batch would do, ignored sheets, changes and the history."""

from __future__ import annotations

from indicators.ingest.report import problems_text
from indicators.output.words import changes_frame, history_frame, preview_frame, problems_frame, skipped_frame
from indicators.store.importer import check, run_import
from ledgers import CASE_HEADER, PETITION_HEADER, case, petition, upload, xlsx_bytes

FIRST = xlsx_bytes(
    {
        "信访台账": [
            ["2025年第1季度信访台账"],
            PETITION_HEADER,
            petition("XF-1", "2025-01-05"),
            petition("XF-2", "2025-03-30"),
        ],
        "复议应诉": [CASE_HEADER, case("C-1", filed="2025-02-01")],
        "说明": [["本表由信访办填写"]],
    }
)
SECOND = xlsx_bytes(
    {"应诉案件": [CASE_HEADER, case("C-1", filed="2025-02-01", concluded="2025-04-02", outcome="维持")]}
)


def test_preview_says_where_rows_come_from_the_dates_they_cover_and_what_they_do(store):
    outcome = check(store, [upload("一季度.xlsx", FIRST)])
    preview = preview_frame(outcome).set_index("数据集")
    assert preview.loc["信访", "来源（文件／工作表）"] == "一季度.xlsx／信访台账"
    assert preview.loc["信访", "读取行数"] == 2
    assert preview.loc["信访", "覆盖期间"] == "2025-01-05 至 2025-03-30（收件日期）"
    assert preview.loc["信访", ["新增", "更新", "未变"]].tolist() == [2, 0, 0]
    assert preview.loc["复议应诉", "覆盖期间"] == "2025-02-01 至 2025-02-01（收案日期）"
    assert skipped_frame(outcome).to_dict("records") == [
        {"文件": "一季度.xlsx", "工作表": "说明", "原因": "表头与任何数据集都不相符"}
    ]
    assert changes_frame(outcome).empty


def test_changes_name_the_record_and_what_changes(store):
    run_import(store, [upload("一季度.xlsx", FIRST)])
    changes = changes_frame(check(store, [upload("二季度.xlsx", SECOND)]))
    assert changes["数据集"].tolist() == ["复议应诉"] and changes["记录"].tolist() == ["C-1"]
    assert changes["变化"].iloc[0] == "结案日期：（空） → 2025-04-02；审理结果：（空） → 维持"


def test_history_is_newest_first_with_states_in_words(store):
    run_import(store, [upload("一季度.xlsx", FIRST)], label="一季度", user="张三")
    second = run_import(store, [upload("一季度（再传）.xlsx", FIRST)])
    store.rollback(second.batch_id)
    history = history_frame(store.batches())
    assert history["批次"].tolist() == [2, 1]
    assert history["状态"].tolist() == ["已撤销（重复上传）", "有效"]
    assert history.loc[1, ["说明", "导入人", "新增"]].tolist() == ["一季度", "张三", 3]
    assert history.loc[1, "SHA-256"].endswith("…") and len(history.loc[1, "SHA-256"]) == 13


def test_the_error_report_as_a_table_and_as_text(store):
    bad = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", "2025-02-30"), petition("XF-1", "2025-02-03")]})
    outcome = check(store, [upload("坏.xlsx", bad)])
    table = problems_frame(outcome.problems)
    assert list(table.columns) == ["文件", "工作表", "行号", "列", "值", "问题"]
    assert table["行号"].tolist() == [2, 3]
    text = problems_text(outcome.problems)
    assert text.startswith("导入失败：发现 2 处问题，本批次未保存任何数据。")
    assert "与文件“坏.xlsx”工作表“信访”第 2 行重复" in text


def test_a_sheet_or_file_name_with_a_bidi_override_shows_its_code_not_a_reordered_name():
    """A sheet named 说明\u202egpj.exe would show as 说明exe.jpg in a table: its override shows as its code."""
    from indicators.ingest.report import Problem

    problem = Problem(
        file="台账.xlsx", sheet="信访\u202e<b>x", row=2, column="收件日期", value="x\u202ey", message="日期不存在"
    )
    row = problems_frame([problem]).iloc[0]
    assert row["工作表"] == "信访\\u202e<b>x" and row["值"] == "x\\u202ey"

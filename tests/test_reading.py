"""The spec's "Files" and "Layout tolerance" sections (docs/data-format.md), as users meet them."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from indicators.ingest.reading import Upload, read_uploads
from indicators.ingest.report import problems_text
from indicators.ingest.sheets import ReadResult, SheetTable
from indicators.ingest.validation import validate
from ledgers import (
    CASE_HEADER,
    PETITION_HEADER,
    SESSION_HEADER,
    case,
    csv_bytes,
    petition,
    upload,
    xls_bytes,
    xlsx_bytes,
)


def read(*files) -> ReadResult:
    return read_uploads(list(files))


def only_table(result: ReadResult) -> SheetTable:
    assert not result.problems, problems_text(result.problems)
    assert len(result.tables) == 1, [(t.sheet, t.dataset.id) for t in result.tables]
    return result.tables[0]


def column(table: SheetTable, field: str) -> list:
    """A column's raw cells as the reader kept them, an empty cell as None."""
    return [None if v == "" else v for v in table.cells[field]]


def first_row(table: SheetTable) -> dict:
    """The first data row as field -> raw cell."""
    return {f: values[0] for f, values in table.cells.items()}


def session(held: object, title: str, kind: str = "法治培训", people: object = 60, hours: object = 2) -> list:
    return [held, title, kind, people, hours, None]


def xlsx_with_merges(rows: list[list], merges: list[str], sheet: str = "信访台账") -> bytes:
    """A workbook whose title block uses merged cells, as ledgers printed for filing do."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- title rows above the header ---------------------------------------------------------------------


def test_ten_title_rows_with_merged_cells_above_the_header():
    titles = [
        ["重庆市某区规划和自然资源局信访事项登记台账"],
        ["（2025年第一季度）"],
        [None],
        ["填报单位：办公室", None, None, None, "填报日期：2025年4月1日"],
        ["说明：1. 信访编号按年度连续编号；2. 日期请按 2025-01-05 填写"],
        [None],
        ["注：本表含个人信息，不得外传"],
        [None],
        ["一、信访事项"],
        [None],
    ]
    rows = [*titles, PETITION_HEADER, petition("XF-1"), petition("XF-2")]
    data = xlsx_with_merges(rows, ["A1:H1", "A2:H2", "A4:D4", "E4:H4", "A5:H6", "A7:H8"])
    table = only_table(read(upload("台账.xlsx", data)))
    assert table.dataset.id == "petitions"
    assert table.header_row == 11
    assert column(table, "petition_no") == ["XF-1", "XF-2"]
    assert table.rows == [12, 13]


def test_the_header_row_is_the_first_row_holding_every_required_column():
    rows = [["信访编号", "收件日期"], PETITION_HEADER, petition("XF-1")]
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"信访": rows}))))
    assert table.header_row == 2
    assert column(table, "petition_no") == ["XF-1"]


# --- headers: synonyms, white space, units -----------------------------------------------------------


def test_header_synonyms_white_space_and_units_are_recognised():
    header = ["序 号", "件号", "收件\n日期", "信访\u3000渠道", " 问题类别 ", "结案日期", "按期\r\n办结", "责任单位"]
    row = [1, "XF-1", "2025-01-05", "民呼我为", "规划管理", "2025-01-20", "是", "办公室"]
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"Sheet1": [header, row]}))))
    assert table.dataset.id == "petitions"
    assert first_row(table) == {
        "petition_no": "XF-1",
        "received_on": "2025-01-05",
        "channel": "民呼我为",
        "category": "规划管理",
        "closed_on": "2025-01-20",
        "on_time": "是",
        "unit": "办公室",
    }


def test_a_header_with_a_bracketed_unit_matches_its_column():
    header = ["日期", "名称", "类型", "参加人数（人）", "学时（小时）"]
    table = only_table(
        read(upload("a.xlsx", xlsx_bytes({"培训": [header, ["2025-03-12", "培训会", "法治培训", 60, 2]]})))
    )
    assert column(table, "participants") == [60]
    assert column(table, "hours") == [2]


def test_the_canonical_name_wins_over_a_synonym():
    header = ["编号", "信访编号", "收件日期", "登记日期", "来源渠道"]
    row = ["内部-7", "XF-1", "2025-01-05", "2024-12-31", "民呼我为"]
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"信访": [header, row]}))))
    assert column(table, "petition_no") == ["XF-1"]
    assert column(table, "received_on") == ["2025-01-05"]


@pytest.mark.parametrize("sheet", ["信访", "Sheet1"])
def test_two_synonyms_for_an_optional_column_are_an_error_naming_both(sheet):
    header = ["信访编号", "收件日期", "来源渠道", "类别", "问题类别"]
    result = read(upload("a.xlsx", xlsx_bytes({sheet: [header, ["XF-1", "2025-01-05", "民呼我为", "甲", "乙"]]})))
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert "“类别”" in problem.message and "“问题类别”" in problem.message
    assert (problem.file, problem.sheet, problem.row) == ("a.xlsx", sheet, 1)
    assert not validate(result).ok


@pytest.mark.parametrize("sheet", ["信访", "Sheet1"])
def test_two_synonyms_for_a_required_column_are_an_error_naming_both(sheet):
    header = ["编号", "件号", "收件日期", "来源渠道"]
    result = read(upload("a.xlsx", xlsx_bytes({sheet: [header, ["XF-1", "7", "2025-01-05", "民呼我为"]]})))
    messages = [p.message for p in result.problems]
    assert any("“编号”" in m and "“件号”" in m for m in messages), messages
    assert not result.skipped
    validated = validate(result)
    assert not validated.ok
    assert not any(p.message == "必填项为空" for p in validated.problems), (
        "the ambiguity is one problem, not one per row"
    )


# --- columns that are not the dataset's are never kept -----------------------------------------------

PERSONAL = {
    "信访人": "张三丰",
    "联系电话": "13800138000",
    "身份证号": "500101199001011234",
    "内容摘要": "反映邻居违建遮挡采光",
}


def personal_ledger() -> list[list]:
    header = ["序号", "信访编号", "信访人", "联系电话", "身份证号", "收件日期", "来源渠道", "内容摘要", "备注"]
    good = [1, "XF-1", *list(PERSONAL.values())[:3], "2025-01-05", "民呼我为", PERSONAL["内容摘要"], "加急"]
    bad_date = [2, "XF-2", *list(PERSONAL.values())[:3], "2025-02-30", "来信来访", PERSONAL["内容摘要"], "加急"]
    duplicate = [3, "XF-1", *list(PERSONAL.values())[:3], "2025-01-06", "来信来访", PERSONAL["内容摘要"], "加急"]
    no_channel = [4, "XF-4", *list(PERSONAL.values())[:3], "2025-01-07", None, PERSONAL["内容摘要"], None]
    return [["信访台账（内部）"], header, good, bad_date, duplicate, no_channel]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_personal_columns_are_dropped_and_never_reach_tables_frames_or_problems(kind):
    rows = personal_ledger()
    data = xlsx_bytes({"信访": rows}) if kind == "xlsx" else csv_bytes(rows[1:])
    result = read(upload(f"台账.{kind}", data))
    validated = validate(result)

    table = result.tables[0]
    assert set(table.cells) <= {
        "petition_no",
        "received_on",
        "channel",
        "category",
        "closed_on",
        "on_time",
        "unit",
    }
    assert not validated.ok  # there are problems to report, so the report text is exercised
    report = problems_text(validated.problems)
    dumped = [
        repr(table),
        validated.frames["petitions"].to_csv(),
        report,
        repr(validated.problems),
        repr(result.skipped),
    ]
    for header, value in PERSONAL.items():
        for text in dumped:
            assert value not in text
            assert header not in text
    assert "加急" not in "".join(dumped)


def test_a_row_with_values_only_in_foreign_columns_is_skipped():
    header = ["序号", "信访编号", "收件日期", "来源渠道", "信访人"]
    rows = [header, [1, "XF-1", "2025-01-05", "民呼我为", "张三"], [2, None, None, None, "李四"]]
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"信访": rows}))))
    assert column(table, "petition_no") == ["XF-1"]


# --- blank, pre-numbered and totals rows -------------------------------------------------------------


def test_blank_and_pre_numbered_rows_are_skipped():
    rows = [
        PETITION_HEADER,
        petition("XF-1"),
        [None] * 8,
        ["", " ", "\u3000", None, None, None, None, None],
        petition("XF-2"),
        [4],
        [5, None, None, None, None, None, None, None],
        [6],
    ]
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"信访": rows}))))
    assert column(table, "petition_no") == ["XF-1", "XF-2"]
    assert table.rows == [2, 5]
    assert validate(read(upload("a.xlsx", xlsx_bytes({"信访": rows})))).ok


@pytest.mark.parametrize("word", ["合计", "总计", "小计", "合 计", "合\u3000计：", "总计（件）", " 小计"])
def test_totals_rows_are_skipped(word):
    rows = [PETITION_HEADER, petition("XF-1"), petition("XF-2"), [word, None, None, None, "2 件", None, None, None]]
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"信访": rows}))))
    assert column(table, "petition_no") == ["XF-1", "XF-2"]
    assert validate(read(upload("a.xlsx", xlsx_bytes({"信访": rows})))).ok


def test_a_totals_row_in_a_sheet_without_a_number_column_is_skipped():
    rows = [SESSION_HEADER, session("2025-03-12", "培训会"), ["合计", None, None, 60, 2, None]]
    result = read(upload("a.xlsx", xlsx_bytes({"培训": rows})))
    assert column(only_table(result), "title") == ["培训会"]
    assert validate(result).ok


# --- sheets and datasets -----------------------------------------------------------------------------


def test_several_sheets_per_workbook_matched_by_name_or_by_headers():
    data = xlsx_bytes(
        {
            "说明": [["填表说明"], ["日期请按 2025-01-05 填写"]],
            "信访台账": [PETITION_HEADER, petition("XF-1")],
            "复议应诉案件": [CASE_HEADER, case("（2025）渝0113行初1号")],
            "Sheet3": [SESSION_HEADER, session("2025-03-12", "培训会")],
        }
    )
    result = read(upload("全年台账.xlsx", data))
    assert not result.problems
    assert {t.sheet: t.dataset.id for t in result.tables} == {
        "信访台账": "petitions",
        "复议应诉案件": "litigation",
        "Sheet3": "training",
    }
    assert [(i.file, i.sheet) for i in result.skipped] == [("全年台账.xlsx", "说明")]


@pytest.mark.parametrize(
    ("rows", "dataset"),
    [([CASE_HEADER, case("案1")], "litigation"), ([PETITION_HEADER, petition("XF-1")], "petitions")],
)
def test_a_sheet_name_fitting_several_datasets_is_matched_by_headers(rows, dataset):
    table = only_table(read(upload("a.xlsx", xlsx_bytes({"信访案件": rows}))))
    assert table.dataset.id == dataset


def test_a_sheet_name_fitting_several_datasets_without_matching_headers_is_ignored():
    result = read(
        upload("a.xlsx", xlsx_bytes({"信访案件": [["甲", "乙"], [1, 2]], "信访": [PETITION_HEADER, petition("XF-1")]}))
    )
    assert [t.sheet for t in result.tables] == ["信访"]
    assert [i.sheet for i in result.skipped] == ["信访案件"]
    assert not result.problems


def test_a_sheet_matched_by_name_lacking_required_columns_is_an_error_naming_them():
    rows = [["序号", "信访编号", "来源渠道", "事项类别"], [1, "XF-1", "民呼我为", "规划"]]
    result = read(upload("a.xlsx", xlsx_bytes({"信访登记": rows})))
    assert [t.missing for t in result.tables] == [["received_on"]], "the other columns are still read"
    assert not result.skipped
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.file, problem.sheet) == ("a.xlsx", "信访登记")
    assert "收件日期" in problem.message
    assert "信访编号" not in problem.message.split("缺少")[-1]


def test_a_training_sheet_lacking_two_required_columns_names_both():
    rows = [["日期", "参加人数"], ["2025-03-12", 60]]
    result = read(upload("a.xlsx", xlsx_bytes({"普法活动": rows})))
    assert len(result.problems) == 1
    assert "名称" in result.problems[0].message and "类型" in result.problems[0].message


def test_unmatched_sheets_are_reported_as_ignored_not_as_errors():
    data = xlsx_bytes(
        {"信访": [PETITION_HEADER, petition("XF-1")], "统计图": [["月份", "件数"], ["1月", 3]], "空表": []}
    )
    result = read(upload("a.xlsx", data))
    assert not result.problems
    assert {i.sheet for i in result.skipped} == {"统计图", "空表"}
    assert all(i.kind for i in result.skipped)


def test_an_upload_where_nothing_matches_is_an_error():
    data = xlsx_bytes({"Sheet1": [["月份", "件数"], ["1月", 3]]})
    other = csv_bytes([["姓名", "电话"], ["张三", "13800138000"]])
    result = read(upload("统计.xlsx", data), upload("通讯录.csv", other))
    assert not result.tables
    assert len(result.problems) == 1
    assert "统计.xlsx" in result.problems[0].file
    assert "13800138000" not in problems_text(result.problems)
    assert not validate(result).ok


def test_a_csv_holds_one_dataset_matched_by_headers():
    table = only_table(read(upload("信访.csv", csv_bytes([CASE_HEADER, case("案1")]))))
    assert table.dataset.id == "litigation"


# --- file formats and encodings ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding):
    category = "䶮字地名更正" if encoding == "gb18030" else "规划管理"  # 䶮 is in GB18030 but not in GBK
    rows = [PETITION_HEADER, petition("XF-1", "2025/1/5", "《民呼我为》", category=category, unit="耕保科")]
    table = only_table(read(upload("信访.csv", csv_bytes(rows, encoding))))
    assert table.dataset.id == "petitions"
    assert [first_row(table)[f] for f in ("petition_no", "channel", "category", "unit")] == [
        "XF-1",
        "《民呼我为》",
        category,
        "耕保科",
    ]
    assert validate(read(upload("信访.csv", csv_bytes(rows, encoding)))).frames["petitions"]["channel"].tolist() == [
        "民呼我为"
    ]


def test_xls_workbooks_are_read_with_their_date_cells():
    rows = [["2025年行政复议应诉案件台账"], [None], CASE_HEADER, case("案1", filed=date(2025, 1, 10), outcome="驳回")]
    result = read(upload("案件.xls", xls_bytes({"复议应诉": rows})))
    table = only_table(result)
    assert table.dataset.id == "litigation"
    assert table.rows == [4]
    frame = validate(result).frames["litigation"]
    assert frame["filed_on"].dt.date.tolist() == [date(2025, 1, 10)]
    assert frame["outcome_class"].tolist() == ["upheld"]


def test_xlsx_date_cells_are_read_as_dates():
    rows = [PETITION_HEADER, petition("XF-1", datetime(2025, 1, 5, 9, 30))]
    frame = validate(read(upload("a.xlsx", xlsx_bytes({"信访": rows})))).frames["petitions"]
    assert frame["received_on"].dt.date.tolist() == [date(2025, 1, 5)]


# --- row numbers as users see them -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_excel_row_numbers_are_those_excel_shows(fmt):
    rows = [
        ["信访台账"],  # row 1
        ["2025年一季度"],  # row 2
        [None],  # row 3
        PETITION_HEADER,  # row 4
        petition("XF-1"),  # row 5
        [None] * 8,  # row 6
        petition("XF-2", "2025-02-30"),  # row 7
        ["合计"],  # row 8
        petition("XF-3", "下周"),  # row 9
    ]
    data = xlsx_bytes({"信访": rows}, merge_title=True) if fmt == "xlsx" else xls_bytes({"信访": rows})
    result = read(upload(f"a.{fmt}", data))
    assert only_table(result).rows == [5, 7, 9]
    problems = validate(result).problems
    assert [(p.row, p.column, p.value) for p in problems] == [(7, "收件日期", "2025-02-30"), (9, "收件日期", "下周")]


def test_row_numbers_do_not_shift_when_the_sheet_starts_below_row_one():
    book = Workbook()
    ws = book.active
    ws.title = "信访"
    ws.cell(3, 2, "信访台账")  # rows 1-2 and column A never touched
    for i, row in enumerate([PETITION_HEADER, petition("XF-1"), petition("XF-2", "2025-13-45")]):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(5 + i, 2 + j, value)
    out = io.BytesIO()
    book.save(out)
    problems = validate(read(upload("a.xlsx", out.getvalue()))).problems
    assert [(p.row, p.value) for p in problems] == [(7, "2025-13-45")]


def test_csv_row_numbers_are_line_numbers_with_the_header_on_line_one():
    rows = [
        PETITION_HEADER,  # line 1
        petition("XF-1"),  # line 2
        petition("XF-2", "2025-02-30"),  # line 3
        [],  # line 4, blank
        petition("XF-3", channel=""),  # line 5
    ]
    problems = validate(read(upload("a.csv", csv_bytes(rows)))).problems
    assert [(p.file, p.sheet, p.row, p.column) for p in problems] == [
        ("a.csv", "", 3, "收件日期"),
        ("a.csv", "", 5, "来源渠道"),
    ]


def test_two_columns_with_the_same_canonical_name_are_an_error_naming_it():
    header = ["信访编号", "收件日期", "来源渠道", "单位", "单位"]
    data = xlsx_bytes({"信访": [header, ["XF-1", "2025-01-05", "民呼我为", "法规科", "信访办"]]})
    result = read_uploads([Upload("两列单位.xlsx", data)])
    messages = [p.message for p in result.problems]
    assert any("都名为“单位”" in m for m in messages), messages


def test_text_that_pandas_would_call_missing_stays_text_in_workbooks():
    rows = [["信访编号", "收件日期", "来源渠道", "事项类别"], ["NA", "2025-01-05", "民呼我为", "NULL"]]
    result = read_uploads([Upload("na.xlsx", xlsx_bytes({"信访": rows}))])
    table = result.tables[0]
    assert column(table, "petition_no") == ["NA"] and column(table, "category") == ["NULL"]


def test_a_csv_with_an_unbalanced_quote_is_refused_in_chinese():
    data = ('信访编号,收件日期,来源渠道\nXF-1,2025-01-05,"民呼我为' + "x" * 200_000 + "\n").encode("utf-8")
    result = read_uploads([Upload("引号.csv", data)])
    assert not result.tables and "引号不成对" in result.problems[0].message


# --- CSV delimiters: chosen by how consistently they split rows --------------------------------------


def test_semicolons_in_a_dropped_summary_column_do_not_pick_the_delimiter():
    lines = ["信访编号,收件日期,来源渠道,内容摘要"]
    lines += [f"XF-{i},2025-01-0{i},民呼我为,反映;噪音;扰民;夜间施工;请求处理;尽快" for i in range(1, 6)]
    result = read(upload("信访.csv", "\n".join(lines).encode("utf-8")))
    table = only_table(result)
    assert column(table, "channel") == ["民呼我为"] * 5
    assert "内容摘要" not in repr(result)


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_each_accepted_delimiter_is_recognised(delimiter):
    rows = [PETITION_HEADER, petition("XF-1"), petition("XF-2", channel="来信,来访")]
    text = "\n".join(delimiter.join("" if v is None else str(v) for v in row) for row in rows)
    if delimiter == ",":
        text = text.replace("来信,来访", '"来信,来访"')
    table = only_table(read(upload("信访.csv", text.encode("utf-8"))))
    assert column(table, "channel") == ["民呼我为", "来信,来访"]


def test_a_title_line_above_the_header_does_not_confuse_the_delimiter():
    text = "2025年信访台账\n信访编号;收件日期;来源渠道\nXF-1;2025-01-05;民呼我为\nXF-2;2025-01-06;来信来访\n"
    assert column(only_table(read(upload("信访.csv", text.encode("utf-8")))), "petition_no") == ["XF-1", "XF-2"]


# --- formulas without a saved value -------------------------------------------------------------------


def test_formula_cells_without_a_saved_value_are_known_to_the_reader():
    rows = [PETITION_HEADER, petition("XF-1", "=DATE(2025,1,5)"), petition("XF-2", closed="=A1")]
    table = only_table(read(upload("公式.xlsx", xlsx_bytes({"信访": rows}))))
    assert set(table.unreadable) == {(2, "received_on"), (3, "closed_on")}
    assert all("没有保存它的计算结果" in why for why in table.unreadable.values())


def test_formula_cells_with_a_saved_value_read_as_that_value():
    data = _with_cached_value(xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", "=DATE(2025,1,5)")]}))
    result = read(upload("公式.xlsx", data))
    assert not only_table(result).unreadable and column(only_table(result), "received_on") == [45662]
    assert validate(result).frames["petitions"]["received_on"].dt.date.tolist() == [date(2025, 1, 5)]


def _with_cached_value(data: bytes) -> bytes:
    """The workbook with the formula's result saved, as Excel saves it."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                part = re.sub(rb"<f>([^<]*)</f>\s*<v\s*/>", rb"<f>\1</f><v>45662</v>", part)
                part = re.sub(rb"<f>([^<]*)</f>\s*<v>\s*</v>", rb"<f>\1</f><v>45662</v>", part)
            target.writestr(item, part)
    return out.getvalue()


def test_excel_error_values_are_reported_not_read_as_empty():
    rows = [PETITION_HEADER, petition("XF-1", closed="#N/A", unit="#REF!"), petition("XF-2")]
    result = read(upload("错误值.xlsx", xlsx_bytes({"信访": rows})))  # openpyxl writes these as error cells
    assert {k: v[:20] for k, v in only_table(result).unreadable.items()} == {
        (2, "closed_on"): "单元格是 Excel 错误值（#N/A）",
        (2, "unit"): "单元格是 Excel 错误值（#REF!",
    }
    problems = validate(result).problems
    assert [(p.row, p.column) for p in problems] == [(2, "办结日期"), (2, "单位")]


def test_a_formula_in_a_cell_without_its_reference_is_still_found():
    import re as regex
    import zipfile

    full = [1, "XF-1", "2025-01-05", "民呼我为", "规划管理", "=C2+10", "是", "法规科"]  # no gap: r is optional
    data = xlsx_bytes(
        {"信访": [PETITION_HEADER, full, [2, "XF-2", "2025-01-06", "来信来访", "规划", None, None, "甲"]]}
    )
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                part = regex.sub(rb'(<c)\s+r="[A-Z]+\d+"', rb"\1", part)  # cells located by their order only
            target.writestr(item, part)
    table = only_table(read(upload("无引用.xlsx", out.getvalue())))
    assert set(table.unreadable) == {(2, "closed_on")}


def test_serial_dates_of_a_1904_workbook_count_from_1904():
    from datetime import timedelta

    book = Workbook()
    book.epoch = __import__("openpyxl").utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "信访"
    sheet.append(PETITION_HEADER)
    sheet.append(petition("XF-1", 44196))  # a plain number, no date format
    out = io.BytesIO()
    book.save(out)
    frame = validate(read(upload("mac.xlsx", out.getvalue()))).frames["petitions"]
    assert frame["received_on"].dt.date.tolist() == [date(1904, 1, 1) + timedelta(days=44196)]


def test_a_quote_left_open_in_a_csv_is_refused_not_swallowing_the_rows_after_it():
    text = '信访编号,收件日期,来源渠道\nC3,2025-01-07,"民呼我为,\nC4,2025-01-08,来信来访\n'
    result = read(upload("引号.csv", text.encode("utf-8")))
    assert not result.tables and len(result.problems) == 1 and "引号不成对" in result.problems[0].message


def test_csv_row_numbers_are_the_lines_records_start_on_after_a_cell_with_line_breaks():
    text = '信访编号,收件日期,来源渠道,内容摘要\nXF-1,2025-01-05,民呼我为,"第一行\n第二行"\nXF-2,2025-13-45,来信来访,\n'
    problems = validate(read(upload("多行.csv", text.encode("utf-8")))).problems
    assert [(p.row, p.column) for p in problems] == [(4, "收件日期")], "XF-2 starts on line 4 of the file"

"""The spec's "Import semantics" for a bad batch: every problem reported, located, in Chinese; nothing stored."""

from __future__ import annotations

import re
from datetime import date

import pytest

from indicators.ingest.normalize import PARSERS
from indicators.ingest.reading import read_uploads
from indicators.ingest.report import problems_text
from indicators.ingest.validation import Validated, _parse_cells, validate
from indicators.output.words import problems_frame
from indicators.schema import DATASETS, LITIGATION, PETITIONS, TRAINING, Kind
from indicators.store.importer import run_import
from ledgers import CASE_HEADER, PETITION_HEADER, SESSION_HEADER, case, csv_bytes, petition, upload, xlsx_bytes

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _no_configured_unit(monkeypatch):
    monkeypatch.delenv("INDICATORS_DEFAULT_UNIT", raising=False)


def check(*files) -> Validated:
    return validate(read_uploads(list(files)))


def session(held: object, title: str, kind: object = "法治培训", people: object = 60, hours: object = 2, unit=None):
    return [held, title, kind, people, hours, unit]


def petitions_file() -> bytes:
    """A petitions workbook with two title rows: the header is row 3, data from row 4."""
    return xlsx_bytes(
        {
            "信访": [
                ["2025年信访台账"],  # 1
                [None],  # 2
                PETITION_HEADER,  # 3
                petition("XF-1"),  # 4 good
                petition("XF-2", "2025/13/45"),  # 5 impossible date
                petition("XF-3", "上月初"),  # 6 unreadable date
                petition("", "2025-01-07"),  # 7 empty key
                petition("XF-5", channel=" "),  # 8 empty channel
                petition("XF-6", on_time="大概"),  # 9 bad yes/no
                petition("XF-7", closed="2025-02-29"),  # 10 impossible optional date
            ]
        },
        merge_title=True,
    )


def cases_file() -> bytes:
    return xlsx_bytes(
        {
            "复议应诉": [
                CASE_HEADER,  # 1
                case("案1", outcome="驳回诉讼请求"),  # 2 good
                case("案2", "民事诉讼"),  # 3 unknown case type
                case("案3", outcome="审理中"),  # 4 unknown outcome
                case("案4", head="也许"),  # 5 bad yes/no
            ],
            # named as a training sheet, but lacking 名称 and 类型
            "培训": [["日期", "参加人数"], ["2025-03-01", 10]],
        }
    )


def sessions_file() -> bytes:
    return csv_bytes(
        [
            SESSION_HEADER,  # line 1
            session("2025-03-12", "法治培训会"),  # 2 good
            session("2025-03-13", "普法讲座", people=-5),  # 3 negative count
            session("2025-03-14", "学法会", hours="-1"),  # 4 negative hours
            session("2025-03-15", "理论学习", people="1.5"),  # 5 fractional count
            session("2025-03-16", "宪法宣传", kind=""),  # 6 empty type
        ]
    )


def found(result: Validated) -> set[tuple]:
    return {(p.file, p.sheet, p.row, p.column) for p in result.problems}


def test_every_problem_of_every_file_is_collected_in_one_report():
    result = check(
        upload("信访.xlsx", petitions_file()), upload("案件.xlsx", cases_file()), upload("培训.csv", sessions_file())
    )
    assert not result.ok
    expected = {
        ("信访.xlsx", "信访", 5, "收件日期"),
        ("信访.xlsx", "信访", 6, "收件日期"),
        ("信访.xlsx", "信访", 7, "信访编号"),
        ("信访.xlsx", "信访", 8, "来源渠道"),
        ("信访.xlsx", "信访", 9, "是否按期办结"),
        ("信访.xlsx", "信访", 10, "办结日期"),
        ("案件.xlsx", "复议应诉", 3, "案件类型"),
        ("案件.xlsx", "复议应诉", 4, "审理结果"),
        ("案件.xlsx", "复议应诉", 5, "负责人是否出庭"),
        ("案件.xlsx", "培训", 1, "名称、类型"),
        ("培训.csv", "", 3, "参加人数"),
        ("培训.csv", "", 4, "学时"),
        ("培训.csv", "", 5, "参加人数"),
        ("培训.csv", "", 6, "类型"),
    }
    assert found(result) == expected
    assert len(result.problems) == len(expected), problems_text(result.problems)


def test_each_problem_says_where_what_value_and_what_was_expected_in_chinese():
    result = check(
        upload("信访.xlsx", petitions_file()), upload("案件.xlsx", cases_file()), upload("培训.csv", sessions_file())
    )
    by_place = {(p.file, p.row, p.column): p for p in result.problems}
    values = {
        ("信访.xlsx", 5, "收件日期"): "2025/13/45",
        ("信访.xlsx", 6, "收件日期"): "上月初",
        ("信访.xlsx", 9, "是否按期办结"): "大概",
        ("信访.xlsx", 10, "办结日期"): "2025-02-29",
        ("案件.xlsx", 3, "案件类型"): "民事诉讼",
        ("案件.xlsx", 4, "审理结果"): "审理中",
        ("案件.xlsx", 5, "负责人是否出庭"): "也许",
        ("培训.csv", 3, "参加人数"): "-5",
        ("培训.csv", 4, "学时"): "-1",
        ("培训.csv", 5, "参加人数"): "1.5",
    }
    for place, value in values.items():
        assert by_place[place].value == value, place
    for problem in result.problems:
        assert problem.file
        assert CHINESE.search(problem.message), problem
        assert problem.message in problem.text()
    for problem in result.problems:
        if problem.row is not None:
            assert problem.column, problem
    # the user-facing texts: the missing columns are named, the empty cells called empty
    sheet_problem = next(p for p in result.problems if p.sheet == "培训")
    assert "名称" in sheet_problem.message and "类型" in sheet_problem.message
    assert "必填" in by_place[("信访.xlsx", 7, "信访编号")].message
    assert "必填" in by_place[("信访.xlsx", 8, "来源渠道")].message
    assert "日期" in by_place[("信访.xlsx", 5, "收件日期")].message
    report = problems_text(result.problems)
    assert f"发现 {len(result.problems)} 处问题" in report
    frame = problems_frame(result.problems)
    assert list(frame.columns) == ["文件", "工作表", "行号", "列", "值", "问题"]
    assert len(frame) == len(result.problems)


def test_duplicate_keys_across_two_files_name_both_rows():
    first = xlsx_bytes({"信访": [["台账"], PETITION_HEADER, petition("XF-1"), petition("XF-2")]})
    second = csv_bytes([PETITION_HEADER, petition("XF-3"), petition("XF-2", "2025-02-01")])
    result = check(upload("一月.xlsx", first), upload("二月.csv", second))
    assert len(result.problems) == 1, problems_text(result.problems)
    problem = result.problems[0]
    assert (problem.file, problem.sheet, problem.row, problem.column, problem.value) == (
        "二月.csv",
        "",
        3,
        "信访编号",
        "XF-2",
    )
    assert "一月.xlsx" in problem.message and "第 4 行" in problem.message
    assert "重复" in problem.message


def test_duplicate_keys_within_one_sheet_and_composite_keys():
    rows = [
        SESSION_HEADER,
        session("2025-03-12", "培训会"),
        session("2025-03-13", "培训会"),  # same title, another day: not a duplicate
        session(date(2025, 3, 12), "培训会", people=80),  # same day and title written as a date cell: duplicate
    ]
    result = check(upload("培训.xlsx", xlsx_bytes({"培训": rows})))
    assert [(p.row, p.column) for p in result.problems] == [(4, "日期")]
    assert "第 2 行" in result.problems[0].message


def test_a_clean_batch_has_no_problems_and_typed_frames():
    result = check(
        upload(
            "全部.xlsx",
            xlsx_bytes(
                {
                    "信访": [
                        PETITION_HEADER,
                        petition("XF-1", "2025年1月5日", "“民呼我为”", on_time="Y", unit=" 办公室 "),
                    ],
                    "案件": [CASE_HEADER, case("案1", "行政诉讼（二审）", head="√", outcome="撤销并驳回")],
                    "学法": [SESSION_HEADER, session("20250312", "培训会", people="60", hours="1.5")],
                }
            ),
        )
    )
    assert result.ok, problems_text(result.problems)
    p = result.frames["petitions"].iloc[0]
    assert (p["petition_no"], p["received_on"].date(), p["channel"], bool(p["on_time"]), p["unit"]) == (
        "XF-1",
        date(2025, 1, 5),
        "民呼我为",
        True,
        "办公室",
    )
    c = result.frames["litigation"].iloc[0]
    assert (c["case_type"], bool(c["head_appeared"]), c["outcome"], c["outcome_class"]) == (
        "行政诉讼",
        True,
        "撤销并驳回",
        "lost",
    )
    t = result.frames["training"].iloc[0]
    assert (t["held_on"].date(), t["participants"], t["hours"]) == (date(2025, 3, 12), 60, 1.5)


# --- default unit ------------------------------------------------------------------------------------


def _units(result: Validated) -> dict[str, list[str]]:
    return {ds: frame["unit"].tolist() for ds, frame in result.frames.items()}


def mixed_unit_batch():
    return (
        upload("信访.csv", csv_bytes([PETITION_HEADER, petition("XF-1"), petition("XF-2", unit="耕保科")])),
        upload(
            "其他.xlsx",
            xlsx_bytes(
                {
                    "案件": [CASE_HEADER, case("案1"), case("案2", unit="法规科")],
                    "培训": [
                        SESSION_HEADER,
                        session("2025-03-12", "培训会"),
                        session("2025-03-13", "讲座", unit="\u3000"),
                    ],
                }
            ),
        ),
    )


def test_rows_without_a_unit_belong_to_the_default_unit():
    result = check(*mixed_unit_batch())
    assert result.ok, problems_text(result.problems)
    assert _units(result) == {
        "petitions": ["本单位", "耕保科"],
        "litigation": ["本单位", "法规科"],
        "training": ["本单位", "本单位"],
    }


def test_the_default_unit_can_be_configured(monkeypatch):
    monkeypatch.setenv("INDICATORS_DEFAULT_UNIT", " 规划和自然资源局 ")
    result = check(*mixed_unit_batch())
    assert _units(result) == {
        "petitions": ["规划和自然资源局", "耕保科"],
        "litigation": ["规划和自然资源局", "法规科"],
        "training": ["规划和自然资源局", "规划和自然资源局"],
    }


# --- outcome classes ---------------------------------------------------------------------------------


def test_outcome_classes_are_stored_beside_the_outcome(store):
    rows = [
        CASE_HEADER,
        case("案1", outcome="判决驳回诉讼请求"),
        case("案2", outcome="撤销被诉行政行为"),
        case("案3", outcome="部分撤销，部分驳回"),
        case("案4", outcome="准予撤诉"),
        case("案5", "行政复议", outcome="维持"),
        case("案6", "行政复议", outcome="调解结案"),
        case("案7"),
    ]
    uploads = [upload("案件.xlsx", xlsx_bytes({"应诉": rows}))]
    expected = {
        "案1": "upheld",
        "案2": "lost",
        "案3": "lost",
        "案4": "withdrawn",
        "案5": "upheld",
        "案6": "withdrawn",
        "案7": "pending",
    }
    frame = validate(read_uploads(uploads)).frames["litigation"]
    assert dict(zip(frame["case_no"], frame["outcome_class"], strict=True)) == expected
    outcome = run_import(store, uploads)
    assert outcome.ok, problems_text(outcome.problems)
    stored = store.records(LITIGATION)
    assert dict(zip(stored["case_no"], stored["outcome_class"], strict=True)) == expected


# --- all or nothing ----------------------------------------------------------------------------------


def good_batch() -> list:
    return [
        upload("信访.xlsx", xlsx_bytes({"信访": [["台账"], PETITION_HEADER, petition("XF-1"), petition("XF-2")]})),
        upload("案件.csv", csv_bytes([CASE_HEADER, case("案1", outcome="驳回"), case("案2")])),
        upload("培训.xlsx", xlsx_bytes({"培训": [SESSION_HEADER, session("2025-03-12", "培训会")]})),
    ]


def test_a_good_batch_is_stored(store):
    outcome = run_import(store, good_batch())
    assert outcome.ok, problems_text(outcome.problems)
    assert len(store.batches()) == 1
    assert len(store.records(PETITIONS)) == 2
    assert len(store.records(LITIGATION)) == 2
    assert len(store.records(TRAINING)) == 1


@pytest.mark.parametrize(
    "bad_row",
    [
        session("2025-03-13", "讲座", people=-1),
        session("2025-02-30", "讲座"),
        session("2025-03-13", "", kind="普法宣传"),
        session("2025-03-12", "培训会"),  # a duplicate key
    ],
    ids=["negative count", "impossible date", "empty title", "duplicate"],
)
def test_one_bad_row_among_good_files_stores_nothing(store, bad_row):
    uploads = good_batch()
    uploads[2] = upload(
        "培训.xlsx",
        xlsx_bytes({"培训": [SESSION_HEADER, session("2025-03-12", "培训会"), session("2025-03-14", "学法"), bad_row]}),
    )
    outcome = run_import(store, uploads)
    assert not outcome.ok
    assert outcome.batch_id is None
    assert [(p.file, p.row) for p in outcome.problems] == [("培训.xlsx", 4)]
    assert store.batches() == []
    for dataset in DATASETS:
        assert store.records(dataset).empty, dataset.id


def test_a_bad_batch_after_a_good_one_leaves_the_store_as_it_was(store):
    assert run_import(store, good_batch()).ok
    before = {d.id: store.records(d) for d in DATASETS}
    uploads = [
        upload("信访.csv", csv_bytes([PETITION_HEADER, petition("XF-1", channel="来信来访"), petition("XF-9")])),
        upload("案件.csv", csv_bytes([CASE_HEADER, case("案1", outcome="不予受理")])),
    ]
    outcome = run_import(store, uploads)
    assert [(p.file, p.row, p.column) for p in outcome.problems] == [("案件.csv", 2, "审理结果")]
    assert len(store.batches()) == 1
    for dataset in DATASETS:
        assert store.records(dataset).equals(before[dataset.id]), dataset.id


def test_equal_python_values_of_different_types_are_parsed_apart():
    values, errors = _parse_cells([True, 1, 1.0, "1"], PARSERS[Kind.COUNT])
    assert errors[0] is not None, "a TRUE cell is no count"
    assert values[1:] == [1, 1, 1] and errors[1:] == [None, None, None]


# --- numbers in date cells (issue: `2025` was stored as 1905-07-17) ---------------------------------


@pytest.mark.parametrize(
    ("cell", "day"),
    [(45658, date(2025, 1, 1)), (45658.75, date(2025, 1, 1)), (36526, date(2000, 1, 1)), (73415, date(2100, 12, 31))],
)
def test_a_number_is_an_excel_serial_date_only_between_2000_and_2100(cell, day):
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", cell)]})
    result = validate(read_uploads([upload("信访.xlsx", data)]), today=date(2101, 1, 1))
    assert result.ok, problems_text(result.problems)
    assert result.frames["petitions"]["received_on"].dt.date.tolist() == [day]


@pytest.mark.parametrize("cell", [2025, 3, 36525, 73416, -1, 0.5])
def test_any_other_number_in_a_date_cell_is_an_error_naming_the_cell(cell):
    result = check(upload("信访.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", cell)]})))
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (2, "收件日期", str(cell))
    assert "数字不是日期" in problem.message and "2000-01-01" in problem.message


def test_an_eight_digit_number_reads_as_yyyymmdd():
    result = check(upload("信访.csv", csv_bytes([PETITION_HEADER, petition("XF-1", "20250105")])))
    xlsx = check(upload("信访.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", 20250105)]})))
    for found in (result, xlsx):
        assert found.frames["petitions"]["received_on"].dt.date.tolist() == [date(2025, 1, 5)]


# --- dates that make sense together ------------------------------------------------------------------

TODAY = date(2025, 6, 30)


def test_dates_out_of_order_are_row_errors_naming_both_cells():
    petitions = [PETITION_HEADER, petition("XF-1", "2025-03-10", closed="2025-03-01")]
    cases = [
        CASE_HEADER,
        case("C-1", filed="2025-03-10", concluded="2025-03-09", outcome="维持"),
        case("C-2", filed="2025-03-10", hearing="2025-02-01", head="是"),
    ]
    result = validate(read_uploads([upload("台账.xlsx", xlsx_bytes({"信访": petitions, "应诉": cases}))]), today=TODAY)
    found = {(p.sheet, p.row, p.column): p.message for p in result.problems}
    assert found == {
        ("信访", 2, "办结日期"): "办结日期（2025-03-01）早于同一行的收件日期（2025-03-10），办结日期不能早于收件日期",
        ("应诉", 2, "结案日期"): "结案日期（2025-03-09）早于同一行的收案日期（2025-03-10），结案日期不能早于收案日期",
        ("应诉", 3, "开庭日期"): "开庭日期（2025-02-01）早于同一行的收案日期（2025-03-10），开庭日期不能早于收案日期",
    }


def test_a_date_after_the_import_day_is_an_error_but_a_scheduled_hearing_is_not():
    petitions = [PETITION_HEADER, petition("XF-1", "2025-07-01")]
    cases = [CASE_HEADER, case("C-1", filed="2025-06-01", hearing="2025-09-15", head="是")]
    sessions = [SESSION_HEADER, session("2025-07-02", "宪法学习")]
    files = xlsx_bytes({"信访": petitions, "应诉": cases, "培训": sessions})
    result = validate(read_uploads([upload("台账.xlsx", files)]), today=TODAY)
    found = {(p.sheet, p.column, p.value): p.message for p in result.problems}
    assert found == {
        ("信访", "收件日期", "2025-07-01"): "收件日期晚于导入当天（2025-06-30），请核对年份和月份",
        ("培训", "日期", "2025-07-02"): "日期晚于导入当天（2025-06-30），请核对年份和月份",
    }


def test_the_head_appearing_without_a_hearing_is_a_warning_the_batch_still_imports():
    cases = [
        CASE_HEADER,
        case("C-1", "行政诉讼", "2025-02-01", head="是"),
        case("C-2", hearing="2025-03-01", head="否"),
    ]
    result = check(upload("案件.xlsx", xlsx_bytes({"应诉": cases})))
    assert result.ok
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.value) == (2, "负责人是否出庭", "是")
    assert "没有“开庭日期”" in warning.message


# --- one round of fixes: a missing column hides nothing else -----------------------------------------


def test_a_missing_required_column_is_reported_and_every_other_column_still_checked():
    header = ["信访编号", "收件日期", "事项类别", "是否按期办结"]  # no 来源渠道
    rows = [
        header,
        ["XF-1", "2025-02-30", "规划", "是"],
        ["XF-2", "2025-01-05", "规划", "大概"],
        ["XF-1", "2025-01-06"],
    ]
    result = check(upload("信访.xlsx", xlsx_bytes({"信访台账": rows})))
    found = [(p.row, p.column) for p in result.problems]
    assert found == [(1, "来源渠道"), (2, "收件日期"), (3, "是否按期办结"), (4, "信访编号")]
    assert "表头缺少必填列：来源渠道" in result.problems[0].message
    assert not any(p.message == "必填项为空" for p in result.problems), "the column is missing, not each cell"


def test_a_csv_lacking_a_required_column_is_still_read_as_its_closest_dataset():
    rows = [["信访编号", "收件日期", "事项类别"], ["XF-1", "2025-13-01", "规划"]]
    result = check(upload("信访.csv", csv_bytes(rows)))
    assert [(p.row, p.column) for p in result.problems] == [(1, "来源渠道"), (2, "收件日期")]


# --- what passes validation must store: lengths and control characters -------------------------------


def test_text_longer_than_its_limit_is_an_error_naming_the_cell():
    key, text = "X" * 101, "很" * 1001
    rows = [PETITION_HEADER, petition(key), petition("XF-2", category=text), petition("Y" * 100, category="很" * 1000)]
    result = check(upload("信访.xlsx", xlsx_bytes({"信访": rows})))
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (2, "信访编号", "内容过长（101 个字符），此列最多 100 个字符"),
        (3, "事项类别", "内容过长（1,001 个字符），此列最多 1,000 个字符"),
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_control_characters_are_an_error_naming_the_cell(kind):
    # openpyxl refuses control characters, so the workbook carries the _x0000_ escapes Excel writes for them
    nul, esc = ("\x00", "\x1b") if kind == "csv" else ("_x0000_", "_x001B_")
    good = [petition(f"OK-{i}") for i in range(150)]  # a NUL in a CSV's first 4 KB marks it as no text at all
    rows = [PETITION_HEADER, *good, petition("XF-1", category=f"规划{nul}管理"), petition(f"XF-2{esc}[2J")]
    rows.append(petition("XF-3", category="甲\t乙\n丙"))
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes({"信访": rows})
    result = check(upload(f"信访.{kind}", data))
    assert [(p.row, p.column) for p in result.problems] == [(152, "事项类别"), (153, "信访编号")]
    assert "控制字符（U+0000）" in result.problems[0].message and "U+001B" in result.problems[1].message


def test_the_longest_cells_validation_allows_are_stored_alike_on_every_database(store):
    rows = [PETITION_HEADER, petition("K" * 100, category="长" * 1000, unit="单" * 1000, channel="渠" * 1000)]
    outcome = run_import(store, [upload("长.xlsx", xlsx_bytes({"信访": rows}))], "说" * 200, "人" * 200)
    assert outcome.ok and outcome.batch_id == 1
    stored = store.records(PETITIONS)
    assert stored["petition_no"].tolist() == ["K" * 100] and stored["category"].str.len().tolist() == [1000]
    assert (store.batches()[0]["label"], store.batches()[0]["user"]) == ("说" * 200, "人" * 200)


@pytest.mark.parametrize(("label", "user"), [("说" * 201, ""), ("", "人" * 201), ("第\x00季度", ""), ("", "张\x1b三")])
def test_a_label_or_importer_name_the_store_cannot_keep_is_refused_before_anything_is_written(store, label, user):
    from indicators.output import words
    from indicators.store import MetaRejected

    with pytest.raises(MetaRejected) as refused:
        run_import(store, [upload("信访.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1")]}))], label, user)
    text = words.refusal(refused.value)
    assert ("批次说明" if label else "导入人") in text and ("过长" in text or "控制字符" in text)
    assert store.is_empty()


# --- formulas without a saved value, header-only sheets, report order --------------------------------


def test_a_formula_without_a_saved_value_says_so_instead_of_an_empty_cell():
    rows = [PETITION_HEADER, petition("XF-1", "=DATE(2025,1,5)", closed="=TODAY()"), petition("XF-2")]
    result = check(upload("公式.xlsx", xlsx_bytes({"信访": rows})))  # openpyxl saves formulas without results
    assert [(p.row, p.column) for p in result.problems] == [(2, "收件日期"), (2, "办结日期")]
    assert all("公式" in p.message and "计算结果" in p.message for p in result.problems)


def test_a_header_only_file_is_no_empty_batch(store):
    outcome = run_import(store, [upload("空表.xlsx", xlsx_bytes({"信访": [PETITION_HEADER]}))])
    assert [p.message for p in outcome.problems] == [
        "没有数据行：“信访”只有表头，本次上传没有可导入的记录。请填写数据后再上传。"
    ]
    assert store.is_empty()


def test_a_header_only_sheet_beside_data_is_said_and_skipped(store):
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1")], "应诉": [CASE_HEADER]})
    outcome = run_import(store, [upload("台账.xlsx", data)])
    assert outcome.ok and set(outcome.plan.datasets) == {"petitions"}
    from indicators.output import words

    assert words.skipped_frame(outcome)["原因"].tolist() == ["“复议应诉”表只有表头，没有数据行"]


def test_problems_are_listed_in_the_order_of_the_columns_in_the_sheet():
    rows = [PETITION_HEADER, petition("XF-1", channel="", category="规划_x0007_")]  # 来源渠道 is left of 事项类别
    result = check(upload("信访.xlsx", xlsx_bytes({"信访": rows})))
    assert [p.column for p in result.problems] == ["来源渠道", "事项类别"]
    assert [r["列"] for r in problems_frame(result.problems).to_dict("records")] == ["来源渠道", "事项类别"]


def test_the_same_file_twice_in_one_upload_is_one_problem_not_one_per_row():
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1"), petition("XF-2")]})
    result = check(upload("a.xlsx", data), upload("b.xlsx", data))
    assert [(p.file, p.row) for p in result.problems] == [("b.xlsx", None)]
    assert "与本次上传的文件“a.xlsx”内容完全相同" in result.problems[0].message


def test_half_recorded_outcomes_and_on_time_answers_are_shown_for_review():
    """A value that does not count without its partner is a warning, so no figure drops a row silently."""
    petitions = [PETITION_HEADER, petition("XF-1", "2025-01-05", on_time="是")]
    cases = [
        CASE_HEADER,
        case("C-1", filed="2025-01-10", concluded="2025-03-01"),
        case("C-2", filed="2025-01-11", outcome="维持"),
        case("C-3", filed="2025-01-12", concluded="2025-03-02", outcome="驳回"),
    ]
    result = check(upload("台账.xlsx", xlsx_bytes({"信访": petitions, "应诉": cases})))
    assert result.ok
    assert [(w.sheet, w.row, w.column) for w in result.warnings] == [
        ("信访", 2, "是否按期办结"),
        ("应诉", 2, "结案日期"),
        ("应诉", 3, "审理结果"),
    ]
    assert "没有“办结日期”" in result.warnings[0].message


def test_a_report_lists_at_most_ten_thousand_problems_and_says_how_many_more(monkeypatch):
    from indicators.ingest import validation

    monkeypatch.setattr(validation, "MAX_LISTED", 5)
    rows = [PETITION_HEADER, *(petition(f"XF-{i}", "下周") for i in range(8)), petition("XF-1", "2025-01-05")]
    result = check(upload("错表.csv", csv_bytes(rows)))
    assert len(result.problems) == 6 and result.unlisted == 4
    assert [p.row for p in result.problems[:5]] == [2, 3, 4, 5, 6]
    assert (
        result.problems[-1].text() == "另有 4 处问题未逐条列出（报告最多列出 5 处）。请先修正以上问题后重新上传全部文件"
    )
    assert problems_frame(result.problems)["问题"].iloc[-1].startswith("另有 4 处")


# --- found by probing: every value that passes must store, every date must place in a period ----------


@pytest.mark.parametrize("cell", ["1025-01-05", "1999-12-31", "2101-01-01", "0001-01-01"])
def test_a_date_outside_2000_to_2100_is_an_error_whatever_its_form(cell):
    result = check(upload("信访.csv", csv_bytes([PETITION_HEADER, petition("XF-1", cell)])))
    [problem] = result.problems
    assert (problem.column, problem.value) == ("收件日期", cell) and "2000-01-01 至 2100-12-31" in problem.message


def test_a_number_given_a_date_format_is_no_date_from_1905():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "信访"
    sheet.append(PETITION_HEADER)
    sheet.append(petition("XF-1", 2025))
    sheet["C2"].number_format = "yyyy-mm-dd"  # Excel shows 1905-07-17
    import io

    out = io.BytesIO()
    book.save(out)
    [problem] = check(upload("信访.xlsx", out.getvalue())).problems
    assert problem.column == "收件日期" and "2000-01-01" in problem.message


@pytest.mark.parametrize(
    ("people", "hours", "column"),
    [(3_000_000_000, 2, "参加人数"), ("99999999999999999999", 2, "参加人数"), (10, "1" + "0" * 308, "学时")],
)
def test_numbers_beyond_any_session_are_errors_not_overflows(people, hours, column):
    result = check(
        upload("培训.csv", csv_bytes([SESSION_HEADER, session("2025-03-12", "培训会", people=people, hours=hours)]))
    )
    assert [(p.row, p.column) for p in result.problems] == [(2, column)]


def test_a_number_in_a_key_column_is_measured_as_the_text_it_becomes():
    result = check(upload("信访.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, petition(1e200)]})))
    [problem] = result.problems
    assert problem.column == "信访编号" and "此列最多 100 个字符" in problem.message


def test_a_label_is_stored_trimmed_so_it_is_measured_trimmed(store):
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1")]})
    outcome = run_import(store, [upload("信访.xlsx", data)], "说" * 200 + "\u3000" * 3, " 张三 ")
    assert outcome.ok and (store.batches()[0]["label"], store.batches()[0]["user"]) == ("说" * 200, "张三")

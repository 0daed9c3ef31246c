"""数据管理 through Streamlit's AppTest: template, upload, preview, confirmed import, repeats, errors, rollback."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import ui
from indicators.cli import load_sample
from indicators.ingest import safety
from indicators.output.template import template_bytes
from indicators.schema import INSTRUCTIONS_SHEET as INSTRUCTIONS
from indicators.schema import LITIGATION, PETITIONS, TRAINING
from indicators.store import SAMPLE_LABEL
from indicators.store.importer import run_import
from ledgers import (
    CASE_HEADER,
    FIRST,
    PETITION_HEADER,
    SECOND,
    case,
    csv_bytes,
    fill_template,
    petition,
    upload,
    xlsx_bytes,
)

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_PAGE = "pages/data.py"


Q1_BEFORE = {"信访收件": "3件", "办结率": "33.3%（1/3）", "按期办结率": "100%（1/1）"}
Q1_AFTER = {"信访收件": "5件", "办结率": "60%（3/5）", "按期办结率": "66.7%（2/3）"}


@pytest.fixture
def app(db_url, navigation_only) -> Iterator[AppTest]:
    """The dashboard on the data page, against the test's empty database, with fresh Streamlit caches."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception
    yield at
    ui.get_store(db_url).engine.dispose()
    st.cache_data.clear()
    st.cache_resource.clear()


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def put_files(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    """Choose files in the uploader, as a user does (one upload, one or more files)."""
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in files])
    return run(at)


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"expected one button {label!r}, found {[b.label for b in at.button]}"
    return found[0]


def click(at: AppTest, label: str) -> AppTest:
    button(at, label).click()
    return run(at)


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on screen that has this column."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, f"expected one table with {column!r}, found {[list(d.value.columns) for d in at.dataframe]}"
    return found[0]


def plain(markdown: str) -> str:
    """Markdown as a reader sees it: our pages escape every value, so undo the backslash escapes."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def fates(at: AppTest) -> list[tuple]:
    """The rollback preview on screen: (dataset, what happens, how many records, why)."""
    preview = table(at, "结果")
    return [(r["数据集"], r["结果"], r["记录数"], r["原因"]) for r in preview.to_dict("records")]


def has_table(at: AppTest, column: str) -> bool:
    return any(column in d.value.columns for d in at.dataframe)


def overview(at: AppTest, period: str) -> dict[str, str]:
    """Open 总览, choose a quarter in the sidebar and read every card as label -> value."""
    at.switch_page("pages/overview.py")
    run(at)
    at.radio(key="granularity").set_value("quarter")
    run(at)  # pages open on a year: the quarters are offered once the granularity is quarters
    at.selectbox(key="period").set_value(period)
    run(at)
    assert at.selectbox(key="period").value == period
    return {m.label: m.value for m in at.metric}


def back_to_data(at: AppTest) -> AppTest:
    at.switch_page(DATA_PAGE)
    return run(at)


def history(at: AppTest) -> pd.DataFrame:
    return table(at, "导入时间").set_index("批次")


def choose_batch(at: AppTest, batch_id: int) -> AppTest:
    at.selectbox(key="history_batch").set_value(batch_id)
    return run(at)


def test_good_file_previews_imports_only_on_confirmation_and_the_overview_follows(app, store):
    run_import(store, [upload("一季度.xlsx", FIRST)], label="一季度")
    assert {k: v for k, v in overview(app, "2025Q1").items() if k in Q1_BEFORE} == Q1_BEFORE
    back_to_data(app)
    version = store.version()

    put_files(app, ("补报.xlsx", SECOND))
    assert not app.error
    assert "检查通过" in app.info[0].value
    preview = table(app, "读取行数")
    assert preview.to_dict("records") == [
        {
            "数据集": "信访",
            "来源（文件／工作表）": "补报.xlsx／信访",
            "读取行数": 3,
            "覆盖期间": "2025-01-05 至 2025-03-20（收件日期）",
            "新增": 2,
            "更新": 1,
            "未变": 0,
        }
    ]
    changes = table(app, "变化")
    assert changes["记录"].tolist() == ["XF-1"]
    assert "办结日期：（空） → 2025-01-20" in changes["变化"].iloc[0]
    assert "是否按期办结：（空） → 否" in changes["变化"].iloc[0]
    assert store.version() == version and len(store.batches()) == 1, "a preview stores nothing"
    assert len(store.records(PETITIONS)) == 4

    app.text_input[0].set_value("2025年第1季度补报")
    assert [t.label for t in app.text_input] == ["批次说明（选填）"], "导入人 is who is signed in, never typed"
    assert "导入人：本机管理员" in [c.value for c in app.caption]
    click(app, "确认导入")
    assert app.success[0].value.startswith("导入成功：批次 2，文件 1 个。")
    assert "信访：新增 2，更新 1，未变 0" in app.success[0].value
    assert not has_table(app, "读取行数"), "the uploader starts afresh after an import"
    assert app.file_uploader[0].key == "uploader-1"
    batches = store.batches()
    assert [(b["id"], b["label"], b["user"]) for b in batches] == [
        (1, "一季度", store.actor.name),
        (2, "2025年第1季度补报", "本机管理员"),
    ]
    assert (batches[1]["added"], batches[1]["updated"], batches[1]["unchanged"]) == (2, 1, 0)
    row = history(app).loc[2]
    assert (row["说明"], row["导入人"], row["文件"], row["状态"]) == (
        "2025年第1季度补报",
        "本机管理员",
        "补报.xlsx",
        "有效",
    )
    records = table(app, "信访编号").set_index("信访编号")
    assert records["变动"].to_dict() == {"XF-1": "更新", "XF-4": "新增", "XF-5": "新增"}
    assert records.loc["XF-1", "是否按期办结"] == "否" and records.loc["XF-4", "是否按期办结"] == "是"
    assert records.loc["XF-4", "办结日期"] == "2025-03-15" and records.loc["XF-5", "办结日期"] == "—（未办结）"

    cards = overview(app, "2025Q1")
    assert {k: v for k, v in cards.items() if k in Q1_AFTER} == Q1_AFTER
    assert overview(app, "2025Q2")["信访收件"] == "1件", "the other quarter is untouched"


def test_cancel_forgets_the_files_and_stores_nothing(app, store):
    put_files(app, ("补报.xlsx", SECOND))
    click(app, "取消")
    assert not has_table(app, "读取行数") and not app.error
    assert app.file_uploader[0].key == "uploader-1"
    assert store.batches() == []


BAD_PETITIONS = xlsx_bytes(
    {
        "信访": [
            ["2025年第1季度信访台账"],
            PETITION_HEADER,
            petition("XF-1", "2025-02-30"),
            petition("XF-2", channel=None),
            petition("XF-1", "2025-01-07"),
            petition("XF-3", on_time="大概"),
        ],
        "培训": [["日期", "名称"], ["2025-03-01", "法治讲座"]],
    }
)
BAD_CASES = csv_bytes(
    [
        CASE_HEADER,
        case("（2025）渝0113行初1号", "行政处罚"),
        case("（2025）渝0113行初2号", outcome="不予受理"),
        case("（2025）渝0113行初3号", filed="2025/13/1"),
    ]
)
# (file, sheet, Excel row, column, value, words of the problem): every one must be listed.
EXPECTED_PROBLEMS = [
    ("信访一季度.xlsx", "信访", 3, "收件日期", "2025-02-30", "日期不存在"),
    ("信访一季度.xlsx", "信访", 4, "来源渠道", "", "必填项为空"),
    ("信访一季度.xlsx", "信访", 5, "信访编号", "XF-1", "第 3 行重复"),
    ("信访一季度.xlsx", "信访", 6, "是否按期办结", "大概", "应为是或否"),
    ("信访一季度.xlsx", "培训", 1, "类型", "", "缺少必填列：类型"),
    ("案件.csv", "", 2, "案件类型", "行政处罚", "应以“行政复议”或“行政诉讼”开头"),
    ("案件.csv", "", 3, "审理结果", "不予受理", "无法归类的审理结果"),
    ("案件.csv", "", 4, "收案日期", "2025/13/1", "日期不存在"),
]


def _problems(at: AppTest) -> list[tuple]:
    report = table(at, "问题")
    assert list(report.columns) == ["文件", "工作表", "行号", "列", "值", "问题"]
    shown = next(d.proto for d in at.dataframe if "问题" in d.value.columns)
    assert list(shown.column_order[:3]) == ["行号", "列", "问题"], "the problem is read next to where it is"
    assert shown.row_height > 64, "rows tall enough for Streamlit to wrap a long problem (over 4rem)"
    return [
        (r["文件"], r["工作表"], None if pd.isna(r["行号"]) else int(r["行号"]), r["列"], r["值"], r["问题"])
        for r in report.to_dict("records")
    ]


def _assert_full_report(at: AppTest) -> None:
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"发现 {len(EXPECTED_PROBLEMS)} 处问题，**本批次未保存任何数据**。")
    shown = _problems(at)
    assert len(shown) == len(EXPECTED_PROBLEMS)
    for row, expected in zip(shown, EXPECTED_PROBLEMS, strict=True):
        assert row[:5] == expected[:5]
        assert expected[5] in row[5], row
    assert [d.label for d in at.download_button] == ["下载填报模板（.xlsx）", "下载错误报告（.xlsx）"]
    assert not [b for b in at.button if b.label == "确认导入"], "nothing to confirm when anything is wrong"


def test_bad_files_list_every_problem_store_nothing_and_the_report_stays_until_cleared(app, store):
    run_import(store, [upload("一季度.xlsx", FIRST)])
    back_to_data(app)
    version, batches = store.version(), store.batches()

    put_files(app, ("信访一季度.xlsx", BAD_PETITIONS), ("案件.csv", BAD_CASES))
    _assert_full_report(app)
    assert store.version() == version and store.batches() == batches
    assert sorted(store.records(PETITIONS)["petition_no"]) == ["XF-1", "XF-2", "XF-3", "XF-9"]
    assert store.records(LITIGATION).empty

    app.radio(key="granularity").set_value("quarter")  # a change in the sidebar reruns the page
    run(app)
    _assert_full_report(app)

    click(app, "清除，重新选择文件")
    assert not app.error and not has_table(app, "问题")
    assert app.file_uploader[0].key == "uploader-1"
    assert store.version() == version and store.batches() == batches


def test_same_file_twice_is_a_repeat_naming_the_earlier_batch(app, store):
    put_files(app, ("一季度.xlsx", FIRST))
    click(app, "确认导入")
    assert not app.warning

    put_files(app, ("一季度（再次）.xlsx", FIRST))
    assert len(app.warning) == 1
    warning = plain(app.warning[0].value)
    assert "一季度（再次）.xlsx" in warning and "批次 1" in warning and "重复上传" in warning
    assert table(app, "读取行数")[["新增", "更新", "未变"]].to_dict("records") == [{"新增": 0, "更新": 0, "未变": 4}]
    click(app, "确认导入")
    assert "导入成功：批次 2" in app.success[0].value
    assert "信访：新增 0，更新 0，未变 4" in app.success[0].value
    row = history(app).loc[2]
    assert (row["新增"], row["更新"], row["未变"], row["状态"]) == (0, 0, 4, "有效（重复上传）")
    assert history(app).loc[1, "状态"] == "有效"
    assert len(store.records(PETITIONS)) == 4


def test_a_case_gaining_its_outcome_next_quarter_previews_as_an_update_with_its_change(app, store):
    pending = case("（2025）渝0113行初1号", filed="2025-01-10", hearing="2025-03-18", head="√")
    put_files(app, ("一季度案件.xlsx", xlsx_bytes({"应诉案件": [CASE_HEADER, pending]})))
    click(app, "确认导入")

    decided = case(
        "（2025）渝0113行初1号",
        filed="2025-01-10",
        hearing="2025-03-18",
        head="是",
        concluded="2025-04-20",
        outcome="驳回诉讼请求",
    )
    new = case("巴南府复〔2025〕3号", "行政复议", "2025-05-06")
    put_files(app, ("二季度案件.xlsx", xlsx_bytes({"应诉案件": [CASE_HEADER, decided, new]})))
    preview = table(app, "读取行数")
    assert preview[["数据集", "读取行数", "新增", "更新", "未变"]].to_dict("records") == [
        {"数据集": "复议应诉", "读取行数": 2, "新增": 1, "更新": 1, "未变": 0}
    ]
    changes = table(app, "变化")
    assert changes[["数据集", "记录"]].to_dict("records") == [{"数据集": "复议应诉", "记录": "（2025）渝0113行初1号"}]
    assert "审理结果：（空） → 驳回诉讼请求" in changes["变化"].iloc[0]
    assert "结案日期：（空） → 2025-04-20" in changes["变化"].iloc[0]
    assert any(e.label.startswith("将更新的 1 条记录") for e in app.expander)
    click(app, "确认导入")

    choose_batch(app, 2)
    records = table(app, "案号")
    assert dict(zip(records["案号"], records["变动"], strict=True)) == {
        "（2025）渝0113行初1号": "更新",
        "巴南府复〔2025〕3号": "新增",
    }
    assert len(store.records(LITIGATION)) == 2


def test_rollback_previews_what_changes_then_restores_the_previous_kpis(app, store):
    run_import(store, [upload("一季度.xlsx", FIRST)])
    back_to_data(app)
    put_files(app, ("补报.xlsx", SECOND))
    click(app, "确认导入")
    assert {k: v for k, v in overview(app, "2025Q1").items() if k in Q1_AFTER} == Q1_AFTER
    back_to_data(app)

    assert app.selectbox(key="history_batch").value == 2, "the newest batch is chosen first"
    click(app, "撤销该批次…")
    assert "确认撤销批次 2" in app.warning[0].value
    assert fates(app) == [
        ("信访", "将删除", 2, "只有本批次载有这些记录"),
        ("信访", "恢复为之前版本", 1, "恢复为批次 1 中的版本"),
    ]
    assert table(app, "结果")["记录"].tolist() == ["XF-4、XF-5", "XF-1"]
    assert len(store.batches()) == 2 and not store.batches()[1]["rolled_back"], "nothing happens before confirming"

    app.button(key="do_rollback").click()
    run(app)
    assert app.success[0].value.startswith("已撤销批次 2")
    assert history(app).loc[2, "状态"] == "已撤销"
    assert history(app).loc[1, "状态"] == "有效"
    assert any("该批次已于" in c.value and "撤销" in c.value for c in app.caption)
    assert not [b for b in app.button if b.label == "撤销该批次…"], "a rolled-back batch cannot be rolled back again"
    assert store.batches()[1]["rolled_back"]

    cards = overview(app, "2025Q1")
    assert {k: v for k, v in cards.items() if k in Q1_BEFORE} == Q1_BEFORE


def test_rollback_keeps_what_a_later_batch_changed_and_can_be_cancelled(app, store):
    run_import(store, [upload("一季度.xlsx", FIRST)])
    run_import(store, [upload("补报.xlsx", SECOND)])
    later = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-5", "2025-03-20", closed="2025-03-25", on_time="是")]})
    run_import(store, [upload("再补报.xlsx", later)])
    back_to_data(app)

    choose_batch(app, 2)
    click(app, "撤销该批次…")
    assert fates(app) == [
        ("信访", "将删除", 1, "只有本批次载有这些记录"),
        ("信访", "恢复为之前版本", 1, "恢复为批次 1 中的版本"),
        ("信访", "不受影响", 1, "批次 3 的更新版本是当前版本，保持不变"),
    ]
    app.button(key="cancel_rollback").click()
    run(app)
    assert not has_table(app, "结果") and not any(b["rolled_back"] for b in store.batches())

    click(app, "撤销该批次…")
    app.button(key="do_rollback").click()
    run(app)
    assert [b["rolled_back"] for b in store.batches()] == [False, True, False]
    cards = overview(app, "2025Q1")
    assert (cards["信访收件"], cards["办结率"]) == ("4件", "50%（2/4）"), "XF-4 gone, XF-1 reopened, XF-5 kept"


def test_sample_batch_is_labelled_in_history_and_can_be_rolled_back(app, store):
    assert load_sample(store).ok
    back_to_data(app)
    assert any("示例数据" in i.value for i in app.sidebar.info)
    assert history(app).loc[1, "说明"] == SAMPLE_LABEL
    chosen = app.selectbox(key="history_batch")
    assert chosen.value == 1 and SAMPLE_LABEL in chosen.format_func(1)
    assert len(table(app, "信访编号")) == 311

    click(app, "撤销该批次…")
    assert fates(app) == [
        ("信访", "将删除", 311, "只有本批次载有这些记录"),
        ("复议应诉", "将删除", 19, "只有本批次载有这些记录"),
        ("培训学法", "将删除", 8, "只有本批次载有这些记录"),
    ]
    app.button(key="do_rollback").click()
    run(app)
    assert history(app).loc[1, "状态"] == "已撤销"
    assert not app.sidebar.info, "no sample notice once the sample is rolled back"
    assert store.records(PETITIONS).empty and not store.has_live_sample()

    at = app.switch_page("pages/overview.py")
    run(at)
    assert "还没有任何数据" in at.info[0].value


def test_template_filled_in_as_documented_imports_without_problems(app, store):
    assert [d.label for d in app.download_button] == ["下载填报模板（.xlsx）"]
    put_files(app, ("法治政府建设台账填报模板.xlsx", fill_template(template_bytes())))
    assert not app.error, [r for r in _problems(app)] if has_table(app, "问题") else None
    preview = table(app, "读取行数").set_index("数据集")
    assert preview["读取行数"].to_dict() == {"信访": 4, "复议应诉": 2, "培训学法": 2}
    assert preview["新增"].to_dict() == {"信访": 4, "复议应诉": 2, "培训学法": 2}
    assert preview.loc["信访", "来源（文件／工作表）"] == "法治政府建设台账填报模板.xlsx／信访台账"
    assert not has_table(app, "原因"), "the template's own 填表说明 is no stray sheet"
    assert any(f"“{INSTRUCTIONS}”工作表无需导入" in plain(i.value) for i in app.info)
    review = table(app, "问题")
    assert review[["工作表", "行号", "列"]].to_dict("records") == [
        {"工作表": "复议应诉台账", "行号": 3, "列": "负责人是否出庭"}
    ], "a head's answer without a hearing is shown for review, and does not stop the import"
    click(app, "确认导入")

    petitions = store.records(PETITIONS).set_index("petition_no")
    assert petitions.loc["XF2025-0001", "received_on"] == pd.Timestamp("2025-01-05")
    assert petitions.loc["XF2025-0002", "received_on"] == pd.Timestamp("2025-02-03")
    assert petitions.loc["XF2025-0003", "received_on"] == pd.Timestamp("2025-03-10")
    assert petitions.loc["XF2025-0004", "received_on"] == pd.Timestamp("2025-03-28"), "an Excel date cell"
    assert petitions.loc["XF2025-0002", "closed_on"] == pd.Timestamp("2025-02-25")
    assert petitions.loc["XF2025-0001", "channel"] == "民呼我为"
    assert bool(petitions.loc["XF2025-0001", "on_time"]) is True
    assert bool(petitions.loc["XF2025-0002", "on_time"]) is False
    assert petitions.loc["XF2025-0001", "unit"] == "本单位" and petitions.loc["XF2025-0002", "unit"] == "规划科"
    cases = store.records(LITIGATION).set_index("case_no")
    assert bool(cases.loc["（2025）渝0113行初1号", "head_appeared"]) is True
    assert cases.loc["巴南府复〔2025〕1号", "outcome_class"] == "upheld"
    sessions = store.records(TRAINING).set_index("title")
    assert sessions.loc["宪法学习", "hours"] == 1.5 and sessions.loc["法治综合能力提升培训会", "participants"] == 60


def test_upload_over_the_size_limit_is_refused_in_chinese(app, store, monkeypatch):
    monkeypatch.setattr(safety, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    run(app)
    assert "单个文件不超过 2 MB" in app.file_uploader[0].help
    put_files(app, ("大台账.xlsx", b"PK\x03\x04" + b"\0" * (3 * 1024 * 1024)))
    assert app.error[0].value.startswith("发现 1 处问题，**本批次未保存任何数据**。")
    [(file, _sheet, _row, _col, _value, problem)] = _problems(app)
    assert file == "大台账.xlsx"
    assert "3.0 MB" in problem and "超过 2 MB 的上限" in problem, problem
    assert store.batches() == []


def test_streamlit_refuses_uploads_over_the_same_limit_as_the_importer():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 50
    assert safety.MAX_FILE_BYTES == 50 * 1024 * 1024


def test_an_open_preview_follows_a_rollback_made_meanwhile(app, store):
    run_import(store, [upload("一季度.xlsx", FIRST)])
    back_to_data(app)
    put_files(app, ("补报.xlsx", SECOND))
    assert table(app, "读取行数")[["新增", "更新"]].to_dict("records") == [{"新增": 2, "更新": 1}]

    click(app, "撤销该批次…")
    app.button(key="do_rollback").click()
    run(app)
    assert table(app, "读取行数")[["新增", "更新"]].to_dict("records") == [{"新增": 3, "更新": 0}]
    assert not has_table(app, "变化")

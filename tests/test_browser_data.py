"""数据管理 in a real browser: the running dashboard driven through Debian's chromium with Playwright."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from appserver import SCREENSHOTS, AppServer, serve
from indicators.output.template import sheet_name
from indicators.schema import DATASETS, PETITIONS
from indicators.schema import INSTRUCTIONS_SHEET as INSTRUCTIONS
from indicators.store import Store, make_engine
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

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """The database the server will use, to fill before it starts and to check behind its back."""
    engine = make_engine(f"sqlite:///{tmp_path / 'dashboard.sqlite3'}")
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def server(tmp_path, store) -> Iterator[AppServer]:
    with serve(tmp_path, db_url=str(store.engine.url)) as running:
        yield running


@pytest.fixture
def page(browser, server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.goto(server.url)
    expect(page.get_by_test_id("stApp")).to_be_visible()
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let the last rerun's elements settle
    page.screenshot(path=SCREENSHOTS / f"data-{name}.png", full_page=True)


def open_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()


def open_data_page(page: Page) -> None:
    open_page(page, "数据管理")
    expect(page.get_by_role("heading", name="数据管理")).to_be_visible()


def grid(table: Locator) -> list[dict[str, str]]:
    """The rows of an st.dataframe, read from the accessible table its canvas grid keeps in the DOM."""
    expect(table.locator("table[role=grid] td").first).to_be_attached()
    headers = table.locator("table[role=grid] th").all_inner_texts()
    rows = table.locator("table[role=grid] tbody tr").all()
    return [dict(zip(headers, row.locator("td").all_inner_texts(), strict=True)) for row in rows]


def dataframes_with(page: Page, column: str) -> Locator:
    """The st.dataframe tables (on any tab) that have this column."""
    header = page.locator("table[role=grid] th").filter(has_text=re.compile(f"^{re.escape(column)}$"))
    return page.get_by_test_id("stDataFrame").filter(has=header)


def dataframe_with(page: Page, column: str) -> Locator:
    found = dataframes_with(page, column)
    expect(found).to_have_count(1)
    return found


def choose_quarter(page: Page, label: str) -> None:
    """Pick a quarter in the sidebar: 季度 as 统计粒度 (pages open on a year), then the 期间."""
    sidebar = page.get_by_test_id("stSidebar")
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()  # the sidebar is drawn last
    sidebar.get_by_text("季度", exact=True).click()
    period = sidebar.get_by_test_id("stSelectbox").filter(has_text="期间")
    expect(period.get_by_role("combobox")).to_have_value(re.compile("季度"))  # the rerun drew the quarters
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()
    period.click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(page.get_by_role("heading", name=f"法治政府建设指标总览 · {label}")).to_be_visible()


def metric(page: Page, label: str) -> Locator:
    card = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return card.get_by_test_id("stMetricValue")


def test_template_downloaded_filled_and_uploaded_shows_in_the_overview(page, store, tmp_path):
    run_import(store, [upload("一季度.xlsx", FIRST)], label="一季度")
    page.reload()
    choose_quarter(page, "2025年第1季度")
    expect(metric(page, "信访收件")).to_have_text("3件")
    expect(metric(page, "复议应诉收案")).to_have_text("—")  # no case ledger yet: no data, not 0

    open_data_page(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="下载填报模板（.xlsx）").click()
    assert download.value.suggested_filename == "法治政府建设台账填报模板.xlsx"
    template = Path(download.value.path()).read_bytes()
    assert load_workbook(io.BytesIO(template)).sheetnames == [sheet_name(d) for d in DATASETS] + [INSTRUCTIONS]
    filled = tmp_path / "2025年一季度台账.xlsx"
    filled.write_bytes(fill_template(template))

    page.locator("input[type=file]").set_input_files(filled)
    expect(page.get_by_text("检查通过，未发现问题。")).to_be_visible()
    preview = grid(dataframe_with(page, "读取行数"))
    assert [(r["数据集"], r["读取行数"], r["新增"], r["更新"], r["未变"]) for r in preview] == [
        ("信访", "4", "4", "0", "0"),
        ("复议应诉", "2", "2", "0", "0"),
        ("培训学法", "2", "2", "0", "0"),
    ]
    assert preview[0]["来源（文件／工作表）"] == "2025年一季度台账.xlsx／信访台账"
    shot(page, "preview")
    assert len(store.batches()) == 1, "nothing is stored before the import is confirmed"

    page.get_by_label("批次说明（选填）").fill("2025年第1季度台账")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("信访：新增 4，更新 0，未变 0")).to_be_visible()
    assert [b["label"] for b in store.batches()] == ["一季度", "2025年第1季度台账"]
    shot(page, "imported")

    open_page(page, "总览")
    choose_quarter(page, "2025年第1季度")
    expect(metric(page, "信访收件")).to_have_text("7件")
    expect(metric(page, "办结率")).to_have_text("42.9%（3/7）")
    expect(metric(page, "复议应诉收案")).to_have_text("2件")
    expect(metric(page, "培训学法活动")).to_have_text("2场")
    expect(metric(page, "参加人次")).to_have_text("95人次")
    shot(page, "overview")


BAD_PETITIONS = xlsx_bytes(
    {
        "信访": [
            ["2025年第1季度信访台账"],
            PETITION_HEADER,
            petition("XF-1", "2025-02-30"),
            petition("XF-2", channel=None),
            petition("XF-1", "2025-01-07"),
        ],
        "培训": [["日期", "名称"], ["2025-03-01", "法治讲座"]],
    }
)
BAD_CASES = csv_bytes(
    [CASE_HEADER, case("（2025）渝0113行初1号", "行政处罚"), case("（2025）渝0113行初2号", outcome="不予受理")]
)


def test_broken_files_show_every_problem_and_nothing_is_stored(page, store, tmp_path):
    run_import(store, [upload("一季度.xlsx", FIRST)])
    page.reload()
    open_data_page(page)
    (tmp_path / "信访一季度.xlsx").write_bytes(BAD_PETITIONS)
    (tmp_path / "案件.csv").write_bytes(BAD_CASES)
    version = store.version()

    page.locator("input[type=file]").set_input_files([tmp_path / "信访一季度.xlsx", tmp_path / "案件.csv"])
    alert = page.get_by_test_id("stAlert").filter(has_text="处问题")
    expect(alert).to_contain_text("发现 6 处问题，本批次未保存任何数据。请按下表逐条修改后，重新上传全部文件。")
    report = grid(dataframe_with(page, "问题"))
    assert [(r["文件"], r["工作表"], r["行号"], r["列"], r["值"]) for r in report] == [
        ("信访一季度.xlsx", "信访", "3", "收件日期", "2025-02-30"),
        ("信访一季度.xlsx", "信访", "4", "来源渠道", ""),
        ("信访一季度.xlsx", "信访", "5", "信访编号", "XF-1"),
        ("信访一季度.xlsx", "培训", "1", "类型", ""),
        ("案件.csv", "", "2", "案件类型", "行政处罚"),
        ("案件.csv", "", "3", "审理结果", "不予受理"),
    ]
    assert (
        "日期不存在" in report[0]["问题"]
        and "第 3 行重复" in report[2]["问题"]
        and "缺少必填列：类型" in report[3]["问题"]
    )
    expect(page.get_by_role("button", name="下载错误报告（.xlsx）")).to_be_visible()
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    shot(page, "errors")
    assert store.version() == version and len(store.batches()) == 1
    assert sorted(store.records(PETITIONS)["petition_no"]) == ["XF-1", "XF-2", "XF-3", "XF-9"]

    page.get_by_role("button", name="清除，重新选择文件").click()
    expect(alert).to_have_count(0)
    expect(dataframes_with(page, "问题")).to_have_count(0)


def test_batch_rolled_back_from_the_history_restores_the_overview(page, store):
    run_import(store, [upload("一季度.xlsx", FIRST)], label="一季度")
    run_import(store, [upload("补报.xlsx", SECOND)], label="补报")
    page.reload()
    choose_quarter(page, "2025年第1季度")
    expect(metric(page, "信访收件")).to_have_text("5件")
    expect(metric(page, "办结率")).to_have_text("60%（3/5）")

    open_data_page(page)
    page.get_by_role("tab", name="导入历史").click()
    history = grid(dataframe_with(page, "导入时间"))
    assert [(r["批次"], r["说明"], r["状态"]) for r in history] == [("2", "补报", "有效"), ("1", "一季度", "有效")]
    expect(page.get_by_role("combobox", name="查看批次")).to_have_value(re.compile(r"^批次 2（.*）补报$"))
    records = {r["信访编号"]: r for r in grid(dataframe_with(page, "信访编号"))}
    assert {k: r["变动"] for k, r in records.items()} == {"XF-1": "更新", "XF-4": "新增", "XF-5": "新增"}
    assert (records["XF-1"]["是否按期办结"], records["XF-5"]["是否按期办结"], records["XF-5"]["办结日期"]) == (
        "否",
        "—（未办结）",
        "—（未办结）",
    ), "a blank cell says what it means"
    page.get_by_role("button", name="撤销该批次…").click()
    expect(page.get_by_text("确认撤销批次 2？")).to_be_visible()
    preview = grid(dataframe_with(page, "结果"))
    assert [(r["数据集"], r["结果"], r["记录数"], r["原因"]) for r in preview] == [
        ("信访", "将删除", "2", "只有本批次载有这些记录"),
        ("信访", "恢复为之前版本", "1", "恢复为批次 1 中的版本"),
    ]
    shot(page, "rollback-confirm")
    assert not store.batches()[1]["rolled_back"]

    page.get_by_role("button", name="确认撤销").click()
    expect(page.get_by_text("已撤销批次 2，各页面已显示撤销后的数据。")).to_be_visible()
    page.get_by_role("tab", name="导入历史").click()
    expect(page.get_by_text("该批次已于")).to_be_visible()
    history = grid(dataframe_with(page, "导入时间"))
    assert [(r["批次"], r["状态"]) for r in history] == [("2", "已撤销"), ("1", "有效")]
    assert store.batches()[1]["rolled_back"]
    shot(page, "rolled-back")

    open_page(page, "总览")
    choose_quarter(page, "2025年第1季度")
    expect(metric(page, "信访收件")).to_have_text("3件")
    expect(metric(page, "办结率")).to_have_text("33.3%（1/3）")


EVIL = "evil.example"
HOSTILE_NAME = f"![x](https://{EVIL}/p.png)[点这里](https://{EVIL}):red[伪造].xlsx"
HOSTILE_UNIT = f'[官方通知](https://{EVIL}) <a href="https://{EVIL}">链接</a> :material/warning:'


def test_hostile_file_names_and_cells_are_shown_as_text_and_nothing_is_fetched(page, store, tmp_path):
    """A file name or a ledger cell that is Markdown, HTML or Plotly markup loads nothing and links nowhere."""
    fetched = []
    page.context.on("request", lambda request: fetched.append(request.url) if EVIL in request.url else None)
    data = xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", "2025-01-05", HOSTILE_UNIT, unit=HOSTILE_UNIT)]})
    run_import(store, [upload(HOSTILE_NAME, data)], label=f"[说明](https://{EVIL})")
    page.reload()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()

    open_data_page(page)
    page.locator("input[type=file]").set_input_files(
        [{"name": HOSTILE_NAME, "mimeType": "application/octet-stream", "buffer": data}]
    )
    expect(page.get_by_text("检查通过，未发现问题。")).to_be_visible()
    notice = page.get_by_test_id("stAlert").filter(has_text="重复上传")
    expect(notice).to_be_visible()
    assert HOSTILE_NAME in notice.inner_text().replace("\u2060", ""), "the name as given, character for character"
    page.get_by_role("tab", name="导入历史").click()
    caption = page.get_by_text("SHA-256：").first
    expect(caption).to_be_visible()
    assert HOSTILE_NAME in caption.inner_text().replace("\u2060", "")
    shot(page, "hostile-names")

    open_page(page, "信访")
    expect(page.get_by_role("heading", name="本期信访记录")).to_be_visible()  # the whole page, after its first chart
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text="单位").click()
    page.get_by_role("option", name=HOSTILE_UNIT).click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    page.wait_for_timeout(1000)
    shot(page, "hostile-chart")
    assert page.locator(f'a[href*="{EVIL}"], img[src*="{EVIL}"], image[href*="{EVIL}"]').count() == 0
    assert fetched == [], fetched

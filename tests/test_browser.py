"""The real dashboard in Debian's chromium: every page renders its charts, without errors, and downloads work.

One `streamlit run dashboard.py` serves the whole session from a fresh SQLite file holding the
sample ledgers; Playwright drives /usr/bin/chromium (never `playwright install`). Each page leaves a
full screenshot in test-artifacts/screenshots/ and prints how long its first chart took to appear.
"""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from appserver import ROOT, full_screenshot, serve_sample
from indicators.catalog import CHART_PAGES, CHARTS, charts_of
from indicators.metrics.periods import parse_period

VIEWPORT = {"width": 1366, "height": 900}  # the most common laptop screen
TIMEOUT_MS = 60_000
PERIOD = "2024年"  # pages open on the latest complete year with data
# url path, the title it shows, how many charts and metric cards it draws (st.navigation names pages by file).
PAGES = {
    "overview": ("", "法治政府建设指标总览", 0, 9),
    "petitions": ("petitions", "信访", 4, 3),
    "cases": ("cases", "复议应诉", 4, 4),
    "sessions": ("sessions", "培训学法", 4, 3),
    "report": ("report", "报告", 0, 0),
    "data": ("data", "数据管理", 0, 0),
}
CHART_TITLES = {page: [c.heading(parse_period("2024")) for c in charts_of(page)] for page in CHART_PAGES}


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """`streamlit run dashboard.py` on a free port against a fresh SQLite file with the sample loaded."""
    with serve_sample(tmp_path_factory.mktemp("dashboard")) as running:
        yield running.url


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors  # type: ignore[attr-defined]
    yield tab
    tab.close()


def open_page(page, server: str, name: str) -> float | None:
    """Open a page and wait until it has rendered; seconds from navigation to the first chart visible."""
    path, title, charts, metrics = PAGES[name]
    start = time.perf_counter()
    page.goto(f"{server}/{path}")
    first_chart = None
    if charts:
        page.locator(".js-plotly-plot").first.wait_for(state="visible")
        first_chart = time.perf_counter() - start
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}")
    page.wait_for_function(f"document.querySelectorAll('[data-testid=stMetric]').length >= {metrics}")
    page.get_by_role("heading", level=1).filter(has_text=title).first.wait_for()
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()
    return first_chart


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_its_charts_without_errors(server, page, name, capsys):
    first_chart = open_page(page, server, name)
    charts = PAGES[name][2]
    plots = page.locator(".js-plotly-plot")
    assert plots.count() >= charts
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    assert not page.js_errors, page.js_errors
    assert page.locator("[data-testid=stMetric]").count() == PAGES[name][3]
    if name != "data":
        assert PERIOD in page.get_by_role("heading", level=1).first.inner_text()
        assert "示例数据" in page.inner_text("[data-testid=stMain]")
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
        ".filter(e => [e, ...e.querySelectorAll('*')].some(n => n.scrollWidth > n.clientWidth + 1))"
        ".map(e => e.innerText)"
    )
    assert not clipped, f"metric values cut off at {VIEWPORT['width']} px: {clipped}"
    rendered = page.locator(".js-plotly-plot .gtitle").all_text_contents()
    for chart_title in CHART_TITLES.get(name, []):
        assert any(t.startswith(chart_title) for t in rendered), (chart_title, rendered)
    shot = full_screenshot(page, name)
    assert png_size(shot.read_bytes())[1] >= VIEWPORT["height"]
    with capsys.disabled():
        waited = "no chart" if first_chart is None else f"first chart visible after {first_chart:.2f} s"
        print(f"\n[browser] {name}: {waited}; screenshot {shot.relative_to(ROOT)}")


@pytest.mark.browser
def test_png_download_is_a_sharp_png_named_after_chart_and_period(server, page):
    open_page(page, server, "petitions")
    button = page.locator(".st-key-channel-png").get_by_role("button", name="下载图片 PNG")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        button.click()
    assert download.value.suggested_filename == f"信访件数（按来源渠道）_{PERIOD}_全部单位.png"
    data = Path(download.value.path()).read_bytes()
    assert png_size(data) == (1920, 1080)


@pytest.mark.browser
def test_data_download_is_the_table_behind_the_chart(server, page):
    open_page(page, server, "petitions")
    button = page.locator(".st-key-channel-xlsx").get_by_role("button", name="下载数据 Excel")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        button.click()
    assert download.value.suggested_filename == f"信访件数（按来源渠道）_{PERIOD}_全部单位.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "信访件数（按来源渠道）" and rows[1][0] == f"期间：{PERIOD} · 单位：全部单位"
    rows = rows[4:]  # under the heading (title, scope, source) and a blank row
    assert rows[0] == ("来源渠道", "件数", "占比")
    assert sum(r[1] for r in rows[1:]) == 311, "the chart's table for 2024 adds up to the report's 311 petitions"


@pytest.mark.browser
def test_the_page_is_chinese_in_language_glyphs_uploader_and_chart_toolbar(server, page):
    open_page(page, server, "data")
    # The page's first script (st.html, whose code loads beside the page's first texts) says zh-CN.
    page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=5_000)
    dropzone = page.locator("[data-testid=stFileUploaderDropzone]")
    expect(dropzone).to_contain_text("选择文件")
    shown = dropzone.text_content()
    assert "每个文件不超过 50 MB · XLSX、XLS、XLSM、CSV" in shown
    assert "Upload" not in shown and "per file" not in shown, "no English text, drawn or not, for a screen reader"
    assert dropzone.locator("input[type=file]").get_attribute("aria-label") == "选择台账文件"
    note = ROOT / "test-artifacts" / "说明.txt"
    note.parent.mkdir(exist_ok=True)
    note.write_text("不是台账", encoding="utf-8")
    dropzone.locator("input[type=file]").set_input_files(str(note))
    uploader = page.get_by_test_id("stFileUploader")
    expect(uploader).to_contain_text("错误：不接受此类文件（text/plain），请选择 XLSX、XLS、XLSM 或 CSV 文件")
    names = uploader.evaluate("e => [...e.querySelectorAll('[aria-label]')].map((n) => n.getAttribute('aria-label'))")
    assert "移除 说明.txt" in names and not [n for n in names if "Remove" in n or "Help for" in n], names
    open_page(page, server, "petitions")
    page.locator(".js-plotly-plot").first.hover()
    assert page.locator(".modebar-btn").first.get_attribute("data-title") == "下载图片（PNG）"
    unit_box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="单位")
    assert "全部单位" in unit_box.evaluate("e => e.textContent + [...e.querySelectorAll('input')].map(i => i.value)")


@pytest.mark.browser
def test_printing_a_page_leaves_out_the_sidebar_toolbars_and_buttons(server, page):
    open_page(page, server, "petitions")
    page.emulate_media(media="print")
    try:
        assert not page.get_by_test_id("stSidebar").is_visible()
        visible_buttons = page.evaluate(
            "() => [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null).map(b => b.innerText)"
        )
        assert visible_buttons == [], visible_buttons
        assert page.locator(".js-plotly-plot").first.is_visible()
        pdf = page.pdf(format="A4")
        assert pdf[:4] == b"%PDF"
    finally:
        page.emulate_media(media="screen")


@pytest.mark.browser
def test_each_page_explains_its_indicators_from_their_one_declaration(server, page):
    from indicators.metrics.definitions import INDICATORS

    open_page(page, server, "cases")
    page.get_by_text("指标定义").click()
    text = page.inner_text("[data-testid=stExpander]")
    for item in INDICATORS:
        if item.section == "litigation":
            assert item.name in text


@pytest.mark.browser
@pytest.mark.parametrize(
    ("label", "suffix", "magic"),
    [("下载 Word（.docx）", "docx", b"PK"), ("下载幻灯片（.pptx）", "pptx", b"PK"), ("下载文字（.md）", "md", b"# ")],
)
def test_the_report_page_downloads_each_format_of_the_briefing(server, page, label, suffix, magic):
    open_page(page, server, "report")
    button = page.get_by_role("button", name=label)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        button.click()
    assert download.value.suggested_filename == f"法治政府建设指标简报_{PERIOD}_全部单位.{suffix}"
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(magic)
    if suffix == "md":
        assert "2024年我局共收信访311件" in data.decode("utf-8")
    else:
        import zipfile

        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        media = [n for n in names if n.startswith(("word/media/", "ppt/media/"))]
        assert len(media) == len(CHARTS) - 2, "a picture per chart but 参加人次 and 学时, which the sample lacks"

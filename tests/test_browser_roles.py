"""Sign-in and roles in Debian's chromium: signed out, a viewer, an editor of one unit, an admin.

One server on a store holding the sample (本单位) and petitions of 法规科 and 执法支队, with a user
of each role made by the command line as on a new server.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from people import ADMIN, LEGAL, LEGAL_EDITOR, LEGAL_VIEWER, OTHER, PASSWORD, VIEWER, add

from appserver import SCREENSHOTS, serve
from indicators import cli
from indicators.access import Role
from indicators.ingest.reading import Upload
from indicators.store import Store, audit, make_engine
from indicators.store.importer import run_import
from ledgers import PETITION_HEADER, petition, xlsx_bytes

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000
VIEW_PAGES = ["总览", "信访", "复议应诉", "培训学法", "报告"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[SimpleNamespace]:
    work = tmp_path_factory.mktemp("roles")
    db_url = f"sqlite:///{work / 'roles.sqlite3'}"
    store = Store(make_engine(db_url))
    cli.load_sample(store)
    rows = [petition(f"F{i}", received=f"2024-11-0{i}", unit=LEGAL) for i in range(1, 4)]
    rows += [petition("Z1", received="2024-11-05", unit=OTHER)]
    assert run_import(store, [Upload("台账.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, *rows]}))]).ok
    add(store, ADMIN, Role.ADMIN)
    add(store, VIEWER, Role.VIEWER)
    add(store, LEGAL_EDITOR, Role.EDITOR, (LEGAL,))
    add(store, LEGAL_VIEWER, Role.VIEWER, (LEGAL,))
    store.engine.dispose()
    with serve(work, db_url) as running:
        yield SimpleNamespace(url=running.url, store=Store(make_engine(db_url)))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def settled(page) -> None:
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()


def sign_in(page, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_timeout(500)
    settled(page)


def nav_links(page) -> list[str]:
    """The page names the sidebar offers (each link's text after its icon's name)."""
    return [t.split("\n")[-1] for t in page.locator("[data-testid=stSidebarNav] a").all_inner_texts()]


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"roles-{name}.png"), full_page=True)


def test_signed_out_a_visitor_sees_only_the_sign_in_form_on_any_address(server, page):
    for path in ("", "petitions", "data", "admin", "audit"):
        page.goto(f"{server.url}/{path}")
        page.get_by_role("button", name="登录").wait_for()
        settled(page)
        assert page.locator(".js-plotly-plot").count() == 0
        assert page.locator("[data-testid=stMetric]").count() == 0
        assert page.locator("[data-testid=stFileUploader]").count() == 0
        assert nav_links(page) == []
    shot(page, "signed-out")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(server, page):
    sign_in(page, server.url, VIEWER, "not the password")
    page.get_by_text("用户名或密码不正确").wait_for()
    assert page.locator("[data-testid=stMetric]").count() == 0


def test_a_viewer_sees_the_indicator_pages_and_their_downloads_are_audited(server, page):
    sign_in(page, server.url, VIEWER)
    page.locator("[data-testid=stMetric]").first.wait_for()
    assert nav_links(page) == VIEW_PAGES
    page.get_by_role("link", name="信访").click()
    page.locator(".js-plotly-plot").first.wait_for()
    settled(page)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="下载数据 Excel").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    exports = audit.rows(server.store.engine, server.store.actor, actor=VIEWER, actions=["export"])
    assert len(exports) == 1 and '"chart_xlsx"' in exports["detail"][0]
    shot(page, "viewer")


def test_a_viewer_of_one_unit_sees_its_figures_only_in_the_pages_and_the_download(server, page):
    sign_in(page, server.url, LEGAL_VIEWER)
    page.locator("[data-testid=stMetric]").first.wait_for()
    page.get_by_role("link", name="信访").click()
    page.locator(".js-plotly-plot").first.wait_for()
    settled(page)
    assert page.locator("[data-testid=stMetricValue]").first.inner_text() == "3件"
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="下载全部 3 条记录 Excel").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = list(book.active.iter_rows(min_row=5, values_only=True))  # under the title, scope, source, blank row
    header = rows[0]
    units = {r[header.index("单位")] for r in rows[1:]}
    assert units == {LEGAL}
    shot(page, "unit-viewer")


def test_an_editor_uploading_a_file_that_mixes_two_units_is_refused_row_by_row(server, page, tmp_path):
    before = len(server.store.batches())
    sign_in(page, server.url, LEGAL_EDITOR)
    assert nav_links(page) == [*VIEW_PAGES, "数据管理"]
    page.get_by_role("link", name="数据管理").click()
    settled(page)
    mixed = tmp_path / "混合台账.xlsx"
    rows = [petition("F9", received="2024-12-01", unit=LEGAL), petition("Z9", received="2024-12-02", unit=OTHER)]
    mixed.write_bytes(xlsx_bytes({"信访": [PETITION_HEADER, *rows]}))
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(mixed))
    page.get_by_text("本批次未保存任何数据").wait_for()
    settled(page)
    assert "发现 1 处问题" in page.inner_text("[data-testid=stMain]")
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert len(server.store.batches()) == before
    shot(page, "editor-mixed")


def test_an_admin_has_the_user_and_audit_pages(server, page):
    sign_in(page, server.url, ADMIN)
    assert nav_links(page) == [*VIEW_PAGES, "数据管理", "用户与目标", "审计日志"]
    page.get_by_role("link", name="审计日志").click()
    page.get_by_role("heading", name="审计日志").wait_for()
    settled(page)
    logged = len(audit.rows(server.store.engine, server.store.actor))
    assert f"共 {logged} 条，最新的在前" in page.inner_text("[data-testid=stMain]")
    shot(page, "admin-audit")
    page.get_by_role("link", name="用户与目标").click()
    page.get_by_role("heading", name="用户与目标").wait_for()
    settled(page)
    shot(page, "admin-users")
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").wait_for()

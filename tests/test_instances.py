"""Two real dashboard instances on one database (PostgreSQL in the PostgreSQL run): one truth.

An import through one instance is seen by a session of the other on its next rerun (page caches are
keyed on the store's version, read from the database), and a user made on one signs in on the other.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import new_database
from people import ADMIN, add

from appserver import SCREENSHOTS, launch_chromium, serve
from indicators.access import Role
from indicators.store import Store, make_engine
from ledgers import PETITION_HEADER, petition, xlsx_bytes

pytestmark = [pytest.mark.instances, pytest.mark.store]
TIMEOUT_MS = 60_000
NEWCOMER, NEW_PASSWORD = "newcomer", "a new password 9"


def settled(page) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for()


def sign_in(page, url: str, name: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for()
    settled(page)


def test_an_import_and_a_new_user_on_one_instance_are_seen_on_the_other(tmp_path):
    from playwright.sync_api import sync_playwright

    with new_database(tmp_path) as url:
        store = Store(make_engine(url))
        add(store, ADMIN, Role.ADMIN)
        with serve(tmp_path / "a", url) as one, serve(tmp_path / "b", url) as other, sync_playwright() as p:
            browser = launch_chromium(p)
            a = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
            b = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
            for page in (a, b):
                page.set_default_timeout(TIMEOUT_MS)

            # On instance one, the admin makes a user.
            from people import PASSWORD

            sign_in(a, one.url, ADMIN, PASSWORD)
            a.get_by_role("link", name="用户与目标").click()
            settled(a)
            a.get_by_role("tab", name="新增用户").click()
            a.get_by_label("用户名").fill(NEWCOMER)
            a.get_by_label("密码（至少 10 个字符）").fill(NEW_PASSWORD)
            a.get_by_label("再输入一次密码").fill(NEW_PASSWORD)
            a.get_by_role("button", name="新增用户").click()
            a.get_by_text(f"已新增用户“{NEWCOMER}”").wait_for()

            # On instance two, that user signs in; the store is still empty.
            sign_in(b, other.url, NEWCOMER, NEW_PASSWORD)
            b.get_by_text("还没有任何数据").wait_for()  # and, as a viewer, no link to a page not theirs

            # On instance one, the admin imports a ledger.
            a.get_by_role("link", name="数据管理").click()
            settled(a)
            ledger = tmp_path / "信访台账.xlsx"
            rows = [petition(f"XF{i}", received=f"2025-02-0{i}") for i in range(1, 4)]
            ledger.write_bytes(xlsx_bytes({"信访": [PETITION_HEADER, *rows]}))
            a.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(ledger))
            a.get_by_role("button", name="确认导入").click()
            a.get_by_text("导入成功：批次 1").wait_for()

            # Instance two's session sees it on its next rerun.
            b.get_by_role("link", name="信访").click()
            b.locator("[data-testid=stMetricValue]").first.wait_for()
            settled(b)
            assert b.locator("[data-testid=stMetricValue]").first.inner_text() == "3件"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            b.screenshot(path=str(SCREENSHOTS / "instance-two-after-import.png"), full_page=True)
            browser.close()
        store.engine.dispose()
    assert Path(one.log).exists() and "Traceback" not in one.log.read_text() + other.log.read_text()

"""Sign-in, roles and the audit in the app, through AppTest (dashboard.py, every page, each role)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import streamlit as st
from people import ADMIN, LEGAL, LEGAL_EDITOR, LEGAL_VIEWER, OTHER, PASSWORD, VIEWER, everyone
from streamlit.testing.v1 import AppTest

import ui
from indicators.access import Role
from indicators.cli import load_sample
from indicators.store import audit, users
from indicators.store.importer import run_import
from ledgers import PETITION_HEADER, petition, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEW_PAGES = ["总览", "信访", "复议应诉", "培训学法"]
PAGE_FILES = {
    "总览": "pages/overview.py",
    "信访": "pages/petitions.py",
    "数据管理": "pages/data.py",
    "用户与目标": "pages/admin.py",
    "审计日志": "pages/audit.py",
}


@pytest.fixture(autouse=True)
def fresh_caches(db_url, navigation_only):
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    if "ui" in sys.modules:
        ui.get_store(db_url).engine.dispose()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def people(store):
    load_sample(store)  # 本单位's 2024 figures
    rows = [petition("F1", received="2024-05-06", unit=LEGAL), petition("Z1", received="2024-05-07", unit=OTHER)]
    assert run_import(store, [_file(rows)]).ok
    return everyone(store)


def _file(rows: list) -> object:
    from indicators.ingest.reading import Upload

    return Upload("台账.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, *rows]}))


def labelled(elements, label: str):
    """The one element of a kind with this label."""
    found = [e for e in elements if e.label == label]
    assert len(found) == 1, [e.label for e in elements]
    return found[0]


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    labelled(at.text_input, "用户名").set_value(name)
    labelled(at.text_input, "密码").set_value(password)
    [button] = [b for b in at.button if b.label == "登录"]
    button.click()
    at.run()
    assert not at.exception, at.exception
    return at


def visible(at: AppTest) -> str:
    """Everything a page writes as text: markdown, captions, alerts, titles, metrics."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "title", "header", "subheader", "info", "error", "warning", "success")
        for e in getattr(at, kind)
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def go(at: AppTest, title: str) -> AppTest:
    at.switch_page(PAGE_FILES[title])
    at.run()
    assert not at.exception, at.exception
    return at


def test_with_no_user_the_app_is_the_local_admins_and_says_so_on_every_page(store):
    load_sample(store)
    at = app()
    assert "本机模式" in visible(at) and not [t for t in at.text_input if t.label == "密码"]
    for title in ("信访", "数据管理", "用户与目标", "审计日志"):
        assert "本机模式" in visible(go(at, title)), title


def test_with_no_user_a_visitor_from_another_machine_is_refused(store, monkeypatch):
    load_sample(store)
    monkeypatch.setattr(ui, "client_address", lambda: "10.1.2.3")
    at = app()
    text = visible(at)
    assert "只接受本机（127.0.0.1）访问" in text and not at.metric and not at.get("plotly_chart")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/overview.py")


def test_a_signed_out_visitor_sees_the_sign_in_form_and_nothing_else(people):
    at = app()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric and not at.get("plotly_chart") and not at.get("file_uploader") and not at.sidebar.selectbox
    for page in PAGE_FILES.values():
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


@pytest.mark.parametrize("name, password", [(VIEWER, "wrong password"), ("nobody", PASSWORD)])
def test_a_wrong_name_or_password_gets_one_message_that_says_neither(people, name, password):
    at = sign_in(app(), name, password)
    assert [e.value for e in at.error] == [users.WRONG]
    assert not at.metric


def test_a_viewer_sees_the_figures_of_every_unit_but_neither_data_nor_admin_pages(people):
    at = sign_in(app(), VIEWER)
    assert at.metric and "leader" in visible(at)
    assert set(at.sidebar.selectbox(key="unit").options) == {"全部单位", OTHER, "本单位", LEGAL}
    for title in ("数据管理", "用户与目标", "审计日志"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE_FILES[title])


def test_a_viewer_of_one_unit_sees_only_its_figures_and_units(people):
    at = sign_in(app(), LEGAL_VIEWER)
    assert at.sidebar.selectbox(key="unit").options == [LEGAL]  # the total of one unit is that unit
    at.sidebar.radio(key="granularity").set_value("year").run()
    at.sidebar.selectbox(key="period").set_value("2024").run()
    cards = {m.label: m.value for m in at.metric}
    assert cards["信访收件"] == "1件"  # 法规科's one petition, not the sample's 311


def test_an_editor_uploads_their_units_rows_and_a_mixed_file_is_refused_naming_the_rows(people, store):
    at = sign_in(app(), LEGAL_EDITOR)
    go(at, "数据管理")
    mixed = xlsx_bytes({"信访": [PETITION_HEADER, petition("F2", unit=LEGAL), petition("Z2", unit=OTHER)]})
    at.file_uploader[0].set_value([("混合.xlsx", mixed, XLSX)])
    at.run()
    assert "本批次未保存任何数据" in at.error[0].value
    [report] = [d.value for d in at.dataframe if "问题" in d.value.columns]
    assert report["行号"].tolist() == [3] and OTHER in report["问题"][0]
    assert not [t for t in at.text_input if t.label == "导入人（选填）"]
    before = len(store.batches())
    at.file_uploader[0].set_value(
        [("法规科.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, petition("F3", unit=LEGAL)]}), XLSX)]
    )
    at.run()
    assert f"导入人：{LEGAL_EDITOR}" in visible(at)
    labelled(at.button, "确认导入").click()
    at.run()
    assert "导入成功" in at.success[0].value
    assert len(store.batches()) == before + 1 and store.batches()[-1]["user"] == LEGAL_EDITOR
    for title in ("用户与目标", "审计日志"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE_FILES[title])


def test_an_admin_adds_a_user_who_can_then_sign_in_and_sees_the_audit(people, store):
    at = sign_in(app(), ADMIN)
    go(at, "用户与目标")
    labelled(at.text_input, "用户名").set_value("newcomer")
    labelled(at.text_input, "密码（至少 10 个字符）").set_value("a new password 9")
    labelled(at.text_input, "再输入一次密码").set_value("a new password 9")
    labelled(at.button, "新增用户").click()
    at.run()
    assert not at.exception and "已新增用户“newcomer”" in at.success[0].value
    assert users.sign_in(store.engine, "newcomer", "a new password 9", "10.0.0.1").name == "newcomer"
    go(at, "审计日志")
    [log] = [d.value for d in at.dataframe if "操作" in d.value.columns]
    assert {"新增用户", "登录"} <= set(log["操作"])


def test_signing_out_ends_the_session_and_is_audited(people, store):
    at = sign_in(app(), VIEWER)
    labelled(at.sidebar.button, "退出登录").click()
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and not at.metric
    assert "已退出登录" in visible(at)
    assert audit.rows(store.engine, store.actor, actions=["sign_out"])["actor"].tolist() == [VIEWER]


def test_an_idle_session_expires(people, monkeypatch):
    at = sign_in(app(), VIEWER)
    at.session_state[ui.AUTH_KEY] = {**at.session_state[ui.AUTH_KEY], "seen": 0.0}
    at.run()
    assert "登录已超时" in visible(at) and not at.metric


def test_a_user_disabled_meanwhile_is_signed_out_on_the_next_run(people, store):
    at = sign_in(app(), VIEWER)
    users.set_disabled(store.engine, store.actor, VIEWER, True)
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and not at.metric


def test_an_admin_changes_a_target_and_the_cards_follow(people, store):
    at = sign_in(app(), ADMIN)
    go(at, "用户与目标")
    [box] = [n for n in at.number_input if n.label.startswith("负责人出庭应诉率目标")]
    box.set_value(100.0)
    labelled(at.button, "保存目标").click()
    at.run()
    assert store.targets().head_appearance_rate == 1.0
    [box] = [n for n in at.number_input if n.label.startswith("败诉（被纠错）率警戒值")]
    box.set_value(5.0)
    labelled(at.button, "保存目标").click()
    at.run()
    assert store.targets().loss_rate == 0.05
    assert audit.rows(store.engine, store.actor, actions=["target_changed"])["actor"].tolist() == [ADMIN]


def test_an_identity_from_the_deployments_oidc_provider_signs_in_as_the_user_of_that_name(people, store, monkeypatch):
    monkeypatch.setattr(ui, "oidc_identity", lambda: LEGAL_EDITOR)
    at = app()
    assert at.metric and LEGAL_EDITOR in visible(at)
    found = audit.rows(store.engine, store.actor, actor=LEGAL_EDITOR, actions=["sign_in"])
    assert '"oidc"' in found["detail"][0] and found["outcome"][0] == "ok"


def test_an_oidc_identity_unknown_here_is_refused_with_the_form(people, monkeypatch):
    monkeypatch.setattr(ui, "oidc_identity", lambda: "stranger@example.org")
    at = app()
    assert "未在本系统登记" in visible(at) and not at.metric
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_a_download_drawn_before_a_user_was_disabled_or_timed_out_gives_nothing(people, store):
    import time

    now = time.time()
    viewer = users.current_actor(store.engine, VIEWER, "10.0.0.1")
    fresh = {"since": now, "seen": now}
    assert ui.still_entitled(store.engine, viewer, fresh)
    assert not ui.still_entitled(store.engine, viewer, {"since": now, "seen": now - ui.IDLE_SECONDS - 1})
    assert not ui.still_entitled(store.engine, viewer, None)
    users.set_grant(store.engine, store.actor, VIEWER, Role.VIEWER, [LEGAL])
    assert not ui.still_entitled(store.engine, viewer, fresh), "rights changed since the page was drawn"
    users.set_disabled(store.engine, store.actor, VIEWER, True)
    assert not ui.still_entitled(store.engine, users.current_actor(store.engine, LEGAL_VIEWER, "x"), None)
    assert not ui.still_entitled(store.engine, ui.local_admin(), None), "a user exists: local mode is over"


def test_with_no_user_a_proxied_request_from_this_machine_is_not_local(store, monkeypatch):
    load_sample(store)
    for header in ("X-Forwarded-For", "Forwarded", "Via"):
        monkeypatch.setattr(ui, "_request_headers", lambda h=header: {h: "for=203.0.113.9"})
        at = app()
        assert "只接受本机（127.0.0.1）访问" in visible(at) and not at.metric, header


def test_an_expired_oidc_session_signs_out_of_the_provider_too(people, monkeypatch):
    logged_out = []
    monkeypatch.setattr(ui, "oidc_identity", lambda: None if logged_out else LEGAL_EDITOR)
    monkeypatch.setattr(ui.st, "logout", lambda: logged_out.append(True))
    at = app()
    assert at.metric
    at.session_state[ui.AUTH_KEY] = {**at.session_state[ui.AUTH_KEY], "seen": 0.0}
    at.run()
    assert logged_out and "登录已超时" in visible(at) and not at.metric

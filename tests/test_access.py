"""Roles and units: what each actor may see and do (indicators/access.py)."""

from __future__ import annotations

import pytest

from indicators.access import Actor, NotPermitted, Role, command_line, local_admin

LEGAL = "法规科"


def test_a_viewer_without_units_sees_every_unit_and_writes_none():
    viewer = Actor("v", Role.VIEWER)
    assert viewer.scope is None and viewer.may_see("任何单位") and not viewer.may_upload
    assert not viewer.may_write(LEGAL)


def test_a_viewer_with_units_sees_those_and_their_total_only():
    viewer = Actor("v", Role.VIEWER, frozenset({LEGAL}))
    assert viewer.scope == {LEGAL}
    assert viewer.may_see(None) and viewer.may_see(LEGAL) and not viewer.may_see("办公室")
    with pytest.raises(NotPermitted, match="办公室"):
        viewer.require_unit("办公室")


def test_an_editor_writes_and_sees_the_units_granted():
    editor = Actor("e", Role.EDITOR, frozenset({LEGAL}))
    assert editor.may_upload and editor.may_write(LEGAL) and not editor.may_write("办公室")
    assert editor.scope == {LEGAL}
    with pytest.raises(NotPermitted, match="只有管理员"):
        editor.require_admin("新增用户")


def test_admins_the_local_admin_and_the_command_line_have_every_right():
    for admin in (Actor("a", Role.ADMIN, frozenset({LEGAL})), local_admin(), command_line()):
        assert admin.scope is None and admin.may_write("任何单位") and admin.is_admin
    assert local_admin().local and command_line().local


def test_the_total_a_limited_user_sees_is_named_after_their_units_not_all_units():
    assert Actor("v", Role.VIEWER).total_label() == "全部单位"
    assert Actor("v", Role.VIEWER, frozenset({LEGAL})).total_label() == "授权单位合计（法规科）"
    many = Actor("v", Role.VIEWER, frozenset({"A", "B", "C", "D"}))
    assert many.total_label() == "授权单位合计（A、B等 4 个单位）"

"""Users in the store: hashed passwords, changes by admins only, sign-in with a rate limit (store/users.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from people import ADMIN, LEGAL, LEGAL_EDITOR, PASSWORD, VIEWER, everyone

from indicators.access import NotPermitted, Role, UserRejected
from indicators.store import audit, users
from indicators.store.tables import users as users_table


@pytest.fixture
def people(store):
    return everyone(store)


def test_passwords_are_stored_as_argon2id_hashes_never_as_given(store, people):
    with store.engine.connect() as conn:
        hashes = conn.execute(sa.select(users_table.c.password_hash)).scalars().all()
    assert len(hashes) == 4 and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert len(set(hashes)) == 4  # salted


def test_a_user_signs_in_with_their_password_and_gets_their_rights(store, people):
    actor = users.sign_in(store.engine, LEGAL_EDITOR, PASSWORD, "10.0.0.9")
    assert (actor.name, actor.role, actor.units, actor.address) == (LEGAL_EDITOR, Role.EDITOR, {LEGAL}, "10.0.0.9")


@pytest.mark.parametrize("name, password", [(VIEWER, "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_a_failed_sign_in_never_says_whether_the_name_or_the_password_was_wrong(store, people, name, password):
    with pytest.raises(users.SignInRefused) as refused:
        users.sign_in(store.engine, name, password, "10.0.0.9")
    assert str(refused.value) == users.WRONG


def test_a_disabled_user_cannot_sign_in_and_is_out_of_a_running_session(store, people):
    users.set_disabled(store.engine, people[ADMIN], VIEWER, True)
    with pytest.raises(users.SignInRefused, match="用户名或密码不正确"):
        users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.0.9")
    assert users.current_actor(store.engine, VIEWER, "10.0.0.9") is None
    users.set_disabled(store.engine, people[ADMIN], VIEWER, False)
    assert users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.0.9").name == VIEWER


def test_failed_sign_ins_are_limited_per_name_and_address_even_with_the_right_password(store, people):
    for _ in range(users.MAX_FAILURES_PER_NAME_AND_ADDRESS):
        with pytest.raises(users.SignInRefused, match="不正确"):
            users.sign_in(store.engine, VIEWER, "wrong password", "10.0.1.1")
    with pytest.raises(users.SignInRefused, match="次数过多"):
        users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.1.1")
    # Someone else's guesses do not lock the user out where they are.
    assert users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.2.1").name == VIEWER


def test_a_name_guessed_from_many_addresses_is_held_too(store, people, monkeypatch):
    monkeypatch.setattr(users, "MAX_FAILURES_PER_NAME", 8)
    for i in range(8):
        with pytest.raises(users.SignInRefused, match="不正确"):
            users.sign_in(store.engine, VIEWER, "wrong password", f"10.0.3.{i}")
    with pytest.raises(users.SignInRefused, match="次数过多"):
        users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.4.1")


def test_an_admin_unlocks_a_name_at_once(store, people):
    for _ in range(users.MAX_FAILURES_PER_NAME_AND_ADDRESS):
        with pytest.raises(users.SignInRefused):
            users.sign_in(store.engine, VIEWER, "wrong password", "10.0.1.1")
    with pytest.raises(NotPermitted):
        users.unlock(store.engine, people[LEGAL_EDITOR], VIEWER)
    users.unlock(store.engine, people[ADMIN], VIEWER)
    assert users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.1.1").name == VIEWER


def test_parallel_guesses_get_no_more_password_checks_than_the_limit(store, people):
    from concurrent.futures import ThreadPoolExecutor

    def guess(i: int) -> str:
        try:
            users.sign_in(store.engine, VIEWER, f"wrong {i}", "10.0.5.5")
        except users.SignInRefused as exc:
            return str(exc)
        return "in"

    with ThreadPoolExecutor(12) as pool:
        said = list(pool.map(guess, range(12)))
    assert said.count(users.WRONG) == users.MAX_FAILURES_PER_NAME_AND_ADDRESS
    assert said.count(users.TOO_MANY) == 12 - users.MAX_FAILURES_PER_NAME_AND_ADDRESS


def test_a_typed_name_with_control_characters_is_kept_printable(store, people):
    with pytest.raises(users.SignInRefused):
        users.sign_in(store.engine, "ZZ\x1b[31mX\u202e", "wrong password", "10.0.0.1")
    [name] = audit.rows(store.engine, people[ADMIN], actions=["sign_in"])["actor"]
    assert name == "ZZ?[31mX?"


def test_failed_sign_ins_are_limited_per_address_across_names(store, people):
    for i in range(users.MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(users.SignInRefused):
            users.sign_in(store.engine, f"guess{i}", "wrong password", "10.9.9.9")
    with pytest.raises(users.SignInRefused, match="次数过多"):
        users.sign_in(store.engine, ADMIN, PASSWORD, "10.9.9.9")
    assert users.sign_in(store.engine, ADMIN, PASSWORD, "10.9.9.10").name == ADMIN


def test_a_success_ends_a_names_count_of_failures(store, people):
    for _ in range(users.MAX_FAILURES_PER_NAME_AND_ADDRESS - 1):
        with pytest.raises(users.SignInRefused):
            users.sign_in(store.engine, VIEWER, "wrong password", "10.0.0.1")
    users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.0.1")
    with pytest.raises(users.SignInRefused, match="不正确"):
        users.sign_in(store.engine, VIEWER, "wrong password", "10.0.0.1")
    assert users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.0.1").name == VIEWER


def test_only_admins_manage_users_and_a_user_may_change_their_own_password(store, people):
    editor = people[LEGAL_EDITOR]
    with pytest.raises(NotPermitted):
        users.add_user(store.engine, editor, "x", Role.VIEWER, [], PASSWORD)
    with pytest.raises(NotPermitted):
        users.set_password(store.engine, editor, VIEWER, "another password 1")
    with pytest.raises(NotPermitted):
        users.set_grant(store.engine, editor, LEGAL_EDITOR, Role.ADMIN, [])
    users.set_password(store.engine, editor, LEGAL_EDITOR, "another password 1")
    assert users.sign_in(store.engine, LEGAL_EDITOR, "another password 1", "10.0.0.1").name == LEGAL_EDITOR


@pytest.mark.parametrize(
    "name, role, units, password, message",
    [
        (VIEWER, Role.VIEWER, [], PASSWORD, "已存在"),
        ("new", Role.VIEWER, [], "short", "密码长度"),
        ("has space", Role.VIEWER, [], PASSWORD, "不能含空格"),
        ("x" * 65, Role.VIEWER, [], PASSWORD, "内容过长"),
        ("new", Role.EDITOR, [], PASSWORD, "至少要授权一个单位"),
        ("new", Role.VIEWER, ["单位\u202e"], PASSWORD, "控制字符"),
    ],
)
def test_a_user_that_cannot_be_made_is_refused_in_chinese(store, people, name, role, units, password, message):
    with pytest.raises(UserRejected, match=message):
        users.add_user(store.engine, people[ADMIN], name, role, units, password)


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(store, people):
    with pytest.raises(UserRejected, match="唯一启用的管理员"):
        users.set_disabled(store.engine, people[ADMIN], ADMIN, True)
    with pytest.raises(UserRejected, match="唯一启用的管理员"):
        users.set_grant(store.engine, people[ADMIN], ADMIN, Role.VIEWER, [])
    users.set_grant(store.engine, people[ADMIN], VIEWER, Role.ADMIN, [])
    users.set_disabled(store.engine, people[ADMIN], ADMIN, True)


def test_every_user_change_and_sign_in_is_audited_without_the_password(store, people):
    users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.0.1")
    with pytest.raises(users.SignInRefused):
        users.sign_in(store.engine, VIEWER, "wrong password", "10.0.0.2")
    users.set_password(store.engine, people[ADMIN], VIEWER, "another password 1")
    found = audit.rows(store.engine, people[ADMIN])
    actions = list(zip(found["action"], found["outcome"], found["actor"], found["address"], strict=True))
    assert actions[:3] == [
        ("password_changed", "ok", ADMIN, "10.0.0.8"),
        ("sign_in", "failed", VIEWER, "10.0.0.2"),
        ("sign_in", "ok", VIEWER, "10.0.0.1"),
    ]
    assert found["action"].tolist().count("user_added") == 4
    everything = " ".join(found.astype(str).to_numpy().ravel())
    assert PASSWORD not in everything and "another password" not in everything and "wrong password" not in everything


def test_two_admins_disabling_each_other_at_once_leave_one_admin(store, people):
    from concurrent.futures import ThreadPoolExecutor

    users.set_grant(store.engine, people[ADMIN], VIEWER, Role.ADMIN, [])

    def disable(name: str) -> str:
        try:
            users.set_disabled(store.engine, people[ADMIN], name, True)
        except UserRejected:
            return "refused"
        return "done"

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(disable, [ADMIN, VIEWER])) == ["done", "refused"]
    assert sum(u.role is Role.ADMIN and not u.disabled for u in users.list_users(store.engine)) == 1

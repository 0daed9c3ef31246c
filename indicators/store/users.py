"""Users in the store: add, change, disable, list, and sign in with a rate limit.

Passwords are hashed with Argon2id (argon2-cffi, its recommended parameters); a hash is never shown.
Every change is audited in the same transaction as the change itself.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..access import ROLE_LABELS, Actor, NotPermitted, Role, UserRejected
from ..ingest.normalize import cell_text, text_problem
from . import audit
from .audit import Action
from .engine import write_transaction
from .tables import UNIT_PREFIX_CHARS, USER_NAME_CHARS, users

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
# Failed sign-ins within WINDOW_SECONDS before sign-in is refused until the window passes: for a name
# from one address, from one address for any name, and for a name from everywhere (a slow, spread
# guess). Counting a name per address keeps one visitor from locking everyone else out of an account.
WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_NAME_AND_ADDRESS = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_NAME = 100
WRONG = "用户名或密码不正确，或该用户已停用。"
TOO_MANY = "登录失败次数过多，请 15 分钟后再试。"

_hasher = PasswordHasher()
_SIGN_IN = threading.Lock()
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class SignInRefused(Exception):
    """A failed sign-in; the message never says whether the name or the password was wrong."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    units: tuple[str, ...]
    disabled: bool
    created_at: str
    changed_at: str

    def actor(self, address: str = "") -> Actor:
        return Actor(self.name, self.role, frozenset(self.units), address)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "role": self.role.value,
            "role_label": ROLE_LABELS[self.role],
            "units": list(self.units),
            "disabled": self.disabled,
            "created_at": self.created_at,
            "changed_at": self.changed_at,
        }


def _user(row: sa.Row) -> User:
    return User(
        row.name, Role(row.role), tuple(json.loads(row.units)), bool(row.disabled), row.created_at, row.changed_at
    )


def check_name(name: str) -> str:
    name = cell_text(name)
    if problem := text_problem(name, USER_NAME_CHARS):
        raise UserRejected(f"用户名{problem}")
    if not name or any(c.isspace() for c in name):
        raise UserRejected("用户名不能为空，也不能含空格、换行或制表符。")
    return name


def check_password(password: str) -> str:
    password = password.rstrip("\r\n")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise UserRejected(f"密码长度应为 {MIN_PASSWORD_CHARS} 至 {MAX_PASSWORD_CHARS} 个字符。")
    if password.strip() != password or any(c in password for c in "\r\n"):
        raise UserRejected("密码首尾不能有空格，也不能含换行。")
    return password


def check_grant(role: Role, units: list[str]) -> tuple[str, ...]:
    """The units granted, cleaned: an editor needs at least one, an admin has every unit anyway."""
    cleaned = []
    for unit in units:
        unit = cell_text(unit)
        if problem := text_problem(unit, UNIT_PREFIX_CHARS):
            raise UserRejected(f"单位“{unit[:40]}”{problem}")
        if unit and unit not in cleaned:
            cleaned.append(unit)
    if role is Role.EDITOR and not cleaned:
        raise UserRejected("填报用户至少要授权一个单位。")
    return () if role is Role.ADMIN else tuple(sorted(cleaned))


def any_users(engine: Engine) -> bool:
    """Whether any user exists: until one does, the app is the single local admin's on 127.0.0.1."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.exists().where(users.c.id.isnot(None)))).scalar_one()


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]


def get_user(engine: Engine, name: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    return _user(row) if row else None


def add_user(engine: Engine, actor: Actor, name: str, role: Role, units: list[str], password: str) -> User:
    actor.require_admin("新增用户")
    name, password, granted = check_name(name), check_password(password), check_grant(role, units)
    now = audit.utc_now()
    values = {
        "name": name,
        "role": role.value,
        "units": json.dumps(list(granted), ensure_ascii=False),
        "password_hash": _hasher.hash(password),
        "created_at": now,
        "changed_at": now,
    }
    try:
        with engine.begin() as conn:
            conn.execute(users.insert(), values)
            audit.record(conn, actor, Action.USER_ADDED, user=name, role=role.value, units=list(granted))
    except IntegrityError:
        raise UserRejected(f"用户“{name}”已存在。") from None
    return get_user(engine, name)  # type: ignore[return-value]


def _change(
    engine: Engine, actor: Actor, name: str, values: dict, action: str, keep_admin: bool = False, **detail
) -> User:
    """Change a user and audit it in one transaction under the store's write lock, so that two admins
    demoting or disabling each other at once cannot leave no admin."""
    with write_transaction(engine) as conn:
        if keep_admin:
            _keep_an_admin(conn, name)
        done = conn.execute(
            users.update().where(users.c.name == name).values(**values, changed_at=audit.utc_now())
        ).rowcount
        if not done:
            raise UserRejected(f"没有名为“{name}”的用户。")
        audit.record(conn, actor, action, user=name, **detail)
    return get_user(engine, name)  # type: ignore[return-value]


def set_password(engine: Engine, actor: Actor, name: str, password: str) -> User:
    """An admin sets anyone's password; a user may set their own."""
    if actor.name != name or actor.local:
        actor.require_admin("修改他人的密码")
    password = check_password(password)
    return _change(engine, actor, name, {"password_hash": _hasher.hash(password)}, Action.PASSWORD_CHANGED)


def set_grant(engine: Engine, actor: Actor, name: str, role: Role, units: list[str]) -> User:
    actor.require_admin("修改用户权限")
    granted = check_grant(role, units)
    values = {"role": role.value, "units": json.dumps(list(granted), ensure_ascii=False)}
    demoted = role is not Role.ADMIN
    return _change(engine, actor, name, values, Action.USER_CHANGED, demoted, role=role.value, units=list(granted))


def set_disabled(engine: Engine, actor: Actor, name: str, disabled: bool) -> User:
    actor.require_admin("停用或启用用户")
    action = Action.USER_DISABLED if disabled else Action.USER_ENABLED
    return _change(engine, actor, name, {"disabled": disabled}, action, disabled)


def _keep_an_admin(conn: Connection, name: str) -> None:
    """Refuse to demote or disable the last active admin: nobody could manage users afterwards."""
    others = conn.execute(
        sa.select(sa.func.count()).where(
            users.c.role == Role.ADMIN.value, users.c.disabled == sa.false(), users.c.name != name
        )
    ).scalar_one()
    this = conn.execute(sa.select(users.c.role).where(users.c.name == name)).scalar()
    if this == Role.ADMIN.value and not others:
        raise UserRejected(f"“{name}”是唯一启用的管理员，不能停用或降级；请先新增另一位管理员。")


def _refused_by_rate(conn: Connection, name: str, address: str) -> bool:
    since, after = audit.utc_ago(WINDOW_SECONDS), audit.last_reset(conn, name)
    return (
        audit.failures_since(conn, since, name=name, address=address, after=after) >= MAX_FAILURES_PER_NAME_AND_ADDRESS
        or audit.failures_since(conn, since, address=address) >= MAX_FAILURES_PER_ADDRESS
        or audit.failures_since(conn, since, name=name, after=after) >= MAX_FAILURES_PER_NAME
    )


def shown_name(typed: str) -> str:
    """A typed user name as it may be kept and shown: trimmed, cut, control characters as "?"."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in cell_text(typed))[:USER_NAME_CHARS]


def sign_in(engine: Engine, name: str, password: str, address: str) -> Actor:
    """The actor for a name and password, or SignInRefused (audited either way, rate-limited per name and
    address, per address and per name). The message is the same for an unknown name, a wrong password and
    a disabled user. One sign-in at a time per instance: the rate check and the audit row of an attempt
    are not raced by parallel attempts, and Argon2's 64 MB per check stay one at a time."""
    name = shown_name(name)
    with _SIGN_IN:
        with engine.connect() as conn:
            limited = _refused_by_rate(conn, name, address)
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if limited:
            audit.write(engine, name, Action.SIGN_IN, audit.REFUSED, address, reason="rate_limited")
            raise SignInRefused(TOO_MANY)
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password[:MAX_PASSWORD_CHARS])
            ok = row is not None and not row.disabled
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            audit.write(engine, name, Action.SIGN_IN, audit.FAILED, address)
            raise SignInRefused(WRONG)
        audit.write(engine, name, Action.SIGN_IN, audit.OK, address)
    return _user(row).actor(address)


def unlock(engine: Engine, actor: Actor, name: str) -> None:
    """Let a name sign in again at once, whatever its recent failures (admins; audited)."""
    actor.require_admin("解除登录限制")
    audit.write(engine, actor, Action.USER_UNLOCKED, user=name)  # the name's failures before it no longer count


def sign_in_external(engine: Engine, name: str, address: str) -> Actor:
    """The actor for an identity a deployment's OpenID Connect provider vouched for (st.login): it must
    be a user here, not disabled; audited either way."""
    name = cell_text(name)[:USER_NAME_CHARS]
    user = get_user(engine, name)
    if user is None or user.disabled:
        audit.write(engine, name, Action.SIGN_IN, audit.FAILED, address, method="oidc")
        raise SignInRefused(f"统一身份认证的账号“{name}”未在本系统登记或已停用，请联系管理员。")
    audit.write(engine, name, Action.SIGN_IN, audit.OK, address, method="oidc")
    return user.actor(address)


def current_actor(engine: Engine, name: str, address: str) -> Actor | None:
    """The signed-in user's rights as they are now: None once the user was disabled or removed."""
    user = get_user(engine, name)
    return None if user is None or user.disabled else user.actor(address)


__all__ = ["NotPermitted", "SignInRefused", "User", "UserRejected"]

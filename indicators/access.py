"""Who is acting and what they may do: roles, units granted, and the refusal every layer raises.

A top-level declaration like schema.py: the store, the importer, the metrics and the pages all ask
an `Actor` what it may do, so a right is decided here once and enforced where the data is.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


ROLE_LABELS = {Role.VIEWER: "查看", Role.EDITOR: "填报", Role.ADMIN: "管理员"}
ROLE_RIGHTS = {
    Role.VIEWER: "查看各页面并导出图表和数据（全部单位，或授权的单位）",
    Role.EDITOR: "查看授权单位的数据，上传和撤销授权单位的台账批次",
    Role.ADMIN: "管理用户、指标目标和审计日志，查看和管理全部单位",
}
LOCAL_ADMIN_NAME = "本机管理员"


class NotPermitted(PermissionError):
    """An action the acting user has no right to; the message says why in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserRejected(ValueError):
    """A change to users that cannot be carried out as given (messages in Chinese)."""


@dataclass(frozen=True)
class Actor:
    """The person (or the command line) behind a request, with the rights of their role.

    `units` are the units granted: a viewer with none sees every unit; an editor works on the
    units granted only; an admin has every unit. `address` is where the request came from.
    """

    name: str
    role: Role
    units: frozenset[str] = field(default_factory=frozenset)
    address: str = ""
    local: bool = False  # the single local admin (no user configured) or the command line

    @property
    def scope(self) -> frozenset[str] | None:
        """The units whose records this actor may see; None for every unit."""
        if self.role is Role.ADMIN or (self.role is Role.VIEWER and not self.units):
            return None
        return self.units

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def may_upload(self) -> bool:
        return self.role is not Role.VIEWER

    def may_see(self, unit: str | None) -> bool:
        """Whether a unit's figures (None: the total of the actor's units) may be shown to this actor."""
        return unit is None or self.scope is None or unit in self.scope

    def may_write(self, unit: str) -> bool:
        """Whether this actor may import or roll back records of a unit."""
        return self.is_admin or (self.role is Role.EDITOR and unit in self.units)

    def units_text(self) -> str:
        if self.scope is None:
            return "全部单位"
        return "、".join(sorted(self.scope)) or "（无）"

    def total_label(self) -> str:
        """What the total of every unit this actor sees is called: 全部单位, or the units granted."""
        if self.scope is None:
            return "全部单位"
        units = sorted(self.scope)
        shown = "、".join(units) if len(units) <= 3 else f"{'、'.join(units[:2])}等 {len(units)} 个单位"
        return f"授权单位合计（{shown}）"

    def describe(self) -> str:
        return f"{self.name}（{ROLE_LABELS[self.role]}：{self.units_text()}）"

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise NotPermitted(f"只有管理员可以{what}；{self.describe()}没有此权限。")

    def require_upload(self) -> None:
        if not self.may_upload:
            raise NotPermitted(f"{self.describe()}只能查看，不能上传或撤销台账。请联系管理员开通填报权限。")

    def require_unit(self, unit: str | None) -> None:
        if not self.may_see(unit):
            raise NotPermitted(f"{self.describe()}无权查看单位“{unit}”的数据。")


def local_admin(address: str = "127.0.0.1") -> Actor:
    """The one user of an app with no user configured: served on 127.0.0.1 only, with every right."""
    return Actor(LOCAL_ADMIN_NAME, Role.ADMIN, address=address, local=True)


def command_line() -> Actor:
    """Whoever runs `python -m indicators` on the server: they hold the database's credentials already."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return Actor(f"命令行（{who}）", Role.ADMIN, address="本机命令行", local=True)

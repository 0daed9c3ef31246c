"""The audit trail: append a row per sign-in, upload, import, rollback, export and user or target change.

Rows are only ever inserted (the table's triggers refuse UPDATE and DELETE). What goes in is who,
from where, which action and facts about it (ids, counts, file names and sha256): never a ledger
cell's value.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..access import Actor
from .tables import USER_NAME_CHARS, audit


class Action:
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    UPLOAD_CHECKED = "upload_checked"
    IMPORT = "import"
    ROLLBACK = "rollback"
    EXPORT = "export"
    USER_ADDED = "user_added"
    USER_CHANGED = "user_changed"
    PASSWORD_CHANGED = "password_changed"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_UNLOCKED = "user_unlocked"
    TARGET_CHANGED = "target_changed"


ACTION_LABELS = {
    Action.SIGN_IN: "登录",
    Action.SIGN_OUT: "退出登录",
    Action.UPLOAD_CHECKED: "检查上传文件",
    Action.IMPORT: "导入批次",
    Action.ROLLBACK: "撤销批次",
    Action.EXPORT: "导出",
    Action.USER_ADDED: "新增用户",
    Action.USER_CHANGED: "修改用户权限",
    Action.PASSWORD_CHANGED: "修改密码",
    Action.USER_DISABLED: "停用用户",
    Action.USER_ENABLED: "启用用户",
    Action.USER_UNLOCKED: "解除登录限制",
    Action.TARGET_CHANGED: "修改指标目标",
}
OK, REFUSED, FAILED = "ok", "refused", "failed"
OUTCOME_LABELS = {OK: "成功", REFUSED: "拒绝", FAILED: "失败"}
COLUMNS = {"at": "时间", "actor": "用户", "address": "来源地址", "action": "操作", "outcome": "结果", "detail": "详情"}


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def utc_ago(seconds: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="seconds")


def _detail(facts: dict) -> str:
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str)


def record(conn: Connection, actor: Actor | str, action: str, outcome: str = OK, address: str = "", **detail) -> None:
    """Append one row in the caller's transaction (an import's row lands with the import, or not at all)."""
    name = actor.name if isinstance(actor, Actor) else actor
    address = actor.address if isinstance(actor, Actor) else address
    conn.execute(
        audit.insert(),
        {
            "at": utc_now(),
            "actor": name[:USER_NAME_CHARS],
            "address": address[:64],
            "action": action,
            "outcome": outcome,
            "detail": _detail(detail),
        },
    )


def write(engine: Engine, actor: Actor | str, action: str, outcome: str = OK, address: str = "", **detail) -> None:
    """Append one row in a transaction of its own."""
    with engine.begin() as conn:
        record(conn, actor, action, outcome, address, **detail)


def last_reset(conn: Connection, name: str) -> int:
    """The id of a name's last successful sign-in or unlock: its failures before it no longer count."""
    query = sa.select(sa.func.max(audit.c.id)).where(
        sa.or_(
            sa.and_(audit.c.action == Action.SIGN_IN, audit.c.outcome == OK, audit.c.actor == name),
            sa.and_(audit.c.action == Action.USER_UNLOCKED, audit.c.detail == _detail({"user": name})),
        )
    )
    return conn.execute(query).scalar() or 0


def failures_since(
    conn: Connection, since: str, name: str | None = None, address: str | None = None, after: int = 0
) -> int:
    """Failed or refused sign-ins since a time (and after row `after`), of a name, from an address, or both."""
    where = [audit.c.action == Action.SIGN_IN, audit.c.outcome != OK, audit.c.at >= since, audit.c.id > after]
    if name is not None:
        where.append(audit.c.actor == name)
    if address is not None:
        where.append(audit.c.address == address)
    return int(conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one())


def rows(
    engine: Engine,
    reader: Actor,
    since: str | None = None,
    until: str | None = None,
    actor: str | None = None,
    actions: list[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Audit rows, newest first, filtered by time (UTC ISO text), user and actions: for admins only."""
    reader.require_admin("查看审计日志")
    query = sa.select(audit.c.id, *(audit.c[c] for c in COLUMNS)).order_by(audit.c.id.desc())
    if since:
        query = query.where(audit.c.at >= since)
    if until:
        query = query.where(audit.c.at < until)
    if actor:
        query = query.where(audit.c.actor == actor)
    if actions:
        query = query.where(audit.c.action.in_(actions))
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        found = conn.execute(query).all()
    return pd.DataFrame(found, columns=["id", *COLUMNS])


# How the facts of a row read in Chinese: the key's name, and the words for values that are codes.
DETAIL_NAMES = {
    "batch": "批次",
    "files": "文件",
    "added": "新增",
    "updated": "更新",
    "unchanged": "未变",
    "problems": "问题",
    "user": "用户",
    "role": "角色",
    "units": "单位",
    "target": "目标",
    "before": "原值",
    "after": "新值",
    "what": "内容",
    "page": "页面",
    "chart": "图表",
    "period": "期间",
    "unit_selected": "选定单位",
    "rows": "行数",
    "bytes": "字节",
    "reason": "原因",
    "method": "方式",
}
DETAIL_WORDS = {
    "chart_png": "图表图片 PNG",
    "chart_xlsx": "图表数据 Excel",
    "records_xlsx": "全部记录 Excel",
    "error_report": "导入错误报告",
    "audit_xlsx": "审计日志 Excel",
    "rate_limited": "登录失败次数过多",
    "oidc": "统一身份认证",
    "viewer": "查看",
    "editor": "填报",
    "admin": "管理员",
    "head_appearance_rate": "负责人出庭应诉率目标",
    "loss_rate": "败诉（被纠错）率警戒值",
    "min_denominator": "基数较小的分母界限",
    True: "是",
    False: "否",
}


def _value_text(value: object) -> str:
    if isinstance(value, list):
        return "、".join(_value_text(v) for v in value) or "（无）"
    if isinstance(value, dict) and "sha256" in value:  # a file
        return f"{value.get('name', '')}（SHA-256 {value['sha256']}）"
    if isinstance(value, (bool, str)) and value in DETAIL_WORDS:
        return DETAIL_WORDS[value]
    return str(value)


def detail_text(detail: str) -> str:
    """A row's facts as a line of Chinese: 批次：3；文件：a.xlsx（SHA-256 …）；新增：338."""
    facts = json.loads(detail or "{}")
    order = list(DETAIL_NAMES)
    keys = sorted(facts, key=lambda k: order.index(k) if k in order else len(order))
    return "；".join(f"{DETAIL_NAMES.get(k, k)}：{_value_text(facts[k])}" for k in keys)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Audit rows as people read them: local times, Chinese actions, outcomes, facts and headers."""
    out = frame.drop(columns="id", errors="ignore").copy()
    out["at"] = [datetime.fromisoformat(t).astimezone().strftime("%Y-%m-%d %H:%M:%S") for t in out["at"]]
    out["action"] = out["action"].map(lambda a: ACTION_LABELS.get(a, a))
    out["outcome"] = out["outcome"].map(lambda o: OUTCOME_LABELS.get(o, o))
    out["detail"] = out["detail"].map(detail_text)
    return out.rename(columns=COLUMNS)

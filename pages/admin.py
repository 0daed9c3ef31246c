"""用户与目标 (admins): users with their roles and units, and the targets the cards are held to."""

import streamlit as st

import ui
from indicators.access import ROLE_LABELS, ROLE_RIGHTS, NotPermitted, Role, UserRejected
from indicators.config import TARGET_LABELS, TARGET_LIMITS
from indicators.store import users

ui.ensure_entrypoint()
store = ui.store()
me = store.actor
st.title("用户与目标")
if lines := st.session_state.pop("admin_flash", None):
    st.success(ui.md("{}", lines), icon=":material/check_circle:")
try:
    me.require_admin("管理用户和指标目标")
except NotPermitted as exc:
    st.error(ui.md("{}", exc.message), icon=":material/block:")
    st.stop()

ROLES = list(Role)


def units_choice(label: str, key: str, chosen: tuple[str, ...] = ()) -> list[str]:
    """Units from the store, plus any typed (a unit that has no records yet), one per line."""
    known = sorted(set(store.units()) | set(chosen))
    picked = st.multiselect(label, known, default=list(chosen), key=f"{key}-known", placeholder="选择单位")
    typed = st.text_area("其他单位（尚无记录的单位，每行一个）", key=f"{key}-typed", height=68)
    return picked + [line.strip() for line in typed.splitlines() if line.strip()]


def done(message: str) -> None:
    st.session_state["admin_flash"] = message
    st.rerun()


def attempt(action, message: str) -> None:
    try:
        action()
    except (UserRejected, NotPermitted) as exc:
        st.error(ui.md("{}", getattr(exc, "message", str(exc))), icon=":material/error:")
        return
    done(message)


users_tab, add_tab, targets_tab = st.tabs(["用户", "新增用户", "指标目标"])

with users_tab:
    everyone = users.list_users(store.engine)
    if not everyone:
        st.info("还没有任何用户。", icon=":material/group:")
    else:
        st.dataframe(
            [
                {
                    "用户名": u.name,
                    "角色": ROLE_LABELS[u.role],
                    "单位": "、".join(u.units) or "全部单位",
                    "状态": "已停用" if u.disabled else "启用",
                    "修改时间": u.changed_at[:19].replace("T", " "),
                }
                for u in everyone
            ],
            hide_index=True,
        )
        by_name = {u.name: u for u in everyone}
        name = st.selectbox("修改用户", list(by_name), key="edit-user")
        user = by_name[name]
        with st.form("grant"):
            role = st.selectbox(
                "角色", ROLES, index=ROLES.index(user.role), format_func=lambda r: f"{ROLE_LABELS[r]}：{ROLE_RIGHTS[r]}"
            )
            granted = units_choice("授权单位（查看用户不选即全部单位；管理员不需要）", f"grant-{name}", user.units)
            if st.form_submit_button("保存角色和单位"):
                attempt(lambda: users.set_grant(store.engine, me, name, role, granted), f"已修改用户“{name}”的权限。")
        with st.form("password"):
            first = st.text_input("新密码", type="password", max_chars=256)
            second = st.text_input("再输入一次", type="password", max_chars=256)
            if st.form_submit_button("修改密码"):
                if first != second:
                    st.error("两次输入的密码不一致。", icon=":material/error:")
                else:
                    attempt(lambda: users.set_password(store.engine, me, name, first), f"已修改用户“{name}”的密码。")
        if st.button("解除登录限制", help="清除该用户近期登录失败的计数，使其可立即登录", icon=":material/lock_open:"):
            attempt(lambda: users.unlock(store.engine, me, name), f"已解除用户“{name}”的登录限制。")
        if user.disabled:
            if st.button("重新启用该用户", icon=":material/person_check:"):
                attempt(lambda: users.set_disabled(store.engine, me, name, False), f"已启用用户“{name}”。")
        elif st.button("停用该用户", icon=":material/person_off:"):
            attempt(lambda: users.set_disabled(store.engine, me, name, True), f"已停用用户“{name}”。")

# A new form (and fresh fields) after each user added: its key counts the users added in this session.
with add_tab, st.form(f"add-user-{st.session_state.setdefault('users_added', 0)}"):
    new_name = st.text_input("用户名", max_chars=64)
    new_role = st.selectbox("角色", ROLES, format_func=lambda r: f"{ROLE_LABELS[r]}：{ROLE_RIGHTS[r]}")
    new_units = units_choice(
        "授权单位（查看用户不选即全部单位；填报用户至少选一个）", f"add-{st.session_state['users_added']}"
    )
    first = st.text_input("密码（至少 10 个字符）", type="password", max_chars=256)
    second = st.text_input("再输入一次密码", type="password", max_chars=256)
    if st.form_submit_button("新增用户", type="primary"):
        if first != second:
            st.error("两次输入的密码不一致。", icon=":material/error:")
        else:

            def add() -> None:
                users.add_user(store.engine, me, new_name, new_role, new_units, first)
                st.session_state["users_added"] += 1

            attempt(add, f"已新增用户“{new_name.strip()}”。")

with targets_tab:
    st.caption("修改后各实例在下一次刷新时即按新目标标示卡片；每次修改都记入审计日志。")
    goals = store.targets()
    with st.form("targets"):
        values = {}
        for key, label in TARGET_LABELS.items():
            low, high = TARGET_LIMITS[key]
            now = getattr(goals, key)
            if isinstance(now, int):
                values[key] = st.number_input(label, min_value=int(low), max_value=int(high), value=now, step=1)
            else:
                percent = st.number_input(
                    label + "（%）", min_value=low * 100, max_value=high * 100, value=now * 100, step=1.0, format="%.1f"
                )
                values[key] = round(percent / 100, 6)
        if st.form_submit_button("保存目标", type="primary"):
            changed = {k: v for k, v in values.items() if v != getattr(goals, k)}
            for key, value in changed.items():
                store.set_target(key, value)
            done(f"已保存 {len(changed)} 项目标。" if changed else "目标没有变化。")

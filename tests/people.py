"""Users for the tests: one of each role, made through the store as an admin would."""

from __future__ import annotations

from indicators.access import Actor, Role
from indicators.store import Store, users

PASSWORD = "correct horse 42"
ADMIN, VIEWER, LEGAL_EDITOR, LEGAL_VIEWER = "chief", "leader", "fagui", "fagui-leader"
LEGAL = "法规科"  # the unit the limited users are granted
OTHER = "执法支队"


def add(store: Store, name: str, role: Role, units: tuple[str, ...] = ()) -> Actor:
    """A user in the store (made by the command line's admin), as the actor they sign in as."""
    return users.add_user(store.engine, store.actor, name, role, list(units), PASSWORD).actor("10.0.0.8")


def everyone(store: Store) -> dict[str, Actor]:
    """An admin, a viewer of every unit, an editor of 法规科 and a viewer of 法规科."""
    return {
        ADMIN: add(store, ADMIN, Role.ADMIN),
        VIEWER: add(store, VIEWER, Role.VIEWER),
        LEGAL_EDITOR: add(store, LEGAL_EDITOR, Role.EDITOR, (LEGAL,)),
        LEGAL_VIEWER: add(store, LEGAL_VIEWER, Role.VIEWER, (LEGAL,)),
    }

"""The audit trail: append-only on both databases, it grows with every action and holds no ledger value."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from people import ADMIN, PASSWORD, VIEWER, everyone

from indicators.store import audit, users
from indicators.store.importer import check, commit, rollback, run_import
from indicators.store.tables import audit as audit_table
from ledgers import CASE_HEADER, PETITION_HEADER, case, petition, upload, xlsx_bytes

# A value in every text cell of the ledger that no audit row may hold.
SECRET = "机密值XQ7"


def secret_ledger(key: str) -> list:
    petitions = [PETITION_HEADER, petition(f"{key}{SECRET}1", category=f"类{SECRET}", unit=f"单位{SECRET}")]
    cases = [CASE_HEADER, case(f"（2025）{SECRET}{key}", unit=f"单位{SECRET}")]
    return [upload("台账.xlsx", xlsx_bytes({"信访": petitions, "复议应诉": cases}))]


def all_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(audit_table).order_by(audit_table.c.id))]


def test_rows_cannot_be_changed_or_removed_even_by_plain_sql(store):
    audit.write(store.engine, store.actor, audit.Action.SIGN_OUT)
    for statement in ("UPDATE audit SET actor = 'someone'", "DELETE FROM audit"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE audit")
    assert len(all_rows(store.engine)) == 1


def test_the_trail_only_grows_and_no_ledger_value_reaches_it(store):
    people = everyone(store)
    seen = all_rows(store.engine)
    steps = [
        lambda: users.sign_in(store.engine, VIEWER, PASSWORD, "10.0.0.1"),
        lambda: run_import(store, secret_ledger("A")),
        lambda: check(store, secret_ledger("B")),
        lambda: commit(store, check(store, secret_ledger("C")), "二季度"),
        lambda: rollback(store, 2),
        lambda: check(
            store, [upload("坏.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, petition(SECRET, received="x")]}))]
        ),
        lambda: users.set_password(store.engine, people[ADMIN], VIEWER, "another password 1"),
        lambda: store.set_target("loss_rate", 0.2),
    ]
    for step in steps:
        step()
        now = all_rows(store.engine)
        assert len(now) > len(seen) and now[: len(seen)] == seen  # earlier rows untouched
        seen = now
    text = " ".join(str(v) for row in seen for v in row)
    assert SECRET not in text
    actions = [row[4] for row in seen]
    for action in ("sign_in", "upload_checked", "import", "rollback", "password_changed", "target_changed"):
        assert action in actions
    refused = [r for r in seen if r[4] == "upload_checked" and r[5] == "refused"]
    assert len(refused) == 1 and "坏.xlsx" in refused[0][6] and '"sha256"' in refused[0][6]


def test_an_import_and_its_audit_row_land_together(store):
    outcome = run_import(store, secret_ledger("A"))
    rows = audit.rows(store.engine, store.actor, actions=["import"])
    assert len(rows) == 1 and f'"batch": {outcome.batch_id}' in rows["detail"][0]


def test_sqlite_insert_or_replace_cannot_overwrite_a_row(store):
    audit.write(store.engine, store.actor, audit.Action.SIGN_OUT)
    [(first_id, *_)] = all_rows(store.engine)
    verb = "INSERT OR REPLACE" if store.engine.dialect.name == "sqlite" else "INSERT"
    statement = f"{verb} INTO audit (id, at, actor, address, action, outcome, detail) VALUES ({first_id}, 'x', 'y', '', 'z', '', '{{}}')"
    with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert all_rows(store.engine)[0][2] == store.actor.name


def test_the_facts_of_a_row_read_in_chinese_in_their_order():
    detail = '{"added": 3, "batch": 2, "files": [{"name": "a.xlsx", "sha256": "ab12"}], "unchanged": 0, "updated": 1}'
    assert audit.detail_text(detail) == "批次：2；文件：a.xlsx（SHA-256 ab12）；新增：3；更新：1；未变：0"
    assert audit.detail_text('{"unit_selected": false, "what": "chart_png"}') == "内容：图表图片 PNG；选定单位：否"

"""Rights are enforced in the store and the importer, whatever page or command asks (issue: roles per unit)."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from people import LEGAL, LEGAL_EDITOR, LEGAL_VIEWER, OTHER, VIEWER, everyone

from indicators import views
from indicators.access import NotPermitted, Role, local_admin
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.schema import PETITIONS
from indicators.store.importer import check, commit, rollback, run_import
from indicators.store.tables import VERSIONS
from ledgers import PETITION_HEADER, petition, upload, xlsx_bytes

YEAR = parse_period("2025")


def ledger(rows: list[list]) -> list:
    return [upload("信访台账.xlsx", xlsx_bytes({"信访": [PETITION_HEADER, *rows]}))]


@pytest.fixture
def people(store):
    return everyone(store)


@pytest.fixture
def filled(store, people):
    """Three petitions of 法规科 and two of 执法支队, imported by the admin."""
    rows = [petition(f"F{i}", unit=LEGAL) for i in range(3)] + [petition(f"Z{i}", unit=OTHER) for i in range(2)]
    assert run_import(store.acting(local_admin()), ledger(rows)).ok
    return store


def test_an_editor_whose_file_mixes_units_gets_each_foreign_row_named_and_nothing_is_stored(store, people):
    editor = store.acting(people[LEGAL_EDITOR])
    rows = [
        petition("F1", unit=LEGAL),
        petition("Z1", unit=OTHER),
        petition("F2", unit=LEGAL),
        petition("Z2", unit=OTHER),
    ]
    outcome = check(editor, ledger(rows))
    assert not outcome.ok
    assert [(p.row, p.column, p.value) for p in outcome.problems] == [(3, "单位", OTHER), (5, "单位", OTHER)]
    assert all("只能导入授权单位的记录" in p.message and LEGAL in p.message for p in outcome.problems)
    assert store.is_empty()


def test_the_store_refuses_an_editors_foreign_rows_even_when_the_importer_is_bypassed(store, people):
    outcome = check(store, ledger([petition("Z1", unit=OTHER)]))  # checked as the admin
    with pytest.raises(NotPermitted, match="执法支队"):
        commit(store.acting(people[LEGAL_EDITOR]), outcome)
    assert store.is_empty()


def test_an_editor_imports_their_units_rows_and_is_the_batchs_importer_whatever_was_typed(store, people):
    editor = store.acting(people[LEGAL_EDITOR])
    outcome = check(editor, ledger([petition("F1", unit=LEGAL)]))
    commit(editor, outcome, "一季度", user="someone else")
    assert store.batches()[-1]["user"] == LEGAL_EDITOR


def test_a_viewer_can_neither_check_nor_import_nor_roll_back_nor_list_batches(filled, people):
    viewer = filled.acting(people[VIEWER])
    for action in (
        lambda: check(viewer, ledger([petition("F9", unit=LEGAL)])),
        lambda: rollback(viewer, 1),
        viewer.batches,
    ):
        with pytest.raises(NotPermitted, match="只能查看"):
            action()
    assert len(filled.batches()) == 1 and not filled.batches()[0]["rolled_back"]


def test_an_editor_cannot_roll_back_a_batch_carrying_another_units_records(filled, people):
    editor = filled.acting(people[LEGAL_EDITOR])
    with pytest.raises(NotPermitted, match="执法支队"):
        rollback(editor, 1)
    assert not filled.batches()[0]["rolled_back"]
    mine = run_import(editor, ledger([petition("F7", unit=LEGAL)]))
    rollback(editor, mine.batch_id)
    assert filled.batches()[-1]["rolled_back"]


def test_a_viewer_limited_to_a_unit_sees_only_its_figures_everywhere(filled, people):
    limited = filled.acting(people[LEGAL_VIEWER])
    assert limited.units() == [LEGAL]
    assert compute(limited, YEAR)["petitions"]["total"] == 3  # the 全部单位 total is of their units
    assert compute(filled.acting(people[VIEWER]), YEAR)["petitions"]["total"] == 5
    page = views.page_data(limited, "petitions", YEAR, None)
    assert page["kpis"]["total"] == 3 and page["records_total"] == 3
    assert set(page["records"]["单位"]) == {LEGAL}
    assert int(page["channel"]["件数"].sum()) == 3
    overview = views.page_data(limited, "overview", YEAR, None)
    assert overview["kpis"]["current"]["petitions"]["total"] == 3
    download = views.all_records(limited, "petitions", YEAR, None)
    assert set(download["单位"]) == {LEGAL}
    assert set(limited.records(PETITIONS)["unit"]) == {LEGAL}
    with pytest.raises(NotPermitted, match=OTHER):
        compute(limited, YEAR, OTHER)
    with pytest.raises(NotPermitted, match=OTHER):
        views.page_data(limited, "petitions", YEAR, OTHER)


def test_an_editor_sees_only_the_records_of_their_units_in_a_batch(filled, people):
    shown = filled.acting(people[LEGAL_EDITOR]).batch_records(1, PETITIONS)
    assert set(shown["unit"]) == {LEGAL} and len(shown) == 3


def test_only_admins_change_targets_and_every_instance_reads_the_new_ones(filled, people):
    with pytest.raises(NotPermitted):
        filled.acting(people[LEGAL_EDITOR]).set_target("loss_rate", 0.3)
    before = filled.version()
    filled.acting(people["chief"]).set_target("loss_rate", 0.3)
    assert filled.targets().loss_rate == 0.3 and filled.version() != before
    assert filled.acting(people[VIEWER]).targets().loss_rate == 0.3


def test_rights_change_at_once_for_a_user_granted_another_unit(filled, people):
    from indicators.store import users

    users.set_grant(filled.engine, filled.actor, LEGAL_VIEWER, Role.VIEWER, [OTHER])
    now = users.current_actor(filled.engine, LEGAL_VIEWER, "10.0.0.8")
    assert filled.acting(now).units() == [OTHER]


def test_no_rows_are_read_beyond_a_scope_in_sql(filled, people):
    """The scope is a condition of the query, not a filter after it: the database returns 3 rows."""
    table = VERSIONS[PETITIONS.id]
    with filled.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 5
    frame = filled.acting(people[LEGAL_VIEWER]).records(PETITIONS, fields=["unit"])
    assert isinstance(frame, pd.DataFrame) and len(frame) == 3


def test_an_editor_can_neither_read_nor_take_over_another_units_record_by_its_key(filled, people):
    editor = filled.acting(people[LEGAL_EDITOR])
    outcome = check(editor, ledger([petition("Z1", unit=LEGAL, category="改登")]))  # Z1 is 执法支队's
    assert not outcome.ok and outcome.plan is None  # no preview of the record it would replace
    [problem] = outcome.problems
    assert (problem.row, problem.value) == (2, "Z1") and "已由其他单位登记" in problem.message
    assert OTHER not in problem.message


def test_the_store_refuses_a_takeover_even_with_a_plan_made_by_someone_else(filled, people):
    outcome = check(filled, ledger([petition("Z1", unit=LEGAL)]))  # planned as the admin: allowed
    assert outcome.ok
    with pytest.raises(NotPermitted, match="已由其他单位登记"):
        commit(filled.acting(people[LEGAL_EDITOR]), outcome)
    assert compute(filled.acting(people[VIEWER]), YEAR, OTHER)["petitions"]["total"] == 2


def test_an_editor_lists_only_the_batches_that_carry_their_units_or_that_they_imported(filled, people):
    editor = filled.acting(people[LEGAL_EDITOR])
    assert [b["id"] for b in editor.batches()] == [1]  # it carries 法规科's petitions
    run_import(filled, ledger([petition("Z5", unit=OTHER)]))
    assert [b["id"] for b in editor.batches()] == [1]
    assert [b["id"] for b in filled.batches()] == [1, 2]

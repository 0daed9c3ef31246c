"""Petitions keep the code of their tallied fields, and SQLite's index carries the code, not the fields.

Each combination of 来源渠道, 事项类别, 是否按期办结 and whether 办结日期 is filled is numbered once in
petitions_tally_codes; each version keeps its number in tally_code, and SQLite's covering index becomes
(is_current, first_month, tally_code, received_on). Its entries are a third as long, so a batch whose
dates spread over every month rewrites fewer pages of it (a 100,000-row batch into a store of a
million: from 25,500 pages written to about 12,700). A trigger codes a row inserted without its code
(by a process of the previous version still running during the upgrade).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from indicators.store.tables import tally_code_triggers

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

VERSIONS, CODES = "petitions_versions", "petitions_tally_codes"
KEEP = {"channel": sa.Text, "category": sa.Text, "on_time": sa.Boolean}
PRESENT, FILLED = "closed_on", "closed_on_filled"
COVERING = "ix_petitions_current_covering"
COVERED_0007 = ["is_current", "first_month", "channel", "category", "on_time", "closed_on", "received_on"]


class _Tally:  # the shape tables.Tally has today, fixed here as this revision knows it
    keep = tuple(KEEP)
    present = PRESENT
    filled = FILLED


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        CODES,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *(sa.Column(name, kind) for name, kind in KEEP.items()),
        sa.Column(FILLED, sa.Boolean, nullable=False),
    )
    op.add_column(VERSIONS, sa.Column("tally_code", sa.Integer, nullable=True))
    versions = sa.table(VERSIONS, *(sa.column(n) for n in [*KEEP, PRESENT, "tally_code"]))
    codes = sa.table(CODES, *(sa.column(n) for n in ["id", *KEEP, FILLED]))
    filled = versions.c[PRESENT].isnot(None)
    found = (
        sa.select(*(versions.c[n] for n in KEEP), filled).distinct().order_by(*(versions.c[n] for n in KEEP), filled)
    )
    op.execute(codes.insert().from_select([*KEEP, FILLED], found))
    same = [c for n in KEEP for c in _same(versions.c[n], codes.c[n], KEEP[n], postgres)]
    op.execute(versions.update().where(*same, codes.c[FILLED] == filled).values(tally_code=codes.c.id))
    for statement in tally_code_triggers(VERSIONS, CODES, _Tally)[bind.dialect.name]:  # type: ignore[arg-type]
        op.execute(statement)
    if postgres:
        _grant_to_writers(bind)
        op.execute(f"ANALYZE {VERSIONS}")  # every row was rewritten: the planner needs new statistics
        op.execute(f"ANALYZE {CODES}")
    if bind.dialect.name == "sqlite":  # the covering index is SQLite's alone (tables.py)
        op.drop_index(COVERING, VERSIONS)
        op.create_index(COVERING, VERSIONS, ["is_current", "first_month", "tally_code", "received_on"])


def _same(version: sa.ColumnElement, code: sa.ColumnElement, kind: type, postgres: bool) -> list[sa.ColumnElement]:
    """A field of a version equal to a code's, empty equal to empty. SQLite looks the codes up by an
    automatic index, which serves IS; PostgreSQL can hash only plain equalities, so there the empty
    ones compare as a flag and a stand-in (with IS NOT DISTINCT FROM it would compare every version
    with every code: minutes for a million versions and a few thousand codes)."""
    if not postgres:
        return [version.is_not_distinct_from(code)]
    blank = sa.false() if kind is sa.Boolean else sa.literal("")
    return [sa.func.coalesce(version, blank) == sa.func.coalesce(code, blank), version.is_(None) == code.is_(None)]


def _grant_to_writers(bind: sa.engine.Connection) -> None:
    """Let every role granted INSERT on petitions add codes (PostgreSQL): the trigger runs with the
    writer's rights, and the app's role (deploy/postgres-app-role.sql) of an instance of the previous
    version may still be importing when the owner upgrades, before that script is run again."""
    writers = bind.exec_driver_sql(
        "SELECT DISTINCT a.grantee::regrole::text FROM pg_class c, aclexplode(c.relacl) a "
        f"WHERE c.oid = '{VERSIONS}'::regclass AND a.privilege_type = 'INSERT' "
        "AND a.grantee <> c.relowner AND a.grantee <> 0"
    ).scalars()
    sequence = bind.exec_driver_sql(f"SELECT pg_get_serial_sequence('{CODES}', 'id')").scalar_one()
    for role in writers:  # regrole's text is the name quoted as SQL needs it
        op.execute(f"GRANT SELECT, INSERT ON {CODES} TO {role}")
        op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {role}")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(f"DROP TRIGGER {VERSIONS}_tally" + (f" ON {VERSIONS}" if postgres else ""))
    if postgres:
        op.execute(f"DROP FUNCTION {VERSIONS}_tally()")
    else:
        op.drop_index(COVERING, VERSIONS)
        op.create_index(COVERING, VERSIONS, COVERED_0007)
    op.execute(f"ALTER TABLE {VERSIONS} DROP COLUMN tally_code")  # not batch mode: it would lose the unit index
    op.drop_table(CODES)

"""Each version keeps the month of its first date, and SQLite's petitions index leads with it.

Pages tally petitions per month. Grouped by a month computed from each date, both databases sorted
every record of the window first (1.1 s for a million on SQLite, 1.4 s on PostgreSQL); grouped by a
stored month they aggregate as they read (0.2 s). On SQLite the index that carries the fields the
figures read now leads with the month, and the narrow index on (is_current, received_on) returns
for the first and last date. A trigger fills the month of a row inserted without it (by a process of
the previous version still running during the upgrade).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from indicators.store.tables import first_month_triggers

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FIRST_DATES = {"petitions_versions": "received_on", "litigation_versions": "filed_on", "training_versions": "held_on"}
PETITIONS_COVERED = ["channel", "category", "on_time", "closed_on"]


def upgrade() -> None:
    for name, field in FIRST_DATES.items():
        op.add_column(name, sa.Column("first_month", sa.Integer, nullable=True))
        first = sa.column(field, sa.Date)
        table = sa.table(name, first, sa.column("first_month", sa.Integer))
        month = sa.extract("year", first) * 100 + sa.extract("month", first)
        op.execute(table.update().where(first.isnot(None)).values(first_month=month))
        for statement in first_month_triggers(name, field)[op.get_bind().dialect.name]:
            op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":  # every row was rewritten: the planner needs new statistics
        for name in FIRST_DATES:
            op.execute(f"ANALYZE {name}")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_petitions_current_covering", "petitions_versions")
        op.create_index("ix_petitions_current", "petitions_versions", ["is_current", "received_on"])
        covering = ["is_current", "first_month", *PETITIONS_COVERED, "received_on"]
        op.create_index("ix_petitions_current_covering", "petitions_versions", covering)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in FIRST_DATES:
        op.execute(f"DROP TRIGGER {name}_month" + (f" ON {name}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {name}_month()")
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_petitions_current_covering", "petitions_versions")
        op.drop_index("ix_petitions_current", "petitions_versions")
        covering = ["is_current", "received_on", *PETITIONS_COVERED]
        op.create_index("ix_petitions_current_covering", "petitions_versions", covering)
    for name in FIRST_DATES:  # not batch mode: SQLite's copy of the table would lose the unit indexes
        op.execute(f"ALTER TABLE {name} DROP COLUMN first_month")

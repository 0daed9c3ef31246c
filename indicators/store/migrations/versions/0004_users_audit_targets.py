"""Users, the append-only audit trail and targets set by admins.

New tables only, created as tables.py declares them: the audit table's triggers (tables.APPEND_ONLY)
come with its creation and refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) whichever role
connects; docs/deploy.md also revokes those rights from the app's role.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from indicators.store.tables import audit, target_changes, users

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in (users, audit, target_changes):
        table.create(op.get_bind())

"""Cases say whether a lawsuit followed reconsideration and whether it concerns 政府信息公开.

The official outcome table (table 4 of the government-information-disclosure annual report) splits
lawsuits by whether they followed reconsideration and counts only disclosure cases. Both columns are
optional in the ledger; versions stored before this revision leave them empty, which the ledger's
own blank means (未经复议直接起诉; 否), so no figure changes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("litigation_versions") as batch:
        batch.add_column(sa.Column("after_review", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("disclosure", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("litigation_versions") as batch:
        batch.drop_column("disclosure")
        batch.drop_column("after_review")

"""Versions carry their origin; repeated files name the batch they repeat.

`origin` orders versions by the batch whose upload first brought their content: a repeat upload
carries the versions of the batch it repeats with their origin. Every version written before this
revision came from an ordinary import, so its origin is its own batch. Repeat batches of that time
stored no versions and keep carrying none; their figures stay exactly as they were.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VERSION_TABLES = ("petitions_versions", "litigation_versions", "training_versions")


def upgrade() -> None:
    for table in VERSION_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("origin", sa.Integer, nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET origin = batch_id"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("origin", existing_type=sa.Integer, nullable=False)
    with op.batch_alter_table("batch_files") as batch:
        batch.add_column(sa.Column("repeat_of", sa.Integer, nullable=True))

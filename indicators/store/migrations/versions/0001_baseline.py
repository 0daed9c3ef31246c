"""The store as commit 0353dff made it with create_all, before migrations existed.

A store of that time has these tables and no alembic_version: it is stamped with this revision and
upgraded from here. The columns are written out as they were then, not read from today's schema.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

DATASETS = {
    "petitions": (
        "received_on",
        [
            ("petition_no", sa.Text),
            ("received_on", sa.Date),
            ("channel", sa.Text),
            ("category", sa.Text),
            ("closed_on", sa.Date),
            ("on_time", sa.Boolean),
            ("unit", sa.Text),
        ],
    ),
    "litigation": (
        "filed_on",
        [
            ("case_no", sa.Text),
            ("case_type", sa.Text),
            ("filed_on", sa.Date),
            ("hearing_on", sa.Date),
            ("head_appeared", sa.Boolean),
            ("concluded_on", sa.Date),
            ("outcome", sa.Text),
            ("unit", sa.Text),
            ("outcome_class", lambda: sa.String(20)),
        ],
    ),
    "training": (
        "held_on",
        [
            ("held_on", sa.Date),
            ("title", sa.Text),
            ("session_type", sa.Text),
            ("participants", sa.Integer),
            ("hours", sa.Float),
            ("unit", sa.Text),
        ],
    ),
}


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("user", sa.String(200), nullable=False, server_default=""),
        sa.Column("added", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("summary", sa.Text, nullable=False, server_default="{}"),
        sa.Column("repeat", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rolled_back", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("rolled_back_at", sa.String(40)),
    )
    op.create_table(
        "batch_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.BigInteger, nullable=False),
    )
    for dataset, (first_date, columns) in DATASETS.items():
        table = f"{dataset}_versions"
        op.create_table(
            table,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False, index=True),
            sa.Column("record_key", sa.String(500), nullable=False, index=True),
            sa.Column("change", sa.String(10), nullable=False),
            sa.Column("is_current", sa.Boolean, nullable=False),
            *(sa.Column(name, kind()) for name, kind in columns),
        )
        op.create_index(f"ix_{dataset}_current", table, ["is_current", first_date])

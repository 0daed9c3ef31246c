"""Indexes for reading current records without a scan: each period date, and the unit; on SQLite,
petitions counted from the index alone.

Figures filter current records by a date range (收案, 开庭 and 结案 dates of cases besides each
dataset's first date) and list the units; with these indexes each is a range or a few steps in an
index, whatever the store holds. Units are indexed by their first 200 characters: a PostgreSQL B-tree
entry holds at most 2,704 bytes, and a unit may have 1,000 characters. On SQLite, which has no such
limit, the petitions' index on (is_current, received_on) also carries the fields their figures read.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DATE_INDEXES = {
    "ix_litigation_current_hearing_on": ("litigation_versions", ["is_current", "hearing_on"]),
    "ix_litigation_current_concluded_on": ("litigation_versions", ["is_current", "concluded_on"]),
}
DATASETS = ("petitions", "litigation", "training")
PETITIONS_COVERING = ["is_current", "received_on", "channel", "category", "on_time", "closed_on"]


def upgrade() -> None:
    for name, (table, columns) in DATE_INDEXES.items():
        op.create_index(name, table, columns)
    for dataset in DATASETS:
        unit = [sa.text("is_current"), sa.text("substr(unit, 1, 200)")]
        op.create_index(f"ix_{dataset}_current_unit", f"{dataset}_versions", unit)
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_petitions_current", "petitions_versions")
        op.create_index("ix_petitions_current_covering", "petitions_versions", PETITIONS_COVERING)

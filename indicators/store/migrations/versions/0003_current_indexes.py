"""Indexes for reading current records without a scan: each period date, and the unit; petitions
counted from the index alone.

Figures filter current records by a date range (收案, 开庭 and 结案 dates of cases besides each
dataset's first date) and list the units; with these indexes each is a range or a few steps in an
index, whatever the store holds. The petitions' index on (is_current, received_on) also carries the
fields their figures read, so a year of a million petitions is counted without visiting the rows.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_petitions_current_unit": ("petitions_versions", ["is_current", "unit"]),
    "ix_litigation_current_unit": ("litigation_versions", ["is_current", "unit"]),
    "ix_litigation_current_hearing_on": ("litigation_versions", ["is_current", "hearing_on"]),
    "ix_litigation_current_concluded_on": ("litigation_versions", ["is_current", "concluded_on"]),
    "ix_training_current_unit": ("training_versions", ["is_current", "unit"]),
}


PETITIONS_CURRENT = ["is_current", "received_on", "unit", "channel", "category", "on_time", "closed_on"]


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    op.drop_index("ix_petitions_current", "petitions_versions")
    op.create_index("ix_petitions_current", "petitions_versions", PETITIONS_CURRENT)

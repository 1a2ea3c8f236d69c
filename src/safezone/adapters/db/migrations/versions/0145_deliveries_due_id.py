"""The due index of deliveries ends with the id: a lease's order (priority, not_before, id).

A lease takes the first due rows in that order. SQLite keys every index by the rowid after its
columns, so it read them off the index already; PostgreSQL sorted all the due rows of a
priority at each lease (an incremental sort on the id), which a fan-out of 100,000 pays at
every batch.

Revision ID: 0145_deliveries_due_id
Revises: 0140_shelter_mark
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0145_deliveries_due_id"
down_revision = "0140_shelter_mark"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["state", "priority", "not_before", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["state", "priority", "not_before"])

"""Subscribers keep the H3 cell of their point, for targeting by cell.

`subscribers.cell` is the cell (a 64-bit H3 index) of the point at the active zone set's
resolution, or NULL: a cache that `ZoneRepository.activate` refreshes and targeting checks
(a missing or stale cell only means that point gets the exact geometric test). Subscribers
stored before this revision start without one.

Revision ID: 0120_subscriber_cells
Revises: 0110_alert_stages
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0120_subscriber_cells"
down_revision = "0110_alert_stages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscribers", sa.Column("cell", sa.BigInteger(), nullable=True))
    op.create_index("ix_subscribers_cell", "subscribers", ["cell"])


def downgrade() -> None:
    op.drop_index("ix_subscribers_cell", table_name="subscribers")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("cell")

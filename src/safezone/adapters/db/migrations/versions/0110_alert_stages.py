"""Alerts remember the stage of their chain they announce.

`alerts.stage` is one of early-warning, alert, stay-in-shelter, all-clear (see
`safezone.domain.stages`); a cancel or stand-down keeps the stage it ends. Alerts stored
before this revision were all single alarms and their all-clears: they get "alert", and the
all-clears among them "all-clear".

Revision ID: 0110_alert_stages
Revises: 0100_incidents
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0110_alert_stages"
down_revision = "0100_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("stage", sa.String(16), nullable=False, server_default="alert"))
    op.execute("UPDATE alerts SET stage = 'all-clear' WHERE kind = 'all-clear'")


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("stage")

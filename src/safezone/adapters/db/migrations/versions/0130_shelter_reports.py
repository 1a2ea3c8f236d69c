"""Residents' reports of shelter problems, and shelters closed by an operator.

`shelter_reports` holds one row per shelter, problem and open report (a flood of the same
report is a count on that row), with no personal data. `shelters.closed_at`/`closed_by` mark a
shelter an operator closed: it leaves the public answers but stays in the registry, and an
import does not reopen it (withdrawal by `--replace` stays `withdrawn_by`).

Revision ID: 0130_shelter_reports
Revises: 0120_subscriber_cells
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0130_shelter_reports"
down_revision = "0120_subscriber_cells"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shelters", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("shelters", sa.Column("closed_by", sa.String(64), nullable=True))
    op.create_table(
        "shelter_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("shelter_id", sa.Integer, sa.ForeignKey("shelters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("problem", sa.String(20), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("handled_by", sa.String(64), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_shelter_reports_state_last", "shelter_reports", ["state", "last_at"])
    op.create_index("ix_shelter_reports_shelter", "shelter_reports", ["shelter_id", "problem", "state"])


def downgrade() -> None:
    op.drop_table("shelter_reports")
    with op.batch_alter_table("shelters") as batch:
        batch.drop_column("closed_by")
        batch.drop_column("closed_at")

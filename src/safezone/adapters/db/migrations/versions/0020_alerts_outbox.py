"""Alerts (the operators' workflow records with their published CAP XML) and the outbox.

Revision ID: 0020_alerts_outbox
Revises: 0010_accounts_audit
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_alerts_outbox"
down_revision = "0010_accounts_audit"
branch_labels = None
depends_on = None


def _who_when(step: str) -> list[sa.Column]:
    return [sa.Column(f"{step}_by", sa.String(64), nullable=True),
            sa.Column(f"{step}_at", sa.DateTime(timezone=True), nullable=True)]


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("threat", sa.String(200), nullable=False),
        sa.Column("zone_version", sa.Integer, sa.ForeignKey("zone_sets.version"), nullable=False),
        sa.Column("area_ids", sa.JSON, nullable=False),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follows", sa.Integer, sa.ForeignKey("alerts.id"), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        *_who_when("submitted"),
        *_who_when("approved"),
        *_who_when("rejected"),
        sa.Column("rejection_reason", sa.Text, nullable=True),
        *_who_when("issued"),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cap_identifier", sa.String(200), nullable=True),
        sa.Column("cap_xml", sa.Text, nullable=True),
        sa.UniqueConstraint("cap_identifier", name="uq_alerts_cap_identifier"),
    )
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_index("ix_alerts_expires_at", "alerts", ["expires_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("topic", sa.String(50), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("alert_id", "topic", name="uq_outbox_alert_topic"),
    )
    op.create_index("ix_outbox_processed_at", "outbox", ["processed_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("alerts")

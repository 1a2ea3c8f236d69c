"""Subscribers, integrators and deliveries (issue 9).

- `subscribers`: a resident's subscription (no account): the SHA-256 of its manage token, an
  optional point (personal data: used only to target), languages, the drills opt-in, a Web
  Push subscription and/or an e-mail address (confirmed by a link first).
- `subscriber_areas`: the alert areas a subscriber chose, for an indexed lookup by area.
- `integrators`: webhook (URL + signing secret) or MQTT topic tree, with an area filter.
- `deliveries`: one row per message × receiver × channel (the idempotency key, unique), its
  state, attempts, lease and latency.

Revision ID: 0090_subscribers
Revises: 0080_user_names
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0090_subscribers"
down_revision = "0080_user_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("drills", sa.Boolean, nullable=False),
        sa.Column("push_endpoint", sa.Text, nullable=True),
        sa.Column("push_p256dh", sa.String(200), nullable=True),
        sa.Column("push_auth", sa.String(100), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_confirmed", sa.Boolean, nullable=False),
        sa.Column("email_token_hash", sa.String(64), nullable=True),
        sa.Column("email_token", sa.String(100), nullable=True),  # for the links in every mail to it
        sa.Column("email_confirmation_sent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_subscribers_lat_lon", "subscribers", ["lat", "lon"])
    op.create_table(
        "subscriber_areas",
        sa.Column("subscriber_id", sa.String(32), sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("area_id", sa.String(100), primary_key=True),
    )
    op.create_index("ix_subscriber_areas_area", "subscriber_areas", ["area_id"])
    op.create_table(
        "integrators",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("secret", sa.String(100), nullable=True),
        sa.Column("topic_prefix", sa.String(200), nullable=True),
        sa.Column("area_ids", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("chain", sa.String(200), nullable=False),
        sa.Column("receiver", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "priority", "not_before"])
    op.create_index("ix_deliveries_alert", "deliveries", ["alert_id", "state"])
    op.create_index("ix_deliveries_chain", "deliveries", ["chain", "receiver"])
    op.create_index("ix_deliveries_receiver", "deliveries", ["receiver", "channel", "id"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("integrators")
    op.drop_table("subscriber_areas")
    op.drop_table("subscribers")

"""The incident log and its assessment against the alerts in force.

`incidents`: what happened, when and where (a point or polygon, with its bounding box for
SQLite's window searches; a GiST index on PostgreSQL), its kind, confidence, source and note,
and who recorded it. `incident_verdicts` and `incident_alerts` hold the latest assessment:
derived data, rewritten whole by each assessment.

Revision ID: 0100_incidents
Revises: 0090_subscribers
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from safezone.adapters.db.geometry import Geometry

revision = "0100_incidents"
down_revision = "0090_subscribers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("confidence", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("place", Geometry("GEOMETRY"), nullable=False),
        sa.Column("min_lon", sa.Float, nullable=False),
        sa.Column("min_lat", sa.Float, nullable=False),
        sa.Column("max_lon", sa.Float, nullable=False),
        sa.Column("max_lat", sa.Float, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incidents_occurred_at", "incidents", ["occurred_at"])
    op.create_index("ix_incidents_window", "incidents", ["min_lat", "max_lat"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("gix_incidents_place", "incidents", ["place"], postgresql_using="gist")
    op.create_table(
        "incident_verdicts",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("lead_time_s", sa.Float, nullable=True),
        sa.Column("time_to_shelter_s", sa.Integer, nullable=True),
        sa.Column("area_id", sa.String(100), nullable=True),
        sa.Column("band", sa.Integer, nullable=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incident_verdicts_verdict", "incident_verdicts", ["verdict"])
    op.create_table(
        "incident_alerts",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), primary_key=True),
        sa.Column("lead_time_s", sa.Float, nullable=False),
    )
    op.create_index("ix_incident_alerts_alert_id", "incident_alerts", ["alert_id"])


def downgrade() -> None:
    op.drop_table("incident_alerts")
    op.drop_table("incident_verdicts")
    op.drop_table("incidents")

"""Zone sets with their sides, bands, alert areas and settlements; shelters; import runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from safezone.adapters.db.geometry import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Geometry columns that get a GiST index on PostgreSQL.
SPATIAL = [("zone_sides", "territory"), ("alert_areas", "geometry"), ("settlements", "point"), ("shelters", "point")]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "zone_sets",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("border_name", sa.String(200), nullable=False),
        sa.Column("border", Geometry("GEOMETRY"), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_zone_sets_active", "zone_sets", ["active"])
    op.create_table(
        "zone_sides",
        sa.Column("version", sa.Integer, sa.ForeignKey("zone_sets.version", ondelete="CASCADE"), primary_key=True),
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("territory", Geometry("GEOMETRY"), nullable=False),
    )
    op.create_table(
        "zone_bands",
        sa.Column("version", sa.Integer, sa.ForeignKey("zone_sets.version", ondelete="CASCADE"), primary_key=True),
        sa.Column("band", sa.Integer, primary_key=True),
        sa.Column("min_km", sa.Float, nullable=False),
        sa.Column("max_km", sa.Float, nullable=False),
        sa.Column("time_to_shelter_s", sa.Integer, nullable=False),
        sa.Column("seconds_by_threat", sa.JSON, nullable=False),
    )
    op.create_table(
        "alert_areas",
        sa.Column("version", sa.Integer, sa.ForeignKey("zone_sets.version", ondelete="CASCADE"), primary_key=True),
        sa.Column("area_id", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("band", sa.Integer, nullable=False),
        sa.Column("min_km", sa.Float, nullable=False),
        sa.Column("max_km", sa.Float, nullable=False),
        sa.Column("time_to_shelter_s", sa.Integer, nullable=False),
        sa.Column("geometry", Geometry("GEOMETRY"), nullable=False),
        sa.Column("min_lon", sa.Float, nullable=False),
        sa.Column("min_lat", sa.Float, nullable=False),
        sa.Column("max_lon", sa.Float, nullable=False),
        sa.Column("max_lat", sa.Float, nullable=False),
    )
    op.create_index("ix_alert_areas_window", "alert_areas", ["version", "min_lat", "max_lat"])
    op.create_table(
        "settlements",
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("area_id", sa.String(100), primary_key=True),
        sa.Column("geonameid", sa.BigInteger, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("population", sa.BigInteger, nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("part_of", sa.BigInteger, nullable=True),
        sa.Column("point", Geometry("POINT"), nullable=False),
        sa.ForeignKeyConstraint(
            ["version", "area_id"], ["alert_areas.version", "alert_areas.area_id"], ondelete="CASCADE"
        ),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("inserted", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("bad_rows", sa.Integer, nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
    )
    op.create_index("ix_import_runs_source", "import_runs", ["source"])
    op.create_table(
        "shelters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("point", Geometry("POINT"), nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("accessible", sa.Boolean, nullable=True),
        sa.Column("opening", sa.String(300), nullable=False),
        sa.Column("last_verified", sa.Date, nullable=True),
        sa.Column("import_run", sa.Integer, sa.ForeignKey("import_runs.id"), nullable=True),
        sa.UniqueConstraint("source", "source_id", name="uq_shelters_source_id"),
    )
    op.create_index("ix_shelters_lat_lon", "shelters", ["lat", "lon"])
    if postgres:
        for table, column in SPATIAL:
            op.create_index(f"gix_{table}_{column}", table, [column], postgresql_using="gist")


def downgrade() -> None:
    for table in ("shelters", "import_runs", "settlements", "alert_areas", "zone_bands", "zone_sides", "zone_sets"):
        op.drop_table(table)

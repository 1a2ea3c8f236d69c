"""Tables of the incident log and its assessment against alerts (created by migration 0100).

An incident's place is kept as a geometry with its bounding box beside it (SQLite searches the
box; PostgreSQL has a GiST index too). The assessment is derived data, rewritten whole by every
assessment: one verdict row per incident, one row per (incident, alert in force there).
"""

from __future__ import annotations

from datetime import datetime

from shapely.geometry.base import BaseGeometry
from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safezone.adapters.db.geometry import Geometry
from safezone.adapters.db.models import Base


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_window", "min_lat", "max_lat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    place: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"))
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentVerdictRow(Base):
    __tablename__ = "incident_verdicts"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    lead_time_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_to_shelter_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    area_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    band: Mapped[int | None] = mapped_column(Integer, nullable=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True)
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentAlertRow(Base):
    __tablename__ = "incident_alerts"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True, index=True)
    lead_time_s: Mapped[float] = mapped_column(Float)

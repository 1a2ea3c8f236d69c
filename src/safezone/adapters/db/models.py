"""The tables, as SQLAlchemy 2 declarative models. Only the repositories touch them.

The bounding-box columns (min/max lon/lat) make window queries indexable on SQLite, which has
no spatial index here; PostgreSQL has GiST indexes on the geometry columns as well.
"""

from __future__ import annotations

from datetime import date, datetime

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from safezone.adapters.db.geometry import Geometry


class Base(DeclarativeBase):
    pass


class ZoneSetRow(Base):
    __tablename__ = "zone_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    border_name: Mapped[str] = mapped_column(String(200))
    border: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"))
    parameters: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class ZoneSideRow(Base):
    __tablename__ = "zone_sides"

    version: Mapped[int] = mapped_column(ForeignKey("zone_sets.version", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    territory: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"))


class ZoneBandRow(Base):
    __tablename__ = "zone_bands"

    version: Mapped[int] = mapped_column(ForeignKey("zone_sets.version", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    min_km: Mapped[float] = mapped_column(Float)
    max_km: Mapped[float] = mapped_column(Float)
    time_to_shelter_s: Mapped[int] = mapped_column(Integer)
    seconds_by_threat: Mapped[list] = mapped_column(JSON)


class AlertAreaRow(Base):
    __tablename__ = "alert_areas"
    __table_args__ = (Index("ix_alert_areas_window", "version", "min_lat", "max_lat"),)

    version: Mapped[int] = mapped_column(ForeignKey("zone_sets.version", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(16))
    band: Mapped[int] = mapped_column(Integer)
    min_km: Mapped[float] = mapped_column(Float)
    max_km: Mapped[float] = mapped_column(Float)
    time_to_shelter_s: Mapped[int] = mapped_column(Integer)
    geometry: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"))
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    # [[geonameid, people, lat, lon], ...]; NULL for zone sets stored before shares existed.
    population_shares: Mapped[list | None] = mapped_column(JSON, nullable=True)
    naming: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # AreaName parts; NULL before 0050


class SettlementRow(Base):
    """The settlements snapshot a zone set was built from, each under its alert area."""

    __tablename__ = "settlements"
    __table_args__ = (
        ForeignKeyConstraint(
            ["version", "area_id"], ["alert_areas.version", "alert_areas.area_id"], ondelete="CASCADE"
        ),
    )

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    geonameid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(BigInteger)
    country: Mapped[str] = mapped_column(String(8))
    part_of: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    point: Mapped[BaseGeometry] = mapped_column(Geometry("POINT"))


class ImportRunRow(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    file: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    rows_read: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    bad_rows: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list] = mapped_column(JSON)


class ShelterRow(Base):
    __tablename__ = "shelters"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_shelters_source_id"),
        Index("ix_shelters_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    point: Mapped[BaseGeometry] = mapped_column(Geometry("POINT"))
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(100))
    accessible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    opening: Mapped[str] = mapped_column(String(300))
    last_verified: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The run that last changed it (a run that finds it unchanged leaves this alone).
    import_run: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True)
    # Set by a `--replace` import whose file no longer lists it: out of every answer, kept as history.
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True)
    # Set when an operator closes it (e.g. on a resident's report): out of the public answers,
    # still in the registry; an import does not reopen it.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ShelterHeadRow(Base):
    """One row (id 1): a number that moves with every change to the open shelters (see
    migration 0140_shelter_mark), read in the public side's change mark."""

    __tablename__ = "shelter_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)


class ShelterReportRow(Base):
    """A resident's report of a problem with a shelter; no personal data (see domain.shelter_reports)."""

    __tablename__ = "shelter_reports"
    __table_args__ = (
        Index("ix_shelter_reports_state_last", "state", "last_at"),
        Index("ix_shelter_reports_shelter", "shelter_id", "problem", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="CASCADE"))
    problem: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=1)
    handled_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

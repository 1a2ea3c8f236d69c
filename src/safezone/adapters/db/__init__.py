"""Storage: SQLite (embedded default) or PostgreSQL + PostGIS, one schema, Alembic migrations.

The rest of safezone uses only `Database`, its units of work and the repositories on them;
SQLAlchemy stays inside this package.
"""

from safezone.adapters.db.database import Database, DatabaseUnavailable, full, unavailable
from safezone.adapters.db.shelter_repository import NearbyShelter, ShelterRepository, UpsertCounts
from safezone.adapters.db.unit_of_work import UnitOfWork
from safezone.adapters.db.url import ENV_VAR, resolve_url
from safezone.adapters.db.zone_repository import UnknownVersion, ZoneRepository, ZoneSetInfo

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "ENV_VAR",
    "NearbyShelter",
    "ShelterRepository",
    "UnitOfWork",
    "UnknownVersion",
    "UpsertCounts",
    "ZoneRepository",
    "ZoneSetInfo",
    "full",
    "resolve_url",
    "unavailable",
]

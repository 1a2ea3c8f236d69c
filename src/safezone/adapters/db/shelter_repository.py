"""The shelter registry. A shelter is known by (source, source id): importing it again updates it.

Window queries use the plain lat/lon index on both databases, so nearest-shelter search is one
code path; distances are then measured geodesically in Python, never in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import shapely
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from safezone.adapters.db.models import ShelterRow
from safezone.domain.shelters import Shelter, geodesic_m

KM_PER_DEGREE_LAT = 111.32
# Rows per statement: bounded so 100,000 shelters never become one giant parameter list.
BATCH = 5000
_COLUMNS = (
    ShelterRow.id,
    ShelterRow.source,
    ShelterRow.source_id,
    ShelterRow.name,
    ShelterRow.lat,
    ShelterRow.lon,
    ShelterRow.capacity,
    ShelterRow.kind,
    ShelterRow.accessible,
    ShelterRow.opening,
    ShelterRow.last_verified,
)


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int


@dataclass(frozen=True)
class NearbyShelter:
    shelter: Shelter
    geodesic_m: float


def _values(shelter: Shelter, import_run: int | None) -> dict:
    return {
        "source": shelter.source,
        "source_id": shelter.source_id,
        "name": shelter.name,
        "lat": shelter.lat,
        "lon": shelter.lon,
        "point": shapely.Point(shelter.lon, shelter.lat),
        "capacity": shelter.capacity,
        "kind": shelter.kind,
        "accessible": shelter.accessible,
        "opening": shelter.opening,
        "last_verified": shelter.last_verified,
        "import_run": import_run,
    }


def _shelter(row: Sequence) -> Shelter:
    id_, source, source_id, name, lat, lon, capacity, kind, accessible, opening, verified = row
    return Shelter(
        source=source,
        source_id=source_id,
        name=name,
        lat=lat,
        lon=lon,
        capacity=capacity,
        kind=kind,
        accessible=accessible,
        opening=opening,
        last_verified=verified,
        id=id_,
    )


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ShelterRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert(self, shelters: Sequence[Shelter], import_run: int | None = None) -> UpsertCounts:
        """Insert new shelters, update those already known by (source, source id)."""
        known: dict[tuple[str, str], int] = {}
        for source in {s.source for s in shelters}:
            rows = self._session.execute(select(ShelterRow.source_id, ShelterRow.id).where(ShelterRow.source == source))
            known.update({(source, source_id): id_ for source_id, id_ in rows})
        new, changed = [], []
        for shelter in shelters:
            values = _values(shelter, import_run)
            id_ = known.get((shelter.source, shelter.source_id))
            if id_ is None:
                new.append(values)
            else:
                changed.append({"id": id_, **values})
        for batch in _batches(new):
            self._session.execute(insert(ShelterRow), batch)
        for batch in _batches(changed):
            self._session.execute(update(ShelterRow), batch)
        return UpsertCounts(inserted=len(new), updated=len(changed))

    def count(self, source: str | None = None) -> int:
        query = select(func.count()).select_from(ShelterRow)
        if source is not None:
            query = query.where(ShelterRow.source == source)
        return int(self._session.scalar(query) or 0)

    def get(self, source: str, source_id: str) -> Shelter | None:
        row = self._session.execute(
            select(*_COLUMNS).where(ShelterRow.source == source, ShelterRow.source_id == source_id)
        ).first()
        return None if row is None else _shelter(row)

    def all(self, source: str | None = None) -> list[Shelter]:
        query = select(*_COLUMNS).order_by(ShelterRow.id)
        if source is not None:
            query = query.where(ShelterRow.source == source)
        return [_shelter(row) for row in self._session.execute(query)]

    def within(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[Shelter]:
        """Shelters inside a lon/lat window (edges included)."""
        query = select(*_COLUMNS).where(
            ShelterRow.lat >= min_lat, ShelterRow.lat <= max_lat, ShelterRow.lon >= min_lon, ShelterRow.lon <= max_lon
        )
        return [_shelter(row) for row in self._session.execute(query)]

    def nearest(self, lat: float, lon: float, limit: int = 5, max_km: float = 100.0) -> list[NearbyShelter]:
        """Up to `limit` shelters closest to a point (geodesic), none farther than `max_km`.

        The search window doubles from 1 km until it holds `limit` shelters whose distances
        are all within the window's inscribed circle, so no closer shelter can be missed.
        """
        radius_km = min(1.0, max_km)
        while True:
            found = self._within_radius(lat, lon, radius_km)
            if len(found) >= limit or radius_km >= max_km:
                return found[:limit]
            radius_km = min(radius_km * 2, max_km)

    def _within_radius(self, lat: float, lon: float, radius_km: float) -> list[NearbyShelter]:
        dlat = radius_km / KM_PER_DEGREE_LAT
        cos_lat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
        dlon = min(radius_km / (KM_PER_DEGREE_LAT * cos_lat), 180.0)
        candidates = self.within(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        if not candidates:
            return []
        distances = geodesic_m(lat, lon, np.array([s.lat for s in candidates]), np.array([s.lon for s in candidates]))
        order = np.argsort(distances, kind="stable")
        return [
            NearbyShelter(candidates[i], float(distances[i])) for i in order if distances[i] <= radius_km * 1000.0
        ]

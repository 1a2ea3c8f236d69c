"""The shelter registry. A shelter is known by (source, source id): importing it again updates it.

Writes are batched native upserts (see shelter_upsert). Withdrawn shelters (gone from a
`--replace` file) stay in the table as history but out of every answer here.

Nearest-shelter search finds candidates in lon/lat boxes and orders them by geodesic distance
(see shelter_search). An index gives k shelters near in degrees first (PostgreSQL: its GiST
index, `ORDER BY point <-> here LIMIT k`; SQLite: its lat/lon index over the search's boxes,
ordered by scaled degrees), which bounds the box in one step: two statements at most.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from safezone.adapters.db import locks
from safezone.adapters.db.change_mark import ChangeMarks
from safezone.adapters.db.import_repository import as_utc
from safezone.adapters.db.models import ShelterRow
from safezone.adapters.db.shelter_search import Box, NearbyShelter, boxes_around, closest, reach_km
from safezone.adapters.db.shelter_upsert import batches, upsert_rows
from safezone.domain.shelters import Shelter

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
    ShelterRow.withdrawn_by,
    ShelterRow.closed_at,
)
ACTIVE = ShelterRow.withdrawn_by.is_(None)
# What the public is offered: in the registry and not closed by an operator.
OPEN = and_(ACTIVE, ShelterRow.closed_at.is_(None))


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int  # new to the registry, or back after being withdrawn
    updated: int
    unchanged: int = 0


def _values(shelter: Shelter, import_run: int | None) -> dict:
    return {
        "source": shelter.source,
        "source_id": shelter.source_id,
        "name": shelter.name,
        "lat": shelter.lat,
        "lon": shelter.lon,
        "capacity": shelter.capacity,
        "kind": shelter.kind,
        "accessible": shelter.accessible,
        "opening": shelter.opening,
        "last_verified": shelter.last_verified,
        "import_run": import_run,
    }


def _shelter(row: Sequence) -> Shelter:
    id_, source, source_id, name, lat, lon, capacity, kind, accessible, opening, verified, withdrawn_by, closed = row
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
        withdrawn_by=withdrawn_by,
        closed_at=None if closed is None else as_utc(closed),
    )


def knn_query(lat: float, lon: float, limit: int) -> Select:
    """PostGIS: the `limit` open shelters nearest in degrees, straight from the GiST index."""
    here = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return select(*_COLUMNS).where(OPEN).order_by(ShelterRow.point.op("<->")(here)).limit(limit)


def degree_knn_query(lat: float, lon: float, limit: int, boxes: list[Box]) -> tuple[Select, dict]:
    """SQLite: the `limit` open shelters in these boxes nearest in degrees scaled by the
    latitude (an approximation: the geodesic has the last word), through the lat/lon index.
    The statement is built once per number of boxes and bound to the values (it runs on every
    "where am I?")."""
    values: dict = {"lat": lat, "lon": lon, "scale": math.cos(math.radians(lat)) ** 2, "limit": limit}
    for i, (west, south, east, north) in enumerate(boxes):
        values.update({f"w{i}": west, f"s{i}": south, f"e{i}": east, f"n{i}": north})
    return _degree_knn_statement(len(boxes)), values


@functools.lru_cache(maxsize=4)
def _degree_knn_statement(boxes: int) -> Select:
    tests = [and_(ShelterRow.lat.between(bindparam(f"s{i}"), bindparam(f"n{i}")),
                  ShelterRow.lon.between(bindparam(f"w{i}"), bindparam(f"e{i}"))) for i in range(boxes)]
    dlat, dlon = ShelterRow.lat - bindparam("lat"), ShelterRow.lon - bindparam("lon")
    nearness = dlat * dlat + bindparam("scale") * dlon * dlon
    return select(*_COLUMNS).where(OPEN, or_(*tests)).order_by(nearness, ShelterRow.id).limit(bindparam("limit"))


class ShelterRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert(self, shelters: Sequence[Shelter], import_run: int | None = None) -> UpsertCounts:
        """Insert new shelters, update those already known by (source, source id).

        A row identical to the stored shelter writes nothing and counts as unchanged; a row
        naming a withdrawn shelter brings it back (same registry id) and counts as new.
        """
        active = self._active_keys({s.source for s in shelters})
        written = upsert_rows(self._session, [_values(s, import_run) for s in shelters])
        if written:
            ChangeMarks(self._session).shelters_changed()
        listed = {(s.source, s.source_id) for s in shelters}
        known = listed & active
        updated = len(written & known)
        return UpsertCounts(inserted=len(listed) - len(known), updated=updated, unchanged=len(known) - updated)

    def lock_source(self, source: str) -> None:
        """Hold changes to one source's shelters to one transaction at a time, until it ends
        (a named lock: the source may have no row yet)."""
        locks.hold(self._session, f"shelters:{source}")

    def withdraw_absent(self, source: str, listed: set[str], import_run: int) -> int:
        """Withdraw the active shelters of `source` whose ids are not in `listed`; how many."""
        absent = [id_ for source_id, id_ in self._session.execute(
            select(ShelterRow.source_id, ShelterRow.id).where(ShelterRow.source == source, ACTIVE)
        ) if source_id not in listed]
        for batch in batches(absent):
            self._session.execute(
                update(ShelterRow).where(ShelterRow.id.in_(batch), ACTIVE).values(withdrawn_by=import_run)
            )
        if absent:
            ChangeMarks(self._session).shelters_changed()
        return len(absent)

    def _active_keys(self, sources: set[str]) -> set[tuple[str, str]]:
        rows = self._session.execute(
            select(ShelterRow.source, ShelterRow.source_id).where(ShelterRow.source.in_(sources), ACTIVE)
        )
        return {(source, source_id) for source, source_id in rows}

    def count(self, source: str | None = None) -> int:
        """Active shelters (of one source), open or closed."""
        query = select(func.count()).select_from(ShelterRow).where(ACTIVE)
        if source is not None:
            query = query.where(ShelterRow.source == source)
        return int(self._session.scalar(query) or 0)

    def count_closed(self) -> int:
        """Active shelters closed by an operator: in the registry, offered to no one."""
        return int(self._session.scalar(select(func.count()).select_from(ShelterRow)
                                        .where(ACTIVE, ShelterRow.closed_at.is_not(None))) or 0)

    def get(self, source: str, source_id: str) -> Shelter | None:
        """A shelter by its source key, withdrawn or not (see `Shelter.withdrawn_by`)."""
        row = self._session.execute(
            select(*_COLUMNS).where(ShelterRow.source == source, ShelterRow.source_id == source_id)
        ).first()
        return None if row is None else _shelter(row)

    def all(self, source: str | None = None, *, withdrawn: bool = False) -> list[Shelter]:
        """Active shelters (of one source), or with `withdrawn` the withdrawn ones instead."""
        query = select(*_COLUMNS).where(ShelterRow.withdrawn_by.is_not(None) if withdrawn else ACTIVE)
        if source is not None:
            query = query.where(ShelterRow.source == source)
        return [_shelter(row) for row in self._session.execute(query.order_by(ShelterRow.id))]

    def open_by_id(self, shelter_id: int, *, for_update: bool = False) -> Shelter | None:
        """An open shelter (active, not closed) by its registry id; `for_update` locks its row
        until the transaction ends, so changes about one shelter take turns."""
        query = select(*_COLUMNS).where(ShelterRow.id == shelter_id, OPEN)
        row = self._session.execute(query.with_for_update() if for_update else query).first()
        return None if row is None else _shelter(row)

    def lock_row(self, shelter_id: int) -> None:
        """Hold one shelter's row (open or not) until the transaction ends: changes about one
        shelter take turns, in the same order everywhere (shelter first, then its reports)."""
        self._session.execute(select(ShelterRow.id).where(ShelterRow.id == shelter_id).with_for_update())

    def close(self, shelter_id: int, at: datetime, by: str) -> bool:
        """Close an open shelter: out of every public answer, kept in the registry; whether it was open."""
        done = self._session.execute(update(ShelterRow).where(ShelterRow.id == shelter_id, OPEN)
                                     .values(closed_at=at.astimezone(timezone.utc), closed_by=by))
        if done.rowcount:
            ChangeMarks(self._session).shelters_changed()
        return bool(done.rowcount)

    def open_all(self) -> list[Shelter]:
        """Every open shelter (active, not closed), by registry id: what the public side indexes."""
        return [_shelter(row) for row in self._session.execute(select(*_COLUMNS).where(OPEN).order_by(ShelterRow.id))]

    def within(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[Shelter]:
        """Open shelters inside a lon/lat window (edges included)."""
        return self._in_boxes([(min_lon, min_lat, max_lon, max_lat)])

    def _in_boxes(self, boxes: list[Box]) -> list[Shelter]:
        """Open shelters inside any of the boxes: PostGIS through its GiST index, SQLite its lat/lon index."""
        if self._session.get_bind().dialect.name == "postgresql":
            tests = [ShelterRow.point.op("&&")(func.ST_MakeEnvelope(*box, 4326)) for box in boxes]
        else:
            tests = [and_(ShelterRow.lat.between(south, north), ShelterRow.lon.between(west, east))
                     for west, south, east, north in boxes]
        return [_shelter(row) for row in self._session.execute(select(*_COLUMNS).where(OPEN, or_(*tests)))]

    def nearest(self, lat: float, lon: float, limit: int = 5, max_km: float = 100.0) -> list[NearbyShelter]:
        """Up to `limit` open shelters (active, not closed) closest to a point (geodesic), none farther than `max_km`.

        Two statements at most, whatever the distance to the nearest: an index query gives
        `limit` shelters near in degrees (PostGIS: KNN on the GiST index; SQLite: the lat/lon
        index over the search's boxes, ordered by scaled degrees); their farthest geodesic
        distance bounds where the truly nearest are, and one indexed box search finds them.
        """
        if self._session.get_bind().dialect.name == "postgresql":
            query, values = knn_query(lat, lon, limit), {}
        else:
            query, values = degree_knn_query(lat, lon, limit, boxes_around(lat, lon, max_km))
        first = [_shelter(row) for row in self._session.execute(query, values)]
        if not first:
            return []
        radius_km = reach_km(first, lat, lon, limit, max_km)
        return closest(self._in_boxes(boxes_around(lat, lon, radius_km)), lat, lon, radius_km, limit)


"""Zone sets: each build stored as a new version, at most one active.

A stored zone set loads back equal to the one stored (parameters pass through JSON, so they
must be JSON values: tuples come back as lists).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

import shapely
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from safezone.adapters.db import locks
from safezone.adapters.db.change_mark import moved
from safezone.adapters.db.held_areas import ADDS_ZONES, HeldAreas, may_keep
from safezone.adapters.db.import_repository import as_utc
from safezone.adapters.db.subscriber_repository import SubscriberRepository
from safezone.adapters.db.models import AlertAreaRow, SettlementRow, ZoneBandRow, ZoneSetRow, ZoneSideRow
from safezone.domain.threats import Band
from safezone.domain.zones import AlertArea, AreaName, PopulationShare, Settlement, Side, ZoneSet


@dataclass(frozen=True)
class ZoneSetInfo:
    """What a list of versions shows, without loading the geometries."""

    version: int
    created_at: datetime
    border_name: str
    active: bool
    areas: int


class UnknownVersion(LookupError):
    def __init__(self, version: int) -> None:
        super().__init__(f"there is no zone set version {version}")
        self.version = version


class ZoneRepository:
    def __init__(self, session: Session, held: HeldAreas | None = None) -> None:
        self._session = session
        self._held = held

    # -- writing -------------------------------------------------------------------------

    def add(self, zones: ZoneSet, *, activate: bool = False) -> int:
        """Store a build as a new version; returns the version number."""
        self._session.info[ADDS_ZONES] = True
        version = self._session.execute(
            insert(ZoneSetRow)
            .values(
                created_at=datetime.now(timezone.utc),
                border_name=zones.border_name,
                border=zones.border,
                parameters=json.loads(json.dumps(zones.parameters, default=str)),
                active=False,
            )
            .returning(ZoneSetRow.version)
        ).scalar_one()
        self._insert_parts(version, zones)
        if activate:
            self.activate(version)
        return int(version)

    def _insert_parts(self, version: int, zones: ZoneSet) -> None:
        session = self._session
        session.execute(
            insert(ZoneSideRow),
            [
                {"version": version, "code": s.code, "position": i, "name": s.name, "territory": s.territory}
                for i, s in enumerate(zones.sides)
            ],
        )
        session.execute(
            insert(ZoneBandRow),
            [
                {
                    "version": version,
                    "band": b.index,
                    "min_km": b.min_km,
                    "max_km": b.max_km,
                    "time_to_shelter_s": b.time_to_shelter_s,
                    "seconds_by_threat": [list(pair) for pair in b.seconds_by_threat],
                }
                for b in zones.bands
            ],
        )
        if not zones.areas:
            return
        session.execute(insert(AlertAreaRow), [_area_values(version, i, a) for i, a in enumerate(zones.areas)])
        settlements = [
            _settlement_values(version, area.id, i, s) for area in zones.areas for i, s in enumerate(area.settlements)
        ]
        if settlements:
            session.execute(insert(SettlementRow), settlements)

    def activate(self, version: int) -> None:
        """Make `version` the one active zone set (and no other).

        Activations take turns (a named lock: a build being stored has no committed row yet),
        so the second sees and clears the first one's choice instead of leaving two sets active.
        """
        locks.hold(self._session, "zone_sets:active")
        if self._session.get(ZoneSetRow, version) is None:
            raise UnknownVersion(version)
        self._session.execute(update(ZoneSetRow).where(ZoneSetRow.active.is_(True)).values(active=False))
        self._session.execute(update(ZoneSetRow).where(ZoneSetRow.version == version).values(active=True))
        moved(self._session)
        self._session.expire_all()
        # Subscribers' cells follow the active set's grid (targeting's cache; see subscriber_repository).
        SubscriberRepository(self._session).refresh_cells(self.resolution(version))

    # -- reading -------------------------------------------------------------------------

    def resolution(self, version: int | None) -> int | None:
        """The H3 resolution a stored zone set's areas were cut at (None if not recorded)."""
        if version is None:
            return None
        parameters = self._session.scalar(select(ZoneSetRow.parameters).where(ZoneSetRow.version == version))
        value = (parameters or {}).get("h3_resolution")
        return value if isinstance(value, int) else None

    def active_resolution(self) -> int | None:
        return self.resolution(self.active_version())

    def active_version(self) -> int | None:
        return self._session.scalar(select(ZoneSetRow.version).where(ZoneSetRow.active.is_(True)))

    def active(self) -> ZoneSet | None:
        version = self.active_version()
        return None if version is None else self.get(version)

    def versions(self) -> list[ZoneSetInfo]:
        """Every stored version, newest first."""
        counts = (
            select(AlertAreaRow.version, func.count().label("n")).group_by(AlertAreaRow.version).subquery()
        )
        rows = self._session.execute(
            select(ZoneSetRow.version, ZoneSetRow.created_at, ZoneSetRow.border_name, ZoneSetRow.active, counts.c.n)
            .outerjoin(counts, counts.c.version == ZoneSetRow.version)
            .order_by(ZoneSetRow.version.desc())
        )
        return [ZoneSetInfo(v, as_utc(at), name, bool(active), int(n or 0)) for v, at, name, active, n in rows]

    def get(self, version: int) -> ZoneSet | None:
        """The zone set stored as `version`, whole, or None."""
        head = self._session.get(ZoneSetRow, version)
        if head is None:
            return None
        sides = self._session.scalars(select(ZoneSideRow).where(ZoneSideRow.version == version).order_by(ZoneSideRow.position))
        bands = self._session.scalars(select(ZoneBandRow).where(ZoneBandRow.version == version).order_by(ZoneBandRow.band))
        area_rows = self._session.scalars(
            select(AlertAreaRow).where(AlertAreaRow.version == version).order_by(AlertAreaRow.position)
        ).all()
        settlements = self._settlements(version)
        zones = ZoneSet(
            border_name=head.border_name,
            border=head.border,
            sides=tuple(Side(code=s.code, name=s.name, territory=s.territory) for s in sides),
            bands=tuple(
                Band(
                    index=b.band,
                    min_km=b.min_km,
                    max_km=b.max_km,
                    time_to_shelter_s=b.time_to_shelter_s,
                    seconds_by_threat=tuple((str(n), int(s)) for n, s in b.seconds_by_threat),
                )
                for b in bands
            ),
            areas=[_area(row, settlements.get(row.area_id, ())) for row in area_rows],
            parameters=dict(head.parameters),
        )
        if self._held is not None and may_keep(self._session):  # a version never changes: its areas answer later reads
            self._held.hold(version, zones.areas)
        return zones

    def area_at(self, lat: float, lon: float, version: int | None = None) -> AlertArea | None:
        """The alert area containing a point, in `version` or the active zone set."""
        version = self.active_version() if version is None else version
        if version is None:
            return None
        for row in covering_rows(self._session, [version], lat, lon):
            return _area(row, self._settlements(version, row.area_id).get(row.area_id, ()))
        return None

    def _settlements(self, version: int, area_id: str | None = None) -> dict[str, tuple[Settlement, ...]]:
        query = select(SettlementRow).where(SettlementRow.version == version)
        if area_id is not None:
            query = query.where(SettlementRow.area_id == area_id)
        grouped: dict[str, list[tuple[int, Settlement]]] = {}
        for row in self._session.scalars(query):
            grouped.setdefault(row.area_id, []).append((row.position, _settlement(row)))
        return {key: tuple(s for _, s in sorted(items, key=lambda item: item[0])) for key, items in grouped.items()}


def covering_rows(session: Session, versions: Sequence[int], lat: float, lon: float) -> list[AlertAreaRow]:
    """The stored areas of these versions that cover a point (edges included), in build order.

    The bounding-box columns pick the candidates on both databases; shapely has the last word.
    """
    if not versions:
        return []
    candidates = session.scalars(
        select(AlertAreaRow).where(
            AlertAreaRow.version.in_(list(versions)),
            AlertAreaRow.min_lat <= lat,
            AlertAreaRow.max_lat >= lat,
            AlertAreaRow.min_lon <= lon,
            AlertAreaRow.max_lon >= lon,
        ).order_by(AlertAreaRow.version, AlertAreaRow.position)
    )
    point = shapely.Point(lon, lat)
    return [row for row in candidates if row.geometry.covers(point)]


def _area_values(version: int, position: int, area: AlertArea) -> dict:
    min_lon, min_lat, max_lon, max_lat = area.geometry.bounds
    return {
        "version": version,
        "area_id": area.id,
        "position": position,
        "name": area.name,
        "side": area.side,
        "band": area.band,
        "min_km": area.min_km,
        "max_km": area.max_km,
        "time_to_shelter_s": area.time_to_shelter_s,
        "geometry": area.geometry,
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "population_shares": None
        if area.shares is None
        else [[s.geonameid, s.people, s.lat, s.lon] for s in area.shares],
        "naming": _naming_values(area.naming),
    }


def _naming_values(naming: AreaName | None) -> dict | None:
    if naming is None:
        return None
    return {"place": naming.place, "names": [list(pair) for pair in naming.names], "near": naming.near, "direction": naming.direction,
            "distance_km": naming.distance_km, "number": naming.number}


def _naming(values: dict | None) -> AreaName | None:
    """Name parts as stored; zone sets stored before they existed have none."""
    if not values:
        return None
    return AreaName(place=values["place"], names=tuple((str(lang), str(name)) for lang, name in values.get("names") or ()),
                    near=bool(values.get("near")), direction=values.get("direction"),
                    distance_km=values.get("distance_km"), number=values.get("number"))


def _settlement_values(version: int, area_id: str, position: int, s: Settlement) -> dict:
    return {
        "version": version,
        "area_id": area_id,
        "geonameid": s.geonameid,
        "position": position,
        "name": s.name,
        "lat": s.lat,
        "lon": s.lon,
        "population": s.population,
        "country": s.country,
        "part_of": s.part_of,
        "point": shapely.Point(s.lon, s.lat),
    }


def _settlement(row: SettlementRow) -> Settlement:
    return Settlement(
        geonameid=int(row.geonameid),
        name=row.name,
        lat=row.lat,
        lon=row.lon,
        population=int(row.population),
        country=row.country,
        part_of=None if row.part_of is None else int(row.part_of),
    )


def _area(row: AlertAreaRow, settlements: tuple[Settlement, ...]) -> AlertArea:
    return AlertArea(
        id=row.area_id,
        name=row.name,
        side=row.side,
        band=row.band,
        min_km=row.min_km,
        max_km=row.max_km,
        time_to_shelter_s=row.time_to_shelter_s,
        geometry=row.geometry,
        settlements=settlements,
        shares=None
        if row.population_shares is None
        else tuple(PopulationShare(int(g), int(n), float(lat), float(lon)) for g, n, lat, lon in row.population_shares),
        naming=_naming(row.naming),
    )

"""Alert areas of a stored zone set, found by id, by a drawn shape or by a map window.

Composing and targeting an alert needs a few areas, never the whole zone set (the RUS–UKR
border alone has about 9,500): these queries load only what they return. Windows use the
bounding-box columns, so they are indexable on both databases; exact geometry tests follow
in shapely.
"""

from __future__ import annotations

from typing import Sequence

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from safezone.adapters.db.held_areas import HeldAreas, may_keep
from safezone.adapters.db.models import AlertAreaRow, SettlementRow, ZoneBandRow
from safezone.adapters.db.zone_repository import _area, _settlement, covering_rows
from safezone.domain.threats import Band
from safezone.domain.zones import AlertArea, Settlement

# An `IN (...)` list this long at most per statement (SQLite's parameter limit is 32766).
CHUNK = 900


class AreaRepository:
    def __init__(self, session: Session, held: HeldAreas | None = None) -> None:
        self._session = session
        self._held = held

    def by_ids(self, version: int, area_ids: Sequence[str]) -> list[AlertArea]:
        """The areas of `version` with these ids, in the order asked; unknown ids are left out.
        From memory when that version was read whole in this process, or these areas were read
        before (see `held_areas`)."""
        held = None if self._held is None else self._held.get(version, area_ids)
        if held is not None:
            return held
        rows = {}
        for start in range(0, len(area_ids), CHUNK):
            chunk = list(area_ids[start:start + CHUNK])
            query = select(AlertAreaRow).where(AlertAreaRow.version == version, AlertAreaRow.area_id.in_(chunk))
            rows.update({row.area_id: row for row in self._session.scalars(query)})
        ordered = [rows[i] for i in dict.fromkeys(area_ids) if i in rows]
        found = self._with_settlements(version, ordered)
        if self._held is not None and may_keep(self._session):
            self._held.keep(version, found)
        return found

    def covering(self, versions: Sequence[int], lat: float, lon: float) -> list[tuple[int, AlertArea]]:
        """(version, area) for every area of these zone-set versions covering a point; without
        their settlements, since the question is only "which areas are here?"."""
        return [(row.version, _area(row, ())) for row in covering_rows(self._session, versions, lat, lon)]

    def overlapping(self, version: int, shape: BaseGeometry) -> list[AlertArea]:
        """The areas whose inside shares ground with `shape` (merely touching edges do not count)."""
        rows = [row for row in self._window(version, *shape.bounds)
                if row.geometry.intersects(shape) and not row.geometry.touches(shape)]
        return self._with_settlements(version, rows)

    def in_window(self, version: int, min_lon: float, min_lat: float, max_lon: float, max_lat: float,
                  limit: int) -> list[AlertArea]:
        """Areas meeting a lon/lat window, at most `limit` of them (in build order)."""
        box = shapely.box(min_lon, min_lat, max_lon, max_lat)
        rows = [row for row in self._window(version, min_lon, min_lat, max_lon, max_lat)
                if row.geometry.intersects(box)][:limit]
        return self._with_settlements(version, rows)

    def bands(self, version: int) -> list[Band]:
        rows = self._session.scalars(select(ZoneBandRow).where(ZoneBandRow.version == version).order_by(ZoneBandRow.band))
        return [Band(index=r.band, min_km=r.min_km, max_km=r.max_km, time_to_shelter_s=r.time_to_shelter_s,
                     seconds_by_threat=tuple(tuple(pair) for pair in r.seconds_by_threat)) for r in rows]

    def _window(self, version: int, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[AlertAreaRow]:
        query = select(AlertAreaRow).where(
            AlertAreaRow.version == version,
            AlertAreaRow.max_lon >= min_lon,
            AlertAreaRow.min_lon <= max_lon,
            AlertAreaRow.max_lat >= min_lat,
            AlertAreaRow.min_lat <= max_lat,
        ).order_by(AlertAreaRow.position)
        return list(self._session.scalars(query))

    def _with_settlements(self, version: int, rows: list[AlertAreaRow]) -> list[AlertArea]:
        ids = [row.area_id for row in rows]
        grouped: dict[str, list[tuple[int, Settlement]]] = {}
        for start in range(0, len(ids), CHUNK):
            query = select(SettlementRow).where(SettlementRow.version == version,
                                                SettlementRow.area_id.in_(ids[start:start + CHUNK]))
            for row in self._session.scalars(query):
                grouped.setdefault(row.area_id, []).append((row.position, _settlement(row)))
        return [_area(row, tuple(s for _, s in sorted(grouped.get(row.area_id, ()), key=lambda item: item[0])))
                for row in rows]

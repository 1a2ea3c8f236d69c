"""Incidents from CSV or GeoJSON files, with the shelter readers' row machinery: every bad row
is reported by file and line (or feature index) and field, and the caller imports nothing from
a file with bad rows unless asked for the good rows alone.

CSV columns (case-insensitive; aliases in brackets): time [occurred_at, datetime], lat
[latitude], lon [lng, longitude] or wkt [geometry] (a POINT or POLYGON in WKT), kind,
confidence, source; note [notes, comment] optional. GeoJSON: a Point or Polygon feature with the
same names as properties. Times are ISO 8601 with a zone (2026-11-27T12:00:00Z).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Mapping

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from safezone.adapters.shelter_sources import DEFAULT_MAX_BYTES, guess_format
from safezone.adapters.shelter_sources.csv_source import read_table
from safezone.adapters.shelter_sources.fields import Located
from safezone.adapters.shelter_sources.geojson_source import read_features
from safezone.domain.errors import InputError
from safezone.domain.incidents import Incident, new_incident

ALIASES = {"time": "time", "occurred_at": "time", "datetime": "time", "lat": "lat", "latitude": "lat", "lon": "lon",
           "lng": "lon", "longitude": "lon", "wkt": "wkt", "geometry": "wkt", "kind": "kind",
           "confidence": "confidence", "source": "source", "note": "note", "notes": "note", "comment": "note"}
REQUIRED = ("time", "kind", "confidence", "source")
HINT = "needed: time, lat and lon (or wkt), kind, confidence, source; optional: note"


@dataclass
class IncidentRows:
    file: str
    format: str
    incidents: list[Incident] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    rows_read: int = 0

    def add(self, values: Mapping[str, object], place: BaseGeometry | InputError, where: Located,
            now: datetime) -> None:
        self.rows_read += 1
        if isinstance(place, InputError):
            self.problems.append(place)
            return
        try:
            self.incidents.append(incident_from(values, place, now))
        except InputError as bad:
            self.problems.append(where.error(bad.field or "", bad.message))

    def problem(self, error: InputError) -> None:
        self.rows_read += 1
        self.problems.append(error)


def parse_time(raw: object, field_name: str = "time") -> datetime:
    text = str(raw or "").strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{text!r} is not an ISO 8601 time like 2026-11-27T12:00:00Z", field=field_name) from None
    if moment.utcoffset() is None:
        raise InputError(f"{text!r} has no time zone (add Z for UTC)", field=field_name)
    return moment


def incident_from(values: Mapping[str, object], place: BaseGeometry, now: datetime) -> Incident:
    return new_incident(occurred_at=parse_time(values.get("time")), place=place, kind=values.get("kind"),
                        confidence=values.get("confidence"), source=values.get("source"), note=values.get("note"),
                        now=now)


def read_incidents(path: str, now: datetime, *, format: str | None = None, encoding: str = "utf-8",
                   max_bytes: int = DEFAULT_MAX_BYTES) -> IncidentRows:
    """Every good incident and every problem in the file; writes nothing."""
    format = format or guess_format(path)
    if format not in ("csv", "geojson"):
        raise InputError(f"unknown format {format!r}; use csv or geojson", file=path, field="format")
    if not Path(path).is_file():
        raise InputError("no such file", file=path)
    rows = IncidentRows(file=path, format=format)
    if format == "csv":
        table = read_table(path, ALIASES, REQUIRED, encoding=encoding, max_bytes=max_bytes, columns_hint=HINT)
        entries = [(where, values, values if isinstance(values, InputError) else _csv_place(values, where))
                   for where, values in table.records]
        # Points from lat/lon are made in one call: one at a time, making them cost more than
        # reading the file.
        pending = [k for k, (_, _, place) in enumerate(entries) if isinstance(place, tuple)]
        if pending:
            made = shapely.points([entries[k][2] for k in pending])
            for k, point in zip(pending, made):
                entries[k] = (entries[k][0], entries[k][1], point)
        for where, values, place in entries:
            if isinstance(values, InputError):
                rows.problem(values)
            else:
                rows.add(values, place, where, now)
        return rows
    for index, where, feature in read_features(path, encoding=encoding, max_bytes=max_bytes):
        if isinstance(feature, InputError):
            rows.problem(feature)
            continue
        properties = {ALIASES[k.strip().lower()]: v for k, v in (feature.get("properties") or {}).items()
                      if isinstance(k, str) and k.strip().lower() in ALIASES}
        rows.add(properties, geometry_from(feature.get("geometry"), where),
                 Located(path, prefix=f"features[{index}].properties."), now)
    return rows


def geometry_from(raw: object, where: Located, field_name: str = "geometry") -> BaseGeometry | InputError:
    """A GeoJSON geometry object as shapely, or the error naming it."""
    if not isinstance(raw, dict):
        return where.error(field_name, "the feature has no geometry")
    try:
        return shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.ShapelyError):
        return where.error(field_name, f"the {raw.get('type')!s} geometry is malformed")


def _csv_place(values: Mapping[str, object], where: Located) -> BaseGeometry | tuple[float, float] | InputError:
    """The row's place: a geometry from WKT, (lon, lat) to be made a point, or what is wrong."""
    wkt = str(values.get("wkt") or "").strip()
    if wkt:
        try:
            return shapely.from_wkt(wkt)
        except shapely.errors.ShapelyError:
            return where.error("wkt", f"{wkt[:40]!r} is not WKT (e.g. POINT (30.1 50.2))")
    numbers = []
    for name in ("lat", "lon"):
        text = str(values.get(name) or "").strip()
        try:
            numbers.append(float(text))
        except ValueError:
            return where.error(name, f"{name} {text!r} is not a number" if text else f"{name} is empty (or give wkt)")
    return numbers[1], numbers[0]

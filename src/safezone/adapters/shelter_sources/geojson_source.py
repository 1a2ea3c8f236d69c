"""Shelters from a GeoJSON FeatureCollection: one feature per shelter.

The position is the feature's Point (a Polygon or MultiPolygon, e.g. a building outline,
gives its representative point, which always lies inside it). Properties use the CSV column
names (see csv_source). Problems name the feature by its index: `features[3].properties.capacity`.
"""

from __future__ import annotations

import json
from typing import Iterator

import shapely
from shapely.geometry import shape

from safezone.adapters.shelter_sources.collect import SourceRows, decode, read_bytes
from safezone.adapters.shelter_sources.csv_source import ALIASES
from safezone.adapters.shelter_sources.fields import Located, Record
from safezone.domain.errors import InputError

AREAL = ("Polygon", "MultiPolygon")


def read_geojson(path: str, source: str, *, encoding: str = "utf-8", max_bytes: int) -> SourceRows:
    rows = SourceRows(file=path, format="geojson", source=source)
    for index, where, feature in read_features(path, encoding=encoding, max_bytes=max_bytes):
        if isinstance(feature, InputError):
            rows.problem(feature)
            continue
        try:
            lon, lat = _position(feature.get("geometry"), where)
        except InputError as bad:
            rows.problem(bad)
            continue
        properties = feature.get("properties") or {}
        values = {ALIASES[k.strip().lower()]: v for k, v in properties.items() if isinstance(k, str) and k.strip().lower() in ALIASES}
        if "id" not in values and isinstance(feature.get("id"), (str, int)) and not isinstance(feature.get("id"), bool):
            values["id"] = feature["id"]
        rows.add(Record(values, lat=lat, lon=lon), Located(path, prefix=f"features[{index}].properties."))
    return rows


def read_features(path: str, *, encoding: str, max_bytes: int) -> Iterator[tuple[int, Located, dict | InputError]]:
    """Any FeatureCollection of ours (shelters, incidents): each feature with where it is
    (`features[3].`), or an InputError in its place when it is not a Feature with properties;
    a file that is not a FeatureCollection raises InputError at once."""
    text = decode(read_bytes(path, max_bytes), path, encoding)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as bad:
        raise InputError(f"not valid JSON: {bad.msg} (column {bad.colno})", file=path, line=bad.lineno) from None
    except RecursionError:
        raise InputError("the JSON is nested too deeply to be GeoJSON", file=path) from None
    except ValueError as bad:
        raise InputError(str(bad), file=path) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise InputError("not a GeoJSON FeatureCollection (needs \"type\": \"FeatureCollection\" and a \"features\" list)", file=path)
    return _features(document["features"], path)


def _features(features: list, path: str) -> Iterator[tuple[int, Located, dict | InputError]]:
    for index, feature in enumerate(features):
        where = Located(path, prefix=f"features[{index}].")
        if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
            yield index, where, where.error("properties", "the feature is not a GeoJSON Feature object with properties")
        else:
            yield index, where, feature


def _refuse_constant(name: str) -> float:
    raise ValueError(f"the JSON holds {name}, which is not a number JSON allows")


def _position(geometry: object, where: Located) -> tuple[object, object]:
    if not isinstance(geometry, dict):
        raise where.error("geometry", "the feature has no geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Point":
        if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
            raise where.error("geometry", "a Point needs [longitude, latitude]")
        return coordinates[0], coordinates[1]
    if kind in AREAL:
        try:
            outline = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
            raise where.error("geometry", f"the {kind} is malformed") from None
        if outline.is_empty:
            raise where.error("geometry", f"the {kind} is empty")
        point = outline.representative_point()
        return point.x, point.y
    raise where.error("geometry", f"geometry type {kind!r} cannot be a shelter's place (Point or Polygon)")

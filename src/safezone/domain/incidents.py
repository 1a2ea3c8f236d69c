"""Incidents: what happened where and when (an impact, debris, damage reported...), as an
analyst records it, so warnings can be measured against what actually happened.

An incident has a time, a place (a point, or a polygon when only an area is known), a kind,
how sure the report is, where it came from and a free note. Nothing here says who fired or
what was aimed at: an incident is a fact about a place, for civil protection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shapely.geometry.base import BaseGeometry

from safezone.domain.errors import InputError

MAX_SOURCE = 200
MAX_NOTE = 2000
# A polygon wider than this is not "a place": it is a region, and matching it would claim
# every alert in it. One degree is about 70–110 km.
MAX_POLYGON_DEGREES = 1.0


class IncidentKind(StrEnum):
    IMPACT = "impact"
    DEBRIS = "debris"
    INTERCEPTION = "interception overhead"
    DAMAGE = "damage reported"
    OTHER = "other"


class Confidence(StrEnum):
    CONFIRMED = "confirmed"
    PROBABLE = "probable"
    UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Incident:
    occurred_at: datetime
    place: BaseGeometry  # Point or Polygon, lon/lat
    kind: IncidentKind
    confidence: Confidence
    source: str
    note: str = ""
    id: int | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None


def kind_of(raw: object, field: str = "kind") -> IncidentKind:
    return _choice(IncidentKind, raw, field)


def confidence_of(raw: object, field: str = "confidence") -> Confidence:
    return _choice(Confidence, raw, field)


def _choice(kind: type[StrEnum], raw: object, field: str):  # type: ignore[no-untyped-def]
    text = str(raw or "").strip().lower()
    try:
        return kind(text)
    except ValueError:
        allowed = ", ".join(v.value for v in kind)  # type: ignore[attr-defined]
        raise InputError(f"{raw!r} is not one of: {allowed}", field=field) from None


def check_place(place: BaseGeometry, field: str = "geometry") -> BaseGeometry:
    """A point or polygon on the Earth, valid, and small enough to be a place."""
    if place.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        raise InputError(f"a {place.geom_type} cannot be an incident's place (Point or Polygon)", field=field)
    if place.is_empty or not place.is_valid:
        raise InputError(f"the {place.geom_type} is empty or not valid (self-crossing?)", field=field)
    bounds = place.bounds  # read once: each read is a call into GEOS, the costliest check of a point
    west, south, east, north = bounds
    if not all(math.isfinite(v) for v in bounds) or not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError("coordinates are outside longitude -180..180, latitude -90..90", field=field)
    if max(east - west, north - south) > MAX_POLYGON_DEGREES:
        raise InputError(f"the polygon spans more than {MAX_POLYGON_DEGREES:g}°: an incident's place must be "
                         "a point or a small area", field=field)
    return place


def check_text(raw: object, field: str, limit: int, required: bool = False) -> str:
    text = "" if raw is None else str(raw).strip()
    if required and not text:
        raise InputError(f"{field} is empty", field=field)
    if len(text) > limit:
        raise InputError(f"{field} is {len(text)} characters long, more than {limit}", field=field)
    if any(ord(c) < 32 and c not in "\t\n" for c in text):
        raise InputError(f"{field} holds control characters", field=field)
    return text


def check_time(occurred_at: datetime, now: datetime, field: str = "time") -> datetime:
    if occurred_at.utcoffset() is None:
        raise InputError("the time needs a time zone (e.g. 2026-11-27T12:00:00Z)", field=field)
    if occurred_at > now:
        raise InputError(f"{occurred_at.isoformat()} is in the future", field=field)
    return occurred_at


def new_incident(*, occurred_at: datetime, place: BaseGeometry, kind: object, confidence: object, source: object,
                 note: object, now: datetime) -> Incident:
    """An incident with every field checked; InputError names the field at fault."""
    return Incident(occurred_at=check_time(occurred_at, now), place=check_place(place), kind=kind_of(kind),
                    confidence=confidence_of(confidence), source=check_text(source, "source", MAX_SOURCE, True),
                    note=check_text(note, "note", MAX_NOTE))

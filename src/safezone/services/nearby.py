"""Areas by a band around a place ("0–7 km of Shebekino"), for composing an alert.

An area is in the band when some part of it lies between `min_km` and `max_km` (geodesic) of
the place: it overlaps the ring between two circles around the point (a disc when `min_km` is
0). So an area that reaches into the ring is chosen whole, as its people are warned together.
The candidates come from the active zone set's spatial index (a window around the circle),
then each is measured exactly (`geodesy.distance_range_km`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from safezone.domain.errors import InputError
from safezone.domain.geodesy import distance_range_km, window_km
from safezone.domain.zones import AlertArea, Settlement
from safezone.services.public import check_bbox
from safezone.services.read_model import ZonesInMemory

MAX_KM = 100.0  # farther than any threat class reaches; a wider band is a whole-side alert


@dataclass(frozen=True)
class Place:
    """The centre of a band: a settlement of the zone set, or a point given by coordinates."""

    lat: float
    lon: float
    name: str | None = None
    settlement_id: int | None = None


@dataclass(frozen=True)
class AreaNear:
    area: AlertArea
    nearest_km: float
    farthest_km: float


def find_place(held: ZonesInMemory, place: str) -> Place:
    """`place` is a settlement's id (as `/api/areas/search` gives it) or "lat,lon"."""
    text = place.strip()
    if "," in text:
        return _coordinates(text)
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to Python, not a number
        raise InputError(f"place {place[:40]!r} is neither a settlement id nor 'lat,lon'", field="place")
    found = _settlements(held).get(int(text))
    if found is None:
        raise InputError(f"there is no settlement {text} in the active zone set", field="place")
    return Place(found.lat, found.lon, found.name, found.geonameid)


def areas_near(held: ZonesInMemory, place: Place, min_km: float, max_km: float) -> list[AreaNear]:
    """The areas overlapping the ring `min_km`…`max_km` around the place, nearest first."""
    if not (0 < max_km <= MAX_KM):
        raise InputError(f"max_km must be more than 0 and at most {MAX_KM:g} km", field="max_km")
    if not (0 <= min_km < max_km):
        raise InputError("min_km must be at least 0 and less than max_km", field="min_km")
    candidates = held.in_windows(check_bbox(window_km(place.lon, place.lat, max_km)))
    found = []
    for index in candidates:
        area = held.zones.areas[index]
        nearest, farthest = distance_range_km(place.lon, place.lat, area.geometry)
        if nearest <= max_km and farthest >= min_km:
            found.append(AreaNear(area, nearest, farthest))
    return sorted(found, key=lambda a: (a.nearest_km, a.area.id))


def _coordinates(text: str) -> Place:
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise InputError(f"place {text[:40]!r} is not 'lat,lon'", field="place") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError("place: latitude -90…90, longitude -180…180, as 'lat,lon'", field="place")
    return Place(lat, lon)


def _settlements(held: ZonesInMemory) -> dict[int, Settlement]:
    return held.derived.get("settlements", lambda: {s.geonameid: s for a in held.zones.areas for s in a.settlements})

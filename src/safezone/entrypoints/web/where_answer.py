"""`/api/where` as bytes, put together from pieces encoded once.

The answer for a point is the point, its area, the alerts in force there and the nearest
shelters. Of these only the point, the distances and the walks change from one request to the
next; the area, each alert as told at one of its areas, and each shelter's own fields are the
same for every request until the zone set, the snapshot or the registry changes. Encoding the
whole answer with `json` cost more than finding it, so those pieces are encoded once (the same
`caching.json_bytes` of the same `views` dicts) and joined with the few numbers per request.
The bytes are those of `caching.json_bytes(views.where_json(answer))`, to the byte (tested).

The pieces are held by the identity of what they encode (an area, an alert and its area, a
shelter: immutable objects that the read side keeps while they are current), with a reference
to it, so a piece is never taken for another object that came to have the same id; the store is
emptied when it grows past `MAX_PIECES` (the next requests encode again what they need).
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

from safezone.domain.alerts import AlertRecord
from safezone.domain.shelters import Shelter
from safezone.domain.zones import AlertArea
from safezone.entrypoints.web import views
from safezone.entrypoints.web.caching import json_bytes
from safezone.services.public import AlertHere, WhereAnswer
from safezone.services.shelters import ShelterOption

MAX_PIECES = 50_000
_LITERALS = {True: b"true", False: b"false", None: b"null"}


class Pieces:
    """Encoded pieces by the identity of what they encode (thread-safe enough: at worst two
    threads encode the same piece, and both get the same bytes). An encoder takes the owners
    as arguments, so a piece held costs a look-up and an identity check, nothing made."""

    def __init__(self, limit: int = MAX_PIECES) -> None:
        self.limit = limit
        self._held: dict[Hashable, tuple[object, bytes]] = {}

    def one(self, owner: Any, encode: Callable[[Any], bytes]) -> bytes:
        """The piece of one object."""
        found = self._held.get(id(owner))
        if found is not None and found[0] is owner:
            return found[1]
        return self._keep(id(owner), owner, encode(owner))

    def pair(self, first: Any, second: Any, encode: Callable[[Any, Any], bytes]) -> bytes:
        """The piece of two objects together (an alert as told at one of its areas)."""
        key = (id(first), id(second))
        found = self._held.get(key)
        if found is not None and found[0][0] is first and found[0][1] is second:  # type: ignore[index]
            return found[1]
        return self._keep(key, (first, second), encode(first, second))

    def _keep(self, key: Hashable, owners: object, piece: bytes) -> bytes:
        if len(self._held) >= self.limit:
            self._held = {}
        self._held[key] = (owners, piece)
        return piece


PIECES = Pieces()


def _scalar(value: Any) -> bytes:
    """A number, a bool or None as `json_bytes` writes it (floats by their shortest repr)."""
    kind = type(value)
    if kind is float and value - value == 0.0:  # finite (json refuses the others, and so do we)
        return float.__repr__(value).encode()
    if kind is int:
        return int.__repr__(value).encode()
    if value is None or kind is bool:
        return _LITERALS[value]
    return json_bytes(value)


def _area_piece(area: AlertArea) -> bytes:
    return json_bytes(views.where_area_json(area))


def _alert_piece(alert: AlertRecord, area: AlertArea) -> bytes:
    return json_bytes(views.alert_here_json(AlertHere(alert, area)))


def _shelter_piece(shelter: Shelter) -> bytes:
    """The shelter's own fields, without the closing brace: the per-request ones follow."""
    return json_bytes(views.shelter_json(shelter))[:-1]


def _alerts(items: tuple[AlertHere, ...]) -> bytes:
    return b",".join(PIECES.pair(h.alert, h.area, _alert_piece) for h in items)


def _shelter(option: ShelterOption) -> bytes:
    return b"%s,\"distance_m\":%s,\"walking_s\":%s,\"in_time\":%s}" % (
        PIECES.one(option.nearby.shelter, _shelter_piece), _scalar(round(option.nearby.geodesic_m, 1)),
        _scalar(round(option.walking_s, 1)), _LITERALS[option.in_time])


def where_bytes(answer: WhereAnswer) -> bytes:
    """The answer as `json_bytes(views.where_json(answer))` gives it, from pieces held."""
    area = answer.area
    return b"".join((
        b'{"lat":', _scalar(answer.lat), b',"lon":', _scalar(answer.lon),
        b',"inside":', _LITERALS[area is not None], b',"area":', b"null" if area is None else PIECES.one(area, _area_piece),
        b',"time_to_shelter_s":', b"null" if area is None else _scalar(area.time_to_shelter_s),
        b',"alerts":[', _alerts(answer.alerts), b'],"drills":[', _alerts(answer.drills),
        b'],"shelters":[', b",".join(_shelter(o) for o in answer.shelters.options),
        b'],"zone_set_version":', _scalar(answer.shelters.zone_set_version), b"}",
    ))


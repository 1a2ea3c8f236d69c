"""Was an incident warned, and in time? Incidents matched to the Actual alerts in force at
their place and time, by each alert's own areas (in the zone set it was issued on).

- In force at t: issued at or before t, and t before its end (superseded, cancelled, cleared or
  expired). A place on an area's edge is inside it (a resident there was warned).
- Lead time: t minus the moment the place came under the alert: an Update that kept the place
  under alert carries the warning of the message it superseded, so the chain is followed back
  while each earlier message covered the place too.
- Time to shelter: the alert's area at the place (the shortest, on an edge between two); for an
  incident no alert covered, the area of the active zone set there.
- Verdict: warned in time (lead ≥ time to shelter), warned late, or not warned.
Only Actual alerts are given to `assess`: drills are never matched to real incidents.

Spatial pairs come from one bulk STRtree query (shapely 2), times are compared in numpy, so a
year of incidents is assessed in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


class Verdict(StrEnum):
    IN_TIME = "warned in time"
    LATE = "warned late"
    NOT_WARNED = "not warned"


@dataclass(frozen=True)
class AreaShape:
    area_id: str
    geometry: BaseGeometry
    time_to_shelter_s: int
    band: int


@dataclass(frozen=True)
class AlertSpan:
    """An issued Actual warning: when it was in force, and its own areas."""

    alert_id: int
    follows: int | None
    superseded: bool  # ended by an Update (whose warning carries on)
    start: datetime
    end: datetime | None  # None: in force still
    areas: tuple[AreaShape, ...]


@dataclass(frozen=True)
class IncidentPlace:
    incident_id: int
    occurred_at: datetime
    place: BaseGeometry


@dataclass(frozen=True)
class Assessment:
    incident_id: int
    verdict: Verdict
    lead_time_s: float | None
    time_to_shelter_s: int | None
    area_id: str | None
    band: int | None
    alert_id: int | None  # the alert that warned earliest
    matches: tuple[tuple[int, float], ...]  # (alert id, lead time s) for every alert in force there


def _seconds(moments: Sequence[datetime | None], missing: float) -> np.ndarray:
    return np.array([missing if m is None else m.timestamp() for m in moments], dtype=float)


def _pairs(places: Sequence[BaseGeometry], shapes: Sequence[BaseGeometry]) -> tuple[np.ndarray, np.ndarray]:
    """(place index, shape index) for every place that intersects a shape.

    The tree holds the places and each distinct area geometry queries it once: shapely
    prepares the query geometry, so a point-in-polygon test against a detailed area is fast,
    and an area named by many alerts is tested once (the same object, so `id` tells them apart).
    """
    if not places or not shapes:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    distinct: dict[int, int] = {}
    geometries: list[BaseGeometry] = []
    which = np.empty(len(shapes), dtype=int)
    for k, geometry in enumerate(shapes):
        if id(geometry) not in distinct:
            distinct[id(geometry)] = len(geometries)
            geometries.append(geometry)
        which[k] = distinct[id(geometry)]
    tree = shapely.STRtree(np.array(places, dtype=object))
    hit_shape, hit_place = tree.query(np.array(geometries, dtype=object), predicate="intersects")
    order = np.argsort(which, kind="stable")
    counts = np.bincount(which, minlength=len(geometries))
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    repeat = counts[hit_shape]
    total = int(repeat.sum())
    within = np.arange(total) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    return np.repeat(hit_place, repeat), order[np.repeat(firsts[hit_shape], repeat) + within]


def assess(incidents: Sequence[IncidentPlace], alerts: Sequence[AlertSpan],
           active_areas: Sequence[AreaShape] = ()) -> list[Assessment]:
    """One assessment per incident, in the order given."""
    flat = [(a, area) for a in alerts for area in a.areas]
    places = [i.place for i in incidents]
    inc_idx, shape_idx = _pairs(places, [area.geometry for _, area in flat])
    times = _seconds([i.occurred_at for i in incidents], 0.0)
    starts = _seconds([a.start for a, _ in flat], np.inf)
    ends = _seconds([a.end for a, _ in flat], np.inf)
    t = times[inc_idx]
    live = (starts[shape_idx] <= t) & (t < ends[shape_idx]) if len(inc_idx) else np.zeros(0, dtype=bool)
    flat_ids = np.array([a.alert_id for a, _ in flat], dtype=np.int64)
    stride = int(flat_ids.max(initial=0)) + 1
    touching = np.sort(inc_idx.astype(np.int64) * stride + flat_ids[shape_idx]) if len(inc_idx) else np.empty(0, np.int64)
    by_id = {a.alert_id: a for a in alerts}
    found: dict[int, dict[int, AreaShape]] = {}
    for i, s in zip(inc_idx[live], shape_idx[live]):
        alert, area = flat[s]
        mine = found.setdefault(int(i), {})
        if alert.alert_id not in mine or area.time_to_shelter_s < mine[alert.alert_id].time_to_shelter_s:
            mine[alert.alert_id] = area
    fallback = _fallback(places, active_areas)
    results = []
    for index, incident in enumerate(incidents):
        matched = found.get(index)
        if not matched:
            area = fallback.get(index)
            results.append(Assessment(incident.incident_id, Verdict.NOT_WARNED, None,
                                      area.time_to_shelter_s if area else None, area.area_id if area else None,
                                      area.band if area else None, None, ()))
            continue
        leads = {alert_id: (incident.occurred_at - _warned_since(by_id[alert_id], index, by_id, touching, stride)).total_seconds()
                 for alert_id in matched}
        first = max(sorted(leads), key=lambda a: leads[a])
        area = min(matched.values(), key=lambda a: a.time_to_shelter_s)
        verdict = Verdict.IN_TIME if leads[first] >= area.time_to_shelter_s else Verdict.LATE
        results.append(Assessment(incident.incident_id, verdict, leads[first], area.time_to_shelter_s, area.area_id,
                                  area.band, first, tuple(sorted(leads.items()))))
    return results


def _warned_since(alert: AlertSpan, index: int, by_id: dict[int, AlertSpan], touching: np.ndarray,
                  stride: int) -> datetime:
    """The start of the unbroken warning at the place: back through superseded messages that
    covered it too (`touching`: sorted codes incident index × stride + alert id of every
    place–alert pair in space, whatever the time)."""
    start, current, seen = alert.start, alert, set()
    while current.follows is not None and current.follows not in seen:
        seen.add(current.follows)
        previous = by_id.get(current.follows)
        code = index * stride + previous.alert_id if previous is not None else -1
        at = int(np.searchsorted(touching, code))
        if previous is None or not previous.superseded or at >= len(touching) or touching[at] != code:
            break
        start, current = previous.start, previous
    return start


def _fallback(places: Sequence[BaseGeometry], areas: Sequence[AreaShape]) -> dict[int, AreaShape]:
    """Per incident, the active zone set's area there with the shortest time to shelter."""
    chosen: dict[int, AreaShape] = {}
    for i, s in zip(*_pairs(places, [a.geometry for a in areas])):
        area = areas[s]
        if int(i) not in chosen or area.time_to_shelter_s < chosen[int(i)].time_to_shelter_s:
            chosen[int(i)] = area
    return chosen

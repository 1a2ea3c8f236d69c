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

Spatial pairs come from one bulk STRtree query (shapely 2); everything after that — times in
force, the area per alert, the chain of Updates, the earliest warning — is computed on numpy
arrays of (incident, alert) pairs, so a year of incidents is assessed in about a second and
the Python work is one small object per incident. Ties are broken the same way every time:
among equal lead times the lowest alert id, among equal times to shelter the lowest area id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NEVER = np.iinfo(np.int64).max
MICROSECOND = timedelta(microseconds=1)


def _micros(moments: Sequence[datetime | None]) -> np.ndarray:
    """Whole microseconds since 1970 (None: never), so lead times are exact, as with datetimes."""
    return np.array([NEVER if m is None else (m - EPOCH) // MICROSECOND for m in moments], dtype=np.int64)


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


def _firsts(*keys: np.ndarray) -> np.ndarray:
    """Positions, sorted by `keys` (the last is the primary, as in np.lexsort), of the first
    element of each group sharing the primary key."""
    order = np.lexsort(keys)
    primary = keys[-1][order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = primary[1:] != primary[:-1]
    return order[keep]


def _ranks(area_ids: Sequence[str]) -> np.ndarray:
    """Each area id's place in sorted order (ties between equal times to shelter go to the lowest)."""
    names = sorted(set(area_ids))
    position = {name: k for k, name in enumerate(names)}
    return np.array([position[a] for a in area_ids], dtype=np.int64)


def assess(incidents: Sequence[IncidentPlace], alerts: Sequence[AlertSpan],
           active_areas: Sequence[AreaShape] = ()) -> list[Assessment]:
    """One assessment per incident, in the order given."""
    places = [i.place for i in incidents]
    n_alerts = len(alerts)
    flat = [area for a in alerts for area in a.areas]
    flat_alert = np.repeat(np.arange(n_alerts, dtype=np.int64),
                           np.array([len(a.areas) for a in alerts], dtype=np.int64))
    flat_tts = np.array([area.time_to_shelter_s for area in flat], dtype=np.int64)
    flat_rank = _ranks([area.area_id for area in flat])
    # One spatial query for the alerts' areas and the active zone set's (for the unwarned): an
    # area in both (the usual case, alerts on the active zone set) is tested once.
    inc_idx, shape_idx = _pairs(places, [area.geometry for area in (*flat, *active_areas)])
    inc_idx = inc_idx.astype(np.int64)
    alerted = shape_idx < len(flat)
    fallback = _fallback(len(incidents), inc_idx[~alerted], shape_idx[~alerted] - len(flat), active_areas).tolist()
    inc_idx, shape_idx = inc_idx[alerted], shape_idx[alerted]
    times = _micros([i.occurred_at for i in incidents])
    starts = _micros([a.start for a in alerts])
    ends = _micros([a.end for a in alerts])
    alert_ids = np.array([a.alert_id for a in alerts], dtype=np.int64)
    position = {a.alert_id: k for k, a in enumerate(alerts)}
    follows = np.array([position.get(a.follows, -1) if a.follows is not None else -1 for a in alerts], dtype=np.int64)
    superseded = np.array([a.superseded for a in alerts], dtype=bool)

    pair_alert = flat_alert[shape_idx]
    touching = np.sort(inc_idx * max(n_alerts, 1) + pair_alert)
    t = times[inc_idx]
    live = (starts[pair_alert] <= t) & (t < ends[pair_alert])
    li, ls = inc_idx[live], shape_idx[live]
    la = flat_alert[ls]
    # One area per (incident, alert): the shortest time to shelter there.
    keep = _firsts(flat_rank[ls], flat_tts[ls], li * max(n_alerts, 1) + la)
    li, ls, la = li[keep], ls[keep], la[keep]
    since = _warned_since(li, la, starts, follows, superseded, touching, n_alerts)
    lead_us = times[li] - since
    # Per incident: the alert that warned earliest, and the shortest time to shelter among its alerts' areas.
    earliest = _firsts(alert_ids[la], -lead_us, li)
    shortest = _firsts(flat_rank[ls], flat_tts[ls], li)
    by_alert = np.lexsort((alert_ids[la], li))
    bounds = np.searchsorted(li[by_alert], np.arange(len(incidents) + 1))
    warned = np.zeros(len(incidents), dtype=bool)
    warned[li] = True
    best_alert = np.full(len(incidents), -1, dtype=np.int64)
    best_lead = np.zeros(len(incidents), dtype=np.int64)
    best_alert[li[earliest]], best_lead[li[earliest]] = la[earliest], lead_us[earliest]
    best_shape = np.full(len(incidents), -1, dtype=np.int64)
    best_shape[li[shortest]] = ls[shortest]
    links = list(zip(alert_ids[la[by_alert]].tolist(), (lead_us[by_alert] / 1e6).tolist()))

    # Plain lists for the loop: indexing a numpy array per element costs more than the work.
    warned_list, shape_list, alert_list = (warned.tolist(), best_shape.tolist(),
                                          np.append(alert_ids, -1)[best_alert].tolist())  # -1: none
    lead_list, bound_list = (best_lead / 1e6).tolist(), bounds.tolist()
    results = []
    for index, incident in enumerate(incidents):
        if not warned_list[index]:
            area = active_areas[fallback[index]] if fallback[index] >= 0 else None
            results.append(Assessment(incident.incident_id, Verdict.NOT_WARNED, None,
                                      area.time_to_shelter_s if area else None, area.area_id if area else None,
                                      area.band if area else None, None, ()))
            continue
        area, lead = flat[shape_list[index]], lead_list[index]
        verdict = Verdict.IN_TIME if lead >= area.time_to_shelter_s else Verdict.LATE
        results.append(Assessment(incident.incident_id, verdict, lead, area.time_to_shelter_s, area.area_id,
                                  area.band, alert_list[index], tuple(links[bound_list[index]:bound_list[index + 1]])))
    return results


def _warned_since(incident: np.ndarray, alert: np.ndarray, starts: np.ndarray, follows: np.ndarray,
                  superseded: np.ndarray, touching: np.ndarray, n_alerts: int) -> np.ndarray:
    """Per (incident, alert) pair, the start of the unbroken warning at the place: back through
    superseded messages that covered it too (`touching`: sorted codes incident × n_alerts +
    alert position of every place–alert pair in space, whatever the time). One step back per
    round for every pair at once; a chain is never longer than the alerts there are."""
    since = starts[alert].copy()
    current = alert.copy()
    going = np.arange(len(alert))
    for _ in range(n_alerts):
        previous = follows[current[going]]
        ok = previous >= 0
        going, previous = going[ok], previous[ok]
        ok = superseded[previous]
        going, previous = going[ok], previous[ok]
        code = incident[going] * max(n_alerts, 1) + previous
        at = np.minimum(np.searchsorted(touching, code), max(len(touching) - 1, 0))
        ok = touching[at] == code if len(touching) else np.zeros(len(code), dtype=bool)
        going, previous = going[ok], previous[ok]
        if not len(going):
            break
        since[going] = starts[previous]
        current[going] = previous
    return since


def _fallback(count: int, place: np.ndarray, shape: np.ndarray, areas: Sequence[AreaShape]) -> np.ndarray:
    """Per incident, the position of the active zone set's area there with the shortest time to
    shelter (-1: none), from the (place, area) pairs in space."""
    chosen = np.full(count, -1, dtype=np.int64)
    if len(place):
        tts = np.array([a.time_to_shelter_s for a in areas], dtype=np.int64)
        first = _firsts(_ranks([a.area_id for a in areas])[shape], tts[shape], place)
        chosen[place[first]] = shape[first]
    return chosen

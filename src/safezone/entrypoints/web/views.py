"""Domain objects as the JSON a person or a program reads (shapes in `schemas`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Sequence

import shapely

from safezone.adapters.geodata.zone_files import geojson_geometry
from safezone.domain import alerts as rules
from safezone.domain.alerts import AlertRecord
from safezone.domain.shelters import Shelter
from safezone.domain.zones import AlertArea
from safezone.services.alerts import Preview
from safezone.services.nearby import AreaNear, Place
from safezone.services.public import AlertHere, AreaMatch, PublishedAlert, WhereAnswer


class AreaLike(Protocol):
    """An alert area or its summary: what an alert's answer says about each area."""

    id: str
    name: str
    side: str
    band: int
    time_to_shelter_s: int


def when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def alert_url(alert_id: int) -> str:
    return f"/api/alerts/{alert_id}"


def cap_url(alert_id: int) -> str:
    return f"{alert_url(alert_id)}/cap.xml"


def area_json(area: AreaLike) -> dict:
    return {"id": area.id, "name": area.name, "side": area.side, "band": area.band,
            "time_to_shelter_s": area.time_to_shelter_s}


def alert_json(alert: AlertRecord, areas: Sequence[AreaLike], in_force: bool, ended: str | None = None) -> dict:
    texts = [{"language": lang, "time_to_shelter_s": t.time_to_shelter_s, "headline": t.headline,
              "description": t.description, "instruction": t.instruction, "event": t.event}
             for lang, t in alert.texts]
    known = {a.id: a for a in areas}
    return {
        "id": alert.id,
        "status": alert.status.value,
        "banner": alert.banner,
        "kind": alert.kind.value,
        "state": alert.state.value,
        "in_force": in_force,
        "stage": alert.stage.value,
        "ended": ended,
        "threat": alert.threat,
        "headline": alert.texts[0][1].headline,
        "texts": texts,
        "issued_at": when(alert.issued_at),
        "expires": alert.expires.isoformat(),
        "time_to_shelter_s": min((a.time_to_shelter_s for a in areas), default=0),
        "areas": [area_json(known[i]) for i in alert.area_ids if i in known],
        "follows": alert.follows,
        "cap_identifier": alert.cap_identifier,
        "cap_url": cap_url(alert.id) if alert.issued_at is not None else None,  # type: ignore[arg-type]
    }


def published_json(item: PublishedAlert) -> dict:
    """An issued alert as the public sees it (made once per item: treat it as read-only)."""
    return item.derived.get("json", lambda: alert_json(item.alert, item.areas, item.in_force, item.ended))


def operator_alert_json(alert: AlertRecord, areas: Sequence[AreaLike], now: datetime) -> dict:
    body = alert_json(alert, areas, rules.in_force(alert, now), rules.ended_how(alert, now))
    body["state"] = rules.effective_state(alert, now).value
    body["workflow"] = {
        "created_by": alert.created_by, "created_at": when(alert.created_at),
        "submitted_by": alert.submitted_by, "submitted_at": when(alert.submitted_at),
        "approved_by": alert.approved_by, "approved_at": when(alert.approved_at),
        "rejected_by": alert.rejected_by, "rejected_at": when(alert.rejected_at),
        "rejection_reason": alert.rejection_reason,
        "issued_by": alert.issued_by, "issued_at": when(alert.issued_at),
        "ended_at": when(alert.ended_at),
        "needs_approval": alert.needs_approval,
        "own_words": alert.own_words,
        "note": alert.note,
    }
    return body


def preview_json(preview: Preview, now: datetime) -> dict:
    areas = [{"id": a.id, "name": a.name, "side": a.side, "band": a.band, "time_to_shelter_s": a.time_to_shelter_s,
              "population": a.population, "settlement_count": a.settlement_count,
              "settlements": list(a.settlements)} for a in preview.areas]
    return {
        "alert": operator_alert_json(preview.alert, preview.areas, now),
        "areas": areas,
        "population": preview.population,
        "settlements": preview.settlements,
        "time_to_shelter_s": preview.time_to_shelter_s,
        "subscribers": preview.subscribers,
        "subscribers_note": preview.subscribers_note,
        "receivers": dict(preview.receivers),
    }


def alerts_geojson(items: Sequence[PublishedAlert]) -> dict:
    """One feature per alert: the union of its areas, and what the alert says."""
    features = []
    for item in items:
        features.append({"type": "Feature", "id": item.alert.id, "geometry": item.derived.get("outline", lambda: _outline(item)),
                         "properties": published_json(item)})
    return {"type": "FeatureCollection", "features": features}


def _outline(item: PublishedAlert) -> dict:
    shape = shapely.union_all([a.geometry for a in item.areas]) if item.areas else shapely.Polygon()
    return geojson_geometry(shape, keep_valid=True)


def alert_here_json(item: AlertHere) -> dict:
    """An alert in force at a point, in short: what it says and how long people there have."""
    alert = item.alert
    return {
        "id": alert.id,
        "status": alert.status.value,
        "banner": alert.banner,
        "stage": alert.stage.value,
        "threat": alert.threat,
        "area": item.area.id,
        "headline": {lang: text.headline for lang, text in alert.texts_at(item.area.time_to_shelter_s).items()},
        "time_to_shelter_s": item.area.time_to_shelter_s,
        "expires": alert.expires.isoformat(),
        "links": {"json": alert_url(alert.id), "cap": cap_url(alert.id)},  # type: ignore[arg-type]
    }


def shelter_json(shelter: Shelter) -> dict:
    """What a resident needs to know of a shelter before walking to it."""
    return {"id": shelter.id, "name": shelter.name, "lat": shelter.lat, "lon": shelter.lon, "kind": shelter.kind,
            "capacity": shelter.capacity, "accessible": shelter.accessible, "opening": shelter.opening or None}


def shelters_geojson(shelters: Sequence[Shelter]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
         "properties": shelter_json(s)} for s in shelters]}


def area_match_json(match: AreaMatch) -> dict:
    """An area found by a name, with its window so a map can show it."""
    area = match.area
    settlement = next((s for s in area.settlements if s.name == match.matched), None)
    place = None if settlement is None else place_json(Place(settlement.lat, settlement.lon, settlement.name,
                                                             settlement.geonameid))
    return {**area_json(area), "matched": match.matched, "population": area.population,
            "bbox": [round(v, 5) for v in area.geometry.bounds], "place": place}


def place_json(place: Place) -> dict:
    return {"id": place.settlement_id, "name": place.name, "lat": place.lat, "lon": place.lon}


def areas_near_json(place: Place, min_km: float, max_km: float, found: Sequence[AreaNear]) -> dict:
    return {"place": place_json(place), "min_km": min_km, "max_km": max_km, "count": len(found),
            "areas": [{**area_json(a.area), "nearest_km": round(a.nearest_km, 3), "farthest_km": round(a.farthest_km, 3)}
                      for a in found]}


def where_area_json(area: AlertArea) -> dict:
    """The area a point is in, as `/api/where` tells it."""
    return {**area_json(area), "min_km": area.min_km, "max_km": area.max_km, "population": area.population}


def where_json(answer: WhereAnswer) -> dict:
    """What `/api/where` answers (sent as `where_answer.where_bytes` puts it together: the same bytes)."""
    area = answer.area
    shelters = [{
        **shelter_json(o.nearby.shelter), "distance_m": round(o.nearby.geodesic_m, 1),
        "walking_s": round(o.walking_s, 1), "in_time": o.in_time,
    } for o in answer.shelters.options]
    return {
        "lat": answer.lat,
        "lon": answer.lon,
        "inside": area is not None,
        "area": None if area is None else where_area_json(area),
        "time_to_shelter_s": None if area is None else area.time_to_shelter_s,
        "alerts": [alert_here_json(h) for h in answer.alerts],
        "drills": [alert_here_json(h) for h in answer.drills],
        "shelters": shelters,
        "zone_set_version": answer.shelters.zone_set_version,
    }

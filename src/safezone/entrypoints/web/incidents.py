"""The incident log for analysts: record an incident, list incidents with their verdicts,
assess them all again. Every change needs the analyst role and is audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import Point

from safezone.adapters.incident_sources import geometry_from, incident_from
from safezone.adapters.shelter_sources.fields import Located
from safezone.adapters.reports.effectiveness_tables import report_json
from safezone.bootstrap import Container
from safezone.domain.accounts import require_analyst
from safezone.domain.errors import InputError
from safezone.domain.incidents import Incident
from safezone.entrypoints.web.deps import Operator, operator, services
from safezone.entrypoints.web.history import moment
from safezone.services import incidents as service
from safezone.services.effectiveness import effectiveness as build

router = APIRouter(prefix="/api/operator")
Services = Annotated[Container, Depends(services)]
LoggedIn = Annotated[Operator, Depends(operator)]


class PlaceIn(BaseModel):
    """A GeoJSON Point or Polygon in [longitude, latitude] order."""

    type: Literal["Point", "Polygon"]
    coordinates: list[Any] = Field(max_length=1000)


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: str = Field(max_length=40, description="ISO 8601 with a zone, e.g. 2026-11-27T12:00:00Z")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    geometry: PlaceIn | None = None
    kind: str = Field(max_length=40, description="impact, debris, interception overhead, damage reported, other")
    confidence: str = Field(max_length=20, description="confirmed, probable or unverified")
    source: str = Field(max_length=200)
    note: str = Field("", max_length=2000)


def incident_json(incident: Incident, verdict: dict | None) -> dict:
    return {"id": incident.id, "time": incident.occurred_at.isoformat(), "kind": incident.kind.value,
            "confidence": incident.confidence.value, "source": incident.source, "note": incident.note,
            "geometry": incident.place.__geo_interface__, "recorded_by": incident.recorded_by,
            "assessment": verdict}


def _assessment_json(a: Any) -> dict:
    return {"verdict": a.verdict.value, "lead_time_s": a.lead_time_s, "time_to_shelter_s": a.time_to_shelter_s,
            "area_id": a.area_id, "band": a.band, "alert_id": a.alert_id,
            "alerts": [{"alert_id": i, "lead_time_s": lead} for i, lead in a.matches]}


@router.post("/incidents", status_code=201, summary="Record an incident (analyst); it is assessed at once")
def add_incident(body: IncidentIn, who: LoggedIn, services: Services) -> dict:
    now = services.clock()
    if body.geometry is not None:
        place = geometry_from(body.geometry.model_dump(), Located("request"))
        if isinstance(place, InputError):
            raise InputError(place.message, field="geometry")
    elif body.lat is not None and body.lon is not None:
        place = Point(body.lon, body.lat)
    else:
        raise InputError("give lat and lon, or a geometry", field="geometry")
    incident = incident_from(body.model_dump(), place, now)
    recorded = service.record_incidents(services.database, [incident], who.user, now)
    stored = service.listed_ids(services.database, recorded.ids)
    return incident_json(stored[0][0], _assessment_json(recorded.assessments[0]))


@router.get("/incidents", summary="Incidents in a window, oldest first, with their verdicts")
def list_incidents(who: LoggedIn, services: Services,
                   from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                   to: Annotated[str | None, Query(max_length=40)] = None,
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict:
    require_analyst(who.user, "read the incident log")
    found = service.listed(services.database, moment(from_, "from"), moment(to, "to"), limit)
    return {"count": len(found), "incidents": [incident_json(i, v) for i, v in found]}


@router.get("/effectiveness", summary="Warning effectiveness in a window: the figures of `safezone effectiveness`")
def effectiveness(who: LoggedIn, services: Services,
                  from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
                  to: Annotated[str | None, Query(max_length=40)] = None) -> dict:
    require_analyst(who.user, "read the effectiveness report")
    return report_json(build(services.database, moment(from_, "from"), moment(to, "to"), services.clock))


@router.post("/incidents/assess", summary="Assess every incident again against the alerts (analyst)")
def assess_incidents(who: LoggedIn, services: Services) -> dict:
    assessments = service.assess_all(services.database, who.user, services.clock())
    counts: dict[str, int] = {}
    for a in assessments:
        counts[a.verdict.value] = counts.get(a.verdict.value, 0) + 1
    return {"count": len(assessments), "verdicts": counts}

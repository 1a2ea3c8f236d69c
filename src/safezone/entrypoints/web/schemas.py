"""The shapes of requests and answers, as published in the OpenAPI schema.

Requests refuse unknown fields and bound every string and list, so nothing a client sends can
grow without limit; answers say `status` and, for anything not real, a `banner`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StatusName = Literal["Actual", "Exercise", "Test", "System", "Draft"]
PublicStatus = Literal["Actual", "Exercise", "Test"]
StageName = Literal["early-warning", "alert", "stay-in-shelter", "all-clear"]
Ended = Literal["superseded", "cancelled", "all-clear", "stood-down", "expired"]
AreaId = Field(min_length=1, max_length=100)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """Every refusal: what kind, a reason a person can act on, and the field at fault if any."""

    error: str
    reason: str
    field: str | None = None


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    user: str
    roles: list[str]
    expires_at: str
    csrf_token: str
    token: str | None = Field(None, description="Only on login: send as `Authorization: Bearer <token>` "
                                                "instead of the cookie (no CSRF token needed then).")


class TextIn(Strict):
    headline: str = Field(min_length=1, max_length=2000)
    description: str | None = Field(None, max_length=2000)
    instruction: str | None = Field(None, max_length=2000)
    event: str | None = Field(None, max_length=200)


class Geometry(BaseModel):
    """A GeoJSON Polygon or MultiPolygon in [longitude, latitude] order."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(max_length=1000)


class ComposeIn(Strict):
    status: StatusName = Field(description="No default on purpose: Actual or a drill is always chosen.")
    threat: str = Field(min_length=1, max_length=200)
    languages: list[str] | None = Field(None, min_length=1, max_length=10,
                                        description="CAP language codes; default: every language with texts.")
    areas: list[str] = Field(default_factory=list, max_length=1000)
    polygon: Geometry | None = Field(None, description="The alert areas this polygon overlaps are added.")
    lifetime_minutes: int | None = Field(None, ge=1, le=10080)
    texts: dict[str, TextIn] = Field(default_factory=dict, max_length=10)
    note: str | None = Field(None, max_length=2000)
    stage: Literal["early-warning", "alert"] = Field(
        "alert", description="`early-warning`: alerts are expected within minutes, get ready (CAP responseType "
                             "Prepare); escalate it to the alert or stand it down later.")


class StageIn(Strict):
    """An escalation or a stay-in-shelter reminder: for the chain's own areas."""

    lifetime_minutes: int | None = Field(None, ge=1, le=10080, description="Default: the stage's lifetime "
                                                                             "for the threat class.")
    texts: dict[str, TextIn] = Field(default_factory=dict, max_length=10)
    note: str | None = Field(None, max_length=2000)


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=1000)


class FollowUpIn(Strict):
    areas: list[str] = Field(default_factory=list, max_length=1000)
    polygon: Geometry | None = None
    lifetime_minutes: int | None = Field(None, ge=1, le=10080)
    texts: dict[str, TextIn] = Field(default_factory=dict, max_length=10)
    note: str | None = Field(None, max_length=2000)


class CancelIn(Strict):
    note: str | None = Field(None, max_length=2000)
    texts: dict[str, TextIn] = Field(default_factory=dict, max_length=10)


class AreaOut(BaseModel):
    id: str
    name: str
    side: str
    band: int
    time_to_shelter_s: int


class PlaceOut(BaseModel):
    id: int | None = Field(description="The settlement's id (`place` of /api/operator/areas/near); null: a point.")
    name: str | None
    lat: float
    lon: float


class AreaMatchOut(AreaOut):
    matched: str = Field(description="The name that matched: the area's, or a settlement's in it.")
    population: int
    bbox: list[float] = Field(description="min_lon, min_lat, max_lon, max_lat")
    place: PlaceOut | None = Field(description="The settlement whose name matched, if one did.")


class AreaNearOut(AreaOut):
    nearest_km: float = Field(description="Geodesic distance from the place to the area's nearest point")
    farthest_km: float


class AreasNearOut(BaseModel):
    place: PlaceOut
    min_km: float
    max_km: float
    count: int
    areas: list[AreaNearOut] = Field(description="The areas overlapping the ring min_km…max_km, nearest first")


class AreaMatchesOut(BaseModel):
    count: int
    areas: list[AreaMatchOut]


class TextOut(BaseModel):
    """One text of the alert: a language has one per time to shelter when the alert spans bands."""

    language: str
    time_to_shelter_s: int | None = Field(description="For the areas with this time to shelter; null: for all.")
    headline: str
    description: str | None = None
    instruction: str | None = None
    event: str | None = None


class AlertOut(BaseModel):
    id: int
    status: StatusName
    banner: str | None
    kind: str
    state: str
    in_force: bool
    stage: StageName = Field(description="The stage of the chain this message announces (a cancel or stand-down: "
                                         "the stage it ends).")
    ended: Ended | None = Field(None, description="How a warning ended; null while in force and for messages "
                                                  "that end others.")
    threat: str
    headline: str
    texts: list[TextOut]
    issued_at: str | None
    expires: str
    time_to_shelter_s: int
    areas: list[AreaOut]
    follows: int | None
    cap_identifier: str | None
    cap_url: str | None


class AlertsOut(BaseModel):
    status: list[PublicStatus]
    banner: str | None
    count: int
    alerts: list[AlertOut]


class AreaPreviewOut(AreaOut):
    population: int
    settlement_count: int
    settlements: list[str]


class WorkflowOut(BaseModel):
    created_by: str
    created_at: str
    submitted_by: str | None
    submitted_at: str | None
    approved_by: str | None
    approved_at: str | None
    rejected_by: str | None
    rejected_at: str | None
    rejection_reason: str | None
    issued_by: str | None
    issued_at: str | None
    ended_at: str | None
    needs_approval: bool
    own_words: bool = Field(description="The texts or note are the operator's own words, not the templates': "
                                        "an Actual message in own words needs a second person's approval.")
    note: str | None


class OperatorAlertOut(AlertOut):
    workflow: WorkflowOut


class PreviewOut(BaseModel):
    alert: OperatorAlertOut
    areas: list[AreaPreviewOut]
    population: int
    settlements: int
    time_to_shelter_s: int
    subscribers: int | None = Field(description="Distinct receivers (subscribers and integrators) it reaches now")
    subscribers_note: str
    receivers: dict[str, int] = Field(description="Receivers per channel: webpush, webhook, email, mqtt")


class OperatorAlertsOut(BaseModel):
    count: int
    alerts: list[OperatorAlertOut]


class ShelterOut(BaseModel):
    id: int | None = Field(default=None, description="The registry's id: what a problem report names")
    name: str
    lat: float
    lon: float
    kind: str
    capacity: int | None
    accessible: bool | None
    opening: str | None = Field(default=None, description="Opening hours as the registry gives them")
    distance_m: float
    walking_s: float
    in_time: bool | None


class WhereAreaOut(AreaOut):
    min_km: float
    max_km: float
    population: int


class LinksOut(BaseModel):
    json_: str = Field(alias="json", description="The alert in full (JSON).")
    cap: str = Field(description="The alert as CAP 1.2 XML.")


class AlertHereOut(BaseModel):
    """An alert in force at the point, in short; follow `links` for the rest."""

    id: int
    status: PublicStatus
    banner: str | None
    stage: StageName
    threat: str = Field(description="The threat class, named by range and warning time.")
    area: str = Field(description="The alert's own area at the point, in the zone set it was issued on.")
    headline: dict[str, str] = Field(description="By language.")
    time_to_shelter_s: int = Field(description="What the alert tells people at this point.")
    expires: str
    links: LinksOut


class WhereOut(BaseModel):
    lat: float
    lon: float
    inside: bool
    area: WhereAreaOut | None
    time_to_shelter_s: int | None
    alerts: list[AlertHereOut]
    drills: list[AlertHereOut] = Field(description="Exercise and Test alerts here: each carries its banner.")
    shelters: list[ShelterOut]
    zone_set_version: int | None


class ThreatOut(BaseModel):
    name: str
    max_range_km: float
    description: str
    stages: list[StageName] = Field(description="The stages this threat class uses, in chain order.")
    stage_lifetime_minutes: dict[str, int] = Field(description="How long each stage stays in force unless told.")


class ComposeOptionsOut(BaseModel):
    threats: list[ThreatOut]
    languages: list[str]
    statuses: list[StatusName]
    zone_set_version: int | None


# Account administration (an admin's). Passwords and roles are bounded here only against abuse;
# the password rule and the role names are checked by the domain, whose refusal says why.
class UserOut(BaseModel):
    name: str
    roles: list[str]
    active: bool
    created_at: str
    disabled_at: str | None = None


class UsersOut(BaseModel):
    users: list[UserOut]


class UserIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=2000)
    roles: list[str] = Field(min_length=1, max_length=10)


class PasswordIn(Strict):
    password: str = Field(max_length=2000)


class RolesIn(Strict):
    roles: list[str] = Field(min_length=1, max_length=10)

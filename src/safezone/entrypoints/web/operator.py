"""The operator side: log in and out, compose, preview, submit, approve or reject, issue, and
update, cancel or clear an alert in force. Every endpoint needs a session; roles and the
two-person rule are checked by the domain on the server, and every step is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from shapely.geometry import shape

from safezone.bootstrap import Container
from safezone.domain.alerts import AlertKind, AlertRecord, AlertState
from safezone.domain.cap import InfoText, Status
from safezone.domain.errors import InputError
from safezone.entrypoints.web import views
from safezone.entrypoints.web.deps import SESSION_COOKIE, Operator, operator, services
from safezone.entrypoints.web.schemas import (
    CancelIn,
    ComposeIn,
    AreasNearOut,
    ComposeOptionsOut,
    FollowUpIn,
    Geometry,
    LoginIn,
    OperatorAlertOut,
    OperatorAlertsOut,
    PreviewOut,
    RejectIn,
    SessionOut,
    StageIn,
    TextIn,
)
from safezone.services import accounts, nearby
from safezone.domain.stages import AlertStage, StagePlan
from safezone.services.alerts import Composition

router = APIRouter(prefix="/api/operator")
Services = Annotated[Container, Depends(services)]
LoggedIn = Annotated[Operator, Depends(operator)]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/login", response_model=SessionOut, summary="Log in: a session cookie and a bearer token")
def login(body: LoginIn, request: Request, response: Response, services: Services) -> dict:
    settings = services.settings
    origin = request.client.host if request.client else None
    with services.database.unit_of_work() as uow:
        grant = accounts.authenticate(uow, body.username, body.password, lifetime=settings.session_lifetime,
                                      origin=origin, now=services.clock())
        uow.commit()
    request.app.state.known_sessions.remember(grant.token)  # its changes come first (web.operators_first)
    response.set_cookie(SESSION_COOKIE, grant.token, max_age=int(settings.session_lifetime.total_seconds()),
                        httponly=True, samesite="strict", secure=settings.secure_cookies, path="/api/operator")
    return _session(grant.user, grant.expires_at.isoformat(), grant.csrf_token, grant.token)


@router.post("/logout", status_code=204, summary="Log out: end the session")
def logout(who: LoggedIn, services: Services, request: Request) -> Response:
    with services.database.unit_of_work() as uow:
        accounts.logout(uow, who.token, now=services.clock())
        uow.commit()
    request.app.state.known_sessions.forget(who.token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/api/operator")
    return response


@router.get("/me", response_model=SessionOut, summary="Who is logged in, and the session's CSRF token")
def me(who: LoggedIn, services: Services) -> dict:
    with services.database.unit_of_work(read_only=True) as uow:
        stored = uow.sessions.get(accounts.token_digest(who.token))
    expires = stored.expires_at.isoformat() if stored else ""
    return _session(who.user, expires, accounts.csrf_token(who.token), None)


@router.get("/options", response_model=ComposeOptionsOut, summary="What an alert can be composed from")
def options(who: LoggedIn, services: Services) -> dict:
    with services.database.unit_of_work(read_only=True) as uow:
        version = uow.zones.active_version()
    return {
        "threats": [{"name": t.name, "max_range_km": t.max_range_km, "description": t.description,
                     **_stages(services.threats.plan(t.name))} for t in services.threats.threats],
        "languages": list(services.alerts.templates.language_codes),
        "statuses": [s.value for s in Status],
        "zone_set_version": version,
    }


@router.get("/areas/near", response_model=AreasNearOut,
            summary="Areas by a band around a place: those overlapping the ring min_km…max_km (geodesic) around it")
def areas_near(who: LoggedIn, services: Services,
               place: Annotated[str, Query(min_length=1, max_length=60,
                                           description="A settlement's id (from /api/areas/search) or 'lat,lon'")],
               max_km: Annotated[float, Query(gt=0, le=nearby.MAX_KM)],
               min_km: Annotated[float, Query(ge=0, le=nearby.MAX_KM)] = 0.0) -> dict:
    held = services.public.active_zones()
    centre = nearby.find_place(held, place)
    return views.areas_near_json(centre, min_km, max_km, nearby.areas_near(held, centre, min_km, max_km))


@router.get("/alerts", response_model=OperatorAlertsOut, summary="Alerts, newest first")
def list_alerts(who: LoggedIn, services: Services,
                state: Annotated[list[AlertState] | None, Query(max_length=10)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100,
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict:
    alerts = services.alerts.listed(state or (), limit=limit, offset=offset)
    items = [_alert(services, a) for a in alerts]
    return {"count": len(items), "alerts": items}


@router.post("/alerts", response_model=PreviewOut, status_code=201,
             summary="Compose a draft from a threat class, areas (ids and/or a drawn polygon) and languages")
def compose(body: ComposeIn, who: LoggedIn, services: Services) -> dict:
    wanted = Composition(
        status=Status(body.status),
        threat=body.threat,
        languages=tuple(body.languages or services.alerts.templates.language_codes),
        area_ids=tuple(body.areas),
        drawn=_drawn(body.polygon),
        lifetime_minutes=body.lifetime_minutes,
        texts=_texts(body.texts),
        note=body.note,
        stage=AlertStage(body.stage),
    )
    return views.preview_json(services.alerts.compose(who.user, wanted), services.clock())


@router.get("/alerts/{alert_id}", response_model=PreviewOut,
            summary="One alert with its preview: areas, population, settlements, subscribers")
def preview(alert_id: AlertId, who: LoggedIn, services: Services) -> dict:
    return views.preview_json(services.alerts.preview(who.user, alert_id), services.clock())


@router.post("/alerts/{alert_id}/submit", response_model=OperatorAlertOut, summary="Submit a draft for approval")
def submit(alert_id: AlertId, who: LoggedIn, services: Services) -> dict:
    return _alert(services, services.alerts.submit(who.user, alert_id))


@router.post("/alerts/{alert_id}/approve", response_model=OperatorAlertOut,
             summary="Approve someone else's submitted alert (approver role)")
def approve(alert_id: AlertId, who: LoggedIn, services: Services) -> dict:
    return _alert(services, services.alerts.approve(who.user, alert_id))


@router.post("/alerts/{alert_id}/reject", response_model=OperatorAlertOut,
             summary="Reject someone else's submitted alert, saying why (approver role)")
def reject(alert_id: AlertId, body: RejectIn, who: LoggedIn, services: Services) -> dict:
    return _alert(services, services.alerts.reject(who.user, alert_id, body.reason))


@router.post("/alerts/{alert_id}/issue", response_model=OperatorAlertOut,
             summary="Issue: the alert, its CAP XML and the outbox entry in one transaction")
def issue(alert_id: AlertId, who: LoggedIn, services: Services) -> dict:
    return _alert(services, services.alerts.issue(who.user, alert_id))


@router.post("/alerts/{alert_id}/update", response_model=OperatorAlertOut,
             summary="Update an alert in force, prefilled from it (an Actual update needs approval)")
def update(alert_id: AlertId, body: FollowUpIn, who: LoggedIn, services: Services) -> dict:
    changed = services.alerts.follow_up(who.user, alert_id, AlertKind.UPDATE, area_ids=tuple(body.areas),
                                        drawn=_drawn(body.polygon), lifetime_minutes=body.lifetime_minutes,
                                        texts=_texts(body.texts), note=body.note)
    return _alert(services, changed)


@router.post("/alerts/{alert_id}/cancel", response_model=OperatorAlertOut,
             summary="Cancel an alert in force: issued at once in the templates' words; an Actual cancel "
                     "in your own words (texts or note) waits for a second person's approval")
def cancel(alert_id: AlertId, who: LoggedIn, services: Services, body: CancelIn | None = None) -> dict:
    return _end(services, who, alert_id, AlertKind.CANCEL, body)


@router.post("/alerts/{alert_id}/all-clear", response_model=OperatorAlertOut,
             summary="All-clear for an alert in force: issued at once in the templates' words; an Actual "
                     "all-clear in your own words (texts or note) waits for a second person's approval")
def all_clear(alert_id: AlertId, who: LoggedIn, services: Services, body: CancelIn | None = None) -> dict:
    return _end(services, who, alert_id, AlertKind.ALL_CLEAR, body)


@router.post("/alerts/{alert_id}/escalate", response_model=OperatorAlertOut,
             summary="Escalate an early warning in force to the alert (take shelter), for its areas: an Update; "
                     "an Actual one waits for a second person's approval")
def escalate(alert_id: AlertId, who: LoggedIn, services: Services, body: StageIn | None = None) -> dict:
    body = body or StageIn()
    return _alert(services, services.alerts.escalate(who.user, alert_id, lifetime_minutes=body.lifetime_minutes,
                                                     texts=_texts(body.texts), note=body.note))


@router.post("/alerts/{alert_id}/remind", response_model=OperatorAlertOut,
             summary="Stay in shelter: a reminder while an alert is in force, for its areas; issued at once in "
                     "the templates' words, in your own words an Actual one waits for approval")
def remind(alert_id: AlertId, who: LoggedIn, services: Services, body: StageIn | None = None) -> dict:
    body = body or StageIn()
    return _alert(services, services.alerts.remind(who.user, alert_id, lifetime_minutes=body.lifetime_minutes,
                                                   texts=_texts(body.texts), note=body.note))


@router.post("/alerts/{alert_id}/stand-down", response_model=OperatorAlertOut,
             summary="Stand an early warning down (no alert is expected now): a Cancel, issued at once in the "
                     "templates' words; in your own words an Actual one waits for approval")
def stand_down(alert_id: AlertId, who: LoggedIn, services: Services, body: CancelIn | None = None) -> dict:
    return _end(services, who, alert_id, AlertKind.STAND_DOWN, body)


def _end(services: Container, who: Operator, alert_id: int, kind: AlertKind, body: CancelIn | None) -> dict:
    """Cancel or all-clear: one step in the templates' words; in the operator's own words an
    Actual one is left submitted for a second person (the domain's `needs_approval`)."""
    body = body or CancelIn()
    return _alert(services, services.alerts.follow_up(who.user, alert_id, kind, texts=_texts(body.texts),
                                                      note=body.note))


def _stages(plan: StagePlan) -> dict:
    used = [s for s in AlertStage if s in plan.used]
    return {"stages": [s.value for s in used],
            "stage_lifetime_minutes": {s.value: int(plan.lifetime(s).total_seconds() // 60) for s in used}}


def _session(user: Any, expires: str, csrf: str, token: str | None) -> dict:
    return {"user": user.name, "roles": sorted(r.value for r in user.roles), "expires_at": expires,
            "csrf_token": csrf, "token": token}


def _alert(services: Container, alert: AlertRecord) -> dict:
    with services.database.unit_of_work(read_only=True) as uow:
        areas = uow.areas.by_ids(alert.zone_version, alert.area_ids)
    return views.operator_alert_json(alert, areas, services.clock())


def _texts(texts: dict[str, TextIn]) -> dict[str, InfoText]:
    return {lang: InfoText(headline=t.headline, description=t.description, instruction=t.instruction,
                           event=t.event) for lang, t in texts.items()}


def _drawn(polygon: Geometry | None):  # type: ignore[no-untyped-def]
    if polygon is None:
        return None
    try:
        return shape(polygon.model_dump())
    except Exception as error:  # shapely raises many kinds for malformed coordinates
        raise InputError(f"the polygon is not valid GeoJSON: {error}", field="polygon") from None

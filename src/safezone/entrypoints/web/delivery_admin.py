"""The operator side of delivery: integrators (admins), receipts and dead letters.

- `/api/operator/integrators`: an admin registers a webhook (URL; the signing secret is made
  here and shown once) or an MQTT topic tree, with an area filter; lists and removes them.
- `/api/operator/alerts/{id}/deliveries`: totals per state and channel, p50/p99 latency from
  issue to hand-over, live while the fan-out runs.
- `/api/operator/deliveries?state=dead`, `POST /api/operator/deliveries/{id}/retry`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from safezone.bootstrap import Container
from safezone.domain.subscribers import Integrator
from safezone.entrypoints.web.deps import Operator, operator, services
from safezone.entrypoints.web.errors import Refused
from safezone.services import delivery_receipts, integrators

router = APIRouter(prefix="/api/operator")
Services = Annotated[Container, Depends(services)]
LoggedIn = Annotated[Operator, Depends(operator)]
NO_STORE = {"Cache-Control": "no-store"}


class IntegratorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)
    kind: Literal["webhook", "mqtt"]
    url: str | None = Field(None, max_length=2000, description="webhook: where we POST")
    topic_prefix: str | None = Field(None, max_length=200, description="mqtt: the topic tree (safezone/areas)")
    area_filter: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=5000, description="alert area ids; empty: every area")


def _integrator_json(found: Integrator, secret: str | None = None) -> dict:
    return {"id": found.id, "name": found.name, "kind": found.kind, "url": found.url,
            "topic_prefix": found.topic_prefix, "area_filter": list(found.area_ids),
            "created_at": found.created_at.isoformat(), **({"secret": secret} if secret else {})}


@router.post("/integrators", status_code=201, summary="Register an integrator (admin); a webhook's secret is shown once")
def add_integrator(body: IntegratorIn, who: LoggedIn, services: Services) -> JSONResponse:
    with services.database.unit_of_work() as uow:
        done = integrators.register(uow, who.user, name=body.name, kind=body.kind, url=body.url,
                                    topic_prefix=body.topic_prefix, area_ids=tuple(body.area_filter),
                                    now=services.clock(), require_https=not services.delivery_settings.allow_http)
        uow.commit()
    return JSONResponse(_integrator_json(done.integrator, done.secret), status_code=201, headers=NO_STORE)


@router.get("/integrators", summary="The integrators (without their secrets)")
def list_integrators(who: LoggedIn, services: Services) -> JSONResponse:
    with services.database.unit_of_work(read_only=True) as uow:
        found = uow.integrators.all()
    return JSONResponse({"integrators": [_integrator_json(i) for i in found]}, headers=NO_STORE)


@router.delete("/integrators/{integrator_id}", status_code=204, summary="Remove an integrator (admin)")
def remove_integrator(integrator_id: Annotated[str, Path(max_length=32)], who: LoggedIn, services: Services) -> Response:
    with services.database.unit_of_work() as uow:
        removed = integrators.remove(uow, who.user, integrator_id, services.clock())
        uow.commit()
    if not removed:
        raise Refused(404, "not_found", f"no integrator {integrator_id}")
    return Response(status_code=204)


@router.get("/alerts/{alert_id}/deliveries", summary="Receipts: totals per state and channel, p50/p99 latency")
def receipts(alert_id: Annotated[int, Path(ge=1, le=2**31 - 1)], who: LoggedIn, services: Services) -> JSONResponse:
    with services.database.unit_of_work(read_only=True) as uow:
        if uow.alerts.get(alert_id) is None:
            raise Refused(404, "not_found", f"no alert {alert_id}")
        summary = delivery_receipts.summary(uow, alert_id)
    return JSONResponse(summary, headers=NO_STORE)


@router.get("/deliveries", summary="Deliveries by state (dead letters: ?state=dead)")
def deliveries(who: LoggedIn, services: Services,
               state: Literal["queued", "sent", "delivered", "failed", "expired", "dead"] = "dead",
               after: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> JSONResponse:
    with services.database.unit_of_work(read_only=True) as uow:
        found = uow.deliveries.listed(state=state, limit=limit, after_id=after)
    return JSONResponse({"deliveries": [d.__dict__ for d in found]}, headers=NO_STORE)


@router.post("/deliveries/{delivery_id}/retry", summary="Queue a dead delivery again (if its message is in force)")
def retry(delivery_id: Annotated[int, Path(ge=1, le=2**31 - 1)], who: LoggedIn, services: Services) -> JSONResponse:
    with services.database.unit_of_work() as uow:
        done = delivery_receipts.retry(uow, who.user, delivery_id, services.clock())
        uow.commit()
    if not done:
        raise Refused(409, "conflict", f"delivery {delivery_id} is not dead, or its message has expired")
    return JSONResponse({"id": delivery_id, "state": "queued"}, headers=NO_STORE)

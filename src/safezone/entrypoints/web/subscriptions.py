"""The public subscription API: no account, a manage token instead.

`POST /api/subscriptions` answers the subscription's id and its manage token, once; reading,
changing and deleting it need `Authorization: Bearer <token>`. No answer carries the
subscriber's place (only `has_place`), and nothing here logs it. The e-mail links
(`confirm`, one-click `unsubscribe`, RFC 8058) carry a token of their own. `GET /api/push-key`
gives pages the VAPID public key to pass to `PushManager.subscribe()`.
"""

from __future__ import annotations

import functools
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from safezone.adapters.channels.webpush import application_server_key, load_or_create_vapid_key
from safezone.bootstrap import Container
from safezone.domain.subscribers import Place, PushSubscription, Subscription, SubscriptionRequest
from safezone.entrypoints.web import caching
from safezone.entrypoints.web.deps import services
from safezone.entrypoints.web.errors import Refused
from safezone.services.subscriptions import SubscriptionNotFound

router = APIRouter(prefix="/api/subscriptions")
key_router = APIRouter()  # a public read: outside the subscribe rate bucket
Services = Annotated[Container, Depends(services)]
SubscriberId = Annotated[str, Path(min_length=5, max_length=32, pattern=r"^sub_[A-Za-z0-9_-]+$")]
NO_STORE = {"Cache-Control": "no-store"}
KEY_MAX_AGE = 3600  # the key changes only if its file is replaced (which orphans every push subscription)


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PushKeysIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class PushIn(BaseModel):
    """What the browser's `PushManager.subscribe()` returns, as JSON."""
    model_config = ConfigDict(extra="ignore")
    endpoint: str = Field(max_length=2000)
    keys: PushKeysIn


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    place: PlaceIn | None = Field(None, description="A point (personal data: never returned, never logged)")
    areas: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    push: PushIn | None = None
    email: str | None = Field(None, max_length=254)
    languages: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=lambda: ["en"], max_length=5)
    drills: bool = Field(False, description="Also receive Exercise and Test messages")


class SubscriptionOut(BaseModel):
    id: str
    has_place: bool
    areas: list[str]
    languages: list[str]
    drills: bool
    channels: list[str]
    email: str | None = Field(description="pending until confirmed by the link mailed to it, else confirmed")
    token: str | None = Field(None, description="The manage token: shown once, at creation")


def _request(body: SubscriptionIn) -> SubscriptionRequest:
    return SubscriptionRequest(
        place=None if body.place is None else Place(body.place.lat, body.place.lon),
        area_ids=tuple(body.areas), languages=tuple(body.languages), drills=body.drills,
        push=None if body.push is None else PushSubscription(body.push.endpoint, body.push.keys.p256dh,
                                                              body.push.keys.auth),
        email=body.email)


def _json(subscription: Subscription, token: str | None = None) -> dict:
    email = None if subscription.email is None else ("confirmed" if subscription.email_confirmed else "pending")
    return {"id": subscription.id, "has_place": subscription.place is not None, "areas": list(subscription.area_ids),
            "languages": list(subscription.languages), "drills": subscription.drills,
            "channels": list(subscription.channels), "email": email, "token": token}


def _token(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Refused(401, "no_token", "send the subscription's manage token as `Authorization: Bearer …`",
                      {"WWW-Authenticate": "Bearer"})
    return value.strip()


def _not_found() -> Refused:
    return Refused(404, "not_found", "no such subscription, or a wrong token")


@functools.lru_cache(maxsize=4)
def _public_key(folder: str) -> str:
    """Read (or make, as the worker would) the VAPID key once per folder."""
    return application_server_key(load_or_create_vapid_key(FilePath(folder)))


@key_router.get("/api/push-key", summary="The VAPID public key a page subscribes to Web Push with")
def push_key(request: Request, services: Services) -> Response:
    """`public_key` is null while Web Push is off (no `SAFEZONE_VAPID_DIR`): a page then offers
    e-mail alone. A fact about the server, not a refusal, so it is a 200 either way."""
    folder = services.delivery_settings.vapid_dir
    return caching.cached_json(request, {"public_key": None if folder is None else _public_key(str(folder))},
                               KEY_MAX_AGE)


@router.post("", status_code=201, response_model=SubscriptionOut,
             summary="Subscribe: a place or areas, channels, languages; answers the manage token once")
def subscribe(body: SubscriptionIn, services: Services) -> JSONResponse:
    created = services.subscriptions.subscribe(_request(body))
    return JSONResponse(_json(created.subscription, created.token), status_code=201, headers=NO_STORE)


@router.get("/{subscriber_id}", response_model=SubscriptionOut, summary="Read a subscription (manage token)")
def read(subscriber_id: SubscriberId, request: Request, services: Services) -> JSONResponse:
    try:
        found = services.subscriptions.get(subscriber_id, _token(request))
    except SubscriptionNotFound:
        raise _not_found() from None
    return JSONResponse(_json(found), headers=NO_STORE)


@router.put("/{subscriber_id}", response_model=SubscriptionOut,
            summary="Change a subscription whole (a device that moved sends its new place)")
def change(subscriber_id: SubscriberId, body: SubscriptionIn, request: Request, services: Services) -> JSONResponse:
    try:
        changed = services.subscriptions.change(subscriber_id, _token(request), _request(body))
    except SubscriptionNotFound:
        raise _not_found() from None
    return JSONResponse(_json(changed), headers=NO_STORE)


@router.delete("/{subscriber_id}", status_code=204, summary="Delete a subscription: nothing of it is kept")
def delete(subscriber_id: SubscriberId, request: Request, services: Services) -> Response:
    try:
        services.subscriptions.delete(subscriber_id, _token(request))
    except SubscriptionNotFound:
        raise _not_found() from None
    return Response(status_code=204, headers=NO_STORE)


EmailToken = Annotated[str, Query(min_length=10, max_length=100)]


@router.get("/{subscriber_id}/confirm", summary="Confirm an e-mail address (the link in the confirmation mail)")
def confirm(subscriber_id: SubscriberId, token: EmailToken, services: Services) -> JSONResponse:
    try:
        services.subscriptions.confirm_email(subscriber_id, token)
    except SubscriptionNotFound:
        raise _not_found() from None
    return JSONResponse({"email": "confirmed"}, headers=NO_STORE)


@router.post("/{subscriber_id}/unsubscribe", summary="One-click unsubscribe of the e-mail address (RFC 8058)")
def unsubscribe(subscriber_id: SubscriberId, token: EmailToken, services: Services) -> JSONResponse:
    try:
        services.subscriptions.unsubscribe_email(subscriber_id, token)
    except SubscriptionNotFound:
        raise _not_found() from None
    return JSONResponse({"email": None}, headers=NO_STORE)

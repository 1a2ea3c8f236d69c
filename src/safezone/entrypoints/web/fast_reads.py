"""The prepared public GETs answered straight from memory, in front of FastAPI's routing.

Under load, most of a prepared answer's cost was not the answer but FastAPI: matching the
route, solving the dependencies, validating the query, and the exception and exit-stack layers
around the endpoint. This pure ASGI layer sits innermost, inside every middleware of `app.py`
(request id, metrics, security headers, host and client checks, admission, rate limits, body
limit, HEAD), so an answer given here carries exactly their headers. It answers only a GET of
one of the prepared paths whose query is plainly valid (the few names and forms the endpoint
takes, nothing else), and only when `public.py` finds the answer in memory and current; anything
else (another query, a change to read, an answer not built yet, an error) falls through to
FastAPI, whose endpoint gives the same answer the slow way. The answers themselves are made by
the same functions in `public.py`, so both ways send the same bytes.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Sequence

from fastapi import Request, Response
from starlette.routing import BaseRoute

from safezone.bootstrap import Container
from safezone.domain.cap import Status
from safezone.domain.errors import InputError
from safezone.entrypoints.web import public
from safezone.entrypoints.web.asgi import App, Receive, Scope, Send

# A plain decimal number, as a map or a phone writes a coordinate (no exponent, no "nan").
_DECIMAL = re.compile(r"-?\d{1,3}(?:\.\d{1,17})?")
_COUNT = re.compile(r"\d{1,2}")
_STATUSES = {s.value: s for s in (Status.ACTUAL, Status.EXERCISE, Status.TEST)}
Answer = Callable[[Request, Container, dict[str, str]], Response | None]


def plain_query(raw: bytes, names: frozenset[str]) -> dict[str, str] | None:
    """The query as names and values when it is plainly valid: only `names`, each at most once,
    no escapes; else None (FastAPI then reads it its own way)."""
    if not raw:
        return {}
    if b"%" in raw or b"+" in raw:
        return None
    found: dict[str, str] = {}
    for part in raw.decode("latin-1").split("&"):
        name, equals, value = part.partition("=")
        if not equals or name not in names or name in found:
            return None
        found[name] = value
    return found


def _status(query: dict[str, str]) -> Status | None:
    return _STATUSES.get(query.get("status", "Actual"))


def _alerts(kind: str) -> Answer:
    def answer(request: Request, services: Container, query: dict[str, str]) -> Response | None:
        status = _status(query)
        return None if status is None else public.alerts_from_memory(request, services, status, kind)
    return answer


def _feed(name: str) -> Answer:
    return lambda request, services, _query: public.feed_from_memory(request, services, name)


def _layer(name: str) -> Answer:
    return lambda request, services, _query: public.layer_from_memory(request, services, name)


def _coordinate(text: str | None, bound: float) -> float | None:
    if text is None or not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) and -bound <= value <= bound else None


def _where(request: Request, services: Container, query: dict[str, str]) -> Response | None:
    lat, lon = _coordinate(query.get("lat"), 90.0), _coordinate(query.get("lon"), 180.0)
    count = query.get("shelters", "3")
    if lat is None or lon is None or not _COUNT.fullmatch(count) or not 1 <= int(count) <= 20:
        return None
    return public.where_from_memory(request, services, lat, lon, int(count))


# path → (the query names it takes, how to answer from memory)
ANSWERS: dict[str, tuple[frozenset[str], Answer]] = {
    "/api/where": (frozenset({"lat", "lon", "shelters"}), _where),
    "/api/alerts": (frozenset({"status"}), _alerts("json")),
    "/api/alerts.geojson": (frozenset({"status"}), _alerts("geojson")),
    "/feeds/alerts.atom": (frozenset(), _feed("alerts.atom")),
    "/feeds/exercises.atom": (frozenset(), _feed("exercises.atom")),
    "/api/zones.geojson": (frozenset(), _layer("zones.geojson")),
    "/api/areas.geojson": (frozenset(), _layer("areas.geojson")),
}


class FastReads:
    """Pure ASGI, innermost: the prepared public GETs from memory, or on to FastAPI."""

    def __init__(self, app: App, container: Container, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.container = container
        # The endpoints' own routes, noted in the scope as FastAPI's router notes them (metrics).
        self.routes = {getattr(r, "path", None): r for r in routes if getattr(r, "path", None) in ANSWERS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in ANSWERS:
            names, answer = ANSWERS[scope["path"]]
            query = plain_query(scope.get("query_string", b""), names)
            response = None
            if query is not None:
                try:
                    response = answer(Request(scope), self.container, query)
                except InputError:  # FastAPI's way words the refusal
                    response = None
            if response is not None:
                scope["route"] = self.routes.get(scope["path"])
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


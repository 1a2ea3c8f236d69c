"""The public side, no login: alerts in force, each alert's CAP XML, the Atom feeds, the zones
and areas, and "where am I?". Actual alerts and drills are never served together.

The prepared answers (alerts in force, the feeds, the whole layers) are `async`: while the
change watcher vouches for the snapshot (`PublicService.fresh`) they are served from memory on
the event loop, with no thread and no statement; reading the mark or building an answer (once
per change) goes to a worker thread."""

from __future__ import annotations

import functools
from typing import Annotated, Callable, Hashable

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from safezone.adapters.cap_xml import CAP_MIME_TYPE
from safezone.bootstrap import Container
from safezone.domain import alerts as rules
from safezone.domain.cap import Status
from safezone.domain.errors import InputError
from safezone.entrypoints.web import caching, views
from safezone.entrypoints.web.deps import services as services_dependency
from safezone.entrypoints.web.where_answer import where_bytes
from safezone.entrypoints.web.schemas import AlertOut, AlertsOut, AreaMatchesOut, PublicStatus, WhereOut
from safezone.services.public import MAX_WINDOW_AREAS
from safezone.services.read_model import Derived, Snapshot, ZonesInMemory

router = APIRouter()
Services = Annotated[Container, Depends(services_dependency)]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
StatusQuery = Annotated[PublicStatus, Query(description="Actual (default), or one kind of drill: Exercise or Test.")]
GEOJSON = "application/geo+json"
JSON = "application/json"
XML = CAP_MIME_TYPE  # the same type the Atom feed's links announce
ATOM = "application/atom+xml"


def _geojson_response(description: str) -> dict:
    return {200: {"description": description, "content": {GEOJSON: {"schema": {"type": "object"}}}}}


async def _snapshot(services: Container) -> Snapshot:
    """The public snapshot: from memory when fresh, else (the mark read, maybe a rebuild) in a thread."""
    return services.public.fresh() or await run_in_threadpool(services.public.snapshot)


async def _zones(services: Container) -> ZonesInMemory:
    return services.public.fresh_zones() or await run_in_threadpool(services.public.active_zones)


def _from_memory(request: Request, derived: Derived | None, key: Hashable, max_age: int) -> Response | None:
    """A prepared answer as held, or None (nothing current, or not built yet): no thread, no statement."""
    found = None if derived is None else derived.peek(key)
    return caching.respond(request, found, max_age) if isinstance(found, caching.Prepared) else None


def _fresh_derived(services: Container) -> Derived | None:
    snapshot = services.public.fresh()
    return None if snapshot is None else snapshot.derived


def alerts_from_memory(request: Request, services: Container, status: Status, kind: str) -> Response | None:
    """`/api/alerts` (kind "json") or `/api/alerts.geojson` ("geojson") from memory, or None."""
    return _from_memory(request, _fresh_derived(services), (kind, status), caching.ALERTS_MAX_AGE)


def feed_from_memory(request: Request, services: Container, name: str) -> Response | None:
    """A feed (`name`: "alerts.atom" or "exercises.atom") from memory, or None."""
    return _from_memory(request, _fresh_derived(services), _feed_key(name, _base_url(request, services)),
                        caching.ALERTS_MAX_AGE)


def layer_from_memory(request: Request, services: Container, name: str) -> Response | None:
    """A whole layer ("zones.geojson" or "areas.geojson") from memory, or None."""
    held = services.public.fresh_zones()
    return _from_memory(request, None if held is None else held.derived, name, caching.ZONES_MAX_AGE)


def where_from_memory(request: Request, services: Container, lat: float, lon: float, shelters: int) -> Response | None:
    """`/api/where` from memory, or None (something it needs is to be read)."""
    answer = services.public.where_from_memory(lat, lon, shelters)
    return None if answer is None else caching.cached(request, where_bytes(answer), JSON, caching.ALERTS_MAX_AGE)


def _feed_key(name: str, base: str) -> Hashable:
    return "feed", name, base


async def _prepared(derived: Derived, key: Hashable, build: Callable[[], caching.Prepared]) -> caching.Prepared:
    """A prepared answer: as built already, or built now in a thread (once per change)."""
    found = derived.peek(key)
    if isinstance(found, caching.Prepared):
        return found
    return await run_in_threadpool(derived.get, key, build)


async def _in_force(request: Request, services: Container, status: str, kind: str) -> Response:
    """The alerts in force of one status, as JSON or GeoJSON: prepared once per snapshot."""
    wanted = Status(status)
    snapshot = await _snapshot(services)
    prepared = await _prepared(snapshot.derived, (kind, wanted), lambda: _in_force_answer(snapshot, wanted, kind))
    return caching.respond(request, prepared, caching.ALERTS_MAX_AGE)


def _in_force_answer(snapshot: Snapshot, wanted: Status, kind: str) -> caching.Prepared:
    items = snapshot.in_force([wanted])
    if kind == "geojson":
        return caching.prepare_json(views.alerts_geojson(items), GEOJSON)
    return caching.prepare_json({"status": [wanted.value], "banner": rules.banner(wanted), "count": len(items),
                                 "alerts": [views.published_json(i) for i in items]}, "application/json")


def warm(snapshot: Snapshot) -> None:
    """Prepare the Actual alerts in force of a new snapshot now, in the calling thread (the
    change watcher's): otherwise the first request after a change builds them in a worker
    thread, and under load that thread waits its turns for the interpreter behind the event
    loop (an issued alert reached a saturated public listener's readers 60-120 ms later so)."""
    for kind in ("json", "geojson"):
        snapshot.derived.get((kind, Status.ACTUAL), functools.partial(_in_force_answer, snapshot, Status.ACTUAL, kind))


@router.get("/api/alerts", response_model=AlertsOut, summary="Alerts in force (JSON)")
async def alerts_in_force(request: Request, services: Services, status: StatusQuery = "Actual") -> Response:
    return await _in_force(request, services, status, "json")


@router.get("/api/alerts.geojson", summary="Alerts in force (GeoJSON, one feature per alert)",
            response_class=Response, responses=_geojson_response("A FeatureCollection"))
async def alerts_geojson(request: Request, services: Services, status: StatusQuery = "Actual") -> Response:
    return await _in_force(request, services, status, "geojson")


@router.get("/api/alerts/{alert_id}", response_model=AlertOut, summary="One issued alert (JSON)")
def alert(request: Request, services: Services, alert_id: AlertId) -> Response:
    return caching.cached_json(request, views.published_json(services.public.published(alert_id)),
                               caching.ALERTS_MAX_AGE)


@router.get("/api/alerts/{alert_id}/cap.xml", summary="One issued alert as CAP 1.2 XML",
            response_class=Response,
            responses={200: {"description": "CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2)",
                             "content": {XML: {"schema": {"type": "string"}}}}})
def alert_cap(request: Request, services: Services, alert_id: AlertId) -> Response:
    return caching.cached(request, services.public.cap_xml(alert_id), XML, caching.ISSUED_MAX_AGE)


def _base_url(request: Request, services: Container) -> str:
    """The public URL links are made of: the configured one, never the `Host` a client sends;
    without one (a local run), the address the request came to."""
    return (services.settings.public_url or str(request.base_url)).rstrip("/")


async def _feed(request: Request, services: Services, statuses: list[Status], name: str, title: str) -> Response:
    base = _base_url(request, services)
    snapshot = await _snapshot(services)

    def build() -> caching.Prepared:
        return caching.prepare(services.public.feed(
            statuses, feed_id=f"{base}/feeds/{name}", title=title, self_url=f"{base}/feeds/{name}",
            cap_url=lambda i: base + views.cap_url(i), snapshot=snapshot), ATOM)

    return caching.respond(request, await _prepared(snapshot.derived, _feed_key(name, base), build),
                           caching.ALERTS_MAX_AGE)


_ATOM_DOC = {200: {"description": "An Atom feed", "content": {ATOM: {"schema": {"type": "string"}}}}}


@router.get("/feeds/alerts.atom", summary="Atom feed of Actual alerts in force", response_class=Response,
            responses=_ATOM_DOC)
async def feed_actual(request: Request, services: Services) -> Response:
    return await _feed(request, services, [Status.ACTUAL], "alerts.atom", "safezone: alerts in force")


@router.get("/feeds/exercises.atom", summary="Atom feed of Exercise and Test alerts in force (drills only)",
            response_class=Response, responses=_ATOM_DOC)
async def feed_drills(request: Request, services: Services) -> Response:
    return await _feed(request, services, [Status.EXERCISE, Status.TEST], "exercises.atom",
                 "safezone: EXERCISE and TEST messages — NOT REAL ALERTS")


@router.get("/api/zones.geojson", summary="The active zone set: one feature per side and distance band",
            response_class=Response, responses=_geojson_response("A FeatureCollection"))
async def zones(request: Request, services: Services) -> Response:
    held = await _zones(services)
    prepared = await _prepared(held.derived, "zones.geojson",
                               lambda: caching.prepare_json(services.public.zones_geojson()[1], GEOJSON, with_brotli=True))
    return caching.respond(request, prepared, caching.ZONES_MAX_AGE)


@router.get("/api/areas.geojson", summary="Alert areas of the active zone set (all, or in a window)",
            response_class=Response, responses=_geojson_response("A FeatureCollection"))
async def areas(request: Request, services: Services,
          bbox: Annotated[str | None, Query(max_length=200, description="min_lon,min_lat,max_lon,max_lat")] = None,
          offset: Annotated[int, Query(ge=0, le=10_000_000, description="Skip this many areas of the window "
                                                                        "(the answer's `next_offset` when there are more)")] = 0,
          limit: Annotated[int, Query(ge=1, le=MAX_WINDOW_AREAS, description="At most this many areas")] = MAX_WINDOW_AREAS,
          ) -> Response:
    if bbox is None:
        held = await _zones(services)
        prepared = await _prepared(held.derived, "areas.geojson",
                                   lambda: caching.prepare_json(services.public.areas_geojson()[1], GEOJSON, with_brotli=True))
        return caching.respond(request, prepared, caching.ZONES_MAX_AGE)
    _, layer = await run_in_threadpool(services.public.areas_geojson, _numbers(bbox), offset, limit)
    return caching.cached_json(request, layer, caching.ZONES_MAX_AGE, GEOJSON)


@router.get("/api/shelters.geojson", summary="Shelters of the registry in a window (kind, capacity, step-free, opening)",
            response_class=Response, responses=_geojson_response("A FeatureCollection of points"))
def shelters(request: Request, services: Services,
             bbox: Annotated[str, Query(max_length=200, description="min_lon,min_lat,max_lon,max_lat")]) -> Response:
    found = services.public.shelters_in(_numbers(bbox))
    return caching.cached_json(request, views.shelters_geojson(found), caching.ZONES_MAX_AGE, GEOJSON)


@router.get("/api/areas/search", response_model=AreaMatchesOut,
            summary="Alert areas of the active zone set by a place name (the area's or a settlement's in it)")
def search_areas(services: Services, q: Annotated[str, Query(min_length=2, max_length=100)],
                 limit: Annotated[int, Query(ge=1, le=50)] = 20) -> dict:
    matches = services.public.search_areas(q, limit)
    return {"count": len(matches), "areas": [views.area_match_json(m) for m in matches]}


@router.get("/api/where", response_model=WhereOut,
            summary="Where am I: the alert area, time to shelter, alerts in force and nearest shelters")
async def where(request: Request, services: Services,
                lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)],
                shelters: Annotated[int, Query(ge=1, le=20)] = 3) -> Response:
    """From memory on the event loop while everything is current (as `fast_reads` answers it
    for a plain query); else (a change to read) in a thread."""
    found = where_from_memory(request, services, lat, lon, shelters)
    if found is not None:
        return found
    answer = await run_in_threadpool(services.public.where, lat, lon, shelters)
    return caching.cached(request, where_bytes(answer), JSON, caching.ALERTS_MAX_AGE)


def _numbers(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"bbox {text!r} is not four numbers separated by commas", field="bbox") from None
    if len(values) != 4 or not all(abs(v) < 1000 for v in values):
        raise InputError("bbox is min_lon,min_lat,max_lon,max_lat", field="bbox")
    return values

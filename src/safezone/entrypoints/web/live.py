"""The live streams: `/api/stream` (Server-Sent Events of every issued message, for the public
page and integrators) and `/api/operator/stream` (workflow steps, for operators' consoles).

The alert service runs its use cases in worker threads and calls its listeners after each
commit; `attach` hands those calls to the event loop that owns the broadcasters, so events
keep the order of the commits and no request waits on a page that listens.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Annotated, AsyncIterator, Callable

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse

from safezone.adapters.channels.sse import Broadcaster, SubscriberDropped
from safezone.adapters.queue.live_events import LiveFanout
from safezone.bootstrap import Container
from safezone.domain.alerts import AlertRecord
from safezone.entrypoints.web import views
from safezone.entrypoints.web.deps import Operator, container, operator

log = logging.getLogger("safezone.web.live")
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing an idle stream
RETRY_MS = 2000  # how soon a browser reconnects (with Last-Event-ID) after losing the stream
ISSUED = "alert.issued"
PUBLIC, OPERATOR = "public", "operator"

router = APIRouter()


def attach(services: Container, loop: asyncio.AbstractEventLoop,
           fanout: LiveFanout | None = None) -> Callable[[], None]:
    """Feed both streams from the alert service's changes; returns the detach function.
    With `fanout` (Redis), every worker process's streams get them, with the same ids."""

    def publish(stream: str, broadcaster: Broadcaster, event: str, data: dict | str) -> None:
        if fanout is None:
            loop.call_soon_threadsafe(broadcaster.publish, event, data)
        else:
            asyncio.run_coroutine_threadsafe(fanout.publish(stream, event, data), loop)

    def changed(action: str, alert: AlertRecord) -> None:
        if action == ISSUED:  # the record just committed: not read again
            publish(PUBLIC, services.stream, *public_event(services, alert))
        step = {"id": alert.id, "action": action, "state": alert.state.value, "status": alert.status.value,
                "kind": alert.kind.value, "follows": alert.follows}
        publish(OPERATOR, services.operator_stream, action, step)

    return services.alerts.on_change(changed)


async def announce_to_operators(request: Request, event: str, data: dict) -> None:
    """An event for the consoles that no alert step makes (a shelter report): to every worker's
    operator stream through Redis when they share one, else to this process's."""
    fanout: LiveFanout | None = getattr(request.app.state, "live_fanout", None)
    if fanout is not None:
        await fanout.publish(OPERATOR, event, data)
    else:
        container(request).operator_stream.publish(event, data)


def public_event(services: Container, alert_id: int | AlertRecord) -> tuple[str, dict]:
    """The public stream's event for an issued message (by id, or its record in hand): its kind,
    and the same JSON as /api/alerts/{id} (raises UnknownAlert for a message the public never sees)."""
    public = services.public
    published = public.published(alert_id) if isinstance(alert_id, int) else public.published_record(alert_id)
    return published.alert.kind.value, views.published_json(published)


def shared(services: Container) -> LiveFanout | None:
    """The fan-out of both streams through Redis, when the workers share one."""
    if services.redis is None:
        return None
    return LiveFanout(services.redis, {PUBLIC: services.stream, OPERATOR: services.operator_stream},
                      heard=services.public.invalidate)


async def _events(broadcaster: Broadcaster, last_event_id: str | None) -> AsyncIterator[bytes]:
    subscription = broadcaster.subscribe(last_event_id)
    try:
        # The process in the opening comment tells which worker a connection reached.
        yield f"retry: {RETRY_MS}\n: safezone live stream (process {os.getpid()})\n\n".encode()
        while True:
            try:
                event = await asyncio.wait_for(anext(subscription), KEEPALIVE_S)
            except asyncio.TimeoutError:
                yield b": keep-alive\n\n"
                continue
            except SubscriberDropped as dropped:
                yield f": {dropped}\n\n".encode()
                return
            yield event.encode()
    finally:
        subscription.close()


def _stream(broadcaster: Broadcaster, last_event_id: str | None) -> StreamingResponse:
    return StreamingResponse(_events(broadcaster, last_event_id), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


LastEventId = Annotated[str | None, Header(max_length=40, description="Resume after this event id")]
_SSE_DOC = {200: {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}


@router.get("/api/stream", response_class=StreamingResponse, responses=_SSE_DOC, tags=["public"],
            summary="Live stream (Server-Sent Events): one event per issued message (alert, update, cancel, "
                    "all-clear), data as at /api/alerts/{id}; resume with Last-Event-ID")
async def public_stream(request: Request, last_event_id: LastEventId = None) -> StreamingResponse:
    return _stream(container(request).stream, last_event_id)


@router.get("/api/operator/stream", response_class=StreamingResponse, responses=_SSE_DOC, tags=["operator"],
            summary="Live stream of workflow steps (submitted, approved, rejected, issued…) for consoles")
async def operator_stream(request: Request, who: Annotated[Operator, Depends(operator)],
                          last_event_id: LastEventId = None) -> StreamingResponse:
    return _stream(container(request).operator_stream, last_event_id)

"""The live stream to open pages and integrators: an in-process broadcaster for Server-Sent
Events (the HTTP route that serves it comes with the web side).

- Every event has an id that only grows; the last `buffer_size` events stay in a ring buffer,
  so a client that reconnects with `Last-Event-ID` gets exactly what it missed, in order.
  Ids start from the clock at start-up, so ids from before a restart are recognised as older
  than the buffer rather than mistaken for new ones.
- A client whose id is no longer in the buffer (or unknown) first gets a `resync` event: it
  must reload the alerts in force (`/api/alerts`) because some events are lost to it.
- Publishing never waits for a subscriber: each has a bounded queue, and one that falls a whole
  queue behind is dropped with a reason saying so; it reconnects with its `Last-Event-ID`.

Pure asyncio, single event loop: `publish` and `subscribe` run without awaiting, so no event
can slip between a subscriber's replay and its live queue.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from safezone.adapters.channels import render
from safezone.adapters.channels.base import expired, utcnow
from safezone.domain.delivery import Delivery, Outcome

RESYNC = "resync"


@dataclass(frozen=True)
class StreamEvent:
    id: int | None  # None only for `resync`, which is not resumable
    event: str
    data: str

    def encode(self) -> bytes:
        """The event in the `text/event-stream` wire format."""
        lines = [] if self.id is None else [f"id: {self.id}"]
        lines.append(f"event: {self.event}")
        lines += [f"data: {line}" for line in self.data.split("\n")]
        return ("\n".join(lines) + "\n\n").encode("utf-8")


class SubscriberDropped(Exception):
    """The subscriber was dropped (too slow, or the stream closed); the reason says which."""


class Subscription:
    """One client's view of the stream: async-iterate it for events in order."""

    def __init__(self, broadcaster: Broadcaster, backlog: list[StreamEvent], queue_size: int) -> None:
        self._broadcaster = broadcaster
        self._backlog = deque(backlog)
        self._queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue(queue_size)
        self.dropped: str | None = None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> StreamEvent:
        if self._backlog:
            return self._backlog.popleft()
        item = await self._queue.get()
        if item is None:
            raise SubscriberDropped(self.dropped or "dropped")
        return item

    def close(self) -> None:
        """The client went away: stop queueing for it."""
        self._broadcaster._forget(self)

    def _offer(self, event: StreamEvent) -> bool:
        try:
            self._queue.put_nowait(event)
            return True
        except asyncio.QueueFull:
            return False

    def _drop(self, reason: str) -> None:
        self.dropped = reason
        self._backlog.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class Broadcaster:
    """Fans each published event out to every subscriber, and keeps the last ones to resume."""

    def __init__(self, *, buffer_size: int = 1000, queue_size: int = 100, first_id: int | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._buffer: deque[StreamEvent] = deque(maxlen=buffer_size)
        self._queue_size = queue_size
        self._next_id = first_id if first_id is not None else int(time.time() * 1000)
        self._subscribers: set[Subscription] = set()
        self._clock = clock

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event: str, data: dict | str, event_id: int | None = None) -> StreamEvent:
        """Add an event for everyone; never waits. Returns it with its id: the next one, or
        `event_id` when the id comes from elsewhere (the same on every worker process, see
        adapters.queue.live_events); ids only grow, so one not above the last is skipped."""
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if event_id is not None and event_id < self._next_id:
            return StreamEvent(event_id, event, text)  # already had: a replay that overlapped
        published = StreamEvent(self._next_id if event_id is None else event_id, event, text)
        self._next_id = published.id + 1
        self._buffer.append(published)
        for subscriber in list(self._subscribers):
            if not subscriber._offer(published):
                self._subscribers.discard(subscriber)
                subscriber._drop(f"fell {self._queue_size} events behind the stream; "
                                 f"reconnect with Last-Event-ID to resume")
        return published

    def subscribe(self, last_event_id: str | int | None = None) -> Subscription:
        """A new subscriber; with `last_event_id`, first the events after it from the buffer
        (or a `resync` event if they are no longer all there)."""
        subscription = Subscription(self, self._replay(last_event_id), self._queue_size)
        self._subscribers.add(subscription)
        return subscription

    async def send(self, delivery: Delivery, receiver: object = None) -> Outcome:
        """The channel interface: one event per message for everyone listening (the stream has
        no per-receiver copies; `receiver` is ignored)."""
        late = expired(delivery, self._clock())
        if late:
            return late
        published = self.publish(delivery.kind.value, render.summary(delivery))
        return Outcome.sent(f"event {published.id} to {self.subscribers} listeners", event_id=published.id)

    async def close(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber._drop("the stream is closing")
        self._subscribers.clear()

    def _forget(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    def _replay(self, last_event_id: str | int | None) -> list[StreamEvent]:
        if last_event_id is None or last_event_id == "":
            return []
        try:
            last = int(last_event_id)
        except ValueError:
            return [self._resync(f"Last-Event-ID {str(last_event_id)[:40]!r} is not an event id")]
        newest = self._next_id - 1
        oldest = self._buffer[0].id if self._buffer else self._next_id
        if last > newest:
            return [self._resync(f"event {last} is unknown to this stream")]
        if last < oldest - 1:  # events between `last` and the buffer are gone
            return [self._resync(f"events after {last} are no longer kept")]
        return [e for e in self._buffer if e.id is not None and e.id > last]

    @staticmethod
    def _resync(reason: str) -> StreamEvent:
        return StreamEvent(None, RESYNC, json.dumps({"reason": reason + "; reload the alerts in force"}))

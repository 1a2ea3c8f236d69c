"""Live events (the SSE streams) fanned out to every worker process through Redis Streams.

An alert issued through one worker must reach the pages connected to all of them, and a page
that reconnects to another worker with `Last-Event-ID` must resume where it was. So each event
is appended to a Redis Stream (one per live stream, capped at the broadcasters' buffer size), and
every worker reads those streams and publishes each entry into its own broadcaster **with an id
made from the entry's id**: ids are the same on every worker, and they only grow.

A worker that starts (or reconnects after Redis was down) first reads the entries it has not
seen, so its buffer holds what a reconnecting page may ask for. When Redis cannot take an event,
the worker that made it publishes it to its own pages at once (with a local id), so no page of
that worker misses it; the others' pages get the next events and reload the alerts in force on
the `resync` their next Last-Event-ID brings.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from safezone.adapters.channels.sse import Broadcaster

log = logging.getLogger("safezone.live")
PREFIX = "safezone:live"
KEEP = 1000  # entries kept per stream: the broadcasters' buffer
BLOCK_MS = 5000
RETRY_S = 1.0
SEQUENCES_PER_MS = 1000  # an id is the entry's milliseconds × this + its sequence number


def event_id(entry_id: str | bytes) -> int:
    """The SSE id of a stream entry `ms-seq`: one number, in the entries' order."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, sequence = text.split("-")
    return int(ms) * SEQUENCES_PER_MS + min(int(sequence), SEQUENCES_PER_MS - 1)


class LiveFanout:
    """Publish events for every worker; `run` feeds this worker's broadcasters from Redis."""

    def __init__(self, redis: aioredis.Redis, broadcasters: dict[str, Broadcaster],
                 heard: Callable[[], None] | None = None) -> None:
        """`heard` is called before each event read is published here: another worker changed
        something, so this one's public answers must not be served from memory unchecked."""
        self._redis = redis
        self._heard = heard
        # The blocking read waits up to BLOCK_MS for entries: a connection of its own whose
        # timeout is longer than that (the shared client's short timeout would cut every wait).
        pool = redis.connection_pool
        kwargs = {**pool.connection_kwargs, "socket_timeout": BLOCK_MS / 1000 + 2}
        self._reader = aioredis.Redis(connection_pool=aioredis.ConnectionPool(
            connection_class=pool.connection_class, max_connections=1, **kwargs))
        self._broadcasters = broadcasters
        self._lock = asyncio.Lock()

    async def publish(self, stream: str, event: str, data: dict | str) -> None:
        """Append an event to a shared stream (in call order); if Redis fails, publish it here."""
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        try:
            async with self._lock:
                await self._redis.xadd(f"{PREFIX}:{stream}", {"event": event, "data": text}, maxlen=KEEP,
                                       approximate=True)
        except (RedisError, OSError) as down:
            log.warning("live events not shared (Redis: %s); sent to this worker's pages only", down)
            self._broadcasters[stream].publish(event, text)

    async def run(self) -> None:
        """Read every shared stream into its broadcaster until cancelled; survive Redis restarts."""
        try:
            await self._read()
        finally:
            await self._reader.aclose()

    async def _read(self) -> None:
        last = {f"{PREFIX}:{name}": "0-0" for name in self._broadcasters}
        for key in last:  # the newest entries only: what a reconnecting page may still ask for
            try:
                newest = await self._reader.xrevrange(key, count=KEEP)
                if newest:
                    last[key] = self._id_before(newest[-1][0])
            except (RedisError, OSError):
                pass
        while True:
            try:
                answer = await self._reader.xread(last, block=BLOCK_MS, count=500)
            except (RedisError, OSError) as down:
                log.warning("live events: Redis does not answer (%s); retrying", down)
                await asyncio.sleep(RETRY_S)
                continue
            for key, entries in answer or []:
                key = key.decode() if isinstance(key, bytes) else key
                broadcaster = self._broadcasters[key.removeprefix(PREFIX + ":")]
                for entry_id, fields in entries:
                    if self._heard is not None:
                        self._heard()
                    last[key] = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    broadcaster.publish(fields[b"event"].decode(), fields[b"data"].decode(),
                                        event_id=event_id(entry_id))

    @staticmethod
    def _id_before(entry_id: str | bytes) -> str:
        text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        ms, sequence = (int(part) for part in text.split("-"))
        return f"{ms}-{sequence - 1}" if sequence else f"{ms - 1}-{2**64 - 1}"

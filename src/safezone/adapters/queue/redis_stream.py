"""Delivery ids shared out to workers through a Redis Stream with a consumer group.

The planner publishes the ids of the deliveries it added (a few hundred per stream entry);
each worker reads new entries for itself (`XREADGROUP … >`) and acknowledges an entry once its
deliveries are recorded in the database. Entries a dead worker read and never acknowledged
stay pending; after `min_idle_ms` any live worker takes them over (`XAUTOCLAIM`). The stream
only distributes work: the database holds every delivery's state, so a lost entry delays its
deliveries (a worker's database pass picks them up) and never loses them.

Redis may go away and come back empty (a restart without persistence): every call then raises
`StreamUnavailable` instead of Redis's own errors, so the engine falls back to the database
until it answers again, and a lost consumer group is made again on the next call.
"""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable, Sequence, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

STREAM = "safezone:deliveries"
GROUP = "workers"
IDS_PER_ENTRY = 200
MAX_LEN = 1_000_000  # about: old acknowledged entries are trimmed

T = TypeVar("T")


class StreamUnavailable(RuntimeError):
    """Redis did not answer (down, restarting, unreachable): the work waits in the database."""


def _guarded(call: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Redis's errors as `StreamUnavailable`; a group lost with a restart is made again once."""
    @functools.wraps(call)
    async def guarded(self: "DeliveryStream", *args: Any, **kwargs: Any) -> T:
        try:
            try:
                return await call(self, *args, **kwargs)
            except ResponseError as error:
                if "NOGROUP" not in str(error):
                    raise
                self._ready = False  # Redis came back without our stream: make it again
                return await call(self, *args, **kwargs)
        except (RedisError, OSError) as error:
            self._ready = False
            raise StreamUnavailable(f"the delivery stream is unavailable: {type(error).__name__}: {error}") from error
    return guarded


class DeliveryStream:
    def __init__(self, url: str, *, stream: str = STREAM, group: str = GROUP) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self.stream = stream
        self.group = group
        self._ready = False

    async def _ensure_group(self) -> None:
        if self._ready:
            return
        try:
            await self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exists:
            if "BUSYGROUP" not in str(exists):
                raise
        self._ready = True

    @_guarded
    async def publish(self, delivery_ids: Sequence[int]) -> int:
        await self._ensure_group()
        entries = 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(delivery_ids), IDS_PER_ENTRY):
                chunk = ",".join(str(i) for i in delivery_ids[start:start + IDS_PER_ENTRY])
                pipe.xadd(self.stream, {"ids": chunk}, maxlen=MAX_LEN, approximate=True)
                entries += 1
            await pipe.execute()
        return entries

    @_guarded
    async def read(self, consumer: str, count: int, block_ms: int, min_idle_ms: int) -> list[tuple[str, list[int]]]:
        """Entries for `consumer`: first any a dead worker left idle for `min_idle_ms`, else new ones."""
        await self._ensure_group()
        claimed = await self._redis.xautoclaim(self.stream, self.group, consumer, min_idle_ms, "0-0", count=count)
        entries = [e for e in claimed[1] if e and e[1]]
        if not entries:
            answer = await self._redis.xreadgroup(self.group, consumer, {self.stream: ">"}, count=count,
                                                  block=block_ms or None)
            entries = [e for _, found in answer or [] for e in found]
        return [(_text(entry_id), [int(i) for i in _text(fields[b"ids"]).split(",") if i]) for entry_id, fields in entries]

    @_guarded
    async def ack(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self._redis.xack(self.stream, self.group, *entry_ids)

    @_guarded
    async def pending(self) -> int:
        await self._ensure_group()
        info = await self._redis.xpending(self.stream, self.group)
        return int(info["pending"])

    async def close(self) -> None:
        await self._redis.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value

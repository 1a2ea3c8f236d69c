"""The Redis Stream adapter facing a Redis that is away or came back empty: its calls raise
`StreamUnavailable` (the engine then delivers from the database), never Redis's own errors,
and a consumer group lost with a restart is made again on the next call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from safezone.adapters.queue.redis_stream import DeliveryStream, StreamUnavailable
from tests.subscribers.workers import RedisServer, free_port


def test_a_redis_nobody_runs_is_unavailable_not_a_crash():
    async def scenario() -> None:
        stream = DeliveryStream(f"redis://127.0.0.1:{free_port()}/0")
        for call in (stream.publish([1, 2]), stream.read("w", 1, 10, 1000), stream.ack(["1-0"]), stream.pending()):
            with pytest.raises(StreamUnavailable, match="unavailable"):
                await call
        await stream.close()
    asyncio.run(scenario())


def test_after_a_restart_that_lost_the_stream_the_group_is_made_again(tmp_path: Path):
    server = RedisServer(tmp_path)

    async def scenario() -> list:
        stream = DeliveryStream(server.url)
        await stream.publish([1, 2, 3])
        server.stop()
        with pytest.raises(StreamUnavailable):
            await stream.read("w", 1, 10, 1000)
        server.start()  # empty: no stream, no group
        assert await stream.read("w", 1, 10, 1000) == []
        await stream.publish([4, 5])
        found = await stream.read("w", 1, 10, 1000)
        await stream.close()
        return found

    try:
        [(entry_id, ids)] = asyncio.run(scenario())
    finally:
        server.stop()
    assert ids == [4, 5] and entry_id


def test_a_stream_lost_between_two_calls_is_met_by_making_the_group_again(tmp_path: Path):
    """As after a failover to an empty Redis, or a flush: the adapter still thinks its group exists."""
    import redis
    server = RedisServer(tmp_path)

    async def scenario() -> list:
        stream = DeliveryStream(server.url)
        await stream.publish([1])
        redis.Redis.from_url(server.url).delete(stream.stream)
        await stream.publish([2])  # XADD makes the stream again, without the group
        found = await stream.read("w", 1, 10, 1000)  # NOGROUP: made again, and the read goes on
        await stream.close()
        return found

    try:
        [(_, ids)] = asyncio.run(scenario())
    finally:
        server.stop()
    assert ids == [2]

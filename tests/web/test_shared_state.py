"""What worker processes share through a real redis-server (a free 127.0.0.1 port): rate-limit
buckets counted once for all, live events with the same ids everywhere, and what happens while
Redis is down (the process's own buckets; its own pages still get its events)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from safezone.adapters.channels.sse import Broadcaster
from safezone.adapters.queue.live_events import LiveFanout, event_id
from safezone.adapters.queue.shared_limits import SharedRateLimiter
from safezone.entrypoints.web.ratelimit import RateLimiter
from tests.support.redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path: Path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def test_two_workers_draw_from_one_bucket_and_fall_back_to_their_own_while_redis_is_down(redis_server):
    async def scenario() -> tuple[list[float], list[float], list[float]]:
        # Two "workers": each its own Redis connection and its own fallback bucket.
        a = SharedRateLimiter(client(redis_server.url), "public", RateLimiter(1, 5))
        b = SharedRateLimiter(client(redis_server.url), "public", RateLimiter(1, 5))
        shared = [await (a if n % 2 else b).acquire("10.0.0.1") for n in range(10)]
        other = [await a.acquire("10.0.0.2")]  # another address has its own bucket
        redis_server.stop()
        alone = [await a.acquire("10.0.0.3") for _ in range(7)]  # never an error: a's own bucket
        return shared, other, alone

    shared, other, alone = asyncio.run(scenario())
    assert shared[:5] == [0.0] * 5 and all(wait > 0 for wait in shared[5:])  # the burst, once for both
    assert 55 < shared[-1] <= 60  # one token a minute: the wait is counted on the shared bucket
    assert other == [0.0]
    assert alone[:5] == [0.0] * 5 and all(wait > 0 for wait in alone[5:])


def test_live_events_reach_every_worker_with_the_same_ids_and_resume_anywhere(redis_server):
    async def scenario() -> tuple[list, list, list, list]:
        workers = [{"public": Broadcaster(), "operator": Broadcaster()} for _ in range(2)]
        fanouts = [LiveFanout(client(redis_server.url), streams) for streams in workers]
        readers = [asyncio.create_task(fanout.run()) for fanout in fanouts]
        pages = [streams["public"].subscribe() for streams in workers]
        await asyncio.sleep(0.2)
        await fanouts[0].publish("public", "Alert", {"id": 1})  # issued through worker 0
        await fanouts[1].publish("public", "Cancel", {"id": 2})  # and through worker 1
        got = [[await asyncio.wait_for(anext(page), 5) for _ in range(2)] for page in pages]
        # A worker started later fills its buffer from the stream: a page resumes on it.
        late = {"public": Broadcaster(), "operator": Broadcaster()}
        readers.append(asyncio.create_task(LiveFanout(client(redis_server.url), late).run()))
        await asyncio.sleep(0.3)
        resumed = late["public"].subscribe(str(got[0][0].id))
        replayed = [await asyncio.wait_for(anext(resumed), 5)]
        # Redis down: the worker's own pages still get the event at once.
        redis_server.stop()
        await fanouts[0].publish("public", "Alert", {"id": 3})
        alone = [await asyncio.wait_for(anext(pages[0]), 5)]
        for reader in readers:
            reader.cancel()
        return got[0], got[1], replayed, alone

    first, second, replayed, alone = asyncio.run(scenario())
    assert [e.data for e in first] == ['{"id":1}', '{"id":2}'] and [e.event for e in first] == ["Alert", "Cancel"]
    assert [e.id for e in first] == [e.id for e in second]  # one id per event on every worker
    assert first[0].id < first[1].id
    assert [(e.id, e.data) for e in replayed] == [(first[1].id, '{"id":2}')]
    assert alone[0].data == '{"id":3}' and alone[0].id > first[1].id


def test_event_ids_keep_the_stream_order():
    assert event_id("1700000000000-0") < event_id("1700000000000-1") < event_id(b"1700000000001-0")


def test_an_event_already_had_is_not_published_twice():
    stream = Broadcaster(first_id=1)
    page = stream.subscribe()
    stream.publish("Alert", "a", event_id=10)
    stream.publish("Alert", "a", event_id=10)  # a replay overlapping what was read live
    stream.publish("Alert", "b")
    assert [page._queue.get_nowait().id for _ in range(page._queue.qsize())] == [10, 11]


def test_a_redis_address_that_is_not_a_redis_url_stops_serve_naming_it():
    from safezone.domain.errors import InputError
    from safezone.settings import Settings

    assert Settings.from_environ({"SAFEZONE_REDIS_URL": "redis://:pw@10.0.0.5:6380/2"}).redis_url.endswith("/2")
    with pytest.raises(InputError, match="SAFEZONE_REDIS_URL.*redis:// URL"):
        Settings.from_environ({"SAFEZONE_REDIS_URL": "localhost:6379"})


def test_a_page_gets_an_event_published_long_after_the_last_one(redis_server):
    """The reader's blocking wait outlasts the shared client's short timeout without an error."""
    async def scenario() -> tuple[object, float]:
        streams = {"public": Broadcaster(), "operator": Broadcaster()}
        shared = aioredis.Redis.from_url(redis_server.url, socket_timeout=0.3, socket_connect_timeout=0.3)
        fanout = LiveFanout(shared, streams)
        reader = asyncio.create_task(fanout.run())
        page = streams["public"].subscribe()
        await asyncio.sleep(1.0)  # several of the shared client's timeouts, inside one blocking read
        began = asyncio.get_running_loop().time()
        await fanout.publish("public", "Alert", {"id": 9})
        event = await asyncio.wait_for(anext(page), 5)
        took = asyncio.get_running_loop().time() - began
        reader.cancel()
        return event, took

    event, took = asyncio.run(scenario())
    assert event.data == '{"id":9}' and took < 0.25

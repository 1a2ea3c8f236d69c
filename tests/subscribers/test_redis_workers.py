"""`safezone worker` at scale, with faults: two worker processes share a fan-out through a
real Redis Stream (redis-server on a free 127.0.0.1 port) with the state in a real PostgreSQL.
One is killed with SIGKILL in the middle; Redis is restarted in the middle (losing the stream
and its consumer group). Afterwards every receiver has exactly one copy, counted at the
receiver by its idempotency id, and none is lost; the workers recover by themselves."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from safezone.entrypoints.web import create_app
from tests.subscribers.sink import Sink
from tests.subscribers.workers import (RedisServer, add_webhooks, copies_per_receiver, start_worker, stop_workers,
                                       wait_all_sent, wait_until)
from tests.support.app import Api, issue_alert, login, make_container

RECEIVERS = 2000
pytestmark = pytest.mark.postgres


@pytest.fixture
def redis(tmp_path: Path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


async def slow(body):  # a receiver that takes a moment, so the fan-out lasts a few seconds
    await asyncio.sleep(0.002)
    return 200


@pytest.fixture
def fan_out(postgres_url, sample_zones):
    """A container on PostgreSQL, a sink, and a function issuing an alert to `n` webhooks."""
    sink = Sink(slow)
    container = make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc))
    api = Api(create_app(container, sweep=False))

    def issue(receivers: int) -> int:
        add_webhooks(container, receivers, sink, datetime.now(timezone.utc))
        return issue_alert(login(api, "alice"), login(api, "bob"))
    yield container, sink, issue
    api.close()
    container.close()
    sink.close()


def assert_exactly_one_copy_each(sink: Sink, receivers: int) -> None:
    per_receiver = copies_per_receiver(sink)
    assert len(per_receiver) == receivers
    assert all(len(ids) == 1 for ids in per_receiver.values())  # a redelivered copy has the same id


def test_a_worker_killed_mid_fan_out_loses_and_doubles_nothing(postgres_url, redis, fan_out):
    container, sink, issue = fan_out
    workers = [start_worker(postgres_url, redis.url, "a"), start_worker(postgres_url, redis.url, "b")]
    try:
        alert_id = issue(RECEIVERS)
        assert wait_until(lambda: len(sink.ids) >= RECEIVERS // 4, 60, 0.01)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        states = wait_all_sent(container, alert_id, RECEIVERS, 60)
    finally:
        stop_workers(workers)
    assert states == {"sent": RECEIVERS}, states
    assert_exactly_one_copy_each(sink, RECEIVERS)


def test_a_redis_restart_mid_fan_out_loses_and_doubles_nothing(postgres_url, redis, fan_out):
    container, sink, issue = fan_out
    workers = [start_worker(postgres_url, redis.url, "a"), start_worker(postgres_url, redis.url, "b")]
    try:
        alert_id = issue(RECEIVERS)
        assert wait_until(lambda: len(sink.ids) >= RECEIVERS // 4, 60, 0.01)
        redis.stop()  # the stream, its entries and the consumer group are gone
        time.sleep(1)
        redis.start()
        states = wait_all_sent(container, alert_id, RECEIVERS, 60)
        # the workers lived through it
        assert all(w.poll() is None for w in workers)
    finally:
        logs = stop_workers(workers)
    assert states == {"sent": RECEIVERS}, (states, logs)
    assert_exactly_one_copy_each(sink, RECEIVERS)

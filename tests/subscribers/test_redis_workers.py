"""`safezone worker` at scale: two worker processes share a 2,000-receiver fan-out through a
real Redis Stream (redis-server on a free 127.0.0.1 port) with the state in a real PostgreSQL;
one is killed with SIGKILL in the middle. Afterwards every receiver has exactly one copy,
counted at the receiver by its idempotency id, and none is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from safezone.domain.subscribers import Integrator
from tests.subscribers.sink import Sink
from tests.support.redis_server import RedisServer
from tests.support.app import issue_alert, login, make_container

RECEIVERS = 2000
pytestmark = pytest.mark.postgres


@pytest.fixture
def redis_url(tmp_path: Path):
    server = RedisServer(tmp_path).start()
    yield server.url
    server.stop()


def start_worker(db_url: str, redis_url: str, name: str) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(Path(__file__).parents[2] / "src"), "SAFEZONE_DELIVERY_ALLOW_HTTP": "1",
                        "SAFEZONE_DELIVERY_LEASE_S": "2"}
    return subprocess.Popen([sys.executable, "-c", "from safezone.entrypoints.cli import main; main()", "worker",
                             "--db", db_url, "--redis", redis_url, "--name", name], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_worker_killed_mid_fan_out_loses_and_doubles_nothing(postgres_url, sample_zones, redis_url):
    import asyncio

    async def slow(body):  # a receiver that takes a moment, so the fan-out lasts a few seconds
        await asyncio.sleep(0.002)
        return 200

    sink = Sink(slow)
    container = make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc))
    workers = []
    try:
        now = datetime.now(timezone.utc)
        with container.database.unit_of_work() as uow:
            for n in range(RECEIVERS):
                uow.integrators.add(Integrator(id=f"int_{n:05d}", name=f"gateway {n}", kind="webhook", area_ids=(),
                                               created_at=now, url=sink.url(f"/r{n}"),
                                               secret="whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="))
            uow.commit()
        workers = [start_worker(postgres_url, redis_url, "a"), start_worker(postgres_url, redis_url, "b")]
        from safezone.entrypoints.web import create_app
        from tests.support.app import Api
        api = Api(create_app(container, sweep=False))
        alice, bob = login(api, "alice"), login(api, "bob")
        alert_id = issue_alert(alice, bob)
        deadline = time.monotonic() + 60
        while len(sink.ids) < RECEIVERS // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        while time.monotonic() < deadline:
            with container.database.unit_of_work(read_only=True) as uow:
                states = dict((s, n) for _, s, n in uow.deliveries.totals(alert_id))
            if states.get("sent", 0) == RECEIVERS:
                break
            time.sleep(0.2)
        api.close()
        assert states == {"sent": RECEIVERS}, states
        per_receiver: dict[str, set[str]] = {}
        for path, headers in zip(sink.paths, sink.headers):
            per_receiver.setdefault(path, set()).add(headers["webhook-id"])
        assert len(per_receiver) == RECEIVERS
        assert all(len(ids) == 1 for ids in per_receiver.values())  # a redelivered copy has the same id
    finally:
        for process in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
        container.close()
        sink.close()

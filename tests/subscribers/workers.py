"""Real processes for the fault tests of `safezone worker`: a redis-server that can be stopped
and started again on the same 127.0.0.1 port, worker processes, many webhook integrators, and
the check that every receiver got exactly one copy by idempotency id."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from safezone.domain.subscribers import Integrator
from tests.support.redis_server import RedisServer as SharedRedisServer
from tests.support.server import free_port

SECRET = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


def wait_for_port(port: int, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class RedisServer(SharedRedisServer):
    """redis-server without persistence, started at once: a restart loses the stream and its
    consumer group."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.start()


class Worker:
    """A `safezone worker` process; its log goes to a file (a pipe nobody reads would fill up
    during an outage and block the worker's logging)."""

    def __init__(self, db_url: str, redis_url: str, name: str, folder: Path, lease_s: float = 2) -> None:
        env = os.environ | {"PYTHONPATH": str(Path(__file__).parents[2] / "src"), "SAFEZONE_DELIVERY_ALLOW_HTTP": "1",
                            "SAFEZONE_DELIVERY_LEASE_S": str(lease_s)}
        self.log_path = folder / f"worker-{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-c", "from safezone.entrypoints.cli import main; main()",
                                             "worker", "--db", db_url, "--redis", redis_url, "--name", name], env=env,
                                            stdout=subprocess.DEVNULL, stderr=log)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> str:
        """Stop it if it still runs; what it logged."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.log_path.read_text(errors="replace")


def add_webhooks(container, count: int, sink, now: datetime) -> None:
    """`count` integrators, each with a path of its own on the sink, for every area."""
    with container.database.unit_of_work() as uow:
        for n in range(count):
            uow.integrators.add(Integrator(id=f"int_{n:05d}", name=f"gateway {n}", kind="webhook", area_ids=(),
                                           created_at=now, url=sink.url(f"/r{n}"), secret=SECRET))
        uow.commit()


def wait_until(condition, timeout_s: float, step_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return condition()


def states(container, alert_id: int) -> dict[str, int]:
    with container.database.unit_of_work(read_only=True) as uow:
        return {state: n for _, state, n in uow.deliveries.totals(alert_id)}


def wait_all_sent(container, alert_id: int, receivers: int, timeout_s: float) -> dict[str, int]:
    found: dict[str, int] = {}

    def done() -> bool:
        nonlocal found
        try:
            found = states(container, alert_id)
        except Exception:  # the database may be restarting
            return False
        return found.get("sent", 0) == receivers
    wait_until(done, timeout_s, 0.2)
    return found


def copies_per_receiver(sink) -> dict[str, set[str]]:
    """Per receiver (its path), the idempotency ids of the copies it accepted."""
    found: dict[str, set[str]] = {}
    for path, headers in zip(sink.paths, sink.headers):
        found.setdefault(path, set()).add(headers["webhook-id"])
    return found

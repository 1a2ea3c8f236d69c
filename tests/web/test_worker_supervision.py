"""A worker of `safezone serve --workers 2` that dies while uvicorn's supervisor waits for its
answer to a ping is replaced at once (entrypoints/cli/worker_supervision.py): the worker is
stopped (SIGSTOP) so that the supervisor's next ping to it waits, then killed. Without the
change the supervisor waited out the whole health-check time (30 s) before it replaced it."""

from __future__ import annotations

import os
import signal
import time
from datetime import datetime, timezone
from pathlib import Path

from tests.support.app import make_container
from tests.support.redis_server import RedisServer
from tests.support.server import serving
from tests.support.workers import from_each_worker, worker_pids

REPLACED_WITHIN_S = 10  # uvicorn looks every 0.5 s; the health-check time is 30 s


def _children(parent: int) -> set[int]:
    """The processes uvicorn spawned as workers under `parent`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_worker_dying_while_the_supervisor_waits_for_its_ping_is_replaced_at_once(
        tmp_path: Path, postgres_url: str, sample_zones):
    make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc)).close()
    redis = RedisServer(tmp_path).start()
    try:
        with serving(tmp_path, "--db", postgres_url, "--workers", "2", "--no-default-zones",
                     env={"SAFEZONE_REDIS_URL": redis.url}) as base:
            victim = next(iter(worker_pids(base).values()))
            supervisor = _parent(victim)
            before = _children(supervisor)
            assert victim in before and len(before) == 2
            os.kill(victim, signal.SIGSTOP)  # it answers no ping: the supervisor's next one waits
            time.sleep(1.5)  # uvicorn pings every 0.5 s
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            while not _children(supervisor) - before:
                assert time.monotonic() - killed < REPLACED_WITHIN_S, "no new worker yet"
                time.sleep(0.1)
            # The new worker serves beside the other.
            assert len(from_each_worker(base, "/healthz", lambda answer: answer.status_code == 200, limit_s=60)) == 2
    finally:
        redis.stop()

"""`safezone serve --workers N`: several worker processes on one port, each assembling its own
container (web.factory). On SQLite, the embedded default, more than one is refused clearly."""

from __future__ import annotations

import collections
import itertools
import json
import re
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from tests.support.app import issue_alert, login, make_container
from tests.support.redis_server import RedisServer
from tests.support.server import SAFEZONE, serving
from tests.support.workers import Readers, from_each_worker
from tests.web.test_operations import _metric


def test_several_workers_on_sqlite_are_refused_with_a_clear_message(tmp_path: Path):
    done = subprocess.run([*SAFEZONE, "serve", "--workers", "2", "--db", str(tmp_path / "x.db")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--workers 2 needs PostgreSQL" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()  # refused before anything is written


# ---- two workers on PostgreSQL sharing one Redis ----------------------------------------------

BURST = 12
STREAM_LIMIT_S = 20


def address(counter=itertools.count(1)) -> dict:
    """A client address of its own (believed: the test is the trusted proxy), so each check
    draws from a bucket no other check touches."""
    n = next(counter)
    return {"X-Forwarded-For": f"10.2.{n // 250}.{n % 250 + 1}"}


class Listener(threading.Thread):
    """One page on /api/stream (its own connection): which worker it reached and what it got."""

    def __init__(self, base: str, last_event_id: str | None = None) -> None:
        super().__init__(daemon=True)
        self.base, self.headers = base, {**address(), **({"Last-Event-ID": last_event_id} if last_event_id else {})}
        self.process: str | None = None
        self.events: list[tuple[str, dict]] = []  # (id, data)
        self.opened = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        event_id = None
        with httpx.Client(base_url=self.base, timeout=STREAM_LIMIT_S) as client:
            with client.stream("GET", "/api/stream", headers=self.headers) as answer:
                for line in answer.iter_lines():
                    if found := re.search(r"\(process (\d+)\)", line):
                        self.process = found.group(1)
                        self.opened.set()
                    elif line.startswith("id: "):
                        event_id = line[4:]
                    elif line.startswith("data: ") and event_id is not None:
                        self.events.append((event_id, json.loads(line[6:])))
                    if self.stop.is_set() or self.events:
                        return

    def first(self, timeout: float) -> tuple[str, dict]:
        self.join(timeout)
        assert self.events, f"no event reached the page on worker {self.process}"
        return self.events[0]


def listeners_on_two_workers(base: str, last_event_id: str | None = None) -> list[Listener]:
    """Open pages until two reached different worker processes (the kernel shares connections
    out among them); the others are closed."""
    opened: dict[str, Listener] = {}
    for _ in range(40):
        listener = Listener(base, last_event_id)
        listener.start()
        assert listener.opened.wait(10), "the live stream did not open"
        if listener.process in opened:
            listener.stop.set()
        else:
            opened[listener.process] = listener
        if len(opened) == 2:
            return list(opened.values())
    pytest.fail(f"40 connections all reached one worker: {list(opened)}")


def requests_counted(base: str, route: str) -> dict[str, float]:
    """What one scrape of /metrics says of `route`'s GET answers 200 and 429."""
    text = httpx.get(f"{base}/metrics", headers=address(), timeout=10).text
    return {status: _metric(text, "safezone_http_requests_total", route=route, method="GET", status=status)
            for status in ("200", "429")}


WHERE = "/api/where?lat=50.45&lon=29.99"  # a point in AAA-0-1, the area of the alerts issued here


def same_on_both_workers(base: str, alert_id: int, cap_identifier: str, *, in_force: bool) -> None:
    """/api/alerts, /api/where at a point of the alert and the Atom feed, each asked of both
    workers (told apart by their request ids) until both show the change (the alert listed or
    not; the message `cap_identifier` in the feed): then both answers are the same bytes."""
    def listed(answer: httpx.Response) -> bool:
        return (alert_id in [alert["id"] for alert in answer.json()["alerts"]]) == in_force

    checks = {"/api/alerts": listed, WHERE: listed,
              "/feeds/alerts.atom": lambda answer: cap_identifier.encode() in answer.content}
    for path, shows_it in checks.items():
        answers = from_each_worker(base, path, shows_it, headers=address)
        assert [answer.status_code for answer in answers.values()] == [200, 200], path
        first, second = answers.values()
        assert first.content == second.content, (path, first.text, second.text)
        assert first.headers.get("etag") == second.headers.get("etag"), path


@pytest.mark.postgres
def test_two_workers_share_rate_limits_live_events_and_readiness(tmp_path: Path, postgres_url: str, sample_zones):
    make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc)).close()
    redis = RedisServer(tmp_path).start()
    temp = tmp_path / "temp"  # where `serve` makes the workers' shared metrics folder
    temp.mkdir()
    env = {"SAFEZONE_REDIS_URL": redis.url, "SAFEZONE_RATE_PER_MINUTE": "1", "SAFEZONE_RATE_BURST": str(BURST),
           "TMPDIR": str(temp)}
    try:
        with serving(tmp_path, "--db", postgres_url, "--workers", "2", "--no-default-zones",
                     "--trusted-proxy", "127.0.0.1", env=env) as base:
            # Rate limits: one address, fresh connections spread over both workers; one bucket.
            flood = address()
            answers = [httpx.get(f"{base}/api/alerts", headers=flood, timeout=10).status_code
                       for _ in range(2 * BURST)]
            assert answers.count(200) == BURST and answers.count(429) == BURST, answers

            # /metrics counts every worker's answers, whichever worker is scraped (fresh connections).
            scrapes = [requests_counted(base, "/api/alerts") for _ in range(6)]
            assert scrapes == [{"200": BURST, "429": BURST}] * 6, scrapes
            assert [path.name.startswith("safezone-metrics-") for path in temp.iterdir()] == [True]

            # Live events: pages on both workers get the alert, whichever worker issued it.
            pages = listeners_on_two_workers(base)
            operators = httpx.Client(base_url=base, headers=address(), timeout=30)
            alice = login(operators, "alice")
            alert_id = issue_alert(alice, login(operators, "bob"))
            received = [page.first(STREAM_LIMIT_S) for page in pages]
            assert [data["id"] for _, data in received] == [alert_id, alert_id]
            assert received[0][0] == received[1][0]  # one id on every worker
            # And the public answers: both workers give the same, once each has the alert.
            issued = httpx.get(f"{base}/api/alerts/{alert_id}", headers=address(), timeout=10).json()
            same_on_both_workers(base, alert_id, issued["cap_identifier"], in_force=True)

            # Last-Event-ID from one worker resumes on the other: the event is replayed, same id.
            event_id = received[0][0]
            resumed = listeners_on_two_workers(base, last_event_id=str(int(event_id) - 1))
            assert [page.first(STREAM_LIMIT_S)[0] for page in resumed] == [event_id, event_id]

            # A cancel through either worker: both drop the alert and show the cancel, alike.
            cancel = alice.post(f"/api/operator/alerts/{alert_id}/cancel")
            assert cancel.status_code == 200, cancel.text
            same_on_both_workers(base, alert_id, cancel.json()["cap_identifier"], in_force=False)

            # Readiness needs Redis; with Redis down the public side still answers (never 500).
            assert httpx.get(f"{base}/readyz", timeout=10).json() == {"ok": True, "database": "ok", "redis": "ok"}
            redis.stop()
            down = httpx.get(f"{base}/readyz", timeout=10)
            assert down.status_code == 503 and "Redis" in down.json()["reason"], down.text
            assert httpx.get(f"{base}/api/alerts", headers=address(), timeout=10).status_code == 200
        assert list(temp.iterdir()) == []  # the shared metrics folder went with the server
    finally:
        redis.stop()


@pytest.mark.postgres
def test_public_reads_do_not_depend_on_redis(tmp_path: Path, postgres_url: str, sample_zones):
    """benchmarks/faults.py counted a few public 503s in its Redis phase: none come from Redis
    being away (stopped, then started empty) while an alert is issued meanwhile."""
    make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc)).close()
    redis = RedisServer(tmp_path).start()
    # The readers read as fast as they are answered: the per-address buckets are out of the way
    # (a 429 is the limiter working, shared through Redis or not; this test is about 503s).
    env = {"SAFEZONE_REDIS_URL": redis.url, "SAFEZONE_READY_TIMEOUT_S": "1",
           "SAFEZONE_RATE_PER_MINUTE": "1000000", "SAFEZONE_RATE_BURST": "1000000"}
    paths = ["/api/alerts", "/feeds/alerts.atom", "/api/alerts.geojson", "/api/where?lat=50.45&lon=29.99"]
    try:
        with serving(tmp_path, "--db", postgres_url, "--workers", "2", "--no-default-zones",
                     "--trusted-proxy", "127.0.0.1", env=env) as base:
            operators = httpx.Client(base_url=base, headers=address(), timeout=30)
            alice, bob = login(operators, "alice"), login(operators, "bob")
            with Readers(base, paths * 2, headers=address) as readers:
                time.sleep(1)
                stopped = time.monotonic()
                redis.stop()
                alert_id = issue_alert(alice, bob)  # the live event cannot go through Redis now
                time.sleep(2)
                assert httpx.get(f"{base}/readyz", timeout=10).status_code == 503
                redis.start()
                started = time.monotonic()
                while httpx.get(f"{base}/readyz", timeout=10).status_code != 200:
                    assert time.monotonic() - started < 30, "/readyz did not come back with Redis"
                    time.sleep(0.1)
                time.sleep(1)
            during = readers.between(stopped, started)
            assert sum(during.values()) >= 20, during  # the readers were reading all along
            assert {status for (_, status) in readers.between(0, time.monotonic())} == {200}, during
            listed = httpx.get(f"{base}/api/alerts", headers=address(), timeout=10).json()
            assert alert_id in [alert["id"] for alert in listed["alerts"]]
    finally:
        redis.stop()

"""The deployment the README shows for those who run their own server: gunicorn with uvicorn's
worker class on the app factory, two workers, PostgreSQL and Redis. What `safezone serve
--workers 2` is checked for in test_workers must hold here too: a shared rate limit, metrics
counted over both workers, an alert issued through one shown alike by both and on both
workers' live streams, JSON access lines with request ids, a worker killed -9 replaced with its
counts kept, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from tests.support.app import issue_alert, login, make_container
from tests.support.redis_server import RedisServer
from tests.support.server import free_port, wait_until_healthy
from tests.support.workers import worker_pids
from tests.web.test_workers import BURST, STREAM_LIMIT_S, address, listeners_on_two_workers, requests_counted, \
    same_on_both_workers

pytestmark = pytest.mark.postgres


def _pids(base: str) -> set[int]:
    """The workers' process ids; none while a worker is still starting."""
    try:
        return set(worker_pids(base, headers=address).values())
    except (AssertionError, httpx.TransportError):
        return set()


def test_gunicorn_with_two_uvicorn_workers_shares_limits_metrics_and_live_events(tmp_path: Path, postgres_url: str,
                                                                                sample_zones):
    make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc)).close()  # migrated, zones built
    redis = RedisServer(tmp_path).start()
    metrics_folder = tmp_path / "metrics"  # gunicorn's workers need it set and empty (README, Operations)
    metrics_folder.mkdir()
    port = free_port()
    env = {**os.environ, "SAFEZONE_DB": postgres_url, "SAFEZONE_REDIS_URL": redis.url,
           "SAFEZONE_RATE_PER_MINUTE": "1", "SAFEZONE_RATE_BURST": str(BURST),
           "SAFEZONE_TRUSTED_PROXIES": "127.0.0.1", "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder)}
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "uvicorn_worker.UvicornWorker", "-w", "2",
             "-b", f"127.0.0.1:{port}", "--graceful-timeout", "10",
             "safezone.entrypoints.web.factory:from_environ()"],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, server, log_path)
            flood = address()
            answers = [httpx.get(f"{base}/api/alerts", headers=flood, timeout=10).status_code
                       for _ in range(2 * BURST)]
            assert answers.count(200) == BURST and answers.count(429) == BURST, answers  # one bucket, in Redis
            scrapes = [requests_counted(base, "/api/alerts") for _ in range(6)]
            assert scrapes == [{"200": BURST, "429": BURST}] * 6, scrapes  # both workers' counts, every scrape

            pages = listeners_on_two_workers(base)
            operators = httpx.Client(base_url=base, headers=address(), timeout=30)
            alert_id = issue_alert(login(operators, "alice"), login(operators, "bob"))
            assert [page.first(STREAM_LIMIT_S)[1]["id"] for page in pages] == [alert_id, alert_id]
            issued = httpx.get(f"{base}/api/alerts/{alert_id}", headers=address(), timeout=10).json()
            same_on_both_workers(base, alert_id, issued["cap_identifier"], in_force=True)
            assert httpx.get(f"{base}/readyz", timeout=10).json() == {"ok": True, "database": "ok", "redis": "ok"}
            assert httpx.get(f"{base}/healthz", headers={"X-Request-ID": "gunicorn-1"}, timeout=10).status_code == 200

            # A worker killed -9: gunicorn starts another, and the counts of the dead one stay counted.
            before = requests_counted(base, "/api/alerts")
            killed = next(iter(worker_pids(base, headers=address).values()))
            os.kill(killed, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while killed in (pids := _pids(base)) or len(pids) < 2:
                assert time.monotonic() < deadline, f"no new worker: {pids}"
                time.sleep(0.2)
            assert requests_counted(base, "/api/alerts") == before
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                returned = server.wait(timeout=30)
            finally:
                if server.poll() is None:
                    server.kill()
                redis.stop()
    lines = [json.loads(text) for text in log_path.read_text().splitlines() if text.startswith("{")]
    asked = [line for line in lines if line.get("request_id") == "gunicorn-1"]
    assert len(asked) == 1 and asked[0]["route"] == "/healthz" and asked[0]["status"] == 200, asked
    assert "Traceback" not in log_path.read_text()
    assert returned == 0  # stopped cleanly: workers drained, the app's lifespan ended

"""A web worker of `safezone serve --workers 2` (PostgreSQL, Redis) killed with SIGKILL while it
issues an alert, under a light public load (issue 12, faults; benchmarks/faults.py measures the
same at scale). An issue is one transaction (state, CAP message, outbox entry and audit entry),
so whether the kill lands before or after its commit, the alert must end issued exactly once
with its CAP message, the audit chain intact, no answer a 500, and uvicorn's replacement
serving beside the survivor."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from safezone.adapters.db import Database
from safezone.domain.alerts import AlertState
from safezone.services import audit
from tests.support.app import compose_body, login, make_container
from tests.support.redis_server import RedisServer
from tests.support.server import serving
from tests.support.workers import Readers, from_each_worker, worker_of, worker_pids

PATHS = ["/api/alerts", "/api/where?lat=50.45&lon=29.99", "/feeds/alerts.atom"]  # the point is in AAA-0-1
REPLACED_LIMIT_S = 45  # a new worker imports and assembles everything: ~4 s of CPU, more on a loaded machine
KILL_AFTER_S = 0.005  # the issue request is on its way, its transaction not yet committed (mostly)


def issue_until_answered(operator, alert_id: int) -> list[int | str]:  # type: ignore[no-untyped-def]
    """Issue, and again on a connection cut (as a console does): each attempt's status or error."""
    attempts: list[int | str] = []
    while not attempts or isinstance(attempts[-1], str):
        assert len(attempts) < 10, attempts
        try:
            attempts.append(operator.post(f"/api/operator/alerts/{alert_id}/issue").status_code)
        except httpx.TransportError as cut:
            attempts.append(type(cut).__name__)
            time.sleep(0.2)
    return attempts


@pytest.mark.postgres
def test_a_worker_killed_while_issuing_leaves_the_alert_issued_once(tmp_path: Path, postgres_url: str,
                                                                     sample_zones):
    make_container(postgres_url, sample_zones, lambda: datetime.now(timezone.utc)).close()
    redis = RedisServer(tmp_path).start()
    env = {"SAFEZONE_REDIS_URL": redis.url, "SAFEZONE_RATE_PER_MINUTE": "1000000", "SAFEZONE_RATE_BURST": "1000000"}
    try:
        with serving(tmp_path, "--db", postgres_url, "--workers", "2", "--no-default-zones", env=env) as base:
            pids = worker_pids(base)
            operators = httpx.Client(base_url=base, timeout=30)  # one kept-alive connection: one worker
            alice, bob = login(operators, "alice"), login(operators, "bob")
            alert_id = alice.post("/api/operator/alerts", compose_body(areas=("AAA-0-1",))).json()["alert"]["id"]
            assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
            with Readers(base, PATHS * 2, pause_s=0.05) as readers:
                time.sleep(1)
                assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
                victim = worker_of(operators.get("/healthz"))  # the worker the issue will reach
                survivor = next(worker for worker in pids if worker != victim)
                attempts: list[int | str] = []
                issuing = threading.Thread(target=lambda: attempts.extend(issue_until_answered(alice, alert_id)))
                issuing.start()
                time.sleep(KILL_AFTER_S)
                killed = time.monotonic()
                os.kill(pids[victim], signal.SIGKILL)
                issuing.join(60)
                # The first attempt died with the worker, or beat the kill; a retry reached the
                # survivor and issued it, or found it issued already (409): never twice.
                assert attempts[-1] in (200, 409) and all(isinstance(a, str) for a in attempts[:-1]), attempts

                # Uvicorn replaces the worker: a new one answers beside the survivor.
                def in_force(answer: httpx.Response) -> bool:
                    return alert_id in [alert["id"] for alert in answer.json()["alerts"]]

                answering = from_each_worker(base, "/api/alerts", in_force, limit_s=REPLACED_LIMIT_S)
                replaced = time.monotonic() - killed
                assert survivor in answering and victim not in answering and not set(answering) & set(pids) - {
                    survivor}, (answering.keys(), pids)
                time.sleep(1)
            assert survivor in readers.workers_since(killed), "the survivor did not serve the readers meanwhile"
            statuses = {status for _, _, status, _ in readers.answers}
            assert not {s for s in statuses if isinstance(s, int) and s >= 500 and s != 503}, statuses
            assert sum(status == 200 for _, _, status, _ in readers.answers) > 20, statuses
            cap = httpx.get(f"{base}/api/alerts/{alert_id}/cap.xml", timeout=10)
            assert cap.status_code == 200 and b"<alert" in cap.content
            print(f"issue attempts {attempts}; new worker answering {replaced:.1f} s after the kill; "
                  f"reads by status {sorted(map(str, statuses))}")

        database = Database(postgres_url)
        try:
            with database.unit_of_work() as uow:
                alert = uow.alerts.get(alert_id)
                assert alert.state is AlertState.ISSUED and alert.cap_identifier
                stored = uow.alerts.cap_xml(alert_id) or b""
                assert alert.cap_identifier.encode() in stored and alert.cap_identifier.encode() in cap.content
                issues = [entry for entry in uow.audit.entries() if entry.action == "alert.issued"]
                assert [(e.subject, e.details["cap_identifier"]) for e in issues] == [
                    (f"alert {alert_id}", alert.cap_identifier)]
                assert len(uow.outbox.for_alert(alert_id)) == 1
                report = audit.verify(uow)
                assert report.intact, report.problems
        finally:
            database.close()
    finally:
        redis.stop()

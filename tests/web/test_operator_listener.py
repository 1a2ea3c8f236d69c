"""`safezone serve --operator-port`: the operator side in a process (and on a port) of its own,
so operators never queue behind public load. A real `safezone serve` on SQLite (no Redis: the
public process learns of issued messages from the database) and on PostgreSQL."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from tests.subscribers.sink import Sink
from tests.subscribers.test_delivery_engine import hook
from tests.support.app import add_shelters, issue_alert, login, make_container
from tests.support.server import SAFEZONE, free_port, serving, wait_until_healthy
from tests.web.test_shelter_reports import CELLAR, METRO
from tests.web.test_workers import Listener

VISIBLE_LIMIT_S = 1.0
DELIVERY_LIMIT_S = 15.0
REPORT_LIMIT_S = 3.0


class Console(threading.Thread):
    """An operator's console on /api/operator/stream: the (event, data) pairs it got."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.events: list[tuple[str, dict]] = []
        self.opened = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        event = ""
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=60) as client:
            with client.stream("GET", "/api/operator/stream", headers=headers) as answer:
                try:
                    for line in answer.iter_lines():
                        self.opened.set()
                        if line.startswith("event: "):
                            event = line[7:]
                        elif line.startswith("data: "):
                            self.events.append((event, json.loads(line[6:])))
                        if self.stop.is_set():
                            return
                except httpx.TransportError:  # the server stopped at the end of the test
                    return

    def reports(self, count: int, limit_s: float) -> list[tuple[int, bool]]:
        """The first `count` shelter.reported events' (report, new), waiting up to `limit_s`."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline and len(self._reported()) < count:
            time.sleep(0.02)
        return self._reported()

    def _reported(self) -> list[tuple[int, bool]]:
        return [(data["report"], data["new"]) for event, data in self.events if event == "shelter.reported"]


def test_operators_have_their_own_listener_and_the_public_side_sees_what_they_issue(tmp_path: Path, db_url: str,
                                                                                     sample_zones):
    make_container(db_url, sample_zones, lambda: datetime.now(timezone.utc)).close()
    port = free_port()
    sink = Sink()
    env = {"SAFEZONE_DELIVERY_ALLOW_HTTP": "1", "SAFEZONE_OPERATOR_PORT": str(port)}
    try:
        with serving(tmp_path, "--db", db_url, "--no-default-zones", env=env) as public:
            operator = f"http://127.0.0.1:{port}"
            wait_until_healthy(operator)
            assert f"operators     {operator}" in (tmp_path / "serve.log").read_text()

            # The public listener refuses the operator side, clearly, so it can be firewalled apart.
            for path in ("/api/operator/me", "/console", "/static/console.js"):
                refused = httpx.get(public + path, timeout=10)
                assert refused.status_code == 404 and refused.json()["error"] == "operator_elsewhere", path
            assert httpx.post(public + "/api/operator/login", json={}, timeout=10).status_code == 404
            assert httpx.get(operator + "/console", timeout=10).status_code == 200

            client = httpx.Client(base_url=operator, timeout=30)
            hook(login(client, "dave"), sink, "city-hall")
            page = Listener(public)
            page.start()
            assert page.opened.wait(10), "the public live stream did not open"
            alert_id = issue_alert(login(client, "alice"), login(client, "bob"))
            issued_at = time.monotonic()

            # The public process learns of it from its change watcher: within about 25 ms.
            while alert_id not in [a["id"] for a in httpx.get(public + "/api/alerts", timeout=10).json()["alerts"]]:
                assert time.monotonic() - issued_at < VISIBLE_LIMIT_S, "the public answers heard of it late"
                time.sleep(0.005)
            _, event = page.first(VISIBLE_LIMIT_S + 5)
            assert event["id"] == alert_id
            assert time.monotonic() - issued_at < VISIBLE_LIMIT_S, "the public stream heard of it late"

            deadline = time.monotonic() + DELIVERY_LIMIT_S
            while not sink.ids and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)  # a second worker, if one ran, would have sent its copy by now
            assert list(sink.ids.values()) == [1] and sink.bodies[0]["type"] == "alert.alert", sink.bodies
    finally:
        sink.close()


def test_the_relay_reads_only_issued_messages_since_its_last_look(container, api):
    """What the public process's relay publishes: issued messages after a sequence number, in
    order (drills too), never a step that did not issue (submit, approve, a refused step)."""
    head, nothing = container.public.issued_after(None)
    assert nothing == []
    alice, bob = login(api, "alice"), login(api, "bob")
    first = issue_alert(alice, bob)
    drill = issue_alert(alice, bob, status="Exercise")
    assert bob.post(f"/api/operator/alerts/{first}/approve").status_code == 409  # refused, and audited
    seq, issued = container.public.issued_after(head)
    assert issued == [first, drill] and seq > head
    assert container.public.issued_after(seq) == (seq, [])


def test_an_operator_port_that_cannot_be_used_is_refused_before_anything_starts(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        done = subprocess.run([*SAFEZONE, "serve", "--port", str(free_port()), "--operator-port", str(busy),
                               "--db", str(tmp_path / "x.db")], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"error: field '--operator-port': --operator-port {busy}: cannot listen on 127.0.0.1:{busy}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()  # refused before the database is made


def test_reports_made_on_the_public_listener_reach_the_operators_consoles_without_redis(tmp_path: Path, db_url: str,
                                                                                        sample_zones):
    setup = make_container(db_url, sample_zones, lambda: datetime.now(timezone.utc))
    cellar, metro = add_shelters(setup, CELLAR, METRO)
    setup.close()
    port = free_port()
    with serving(tmp_path, "--db", db_url, "--no-default-zones", env={"SAFEZONE_OPERATOR_PORT": str(port)}) as public:
        operator = f"http://127.0.0.1:{port}"
        wait_until_healthy(operator)
        console = Console(operator, login(httpx.Client(base_url=operator, timeout=30), "alice").token)
        console.start()
        assert console.opened.wait(10), "the console's stream did not open"

        made = time.monotonic()
        first = httpx.post(f"{public}/api/shelters/{cellar}/reports", json={"problem": "locked"}, timeout=10)
        assert first.status_code == 201, first.text
        assert console.reports(1, REPORT_LIMIT_S + 5) == [(first.json()["report"], True)]
        assert time.monotonic() - made < REPORT_LIMIT_S, "the console heard of the report late"

        again = httpx.post(f"{public}/api/shelters/{cellar}/reports", json={"problem": "locked"}, timeout=10)
        other = httpx.post(f"{public}/api/shelters/{metro}/reports", json={"problem": "full"}, timeout=10)
        assert (again.status_code, other.status_code) == (202, 201)
        assert console.reports(3, REPORT_LIMIT_S)[1:] in (
            [(first.json()["report"], False), (other.json()["report"], True)],
            [(other.json()["report"], True), (first.json()["report"], False)])  # two in one look: either order

        # One made on the operator listener itself is announced once, not twice.
        own = httpx.post(f"{operator}/api/shelters/{metro}/reports", json={"problem": "gone"}, timeout=10)
        assert own.status_code == 201
        time.sleep(1.0)
        assert console.reports(5, REPORT_LIMIT_S)[3:] == [(own.json()["report"], True)]
        console.stop.set()


def test_the_watch_announces_reports_new_or_counted_since_its_last_look(container, clock):
    """Not those there when it started (the console loads them), each change once, and a report
    counted again after it left the look-back is not called new."""
    from safezone.domain.shelter_reports import ShelterProblem
    from safezone.entrypoints.web.report_watch import ReportWatch
    from safezone.services import shelter_reports as service

    cellar, metro = add_shelters(container, CELLAR, METRO)
    watch = ReportWatch(timedelta(seconds=60))

    def report(shelter_id: int, problem: str = "locked") -> int:
        return service.report_problem(container.database, shelter_id, ShelterProblem(problem), clock()).report_id

    def look() -> list[tuple[int, bool]]:
        found = service.open_since(container.database, watch.since())
        return [(event["report"], event["new"]) for event in watch.changed(found)]

    before = report(cellar)
    assert look() == []
    first = report(metro)
    assert look() == [(first, True)] and look() == []
    clock.advance(seconds=10)
    assert report(metro) == first and report(cellar) == before
    assert look() == [(before, False), (first, False)]
    clock.advance(minutes=5)
    later = report(cellar, "full")
    assert look() == [(later, True)]
    clock.advance(seconds=1)
    assert report(metro) == first  # forgotten by the watch meanwhile: counted, not new
    assert look() == [(first, False)]

"""A real server for the pages: the assembled app under uvicorn in a thread on 127.0.0.1 (so
its live stream and the alert service share one process, as in `safezone serve`), on the
sample zones with operators and a few shelters, on SQLite and on PostgreSQL; and helpers that
drive the operator API over real HTTP."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import uvicorn

from safezone.domain.cap.times import utc_now
from safezone.entrypoints.web import create_app
from safezone.services.shelters import import_shelters
from tests.support.app import PASSWORD, api, clock, compose_body, container, make_container  # noqa: F401  (fixtures)
from tests.support.server import free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
WESTGATE = (50.5, 29.985)  # in AAA-0-1 (15 s), near its shelters
SHELTERS_CSV = """id,name,lat,lon,capacity,kind,accessible,opening
w1,School basement,50.501,29.982,120,basement,yes,24/7
w2,Metro passage,50.497,29.99,400,underground,no,05:00-23:00
e1,Eastgate shelter,50.5,30.03,80,bunker,yes,24/7
"""


class LiveServer:
    """uvicorn serving one app in a daemon thread; `stop` ends it (streams after a short grace)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                timeout_graceful_shutdown=1, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def served(db_url: str, sample_zones, tmp_path: Path) -> Iterator[LiveServer]:
    container = make_container(db_url, sample_zones, utc_now)
    csv = tmp_path / "shelters.csv"
    csv.write_text(SHELTERS_CSV, encoding="utf-8")
    import_shelters(container.database, str(csv), source="city")
    server = LiveServer(create_app(container, sweep=False)).start()
    yield server
    server.stop()
    container.close()


class Operator:
    """One operator on the real server, by bearer token."""

    def __init__(self, base: str, name: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        answer = self.client.post("/api/operator/login", json={"username": name, "password": PASSWORD})
        answer.raise_for_status()
        self.client.cookies.clear()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def post(self, url: str, json: object = None) -> dict:
        answer = self.client.post(url, json=json)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


def issue(base: str, status: str = "Actual", areas: tuple[str, ...] = ("AAA-0-1",)) -> int:
    """Compose, submit, (approve,) issue: the alert's id."""
    alice, bob = Operator(base, "alice"), Operator(base, "bob")
    alert_id = alice.post("/api/operator/alerts", compose_body(status, areas=areas))["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    if status == "Actual":
        bob.post(f"/api/operator/alerts/{alert_id}/approve")
    alice.post(f"/api/operator/alerts/{alert_id}/issue")
    return alert_id


def end(base: str, alert_id: int, how: str = "cancel") -> int:
    return Operator(base, "alice").post(f"/api/operator/alerts/{alert_id}/{how}")["id"]


def only_local(urls: list[str]) -> list[str]:
    """The requests that left 127.0.0.1 (data: and blob: URLs never leave the page)."""
    return [u for u in urls if not u.startswith(("http://127.0.0.1:", "data:", "blob:"))]

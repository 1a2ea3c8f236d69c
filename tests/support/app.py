"""The assembled application on a real database, with operators, for web and alert tests.

`Api` drives the real ASGI app in-process through httpx's ASGITransport, from plain
synchronous tests; `clock` is a settable clock the whole container reads, so expiry and
session timeouts are tested without sleeping.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import httpx
import pytest

from safezone.bootstrap import Container, Settings, assemble
from safezone.entrypoints.web import create_app
from safezone.services import accounts

PASSWORD = "correct horse battery staple"
# Who does what: alice issues, bob approves, carol may do both (and still not approve her own),
# dave administers accounts only.
OPERATORS = {"alice": ["issuer"], "bob": ["approver"], "carol": ["issuer", "approver"], "dave": ["admin"]}
START = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Api:
    """A synchronous face on an httpx.AsyncClient talking to the ASGI app in-process.

    Its event loop runs in a thread of its own, so it works whatever loop the test's thread
    may already be running (the browser fixtures keep one).
    """

    def __init__(self, app: Any, client: str = "127.0.0.1") -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        transport = httpx.ASGITransport(app=app, client=(client, 50000))
        self._client = httpx.AsyncClient(transport=transport, base_url="http://safezone.test")

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=120)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def close(self) -> None:
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@dataclass
class Session:
    """A logged-in operator using a bearer token (no cookie, so no CSRF token needed)."""

    api: Api
    name: str
    token: str
    csrf: str
    headers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.api.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.api.post(url, headers=self.headers, json=json, **kwargs)


def make_container(db_url: str, zones: Any, clock: Clock, delivery: Any = None, **settings: Any) -> Container:
    container = assemble(Settings(db=db_url, public_rate_per_minute=60_000, public_burst=10_000, **settings), clock=clock,
                         delivery=delivery)
    with container.database.unit_of_work() as uow:
        uow.zones.add(zones, activate=True)
        for name, roles in OPERATORS.items():
            accounts.add_user(uow, name, PASSWORD, roles, now=clock())
        uow.commit()
    return container


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def container(db_url: str, sample_zones: Any, clock: Clock) -> Iterator[Container]:
    built = make_container(db_url, sample_zones, clock)
    yield built
    built.close()


@pytest.fixture
def api(container: Container) -> Iterator[Api]:
    client = Api(create_app(container, sweep=False))
    yield client
    client.close()


def login(api: Api, name: str) -> Session:
    answer = api.post("/api/operator/login", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    api.cookies.clear()  # these sessions use the bearer token
    return Session(api, name, body["token"], body["csrf_token"])


def compose_body(status: str = "Actual", areas: tuple[str, ...] = ("AAA-0-1", "BBB-0-1"), **extra: Any) -> dict:
    return {"status": status, "threat": "short range", "languages": ["en", "uk", "ru"], "areas": list(areas), **extra}


def issue_alert(issuer: Session, approver: Session, areas: tuple[str, ...] = ("AAA-0-1",), status: str = "Actual",
                **extra: Any) -> int:
    """Compose, submit, approve (an Actual one) and issue an alert; its id."""
    alert_id = issuer.post("/api/operator/alerts", compose_body(status, areas=areas, **extra)).json()["alert"]["id"]
    issuer.post(f"/api/operator/alerts/{alert_id}/submit")
    if status == "Actual":
        approver.post(f"/api/operator/alerts/{alert_id}/approve")
    assert issuer.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 200
    return alert_id


def headlines(alert: dict) -> dict[str, list[str]]:
    """An alert answer's headlines by language (one per time to shelter when it spans bands)."""
    found: dict[str, list[str]] = {}
    for text in alert["texts"]:
        found.setdefault(text["language"], []).append(text["headline"])
    return found


def add_shelters(container: Container, *shelters: Any) -> list[int]:
    """Store shelters (domain `Shelter`s) in the registry; their registry ids, in order."""
    with container.database.unit_of_work() as uow:
        uow.shelters.upsert(list(shelters))
        uow.commit()
        stored = {(s.source, s.source_id): s.id for s in uow.shelters.all()}
    return [int(stored[(s.source, s.source_id)]) for s in shelters]

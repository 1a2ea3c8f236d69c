"""Operators first inside one process: while a logged-in operator's change is in flight, public
requests wait for it, at most half a second (web.operators_first).

The first tests drive `Admission` around a small ASGI app whose operator request waits until
the test lets it go, so the order of events is certain; the last ones hold a real approve on a
database lock, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

import httpx
import pytest
from sqlalchemy import create_engine, text

from safezone.entrypoints.web.admission import Admission
from safezone.entrypoints.web.operators_first import KnownSessions, OperatorsFirst
from tests.support.app import compose_body, login

KNOWN = "a-known-session-token"
CHANGE = "/api/operator/alerts/1/approve"


class Scene:
    """`Admission` with operators first around an app whose operator requests wait for `release`."""

    def __init__(self, hold_s: float = 5.0, caught_up: Callable[[], bool] | None = None) -> None:
        self.release = asyncio.Event()
        self.changing = asyncio.Event()
        self.events: list[str] = []
        self.known = KnownSessions()
        self.known.remember(KNOWN)
        self.first = OperatorsFirst(self.known, hold_s=hold_s, caught_up=caught_up)
        self.app = Admission(self._inner, limit=100, first=self.first)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://t")

    async def _inner(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["path"].startswith("/api/operator/"):
            self.changing.set()
            await self.release.wait()
        self.events.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def change(self, method: str = "POST", headers: dict[str, str] | None = None) -> asyncio.Task:
        """An operator request, started and waiting inside the app."""
        headers = {"Authorization": f"Bearer {KNOWN}"} if headers is None else headers
        task = asyncio.create_task(self.client.request(method, CHANGE, headers=headers))
        await asyncio.wait_for(self.changing.wait(), 5)
        return task

    async def reaches_app_while_change_waits(self, path: str = "/api/where?lat=50.5&lon=30") -> bool:
        """Whether a request to `path` got through while the operator request still waits."""
        request = asyncio.create_task(self.client.get(path))
        done, _ = await asyncio.wait({request}, timeout=0.3)
        return bool(done)


def test_a_public_request_waits_for_a_known_operators_change_and_goes_on_after_it():
    async def scenario() -> tuple[bool, list[str], int]:
        scene = Scene()
        change = await scene.change()
        reached = await scene.reaches_app_while_change_waits()
        holds = scene.first.holds
        scene.release.set()
        await change
        while len(scene.events) < 2:
            await asyncio.sleep(0.001)
        await scene.client.aclose()
        return reached, scene.events, holds

    reached, events, holds = asyncio.run(scenario())
    assert (reached, holds) == (False, 1)
    assert events == [CHANGE, "/api/where"]  # the change first, then the reader


@pytest.mark.parametrize("method, headers, holds", [
    ("POST", {}, False),                                                    # no session
    ("POST", {"Authorization": "Bearer someone-else"}, False),              # a token never seen to log in
    ("GET", {"Authorization": f"Bearer {KNOWN}"}, False),                   # a known operator reading
    ("POST", {"Cookie": f"safezone_session={KNOWN}"}, False),               # a cookie without its CSRF header
    ("POST", {"Cookie": f"safezone_session={KNOWN}", "X-CSRF-Token": "any"}, True),  # the console's change
    ("DELETE", {"Authorization": f"Bearer {KNOWN}"}, True),
], ids=["no session", "unknown token", "a read", "cookie without CSRF", "cookie with CSRF", "delete"])
def test_only_a_change_by_a_known_session_holds_the_public_side(method, headers, holds):
    async def scenario() -> bool:
        scene = Scene()
        change = await scene.change(method, headers)
        reached = await scene.reaches_app_while_change_waits()
        scene.release.set()
        await change
        await scene.client.aclose()
        return reached

    assert asyncio.run(scenario()) is not holds


def test_health_checks_login_and_other_operator_requests_never_wait():
    async def scenario() -> list[bool]:
        scene = Scene()
        change = await scene.change()
        reached = [await scene.reaches_app_while_change_waits(path)
                   for path in ("/healthz", "/readyz", "/metrics")]
        login_request = asyncio.create_task(scene.client.post("/api/operator/login"))
        # login is not a public request: it reaches the app (which makes every operator path wait)
        await asyncio.sleep(0.05)
        reached.append(scene.first.holds == 1 and not login_request.done())
        scene.release.set()
        await asyncio.gather(change, login_request)
        await scene.client.aclose()
        return reached

    assert asyncio.run(scenario()) == [True, True, True, True]


def test_a_hold_ends_by_itself_after_its_time_even_if_the_change_has_not():
    async def scenario() -> tuple[float, bool]:
        scene = Scene(hold_s=0.2)
        change = await scene.change()
        started = time.monotonic()
        answer = await scene.client.get("/api/alerts")
        waited = time.monotonic() - started
        still_changing = not change.done()
        scene.release.set()
        await change
        await scene.client.aclose()
        assert answer.status_code == 200
        return waited, still_changing

    waited, still_changing = asyncio.run(scenario())
    assert still_changing  # the reader went on while the change was still in flight
    assert 0.15 <= waited < 2.0  # the timer cannot fire early; generous above


def test_a_change_holds_on_after_its_answer_until_the_public_snapshot_has_caught_up():
    caught = {"up": False}

    async def scenario() -> tuple[bool, bool, list[str]]:
        scene = Scene(caught_up=lambda: caught["up"])
        change = await scene.change()
        scene.release.set()
        while CHANGE not in scene.events:  # the change has sent its answer (a server writes it out at once)...
            await asyncio.sleep(0.001)
        reached = await scene.reaches_app_while_change_waits("/api/alerts")  # ...but readers still wait
        caught["up"] = True
        answer = await change
        while len(scene.events) < 2:
            await asyncio.sleep(0.001)
        await scene.client.aclose()
        return answer.status_code == 200, reached, scene.events

    answered, reached, events = asyncio.run(scenario())
    assert answered and not reached
    assert events == [CHANGE, "/api/alerts"]


def test_a_reader_that_gives_up_while_waiting_does_not_disturb_the_others():
    async def scenario() -> list[int]:
        scene = Scene()
        change = await scene.change()
        leaving = asyncio.create_task(scene.client.get("/api/alerts"))
        staying = asyncio.create_task(scene.client.get("/api/where?lat=50.5&lon=30"))
        await asyncio.sleep(0.05)
        leaving.cancel()
        scene.release.set()
        answers = await asyncio.gather(change, staying)
        await scene.client.aclose()
        return [a.status_code for a in answers] + [scene.first.holds]

    assert asyncio.run(scenario()) == [200, 200, 0]


def test_known_sessions_forget_after_their_time_and_keep_at_most_their_number(monkeypatch):
    now = {"t": 1000.0}
    monkeypatch.setattr("safezone.entrypoints.web.operators_first.time.monotonic", lambda: now["t"])
    known = KnownSessions(known_for_s=60, at_most=2)
    known.remember("a")
    known.remember("b")
    assert known.knows("a") and known.knows("b") and not known.knows("c")
    known.remember("a")  # seen again: now the newest
    known.remember("c")  # over the number: the oldest ("b") goes
    assert (known.knows("a"), known.knows("b"), known.knows("c")) == (True, False, True)
    now["t"] += 61
    assert not known.knows("a") and not known.knows("c")
    known.remember("a")
    known.forget("a")
    assert not known.knows("a")


# -- the real app --------------------------------------------------------------------------------

def test_login_and_every_session_check_make_a_session_known_and_logout_forgets_it(api):
    known: KnownSessions = api.app.state.known_sessions
    alice = login(api, "alice")
    assert known.knows(alice.token)
    assert not known.knows("not-a-session")
    assert api.post(CHANGE, headers={"Authorization": "Bearer not-a-session"}).status_code == 401
    assert not known.knows("not-a-session")
    known.forget(alice.token)
    assert alice.get("/api/operator/me").status_code == 200  # a session check remembers it again
    assert known.knows(alice.token)
    assert alice.post("/api/operator/logout").status_code == 204
    assert not known.knows(alice.token)


def _metric(api, name: str) -> float:
    for line in api.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


def test_a_reader_waits_while_a_real_approve_waits_for_a_database_lock(api, db_url):
    """The approve is held back by another connection's lock on the alert: a public read that
    comes meanwhile waits for it, half a second at most, and is answered before the approve."""
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = alice.post("/api/operator/alerts", compose_body()).json()["alert"]["id"]
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
    held_before = _metric(api, "safezone_public_held_total")

    engine = create_engine(db_url)
    locker = engine.connect()
    if engine.dialect.name == "sqlite":
        locker.exec_driver_sql("BEGIN IMMEDIATE")  # the one write lock
    else:
        locker.begin()
        locker.execute(text("SELECT id FROM alerts WHERE id = :id FOR UPDATE"), {"id": alert_id})
    finished: dict[str, float] = {}

    def approve() -> None:
        finished["status"] = bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code
        finished["approve"] = time.monotonic()

    approving = threading.Thread(target=approve)
    started = time.monotonic()
    approving.start()
    try:
        time.sleep(0.15)  # the approve is in: it waits for the lock
        read = api.get("/api/alerts")
        finished["read"] = time.monotonic()
        assert "approve" not in finished  # the reader went on while the approve still waited
        time.sleep(0.2)
    finally:
        locker.rollback()
        locker.close()
        approving.join(timeout=60)
        engine.dispose()
    assert read.status_code == 200 and finished["status"] == 200
    assert finished["read"] - started >= 0.45  # held for the whole half second (it cannot end early)
    assert finished["read"] < finished["approve"]
    assert _metric(api, "safezone_public_held_total") == held_before + 1


def test_a_stream_of_changes_holds_the_public_side_only_as_long_as_its_credit_lasts():
    """A quarter of the time in the long run: a script sending change after change cannot keep
    the readers waiting."""
    now = {"t": 0.0}

    async def held(scene: Scene, lasting_s: float) -> bool:
        """Whether a change that lasts `lasting_s` (on the scene's clock) held a reader back."""
        scene.changing.clear()
        scene.release.clear()
        change = await scene.change()
        reached = await scene.reaches_app_while_change_waits()
        now["t"] += lasting_s
        scene.release.set()
        await change
        return not reached

    async def scenario() -> list[bool]:
        scene = Scene()
        scene.first = OperatorsFirst(scene.known, hold_s=5.0, share=0.25, credit_s=0.2, clock=lambda: now["t"])
        scene.app.first = scene.first
        found = [await held(scene, 0.3)]   # holds, and spends more than its credit
        found.append(await held(scene, 0.1))  # no credit left: goes on without holding
        now["t"] += 1.0                       # a quiet second gives a quarter of a second back
        found.append(await held(scene, 0.1))
        await scene.client.aclose()
        return found

    assert asyncio.run(scenario()) == [True, False, True]

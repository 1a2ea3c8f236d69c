"""/api/stream over real HTTP: each issued message is one event, in order, with a growing id
and the alert's public JSON; nothing unissued is on it; a client that reconnects with
Last-Event-ID gets exactly what it missed, or `resync`. /api/operator/stream tells consoles
of each workflow step and needs a session. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Iterator

import httpx
import pytest

from tests.pages.conftest import Operator, end, issue
from tests.support.app import compose_body


def _events(response: httpx.Response) -> Iterator[dict]:
    """Events as dicts (id, event, data) from a text/event-stream answer."""
    event: dict = {}
    for line in response.iter_lines():
        if not line:
            if "event" in event:
                yield event
            event = {}
        elif line.startswith("id: "):
            event["id"] = int(line[4:])
        elif line.startswith("event: "):
            event["event"] = line[7:]
        elif line.startswith("data: "):
            event["data"] = json.loads(line[6:])


def _collect(url: str, count: int, headers: dict | None = None, ready: threading.Event | None = None) -> list[dict]:
    found: list[dict] = []
    with httpx.stream("GET", url, headers=headers or {}, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        if ready is not None:
            ready.set()
        for event in _events(response):
            found.append(event)
            if len(found) == count:
                break
    return found


def _listening(url: str, count: int, headers: dict | None = None) -> tuple[threading.Thread, list[list[dict]]]:
    box: list[list[dict]] = []
    ready = threading.Event()
    thread = threading.Thread(target=lambda: box.append(_collect(url, count, headers, ready)), daemon=True)
    thread.start()
    assert ready.wait(10), "the stream did not open"
    return thread, box


def test_issued_messages_arrive_in_order_and_a_reconnect_resumes_after_its_last_event(served):
    thread, box = _listening(served.url + "/api/stream", 2)
    # A draft and a submitted alert are not public: only the issued ones are on the stream.
    alice = Operator(served.url, "alice")
    draft = alice.post("/api/operator/alerts", compose_body("Actual", areas=("BBB-0-1",)))["alert"]["id"]
    alice.post(f"/api/operator/alerts/{draft}/submit")
    alert_id = issue(served.url)
    cancel_id = end(served.url, alert_id, "cancel")
    thread.join(15)
    first, second = box[0]
    assert (first["event"], first["data"]["id"], first["data"]["status"]) == ("alert", alert_id, "Actual")
    assert [a["id"] for a in first["data"]["areas"]] == ["AAA-0-1"]
    assert first["data"]["issued_at"] and first["data"]["texts"]
    assert (second["event"], second["data"]["id"], second["data"]["follows"]) == ("cancel", cancel_id, alert_id)
    assert second["id"] == first["id"] + 1

    # Reconnecting after the first event gets the cancel it missed, then what comes next.
    thread, box = _listening(served.url + "/api/stream", 2, {"Last-Event-ID": str(first["id"])})
    later = issue(served.url, status="Exercise")
    thread.join(15)
    missed, new = box[0]
    assert (missed["id"], missed["event"]) == (second["id"], "cancel")
    assert (new["event"], new["data"]["id"], new["data"]["status"]) == ("alert", later, "Exercise")


def test_an_unknown_last_event_id_gets_a_resync(served):
    (event,) = _collect(served.url + "/api/stream", 1, {"Last-Event-ID": "not-an-id"})
    assert event["event"] == "resync" and "reload the alerts in force" in event["data"]["reason"]
    assert "id" not in event


def test_the_operator_stream_needs_a_session_and_tells_each_step(served):
    assert httpx.get(served.url + "/api/operator/stream", timeout=5).status_code == 401
    alice = Operator(served.url, "alice")
    headers = dict(alice.client.headers)
    thread, box = _listening(served.url + "/api/operator/stream", 2, headers)
    draft = alice.post("/api/operator/alerts", compose_body("Actual"))["alert"]["id"]
    alice.post(f"/api/operator/alerts/{draft}/submit")
    Operator(served.url, "bob").post(f"/api/operator/alerts/{draft}/approve")
    thread.join(15)
    assert [(e["event"], e["data"]["id"], e["data"]["state"]) for e in box[0]] == [
        ("alert.submitted", draft, "submitted"), ("alert.approved", draft, "approved")]


def test_two_cancels_at_once_put_exactly_one_cancel_on_the_stream(served):
    alert_id = issue(served.url)
    thread, box = _listening(served.url + "/api/stream", 2)
    alice, carol = Operator(served.url, "alice"), Operator(served.url, "carol")
    codes: list[int] = []

    def cancel(who: Operator) -> None:
        codes.append(who.client.post(f"/api/operator/alerts/{alert_id}/cancel").status_code)

    racers = [threading.Thread(target=cancel, args=(who,)) for who in (alice, carol)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    assert sorted(codes) == [200, 409]
    later = issue(served.url, status="Exercise")  # a marker: what came before it is all there is
    thread.join(15)
    assert [(e["event"], e["data"].get("follows")) for e in box[0]] == [("cancel", alert_id), ("alert", None)]
    assert box[0][1]["data"]["id"] == later

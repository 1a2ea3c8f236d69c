"""The fast path (`entrypoints.web.fast_reads`): the prepared public GETs answered from memory in
front of FastAPI send the very bytes and headers FastAPI's endpoints send; anything not plainly
valid, or not current in memory, goes on to FastAPI; the middlewares (request id, metrics,
security headers, rate limits) hold for both.

On SQLite and on PostgreSQL, with the change watcher running (as `safezone serve` runs it)."""

from __future__ import annotations

from typing import Iterator

import pytest

from safezone.bootstrap import Container
from safezone.entrypoints.web import create_app
from safezone.entrypoints.web.fast_reads import FastReads, plain_query
from tests.support.app import Api, issue_alert, login
from tests.web.test_change_watch import served, until

WHERE = "/api/where?lat=50.45&lon=29.99"  # in AAA-0-1, where the alert is
PATHS = (WHERE, WHERE + "&shelters=5", "/api/where?lat=-10.5&lon=170",  # outside every area
         "/api/alerts", "/api/alerts?status=Exercise", "/api/alerts.geojson", "/api/alerts.geojson?status=Actual",
         "/feeds/alerts.atom", "/feeds/exercises.atom", "/api/zones.geojson", "/api/areas.geojson")
VARIES = {"x-request-id"}  # one per request, whichever way it is answered


class Reaching:
    """Counts the requests that go past the fast path to FastAPI."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.count = 0
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        await self.app(scope, receive, send)


@pytest.fixture
def fast(container: Container) -> Iterator[tuple[Api, Reaching]]:
    """The served app, with a count of what reaches FastAPI behind its fast path."""
    for api in served(container):
        api.get("/healthz")  # builds the middleware stack
        layer = api._client._transport.app.middleware_stack  # type: ignore[attr-defined]
        while not isinstance(layer, FastReads):
            layer = layer.app
        layer.app = reaching = Reaching(layer.app)
        yield api, reaching


@pytest.fixture
def slow(container: Container) -> Iterator[Api]:
    """The same services without the fast path: every request through FastAPI."""
    api = Api(create_app(container, sweep=False, fast_reads=False))
    yield api
    api.close()


def _seen(answer) -> tuple[int, list[tuple[str, str]], bytes]:  # type: ignore[no-untyped-def]
    headers = [(k, v) for k, v in answer.headers.multi_items() if k not in VARIES]
    return answer.status_code, headers, answer.content


def _current(fast: Api, slow: Api, container: Container) -> None:
    """An alert in force, the watcher vouching, every prepared answer built (by FastAPI)."""
    issue_alert(login(fast, "alice"), login(fast, "bob"))
    assert slow.get("/api/alerts").status_code == 200  # the snapshot read
    until(lambda: container.public.fresh() is not None)
    for path in PATHS:
        assert slow.get(path).status_code == 200, path


def test_the_fast_path_sends_what_fastapi_sends_byte_for_byte(fast, slow, container):
    api, reaching = fast
    _current(api, slow, container)
    for path in PATHS:
        for headers in ({}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip, br"}):
            before = reaching.count
            mine, theirs = api.get(path, headers=headers), slow.get(path, headers=headers)
            assert reaching.count == before, f"{path} went to FastAPI"
            assert _seen(mine) == _seen(theirs), path
            assert mine.headers["x-content-type-options"] == "nosniff" and mine.headers["x-request-id"]
            again = {**headers, "If-None-Match": mine.headers["etag"]}
            assert _seen(api.get(path, headers=again)) == _seen(slow.get(path, headers=again))
            assert api.get(path, headers=again).status_code == 304
        head = api.request("HEAD", path)
        assert _seen(head)[:2] == _seen(slow.request("HEAD", path))[:2] and head.content == b""
    assert "drills" in api.get(WHERE).json() and api.get(WHERE).json()["alerts"]


def test_what_is_not_plainly_valid_or_not_in_memory_goes_on_to_fastapi(fast, slow, container, monkeypatch):
    api, reaching = fast
    _current(api, slow, container)
    for path, status in (("/api/where?lat=95&lon=29.99", 422), ("/api/where?lat=abc&lon=1", 422),
                         ("/api/where?lat=50.45&lon=29.99&shelters=0", 422), ("/api/where?lat=50.45", 422),
                         ("/api/where?lat=5e1&lon=29.99", 200), ("/api/where?lat=50.45&lon=29.99&lat=1", 200),
                         ("/api/alerts?status=System", 422), ("/api/alerts?status=Actual&page=2", 200),
                         ("/api/areas.geojson?bbox=29.9,50.4,30.1,50.5", 200), ("/api/where?lat=%2050.45&lon=1", 200)):
        before = reaching.count
        mine, theirs = api.get(path), slow.get(path)
        assert reaching.count == before + 1, path
        assert mine.status_code == status, (path, mine.text)
        assert _seen(mine) == _seen(theirs), path

    # The watcher, woken by the commit, must not vouch again before the request (a race it won
    # now and then on a loaded machine): its readings are not taken in meanwhile.
    monkeypatch.setattr(container.public, "watched", lambda *_args: None)
    with container.database.unit_of_work() as uow:  # a change this process commits: not current
        uow.changes.shelters_changed()
        uow.commit()
    before = reaching.count
    assert api.get(WHERE).status_code == 200
    assert reaching.count == before + 1


def test_the_fast_path_counts_in_the_metrics_and_the_rate_limit(fast, slow, container):
    api, _ = fast
    _current(api, slow, container)
    for _ in range(3):
        assert api.get(WHERE).status_code == 200
    metrics = api.get("/metrics").text
    assert 'safezone_http_requests_total{method="GET",route="/api/where",status="200"} 3.0' in metrics

    limiter = api._client._transport.app.state.limiters["public"]  # type: ignore[attr-defined]
    limiter._buckets["127.0.0.1"] = (-limiter.burst, limiter.clock())  # this address spent its public reads
    refused = api.get(WHERE)
    assert refused.status_code == 429 and refused.headers["retry-after"]


def test_a_plain_query_is_only_the_names_given_each_once():
    names = frozenset({"lat", "lon"})
    assert plain_query(b"", names) == {}
    assert plain_query(b"lat=1&lon=2", names) == {"lat": "1", "lon": "2"}
    for raw in (b"lat=1&lat=2", b"lat=1&x=2", b"lat", b"lat=%31", b"lat=+1", b"lat=1&"):
        assert plain_query(raw, names) is None, raw

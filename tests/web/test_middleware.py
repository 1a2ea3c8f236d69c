"""The request pipeline, in-process: plain ASGI middlewares only, HEAD on every public GET,
separate rate-limit buckets, client addresses believed only from trusted proxies (in the audit
log too), trusted hosts, the per-route body limit before authentication, and the security
headers on every answer, refusals included."""

from __future__ import annotations

from typing import Iterator

import pytest
from starlette.middleware.base import BaseHTTPMiddleware

from safezone.bootstrap import Container
from safezone.entrypoints.web import create_app
from safezone.entrypoints.web.bodylimit import limit_for
from safezone.entrypoints.web.forwarded import ForwardedClient
from safezone.entrypoints.web.ratelimit import bucket
from tests.support.app import PASSWORD, Api, issue_alert, login, make_container

SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


@pytest.fixture
def limited(sqlite_url, sample_zones, clock) -> Iterator[Container]:
    container = make_container(sqlite_url, sample_zones, clock)
    yield container
    container.close()


def app_with(container: Container, client: str = "127.0.0.1", **settings: object) -> Api:
    container.settings = type(container.settings)(**{**container.settings.__dict__, **settings})
    return Api(create_app(container, sweep=False), client=client)


def test_every_middleware_is_plain_asgi(container):
    app = create_app(container, sweep=False)
    assert app.user_middleware, "the pipeline is made of middlewares"
    for middleware in app.user_middleware:
        assert not issubclass(middleware.cls, BaseHTTPMiddleware), middleware.cls
        assert middleware.cls.__module__.startswith("safezone.entrypoints.web."), middleware.cls


def test_head_answers_every_public_get(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    schema = api.get("/openapi.json").json()
    paths = [path for path, operations in schema["paths"].items() if "get" in operations
             and bucket(path) in ("public", "health", "page")
             and path != "/api/stream"] + ["/openapi.json", "/docs", "/redoc"]  # the stream never ends: test_stream
    assert len(paths) >= 13 and "/api/where" in paths and "/readyz" in paths
    query = {"/api/where": {"lat": 50.5, "lon": 30.01}, "/api/areas/search": {"q": "gate"},
             "/api/shelters.geojson": {"bbox": "29.9,50.4,30.1,50.6"}}
    for path in paths:
        url = path.replace("{alert_id}", str(alert_id))
        got = api.get(url, params=query.get(path))
        head = api.request("HEAD", url, params=query.get(path))
        assert got.status_code == 200, (path, got.text)
        assert head.status_code == 200 and head.content == b"", path
        for name in ("content-type", "etag", "cache-control"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert api.request("HEAD", "/api/alerts/999").status_code == 404  # refusals too, without a body


def test_a_public_flood_locks_out_neither_login_nor_health(limited):
    api = app_with(limited, public_rate_per_minute=1, public_burst=5)
    try:
        codes = [api.get("/api/alerts").status_code for _ in range(8)]
        assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
        assert api.get("/healthz").status_code == 200 and api.get("/readyz").status_code == 200
        session = login(api, "alice")  # the login bucket is untouched
        assert session.get("/api/operator/me").status_code == 200  # so is the operator one
        assert api.get("/api/alerts").status_code == 429
    finally:
        api.close()


def test_the_pages_and_their_files_spend_no_tokens_of_a_shared_address(limited):
    """Many phones behind one carrier address open the page at the same minute: the page and its
    files (the same bytes for everyone) never empty the address's bucket, nor are refused by it."""
    api = app_with(limited, public_rate_per_minute=1, public_burst=3)
    try:
        files = ["/", "/drills", "/sw.js", "/static/public.js", "/static/pages.css", "/messages/uk.json",
                 "/vendor/leaflet/leaflet.js"]
        assert [api.get(path).status_code for path in files * 5] == [200] * len(files) * 5
        assert [api.get("/api/alerts").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert {api.get(path).status_code for path in files} == {200}  # an emptied bucket refuses no page
    finally:
        api.close()


def test_login_attempts_have_their_own_small_bucket(limited):
    api = app_with(limited, login_rate_per_minute=1, login_burst=3)
    try:
        wrong = {"username": "alice", "password": "not the password at all"}
        codes = [api.post("/api/operator/login", json=wrong).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        assert api.get("/api/alerts").status_code == 200  # public reads go on
    finally:
        api.close()


def _login_origins(container: Container) -> list[str | None]:
    with container.database.unit_of_work() as uow:
        return [e.details.get("from") for e in uow.audit.last(50) if e.action.startswith("login")]


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(limited):
    api = app_with(limited, client="198.51.100.9", public_rate_per_minute=1, public_burst=2)
    try:
        forged = {"X-Forwarded-For": "203.0.113.66"}
        assert api.post("/api/operator/login", json={"username": "alice", "password": PASSWORD},
                        headers=forged).status_code == 200
        assert _login_origins(limited)[-1] == "198.51.100.9"  # the forged address never reaches the audit log
        codes = [api.get("/api/alerts", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(4)]
        assert codes == [200, 200, 429, 429]
    finally:
        api.close()


def test_a_trusted_proxy_names_the_client_in_the_audit_log(limited):
    api = app_with(limited, client="10.1.2.3", trusted_proxies=("10.0.0.0/8",))
    try:
        headers = {"X-Forwarded-For": "203.0.113.66, 10.9.9.9"}  # the client, then an inner proxy of ours
        assert api.post("/api/operator/login", json={"username": "alice", "password": PASSWORD},
                        headers=headers).status_code == 200
        assert _login_origins(limited)[-1] == "203.0.113.66"
    finally:
        api.close()


@pytest.mark.parametrize("chain, client", [
    ("203.0.113.5", "203.0.113.5"),
    ("1.1.1.1, 203.0.113.5", "203.0.113.5"),  # what the client wrote left of the real hop proves nothing
    ("203.0.113.5, 10.0.0.2", "203.0.113.5"),
    ("10.0.0.3, 10.0.0.2", "10.0.0.3"),
    ("not-an-address", "10.0.0.1"),
])
def test_the_client_is_the_nearest_untrusted_hop(chain, client):
    assert ForwardedClient(None, ("10.0.0.0/8",)).client("10.0.0.1", chain) == client  # type: ignore[arg-type]


def test_unknown_hosts_are_refused_when_trusted_hosts_are_set(limited):
    api = app_with(limited, trusted_hosts=("safezone.test", "*.warn.example.org"))
    try:
        assert api.get("/api/alerts").status_code == 200  # the client's base URL is safezone.test
        assert api.get("/feeds/alerts.atom", headers={"Host": "eu.warn.example.org:8443"}).status_code == 200
        refused = api.get("/feeds/alerts.atom", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and refused.json() == {
            "error": "unknown_host", "reason": "this service does not answer for the host 'evil.example'",
            "field": "Host"}
        assert refused.headers["x-frame-options"] == "DENY"
        assert api.get("/healthz", headers={"Host": "warn.example.org.evil.example"}).status_code == 400
    finally:
        api.close()


def test_any_host_is_answered_when_none_are_set(api):
    assert api.get("/healthz", headers={"Host": "whatever.example"}).status_code == 200


def test_an_oversized_body_is_refused_before_the_login_is_checked(api):
    limit = limit_for("/api/operator/alerts")
    answer = api.post("/api/operator/alerts", content=b"{" * (limit + 1), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"] == "body_too_large"
    assert f"{limit:,} bytes" in answer.json()["reason"] and answer.headers["cache-control"] == "no-store"
    login_limit = limit_for("/api/operator/login")
    assert login_limit < limit
    big_login = api.post("/api/operator/login", json={"username": "alice", "password": "p" * login_limit})
    assert big_login.status_code == 413


def test_a_chunked_body_over_the_limit_is_refused(api):
    limit = limit_for("/api/operator/login")

    async def chunks():
        for _ in range(limit // 512 + 2):
            yield b" " * 1024

    answer = api.post("/api/operator/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "more than that" in answer.json()["reason"]


def test_refusals_carry_the_security_headers(limited):
    api = app_with(limited, public_rate_per_minute=1, public_burst=1)
    try:
        api.get("/api/alerts")
        answers = [api.get("/api/alerts"), api.get("/api/operator/me"), api.get("/api/operator/nowhere"),
                   api.post("/api/operator/alerts", content=b"x" * (limit_for("/api/operator/alerts") + 1))]
        assert [a.status_code for a in answers] == [429, 401, 404, 413]
        for answer in answers:
            assert {k: answer.headers.get(k) for k in SECURITY} == SECURITY
        assert answers[1].headers["cache-control"] == "no-store"
    finally:
        api.close()


def test_parallel_requests_never_take_more_than_the_burst(limited):
    from concurrent.futures import ThreadPoolExecutor

    api = app_with(limited, public_rate_per_minute=1, public_burst=5)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            codes = list(pool.map(lambda _: api.get("/api/alerts").status_code, range(20)))
        assert sorted(codes) == [200] * 5 + [429] * 15
    finally:
        api.close()

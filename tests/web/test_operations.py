"""Operating the service: operators first under public load (admission control), Prometheus
metrics, request ids and JSON log lines.

Metrics run on SQLite and on PostgreSQL; admission control is a property of one process."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

import httpx

from safezone.entrypoints.web.admission import Admission
from safezone.entrypoints.web.jsonlog import JsonFormatter
from tests.support.app import issue_alert, login


def test_public_requests_over_the_limit_are_shed_but_operators_and_health_checks_never_are():
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow_app(scope, receive, send):  # a real ASGI app: public reads wait until released
        if scope["path"].startswith("/api/where"):
            started.set()
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario() -> dict[str, int]:
        app = Admission(slow_app, limit=2)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        held = [asyncio.create_task(client.get("/api/where")) for _ in range(2)]
        await asyncio.wait_for(started.wait(), 5)
        while app.in_flight < 2:
            await asyncio.sleep(0.001)
        shed = await client.get("/api/alerts")
        codes = {"shed": shed.status_code, "retry_after": int(shed.headers["retry-after"])}
        assert shed.json()["error"] == "busy"
        for path in ("/api/operator/alerts/1/approve", "/api/operator/login", "/healthz", "/readyz", "/metrics"):
            codes[path] = (await client.post(path) if "operator" in path else await client.get(path)).status_code
        release.set()
        codes["held"] = min(r.status_code for r in await asyncio.gather(*held))
        codes["after"] = (await client.get("/api/alerts")).status_code
        await client.aclose()
        return codes

    codes = asyncio.run(scenario())
    assert codes == {"shed": 503, "retry_after": 1, "/api/operator/alerts/1/approve": 200, "/api/operator/login": 200,
                     "/healthz": 200, "/readyz": 200, "/metrics": 200, "held": 200, "after": 200}


def test_open_live_streams_are_not_counted_as_public_requests_in_flight():
    """A page keeps /api/stream open for as long as it is shown: a few open pages must not shed
    every other reader."""
    release = asyncio.Event()

    async def app_with_streams(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/api/stream":
            await send({"type": "http.response.body", "body": b": open\n\n", "more_body": True})
            await release.wait()
        await send({"type": "http.response.body", "body": b"ok"})

    async def scenario() -> tuple[int, int]:
        app = Admission(app_with_streams, limit=2)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        streams = [asyncio.create_task(client.get("/api/stream")) for _ in range(5)]
        await asyncio.sleep(0.05)
        read = await client.get("/api/alerts")
        in_flight = app.in_flight
        release.set()
        await asyncio.gather(*streams)
        await client.aclose()
        return read.status_code, in_flight

    assert asyncio.run(scenario()) == (200, 0)


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + ("{" if labels else " ")) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} {labels} in /metrics")


def test_metrics_count_requests_by_route_alerts_by_state_and_the_outbox(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    issue_alert(alice, bob)
    for _ in range(3):
        api.get("/api/alerts/999")  # 404, counted under its route template, not its raw path
    api.get("/no/such/path")
    api.request("HEAD", "/api/alerts/999")  # the app sees it as a GET (a copied scope): matched again
    text = api.get("/metrics").text
    assert _metric(text, "safezone_http_requests_total", route="/api/alerts/{alert_id}", method="HEAD", status="404") == 1
    assert _metric(text, "safezone_http_requests_total", route="/api/alerts/{alert_id}", method="GET", status="404") == 3
    assert _metric(text, "safezone_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert _metric(text, "safezone_http_request_seconds_count", route="/api/operator/login") == 2
    assert _metric(text, "safezone_alerts", state="issued") == 1
    assert _metric(text, "safezone_alerts", state="draft") == 0
    assert _metric(text, "safezone_outbox_depth") >= 1
    assert "/no/such/path" not in text


def test_the_request_id_is_echoed_or_made_and_is_in_the_json_log_line(api):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("safezone.web.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        given = api.get("/api/alerts", headers={"X-Request-ID": "lb-7f3a.42"})
        made = api.get("/api/alerts", headers={"X-Request-ID": "no spaces; <allowed>"})
    finally:
        logger.removeHandler(handler)
    assert given.headers["x-request-id"] == "lb-7f3a.42"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first = lines[0]
    assert first["request_id"] == "lb-7f3a.42" and first["status"] == 200 and first["route"] == "/api/alerts"
    assert first["message"] == "request" and first["level"] == "info" and first["ms"] >= 0
    assert lines[1]["request_id"] == made.headers["x-request-id"]

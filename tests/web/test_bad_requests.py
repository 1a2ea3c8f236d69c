"""Bad requests get a 4xx with a JSON reason a person can act on, never a 5xx; public answers
carry validators and cache headers; the public side is rate limited."""

from __future__ import annotations

import pytest

from safezone.entrypoints.web import create_app
from tests.support.app import Api, compose_body, login, make_container


@pytest.fixture
def alice(api):
    return login(api, "alice")


BAD_COMPOSITIONS = [
    ({"areas": ["NOPE-0-1"]}, 400, "areas"),
    ({"threat": "unknown class"}, 400, "threat"),
    ({"languages": ["xx"]}, 400, "languages"),
    ({"languages": ["en", "en"]}, 400, "languages"),
    ({"areas": []}, 400, "areas"),
    ({"status": "Real"}, 422, "status"),
    ({"lifetime_minutes": 0}, 422, "lifetime_minutes"),
    ({"texts": {"de": {"headline": "Achtung"}}}, 400, "texts"),
    ({"polygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}, 400, "polygon"),
    ({"polygon": {"type": "Polygon", "coordinates": [[[200, 0], [201, 1], [201, 0], [200, 0]]]}}, 400, "polygon"),
    ({"polygon": {"type": "Polygon", "coordinates": [["not", "numbers"]]}}, 400, "polygon"),
    ({"areas": [], "polygon": {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 10]]]}}, 400, "polygon"),
    ({"surprise": 1}, 422, "surprise"),
]
BAD_PUBLIC_REQUESTS = [
    ("/api/where?lat=91&lon=30", 422),
    ("/api/where?lat=abc&lon=30", 422),
    ("/api/where?lat=nan&lon=30", 422),
    ("/api/where?lon=30", 422),
    ("/api/alerts/0", 422),
    ("/api/alerts/99", 404),
    ("/api/alerts/99/cap.xml", 404),
    ("/api/alerts?status=Draft", 422),
    ("/api/areas.geojson?bbox=1,2,3", 400),
    ("/api/areas.geojson?bbox=a,b,c,d", 400),
    ("/api/areas.geojson?bbox=29,51,31,50", 400),  # south above north (west > east crosses the antimeridian)
    ("/nowhere", 404),
]


def test_bad_compositions_are_refused_with_the_field_at_fault(alice):
    for change, status, field in BAD_COMPOSITIONS:
        answer = alice.post("/api/operator/alerts", {**compose_body(), **change})
        assert answer.status_code == status, (change, answer.text)
        body = answer.json()
        assert body["field"] == field and body["reason"], change
    assert alice.get("/api/operator/alerts").json()["count"] == 0  # nothing was written


def test_bad_public_requests_get_a_reason(api):
    for url, status in BAD_PUBLIC_REQUESTS:
        answer = api.get(url)
        assert answer.status_code == status, (url, answer.text)
        assert answer.json()["reason"], url


def test_malformed_bodies_and_wrong_methods(api, alice):
    raw = api.post("/api/operator/alerts", content=b"{not json", headers={**alice.headers, "Content-Type": "application/json"})
    assert raw.status_code == 422 and raw.json()["reason"]
    assert api.request("DELETE", "/api/alerts").status_code == 405
    assert alice.post("/api/operator/alerts/99/submit").status_code == 404
    huge = alice.post("/api/operator/alerts/99999999999/submit")
    assert huge.status_code == 422


def test_public_reads_are_cacheable_and_revalidate(api):
    first = api.get("/api/zones.geojson")
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=300"
    assert {f["properties"]["side"] for f in first.json()["features"]} == {"AAA", "BBB"}
    again = api.get("/api/zones.geojson", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    alerts = api.get("/api/alerts")
    assert alerts.headers["cache-control"] == "public, max-age=5" and alerts.headers["etag"]
    window = api.get("/api/areas.geojson", params={"bbox": "29.95,50.0,30.05,51.0"}).json()
    assert sorted(f["id"] for f in window["features"]) == ["AAA-0-1", "BBB-0-1"]
    assert len(api.get("/api/areas.geojson").json()["features"]) == 4


def test_operator_answers_are_never_cached(api, alice):
    assert alice.get("/api/operator/alerts").headers["cache-control"] == "no-store"


def test_the_public_side_is_rate_limited(sqlite_url, sample_zones, clock):
    container = make_container(sqlite_url, sample_zones, clock)
    container.settings = type(container.settings)(db=sqlite_url, public_rate_per_minute=60, public_burst=3)
    limited = Api(create_app(container, sweep=False))
    try:
        codes = [limited.get("/api/alerts").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = limited.get("/api/alerts")
        assert int(refused.headers["retry-after"]) >= 1 and refused.json()["error"] == "rate_limited"
    finally:
        limited.close()
        container.close()

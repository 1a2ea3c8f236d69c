"""`safezone serve` as an operator runs it: a real uvicorn process on 127.0.0.1, on an empty
database (SQLite and PostgreSQL), which builds and activates the default border's zones before
it answers; then a whole Actual alert, from login to its CAP XML, over real HTTP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.server import SAFEZONE, serving


@pytest.fixture
def served(tmp_path: Path, db_url: str):
    for name, role in (("issuer1", "issuer"), ("approver1", "approver")):
        subprocess.run([*SAFEZONE, "users", "add", name, "--role", role, "--password-stdin", "--db", db_url],
                       input=f"{name} has a long password\n", text=True, check=True, capture_output=True)
    with serving(tmp_path, "--db", db_url, env={"SAFEZONE_RATE_PER_MINUTE": "6000"}) as base:
        yield base, tmp_path / "serve.log"


def test_serve_builds_the_default_zones_and_answers_over_http(served):
    base, log = served
    printed = log.read_text()
    assert "building the RUS-UKR zones" in printed and "is active" in printed
    # Sumy, about 30 km from the border.
    here = httpx.get(f"{base}/api/where", params={"lat": 50.9174, "lon": 34.7991}, timeout=30).json()
    assert here["inside"] and here["area"]["side"] == "UKR" and here["time_to_shelter_s"] is not None
    assert here["alerts"] == [] and here["zone_set_version"] == 1
    schema = httpx.get(f"{base}/openapi.json", timeout=10).json()
    assert "/api/where" in schema["paths"] and "/api/operator/alerts/{alert_id}/approve" in schema["paths"]
    assert httpx.get(f"{base}/api/alerts", timeout=10).json()["count"] == 0
    refused = httpx.post(f"{base}/api/operator/alerts", json={}, timeout=10)
    assert refused.status_code == 401


def test_an_actual_alert_goes_from_login_to_valid_cap_over_http(served):
    from safezone.adapters.cap_xml import check

    base, _ = served
    client = httpx.Client(base_url=base, timeout=30)

    def session(name: str) -> dict:
        answer = client.post("/api/operator/login", json={"username": name, "password": f"{name} has a long password"})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    issuer, approver = session("issuer1"), session("approver1")
    drawn = {"type": "Polygon", "coordinates": [[[34.7, 50.85], [34.9, 50.85], [34.9, 50.98], [34.7, 50.98], [34.7, 50.85]]]}
    composed = client.post("/api/operator/alerts", headers=issuer,
                           json={"status": "Actual", "threat": "short range", "polygon": drawn}).json()
    alert_id = composed["alert"]["id"]
    assert composed["population"] > 200_000  # Sumy lies inside the drawn square
    assert client.post(f"/api/operator/alerts/{alert_id}/submit", headers=issuer).status_code == 200
    assert client.post(f"/api/operator/alerts/{alert_id}/approve", headers=issuer).status_code == 403
    assert client.post(f"/api/operator/alerts/{alert_id}/approve", headers=approver).status_code == 200
    issued = client.post(f"/api/operator/alerts/{alert_id}/issue", headers=issuer).json()
    assert issued["state"] == "issued" and issued["in_force"]
    here = client.get("/api/where", params={"lat": 50.9174, "lon": 34.7991}).json()
    assert [a["id"] for a in here["alerts"]] == [alert_id]
    cap = client.get(f"/api/alerts/{alert_id}/cap.xml")
    result = check(cap.content)
    assert result.ok, result.errors
    assert result.alert.status.value == "Actual"
    assert f"/api/alerts/{alert_id}/cap.xml" in client.get("/feeds/alerts.atom").text

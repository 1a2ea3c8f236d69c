"""`safezone effectiveness` and /api/operator/effectiveness: the figures of the matching story
(tests/incidents/test_matching.py), by hand: 10 incidents, 4 warned in time, 1 late, 5 not
warned; Actual alerts A (with its Update U), B and C, of which C had no incident."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from safezone.entrypoints.cli import main
from tests.incidents.test_matching import CASES, _record, alerts  # noqa: F401  (fixture)
from tests.support.browser import chromium, page  # noqa: F401  (fixtures)

WINDOW = {"from": "2026-11-27", "to": "2026-11-28"}


@pytest.fixture
def recorded(api, alerts, analyst):  # noqa: F811
    for moment, lon, *_ in CASES.values():
        _record(analyst, moment, lon)
    return alerts


def _expected_total(body):
    assert body["total"] == {"incidents": 10, "warned in time": 4, "warned late": 1, "not warned": 5,
                             "share_warned_in_time": 0.4}


def test_the_api_gives_the_hand_computed_figures(api, recorded, analyst):
    body = analyst.get("/api/operator/effectiveness", params=WINDOW).json()
    _expected_total(body)
    assert body["median_lead_time_s"] == 300  # leads 300, 300, 1200, 10, 300
    assert body["alerts"] == 3 and body["alerts_without_incident"] == [recorded["C"]]
    assert {b["band"]: b["incidents"] for b in body["by_band"]} == {0: 8, 1: 2}
    assert {a["area_id"]: (a["warned in time"], a["not warned"]) for a in body["by_area"]} == {
        "AAA-0-1": (3, 3), "AAA-1-1": (1, 0), "BBB-0-1": (0, 1), "BBB-1-1": (0, 1)}
    assert [(w["week"], w["incidents"]) for w in body["by_week"]] == [("2026-11-23", 10)]
    alice = api.post("/api/operator/login", json={"username": "alice", "password": "correct horse battery staple"})
    refused = api.get("/api/operator/effectiveness", headers={"Authorization": f"Bearer {alice.json()['token']}"})
    assert refused.status_code == 403


def test_the_command_writes_html_json_and_csv_with_the_same_figures(container, recorded, tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["effectiveness", "--from", WINDOW["from"], "--to", WINDOW["to"], "--out", str(out),
                                       "--db", container.settings.db])
    assert result.exit_code == 0, result.output
    assert "10 incident(s), 40 % warned in time" in result.output
    _expected_total(json.loads((out / "effectiveness.json").read_text(encoding="utf-8")))
    data = (out / "effectiveness.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 10 and sum(r["verdict"] == "warned late" for r in rows) == 1
    html = (out / "effectiveness.html").read_text(encoding="utf-8")
    assert html.index("40 %") < html.index("<svg")  # the headline comes first
    bad = CliRunner().invoke(main, ["effectiveness", "--from", "2026-11-28", "--to", "2026-11-27", "--out", str(out),
                                    "--db", container.settings.db])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@pytest.mark.browser
def test_the_page_renders_in_chromium_with_no_request_to_anywhere(container, recorded, tmp_path, page):  # noqa: F811
    out = tmp_path / "report"
    CliRunner().invoke(main, ["effectiveness", "--from", WINDOW["from"], "--to", WINDOW["to"], "--out", str(out),
                              "--db", container.settings.db])
    page.goto((out / "effectiveness.html").as_uri())
    assert "40 %" in page.inner_text("header")
    assert page.locator("svg.map circle").count() == 10
    assert page.locator("svg.map circle[fill='#fdae61']").count() == 1  # the late one
    assert page.locator("svg.scatter circle").count() == 5
    box = page.locator("svg.map").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200
    assert all(url.startswith("file://") for url in page.requests), page.requests

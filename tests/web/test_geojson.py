"""GeoJSON as RFC 7946 wants it, in every answer and every file safezone writes: exterior rings
counter-clockwise and holes clockwise (§3.1.6), and map windows that cross the antimeridian
(§5.2: west > east). Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace

import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, box, shape
from shapely.geometry.polygon import orient

from safezone.domain.threats import Band
from safezone.domain.zones import AlertArea, Side, ZoneSet
from safezone.entrypoints.cli import main
from tests.support.app import compose_body, login


def rings(geometry: dict):
    """(ring, is exterior) for every ring of every polygon in a GeoJSON geometry."""
    parsed = shape(geometry)
    for polygon in shapely.get_parts(parsed):
        if polygon.geom_type != "Polygon":
            continue
        yield polygon.exterior, True
        for hole in polygon.interiors:
            yield hole, False


def assert_rfc7946_winding(collection: dict) -> int:
    """Every exterior ring counter-clockwise (positive signed area), every hole clockwise;
    returns how many rings were checked, so a test knows it checked something."""
    checked = 0
    for feature in collection["features"]:
        for ring, exterior in rings(feature["geometry"]):
            assert ring.is_ccw == exterior, (feature.get("id"), "exterior" if exterior else "hole", "wound wrong")
            checked += 1
    return checked


def _clockwise_zones_with_a_hole(zones: ZoneSet) -> ZoneSet:
    """The sample zone set as a build leaves it (clockwise rings), one area with an enclave."""
    enclave = box(30.01, 50.4, 30.03, 50.6)
    areas = []
    for area in zones.areas:
        geometry = area.geometry.difference(enclave) if area.id == "BBB-0-1" else area.geometry
        areas.append(replace(area, geometry=orient(geometry, sign=-1.0)))
    areas.append(AlertArea("BBB-0-2", "Enclave", "BBB", 0, 0.0, 5.0, 15, orient(enclave, sign=-1.0), ()))
    return replace(zones, areas=areas)


def test_every_geojson_answer_is_wound_counter_clockwise_with_clockwise_holes(api, container, sample_zones):
    with container.database.unit_of_work() as uow:
        uow.zones.add(_clockwise_zones_with_a_hole(sample_zones), activate=True)
        uow.commit()
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = alice.post("/api/operator/alerts", compose_body(areas=("AAA-0-1", "BBB-0-1"))).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    bob.post(f"/api/operator/alerts/{alert_id}/approve")
    alice.post(f"/api/operator/alerts/{alert_id}/issue")

    holes = 0
    for path in ("/api/zones.geojson", "/api/areas.geojson", "/api/areas.geojson?bbox=29.9,50.3,30.1,50.7",
                 "/api/alerts.geojson"):
        collection = api.get(path).json()
        assert assert_rfc7946_winding(collection) >= 1, path
        holes += sum(not exterior for f in collection["features"] for _, exterior in rings(f["geometry"]))
    assert holes >= 3  # the enclave's hole in the areas (twice) and in the alert


def test_a_window_across_the_antimeridian_is_two_boxes(api, container):
    bands = (Band(0, 0.0, 5.0, 15, (("rockets", 15),)),)
    areas = [AlertArea("EEE-0-1", "East of the line", "EEE", 0, 0.0, 5.0, 15, box(179.6, -17.5, 180.0, -17.0), ()),
             AlertArea("WWW-0-1", "West of the line", "WWW", 0, 0.0, 5.0, 15, box(-180.0, -17.5, -179.6, -17.0), ()),
             AlertArea("WWW-0-2", "Far from the line", "WWW", 0, 0.0, 5.0, 15, box(-170.0, -17.5, -169.6, -17.0), ())]
    zones = ZoneSet("Dateline", LineString([(180.0, -18.0), (180.0, -16.0)]),
                    (Side("EEE", "East", box(179.0, -18, 180, -16)), Side("WWW", "West", box(-180, -18, -179, -16))),
                    bands, areas, {})
    with container.database.unit_of_work() as uow:
        uow.zones.add(zones, activate=True)
        uow.commit()

    across = api.get("/api/areas.geojson", params={"bbox": "179.5,-18,-179.5,-16"})
    assert across.status_code == 200, across.text
    assert sorted(f["id"] for f in across.json()["features"]) == ["EEE-0-1", "WWW-0-1"]
    assert_rfc7946_winding(across.json())
    plain = api.get("/api/areas.geojson", params={"bbox": "-171,-18,-169,-16"}).json()
    assert [f["id"] for f in plain["features"]] == ["WWW-0-2"]
    upside_down = api.get("/api/areas.geojson", params={"bbox": "179.5,-16,-179.5,-18"})
    assert upside_down.status_code == 400 and upside_down.json()["field"] == "bbox"


def test_the_zones_file_a_build_writes_is_wound_right(tmp_path):
    line = {"type": "LineString", "coordinates": [[10.0, 50.0], [10.0, 51.0]]}
    files = {"line.geojson": line, "west.geojson": shapely.geometry.mapping(box(9.0, 50.0, 10.0, 51.0)),
             "east.geojson": shapely.geometry.mapping(box(10.0, 50.0, 11.0, 51.0))}
    for name, geometry in files.items():
        feature = {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
        (tmp_path / name).write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (tmp_path / "threats.toml").write_text('[[threat]]\nname = "x"\nmax_range_km = 15\nwarning = { table = [[5, 0]] }\n')
    result = CliRunner().invoke(main, [
        "zones", "build", "--border-file", str(tmp_path / "line.geojson"),
        "--territory", str(tmp_path / "west.geojson"), "--territory", str(tmp_path / "east.geojson"),
        "--threats", str(tmp_path / "threats.toml"), "--out", str(tmp_path / "out"), "--quiet",
        "--db", str(tmp_path / "safezone.db")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert assert_rfc7946_winding(json.loads((tmp_path / "out" / "zones.geojson").read_text())) > 10

"""`safezone zones build` and `safezone zones where`, as an operator uses them."""

from __future__ import annotations

import csv
import json

import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safezone.adapters.geodata.border_sources import from_files
from safezone.adapters.config.threats import load_threats
from safezone.domain.settlements import SettlementIndex
from safezone.domain.zones import Settlement
from safezone.entrypoints.cli import main
from safezone.services.zones import build_zones
from tests.zones.conftest import write_geojson


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def database_in_tmp(tmp_path, monkeypatch):
    """Commands that store use a database of the test's own, never one in the working folder."""
    monkeypatch.setenv("SAFEZONE_DB", str(tmp_path / "safezone.db"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("zones")
    result = run("zones", "build", "--border", "UKR-RUS", "--out", str(out), "--db", str(out / "safezone.db"))
    assert result.exit_code == 0, result.output
    return out, result


def test_build_writes_areas_summary_and_map(built):
    out, result = built
    areas = json.loads((out / "zones.geojson").read_text())
    assert areas["type"] == "FeatureCollection"
    assert len(areas["features"]) > 5000
    first = areas["features"][0]["properties"]
    assert {"id", "name", "side", "band", "min_km", "max_km", "time_to_shelter_s", "population", "settlements"} <= set(first)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["population"] == sum(f["properties"]["population"] for f in areas["features"])
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert {r["side"] for r in rows} == {"RUS", "UKR"}
    assert sum(int(r["population"]) for r in rows) == summary["totals"]["population"]
    page = (out / "map.html").read_text()
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    # The table printed for a person carries the same totals.
    assert f"{summary['totals']['population']:,}" in result.output


def test_where_answers_area_band_distance_and_time(built):
    out, _ = built
    result = run("zones", "where", "50.91741", "34.79906", "--zones", str(out / "zones.geojson"))
    assert result.exit_code == 0
    assert "Area: Sumy" in result.output and "Time to shelter: 45 s" in result.output
    answer = json.loads(run("zones", "where", "50.91741", "34.79906", "--zones", str(out / "zones.geojson"), "--json").output)
    assert answer["side"] == "UKR" and answer["time_to_shelter_s"] == 45 and 20 <= answer["distance_km"] < 35


def test_build_stores_a_new_active_version_that_where_reads(built):
    out, result = built
    assert "Stored as zone set version 1 (active)" in result.output
    db = str(out / "safezone.db")
    answer = json.loads(run("zones", "where", "50.91741", "34.79906", "--db", db, "--json").output)
    assert answer["area_name"] == "Sumy" and answer["time_to_shelter_s"] == 45


def test_where_without_zones_says_to_build_them(tmp_path):
    from safezone.adapters.db import Database

    Database(f"sqlite:///{tmp_path / 'empty.db'}").close()  # a database, but no zones in it
    result = run("zones", "where", "50.9", "34.8", "--db", str(tmp_path / "empty.db"))
    assert result.exit_code == 2 and "no active zone set" in result.output


def test_where_refuses_impossible_coordinates(built):
    out, _ = built
    result = run("zones", "where", "95", "34.8", "--zones", str(out / "zones.geojson"))
    assert result.exit_code == 2 and "latitude 95.0 is outside" in result.output


def test_where_says_outside_every_zone(built):
    out, _ = built
    result = run("zones", "where", "48.8566", "2.3522", "--zones", str(out / "zones.geojson"))
    assert result.exit_code == 0
    assert result.output.startswith("Outside every zone")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--border", "RUS-UKX"], "unknown country code 'UKX'"),
        (["--border", "RUSUKR"], "expected two ISO 3166 alpha-3 codes"),
        (["--border", "FRA-UKR"], "share no land border"),
        (["--border", "RUS-UKR", "--side", "POL"], "side must be RUS, UKR or both"),
        (["--area-km", "-3"], "--area-km must be between"),
    ],
)
def test_bad_border_input_is_refused_and_nothing_is_written(tmp_path, args, message):
    out = tmp_path / "out"
    result = run("zones", "build", "--out", str(out), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()
    assert not (tmp_path / "safezone.db").exists()


def test_unknown_codes_come_with_suggestions(tmp_path):
    result = run("zones", "build", "--border", "RUS-UKX", "--out", str(tmp_path / "o"))
    assert "did you mean UKR (Ukraine)" in result.output


def threats_file(tmp_path, max_range):
    path = tmp_path / "threats.toml"
    path.write_text(f'[[threat]]\nname = "x"\nmax_range_km = {max_range}\nwarning = {{ table = [[5, 0]] }}\n')
    return path


@pytest.mark.parametrize("max_range,message", [(-10, "must be > 0 km"), (40000, "absurd")])
def test_a_negative_or_absurd_range_is_refused(tmp_path, max_range, message):
    result = run("zones", "build", "--threats", str(threats_file(tmp_path, max_range)), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "o").exists()


def test_a_border_from_files(small_border_files, tmp_path):
    line, west, east = small_border_files
    out = tmp_path / "o"
    result = run(
        "zones", "build", "--border-file", str(line), "--territory", str(west), "--territory", str(east),
        "--threats", str(threats_file(tmp_path, 20)), "--out", str(out), "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert "Stored as zone set version 1 (active)" in result.output
    areas = json.loads((out / "zones.geojson").read_text())["features"]
    assert {f["properties"]["side"] for f in areas} == {"WEST", "EAST"}
    # 20 km at 50.5°N is about 0.28° of longitude: nothing reaches beyond 0.3°.
    for feature in areas:
        lon = [c[0] for c in shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))]
        assert 9.7 < min(lon) and max(lon) < 10.3


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "the file is empty"),
        ("{not json", "not a readable GeoJSON"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
    ],
)
def test_malformed_or_empty_border_files_are_refused(small_border_files, tmp_path, content, message):
    _, west, _ = small_border_files
    bad = tmp_path / "bad.geojson"
    bad.write_text(content)
    result = run("zones", "build", "--border-file", str(bad), "--territory", str(west), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and message in result.output and str(bad) in result.output
    assert not (tmp_path / "o").exists()


def test_a_polygon_given_as_the_border_line_is_refused(small_border_files, tmp_path):
    _, west, east = small_border_files
    result = run("zones", "build", "--border-file", str(west), "--territory", str(east), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "expected a LineString" in result.output


def test_a_territory_that_does_not_touch_the_border_is_refused(small_border_files, tmp_path):
    line, _, _ = small_border_files
    far = write_geojson(tmp_path / "far.geojson", [shapely.box(12.0, 50.0, 13.0, 51.0)])
    result = run("zones", "build", "--border-file", str(line), "--territory", str(far), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "does not touch the border" in result.output
    assert not (tmp_path / "o").exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lon=st.floats(min_value=-170, max_value=170),
    lat=st.floats(min_value=-60, max_value=60),
    shift=st.floats(min_value=0.0, max_value=0.3),
)
def test_ids_are_stable_and_unique_for_any_border(tmp_path, lon, lat, shift):
    """Two builds of the same input give the same ids; ids never repeat."""
    line = write_geojson(tmp_path / "l.geojson", [shapely.LineString([(lon, lat), (lon + shift, lat + 0.5)])])
    west = write_geojson(tmp_path / "w.geojson", [shapely.Polygon([(lon, lat), (lon + shift, lat + 0.5), (lon - 1, lat + 0.5), (lon - 1, lat)])])
    border = from_files(line, [west])
    threats = load_threats(threats_file(tmp_path, 15)).threats
    places = SettlementIndex.from_settlements(
        [Settlement(1, "A", lat + 0.1, lon - 0.05, 900, "XX"), Settlement(2, "B", lat + 0.3, lon - 0.5, 700, "XX")]
    )
    first = build_zones(border, threats, places, area_km=7)
    second = build_zones(border, threats, places, area_km=7)
    assert [a.id for a in first.areas] == [a.id for a in second.areas]
    assert len({a.id for a in first.areas}) == len(first.areas) > 0
    assert sum(a.population for a in first.areas) <= 1600


def test_a_cell_overlapping_two_parts_of_a_side_gives_one_area(tmp_path):
    """Taganrog Bay splits the 5–20 km band of Russia in two parts that share cells."""
    from collections import Counter

    from safezone.adapters.geodata import geonames
    from safezone.adapters.geodata.border_sources import from_country_pair

    path = tmp_path / "threats.toml"
    path.write_text('[[threat]]\nname = "x"\nmax_range_km = 20\nwarning = { table = [[5, 0], [20, 30]] }\n')
    zones = build_zones(from_country_pair("RUS-UKR"), load_threats(path).threats, geonames.load_settlements())
    repeated = [i for i, n in Counter(a.id for a in zones.areas).items() if n > 1]
    assert repeated == []


def test_one_protected_side_only(tmp_path):
    out = tmp_path / "o"
    threats = threats_file(tmp_path, 10)
    result = run("zones", "build", "--border", "RUS-UKR", "--side", "ukr", "--threats", str(threats), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    features = json.loads((out / "zones.geojson").read_text())["features"]
    assert features and {f["properties"]["side"] for f in features} == {"UKR"}


def test_a_border_from_geopackage_files(tmp_path):
    """GeoPackage in, in a projected CRS (UTM 32N): the file's CRS is honoured."""
    import numpy as np
    import pyogrio.raw
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True)

    def utm(geometry):
        return shapely.transform(geometry, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))

    def write(path, geometry, kind):
        pyogrio.raw.write(
            str(path), geometry=np.array([shapely.to_wkb(utm(geometry))], dtype=object), field_data=[], fields=[],
            geometry_type=kind, crs="EPSG:32632", driver="GPKG",
        )
        return path

    line = write(tmp_path / "line.gpkg", shapely.LineString([(10.0, 50.0), (10.0, 51.0)]), "LineString")
    west = write(tmp_path / "west.gpkg", shapely.box(9.0, 50.0, 10.0, 51.0), "Polygon")
    out = tmp_path / "o"
    result = run("zones", "build", "--border-file", str(line), "--territory", str(west),
                 "--threats", str(threats_file(tmp_path, 10)), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    features = json.loads((out / "zones.geojson").read_text())["features"]
    lon = shapely.get_coordinates(shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features]))[:, 0]
    # 10 km west of 10°E at 50.5°N is about 0.14°: back in degrees, and on the west side only.
    assert 9.84 < lon.min() < 9.87 and lon.max() <= 10.0 + 1e-6


@pytest.mark.parametrize(
    "command",
    [["zones", "where", "50.9", "34.8"], ["shelters", "nearest", "50.9", "34.8"], ["report", "--out", "o"], ["audit", "verify"]],
)
def test_reading_commands_leave_no_database_behind_on_a_wrong_path(tmp_path, command):
    missing = tmp_path / "typo.db"
    result = run(*command, "--db", str(missing))
    assert result.exit_code == 2 and f"there is no database at {missing}" in result.output
    assert not missing.exists()

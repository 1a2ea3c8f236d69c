"""`safezone incidents add|import|list|assess`: every bad row by file and line, nothing
half-imported, audited; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from click.testing import CliRunner

from safezone.adapters.db import Database
from safezone.entrypoints.cli import main

GOOD = ("time,lat,lon,kind,confidence,source,note\n"
        "2026-11-27T12:05:00Z,50.5,29.99,impact,confirmed,police,Школа\n"
        "2026-11-27T12:06:00Z,50.6,30.01,debris,probable,residents,\n")
BAD = ("time,lat,lon,kind,confidence,source\n"
       "2026-11-27T12:05:00Z,50.5,29.99,impact,confirmed,police\n"
       "2026-11-27T12:05:00,50.5,29.99,impact,confirmed,police\n"
       "2026-11-27T12:05:00Z,50.5,east,impact,confirmed,police\n"
       "2026-11-27T12:05:00Z,50.5,29.99,strike,confirmed,police\n"
       "2026-11-27T12:05:00Z,50.5,29.99\n")
POLYGON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[29.95, 50.4], [29.98, 50.4], [29.98, 50.45],
                                                                          [29.95, 50.45], [29.95, 50.4]]]},
     "properties": {"time": "2026-11-27T12:07:00Z", "kind": "damage reported", "confidence": "unverified",
                    "source": "social media"}},
    {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[29.9, 50.1], [29.95, 50.1]]},
     "properties": {"time": "2026-11-27T12:07:00Z", "kind": "other", "confidence": "unverified", "source": "x"}},
]}


class _Result:
    """The command's outcome, its output with rich's line wrapping undone."""

    def __init__(self, result) -> None:
        self.exit_code = result.exit_code
        self.output = result.output
        self.text = " ".join(result.output.split())


def _run(*args: str) -> _Result:
    return _Result(CliRunner(env={"COLUMNS": "1000"}).invoke(main, ["incidents", *args]))


def test_a_good_file_is_imported_assessed_and_audited(tmp_path, db_url):
    path = tmp_path / "reports.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = _run("import", str(path), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "2 incident(s) recorded; 2 not warned" in result.output
    listed = _run("list", "--db", db_url)
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["kind"], r["source"], r["assessment"]["verdict"]) for r in rows] == [
        ("impact", "police", "not warned"), ("debris", "residents", "not warned")]
    with Database.open(db_url) as db, db.unit_of_work(read_only=True) as uow:
        entry = uow.audit.last(1)[0]
        assert (entry.actor, entry.action, entry.details["count"]) == ("command-line", "incident.imported", 2)


def test_every_bad_row_is_named_by_file_line_and_field_and_nothing_is_imported(tmp_path, db_url):
    path = tmp_path / "reports.csv"
    path.write_text(BAD, encoding="utf-8")
    result = _run("import", str(path), "--db", db_url)
    assert result.exit_code == 2
    for line, field in ((3, "time"), (4, "lon"), (5, "kind")):
        assert f"{path}, line {line}, field '{field}'" in result.text
    assert f"{path}, line 6: the row has 3 fields, the header has 6" in result.text
    assert "nothing imported" in result.text
    with Database.open(db_url) as db, db.unit_of_work(read_only=True) as uow:
        assert uow.incidents.count() == 0
    skipped = _run("import", str(path), "--db", db_url, "--skip-bad")
    assert skipped.exit_code == 0 and "1 incident(s) recorded" in skipped.output


def test_geojson_keeps_a_polygon_and_names_a_bad_feature(tmp_path, db_url):
    path = tmp_path / "reports.geojson"
    path.write_text(json.dumps(POLYGON), encoding="utf-8")
    result = _run("import", str(path), "--db", db_url)
    assert result.exit_code == 2 and "features[1].properties.geometry" in result.text
    assert "cannot be an incident's place" in result.text
    assert _run("import", str(path), "--db", db_url, "--skip-bad").exit_code == 0
    rows = [json.loads(line) for line in _run("list", "--db", db_url).output.splitlines()]
    assert len(rows) == 1 and rows[0]["place"].startswith("POLYGON")


def test_add_and_assess_from_the_command_line(tmp_path, db_url):
    added = _run("add", "--time", "2026-11-27T12:05:00Z", "--lat", "50.5", "--lon", "29.99", "--kind", "impact",
                 "--confidence", "confirmed", "--source", "police", "--db", db_url)
    assert added.exit_code == 0, added.output
    assert "not warned" in added.output
    assessed = _run("assess", "--db", db_url)
    assert assessed.exit_code == 0 and "1 incident(s) assessed: 1 not warned" in assessed.output
    bad = _run("add", "--time", "soon", "--lat", "50.5", "--lon", "29.99", "--kind", "impact",
               "--confidence", "confirmed", "--source", "police", "--db", db_url)
    assert bad.exit_code == 2 and "field 'time'" in bad.text and "Traceback" not in bad.output

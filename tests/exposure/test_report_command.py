"""`safezone report`: three files a person and a program can read, from the database alone."""

from __future__ import annotations

import csv
import io
import json
import re

from click.testing import CliRunner

from safezone.adapters.db import Database
from safezone.domain.shelters import Shelter
from safezone.entrypoints.cli import main


def stock(url, zones):
    with Database(url) as db, db.unit_of_work() as uow:
        uow.zones.add(zones, activate=True)
        uow.shelters.upsert([Shelter("test", "w", "Westgate cellar", 50.50004, 29.98, 500),
                             Shelter("test", "e", "Eastgate metro", 50.50009, 30.02, 4000)])
        uow.commit()


def test_the_report_writes_html_json_and_csv_that_agree(tmp_path, sample_zones):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    stock(url, sample_zones)
    result = CliRunner().invoke(main, ["report", "--db", url, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "32,000 of 36,600 people can reach a shelter in time (87 %)" in result.output
    data = json.loads((tmp_path / "out" / "exposure.json").read_text())
    assert data["total"]["reachable_population"] == 32000 and data["total"]["coverage"] == round(32000 / 36600, 4)
    assert {a["id"] for a in data["areas"]} == {"AAA-0-1", "AAA-1-1", "BBB-0-1", "BBB-1-1"}
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "exposure.csv").read_text())))
    assert [r["level"] for r in rows].count("area") == 4
    assert next(r for r in rows if r["level"] == "total")["population"] == "36600"
    page = (tmp_path / "out" / "exposure.html").read_text()
    # The first thing a reader sees: how many people are out of reach.
    assert re.search(r"class='headline'><b>4,600</b> of 36,600 people", page)
    assert "Far West" in page and page.index("Far West") < page.index("Eastgate</td>")  # worst first
    assert "<svg" in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # no network


def test_without_an_active_zone_set_the_report_says_what_to_do(tmp_path):
    Database(f"sqlite:///{tmp_path / 'empty.db'}").close()  # a database, but no zones in it
    result = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "empty.db"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no active zone set in the database" in result.output
    assert not (tmp_path / "out").exists()

"""`safezone shelters import`: clear messages, exit codes, and the database named by --db or SAFEZONE_DB."""

from __future__ import annotations

from click.testing import CliRunner

from safezone.adapters.db import Database
from safezone.entrypoints.cli import main

GOOD = "id,name,lat,lon,capacity\n1,School,50.0,36.2,100\n2,Metro,50.01,36.21,2000\n"
BAD = "id,name,lat,lon,capacity\n1,School,50.0,36.2,100\n2,Metro,50.01,east,2000\n"


def test_import_reports_counts_and_uses_SAFEZONE_DB(tmp_path, monkeypatch):
    (tmp_path / "city.csv").write_text(GOOD)
    monkeypatch.setenv("SAFEZONE_DB", str(tmp_path / "env.db"))
    result = CliRunner().invoke(main, ["shelters", "import", str(tmp_path / "city.csv")])
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated, 0 unchanged shelter(s) from source 'city'" in result.output
    with Database.open(str(tmp_path / "env.db")) as db, db.unit_of_work() as uow:
        assert uow.shelters.count("city") == 2


def test_a_bad_file_exits_2_naming_file_line_and_field_and_writes_nothing(tmp_path):
    path = tmp_path / "city.csv"
    path.write_text(BAD)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(main, ["shelters", "import", str(path), "--db", url])
    assert result.exit_code == 2
    assert f"{path}, line 3, field 'lon': lon 'east' is not a number" in result.output
    assert "nothing was imported" in result.output
    with Database(url) as db, db.unit_of_work() as uow:
        assert uow.shelters.count() == 0
    skipped = CliRunner().invoke(main, ["shelters", "import", str(path), "--db", url, "--skip-bad"])
    assert skipped.exit_code == 0 and "1 bad row(s) skipped" in skipped.output


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    (tmp_path / "city.csv").write_text(GOOD)
    result = CliRunner().invoke(main, ["shelters", "import", str(tmp_path / "city.csv"),
                                       "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 2
    assert "cannot open the database postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output

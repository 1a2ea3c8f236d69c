"""`shelters import --replace`: the file becomes the whole source, and nothing is withdrawn by mistake.

Shelters the file no longer lists are withdrawn by the import run (kept as history, out of
every answer), never deleted; a shelter named by a bad row is never withdrawn; a failure at
any point leaves the registry as it was.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from safezone.adapters.db import Database
from safezone.domain.errors import InputError
from safezone.domain.shelters import ReplaceRefused
from safezone.entrypoints.cli import main
from safezone.services.shelters import import_shelters

HEADER = "id,name,lat,lon,capacity\n"
FIRST = HEADER + "a,Alpha,50.001,36.23,100\nb,Bravo,50.002,36.23,200\nc,Charlie,50.003,36.23,300\n"
# a: unchanged, b: capacity changed, c: gone, d: new.
SECOND = HEADER + "a,Alpha,50.001,36.23,100\nb,Bravo,50.002,36.23,250\nd,Delta,50.004,36.23,400\n"


def write(tmp_path, text_: str, name: str) -> str:
    path = tmp_path / name
    path.write_text(text_, encoding="utf-8")
    return str(path)


def snapshot(db: Database) -> dict:
    """Every stored shelter, withdrawn or not, as plain values: two snapshots compare whole."""
    with db.unit_of_work() as uow:
        rows = uow.shelters.all() + uow.shelters.all(withdrawn=True)
        applied = [r for r in uow.imports.recent(limit=100) if r.status == "applied"]
    return {"shelters": sorted((s.source, s.source_id, s.name, s.capacity, s.withdrawn_by) for s in rows),
            "applied runs": len(applied)}


@pytest.fixture
def city(db_url, tmp_path):
    """A registry holding source 'city' (a, b, c) and, beside it, source 'ngo' (x)."""
    with Database(db_url) as db:
        import_shelters(db, write(tmp_path, FIRST, "first.csv"), source="city")
        import_shelters(db, write(tmp_path, HEADER + "x,Xray,50.01,36.24,50\n", "ngo.csv"), source="ngo")
        yield db


def test_replace_withdraws_what_the_file_no_longer_lists_and_counts_everything(city, tmp_path):
    outcome = import_shelters(city, write(tmp_path, SECOND, "second.csv"), source="city", replace=True)
    run = outcome.run
    assert (run.inserted, run.updated, run.unchanged, run.removed) == (1, 1, 1, 1)
    with city.unit_of_work() as uow:
        assert sorted(s.source_id for s in uow.shelters.all("city")) == ["a", "b", "d"]
        assert uow.shelters.count("city") == 3 and uow.shelters.count("ngo") == 1
        [gone] = uow.shelters.all("city", withdrawn=True)
        assert (gone.source_id, gone.withdrawn_by) == ("c", run.id)
        assert uow.shelters.get("city", "c").withdrawn_by == run.id
        assert uow.shelters.get("city", "b").capacity == 250
        stored = uow.imports.recent("city")[0]
        nearest = uow.shelters.nearest(50.003, 36.23, limit=10)
        in_window = uow.shelters.within(36.0, 49.9, 36.5, 50.1)  # what the exposure report reads
    assert (stored.id, stored.unchanged, stored.removed) == (run.id, 1, 1)
    assert "c" not in {n.shelter.source_id for n in nearest} | {s.source_id for s in in_window}
    assert {s.source_id for s in in_window} == {"a", "b", "d", "x"}


def test_a_withdrawn_shelter_listed_again_comes_back_under_its_id(city, tmp_path):
    with city.unit_of_work() as uow:
        first_id = uow.shelters.get("city", "c").id
    import_shelters(city, write(tmp_path, SECOND, "second.csv"), source="city", replace=True)
    back = import_shelters(city, write(tmp_path, FIRST, "third.csv"), source="city")
    assert (back.run.inserted, back.run.updated, back.run.unchanged, back.run.removed) == (1, 1, 1, 0)
    with city.unit_of_work() as uow:
        restored = uow.shelters.get("city", "c")
        assert uow.shelters.count("city") == 4  # without --replace, d stays
    assert (restored.id, restored.withdrawn_by) == (first_id, None)


def test_without_replace_nothing_is_withdrawn(city, tmp_path):
    outcome = import_shelters(city, write(tmp_path, SECOND, "second.csv"), source="city")
    assert outcome.run.removed == 0
    with city.unit_of_work() as uow:
        assert sorted(s.source_id for s in uow.shelters.all("city")) == ["a", "b", "c", "d"]


def test_a_file_with_bad_rows_changes_nothing_even_with_replace(city, tmp_path):
    before = snapshot(city)
    bad = SECOND + "e,Echo,95.0,36.23,10\n"
    with pytest.raises(InputError, match="nothing was imported"):
        import_shelters(city, write(tmp_path, bad, "bad.csv"), source="city", replace=True)
    assert snapshot(city) == before


def test_skip_bad_with_replace_never_withdraws_the_shelter_a_bad_row_names(city, tmp_path):
    # b's row is bad now (a capacity typo): b must stay as it was, neither updated nor withdrawn.
    text_ = HEADER + "a,Alpha,50.001,36.23,100\nb,Bravo,50.002,36.23,lots\n"
    outcome = import_shelters(city, write(tmp_path, text_, "typo.csv"), source="city", replace=True, skip_bad=True)
    assert (outcome.run.unchanged, outcome.run.removed, outcome.run.bad_rows) == (1, 1, 1)
    with city.unit_of_work() as uow:
        kept = uow.shelters.get("city", "b")
        assert sorted(s.source_id for s in uow.shelters.all("city")) == ["a", "b"]
        assert [s.source_id for s in uow.shelters.all("city", withdrawn=True)] == ["c"]
    assert (kept.capacity, kept.withdrawn_by) == (200, None)


def test_a_bad_row_without_an_id_makes_replace_refuse_whole(db_url, tmp_path):
    # Without an id column a shelter is known by its position; a row whose position is bad
    # could stand for any of them, so replacing is refused instead of guessing.
    no_ids = "name,lat,lon\nAlpha,50.001,36.23\nBravo,50.002,36.23\n"
    with Database(db_url) as db:
        import_shelters(db, write(tmp_path, no_ids, "plain.csv"), source="plain")
        before = snapshot(db)
        broken = "name,lat,lon\nAlpha,50.001,36.23\nBravo,50.002,east\n"
        with pytest.raises(ReplaceRefused) as refused:
            import_shelters(db, write(tmp_path, broken, "broken.csv"), source="plain", replace=True, skip_bad=True)
        assert snapshot(db) == before
        with db.unit_of_work() as uow:
            assert uow.imports.recent("plain")[0].status == "rejected"
    [problem] = refused.value.problems
    assert (problem.line, problem.field) == (3, "lon")
    # A bad row whose position is fine still names its shelter: that one is kept.
    typo = "name,lat,lon,capacity\nAlpha,50.001,36.23,1\nBravo,50.002,36.23,many\n"
    with Database(db_url) as db:
        outcome = import_shelters(db, write(tmp_path, typo, "typo.csv"), source="plain", replace=True, skip_bad=True)
    assert outcome.run.removed == 0


def test_replace_with_a_file_of_no_shelter_is_refused(city, tmp_path):
    before = snapshot(city)
    with pytest.raises(ReplaceRefused, match="would withdraw every shelter of source 'city'"):
        import_shelters(city, write(tmp_path, HEADER, "empty.csv"), source="city", replace=True)
    assert snapshot(city) == before


REFUSE_WITHDRAWAL = {
    "sqlite": ["""CREATE TRIGGER refuse_withdrawal BEFORE UPDATE OF withdrawn_by ON shelters
                  WHEN NEW.withdrawn_by IS NOT NULL BEGIN SELECT RAISE(ABORT, 'withdrawal refused'); END"""],
    "postgresql": ["""CREATE FUNCTION refuse_withdrawal() RETURNS trigger LANGUAGE plpgsql AS
                      $$ BEGIN RAISE EXCEPTION 'withdrawal refused'; END $$""",
                   """CREATE TRIGGER refuse_withdrawal BEFORE UPDATE OF withdrawn_by ON shelters
                      FOR EACH ROW WHEN (NEW.withdrawn_by IS NOT NULL) EXECUTE FUNCTION refuse_withdrawal()"""],
}


def test_a_failure_while_withdrawing_undoes_the_inserts_and_updates_too(city, tmp_path):
    # The database itself refuses the last step (a trigger): the new row d, b's new capacity
    # and the run written before it must all be gone.
    with city.engine.begin() as connection:
        for statement in REFUSE_WITHDRAWAL[city.dialect]:
            connection.execute(text(statement))
    before = snapshot(city)
    with pytest.raises(Exception, match="withdrawal refused"):
        import_shelters(city, write(tmp_path, SECOND, "second.csv"), source="city", replace=True)
    assert snapshot(city) == before


def test_the_command_reports_the_four_counts_and_refuses_clearly(city, tmp_path):
    runner = CliRunner()
    done = runner.invoke(main, ["shelters", "import", write(tmp_path, SECOND, "second.csv"), "--source", "city",
                                "--replace", "--db", city.url])
    assert done.exit_code == 0, done.output
    assert "1 new, 1 updated, 1 unchanged, 1 removed (withdrawn) shelter(s) from source 'city'" in done.output
    broken = write(tmp_path, "name,lat,lon\nAlpha,50.001,36.23\nBravo,50.002,east\n", "broken.csv")
    refused = runner.invoke(main, ["shelters", "import", broken, "--source", "city", "--replace", "--skip-bad",
                                   "--db", city.url])
    assert refused.exit_code == 2
    assert f"{broken}, line 3, field 'lon'" in refused.output and "--replace cannot tell" in refused.output

"""Importing shelters from CSV: good files, bad rows, hostile files — and never half a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from safezone.adapters.db import Database
from safezone.domain.errors import InputError
from safezone.domain.shelters import RejectedImport
from safezone.services.shelters import import_shelters

HEADER = "id,name,lat,lon,capacity,kind,accessible,opening,last_verified\n"
GOOD = (
    HEADER
    + "s1,School No. 3 basement,50.0010,36.2300,250,basement,yes,on alert,2026-10-01\n"
    + "s2,Metro Nauky,50.0050,36.2340,3000,metro,no,24/7,\n"
    + "s3,\"Library, cellar\",50.0100,36.2400,,basement,,,\n"
)


def write(tmp_path: Path, text: str, name: str = "city.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_good_file_imports_every_field(db_url, tmp_path):
    with Database(db_url) as db:
        outcome = import_shelters(db, write(tmp_path, GOOD), source="city")
        with db.unit_of_work() as uow:
            stored = {s.source_id: s for s in uow.shelters.all("city")}
            runs = uow.imports.recent("city")
    assert outcome.run.inserted == 3 and outcome.run.updated == 0
    school = stored["s1"]
    assert (school.name, school.lat, school.lon, school.capacity) == ("School No. 3 basement", 50.001, 36.23, 250)
    assert (school.kind, school.accessible, school.opening, school.last_verified) == ("basement", True, "on alert", date(2026, 10, 1))
    assert stored["s2"].accessible is False and stored["s3"].capacity is None and stored["s3"].name == "Library, cellar"
    assert [(r.status, r.rows_read, r.inserted) for r in runs] == [("applied", 3, 3)]


def test_reimporting_the_same_source_updates_and_does_not_duplicate(db_url, tmp_path):
    changed = GOOD.replace("School No. 3 basement,50.0010,36.2300,250", "School No. 3 basement,50.0010,36.2300,400")
    with Database(db_url) as db:
        import_shelters(db, write(tmp_path, GOOD), source="city")
        second = import_shelters(db, write(tmp_path, changed + "s4,New shelter,50.02,36.25,80,,,,\n", "v2.csv"), source="city")
        with db.unit_of_work() as uow:
            assert uow.shelters.count("city") == 4
            assert uow.shelters.get("city", "s1").capacity == 400
    # s1's capacity changed; s2 and s3 are as they were, so nothing is written for them.
    assert (second.run.inserted, second.run.updated, second.run.unchanged) == (1, 1, 2)


def test_the_default_source_is_the_file_name(db_url, tmp_path):
    with Database(db_url) as db:
        import_shelters(db, write(tmp_path, GOOD, "kharkiv-shelters.csv"))
        with db.unit_of_work() as uow:
            assert uow.shelters.count("kharkiv-shelters") == 3


BAD_ROWS = (
    HEADER
    + "s1,Good one,50.0,36.2,100,,,,\n"
    + "s2,Too far north,95.0,36.2,100,,,,\n"          # line 3
    + "s3,Comma decimal,\"50,1\",36.2,100,,,,\n"      # line 4
    + "s4,Null island,0,0,100,,,,\n"                  # line 5
    + "s5,Half a person,50.0,36.3,12.5,,,,\n"         # line 6
    + "s1,Same id again,50.2,36.2,100,,,,\n"          # line 7
    + ",,50.0,36.2,10,,,,\n"                          # line 8: no name
    + "s8,Maybe step-free,50.0,36.4,10,,perhaps,,\n"  # line 9
    + "s9,From the future,50.0,36.5,10,,,,2099-01-01\n"  # line 10
    + "s10,Short row,50.0\n"                          # line 11
    + "s11,Good two,50.3,36.2,100,,,,\n"
)


def test_every_bad_row_is_reported_with_line_field_and_reason_and_nothing_is_written(db_url, tmp_path):
    path = write(tmp_path, BAD_ROWS)
    with Database(db_url) as db:
        with pytest.raises(RejectedImport) as rejected:
            import_shelters(db, path, source="city")
        with db.unit_of_work() as uow:
            assert uow.shelters.count() == 0
            [run] = uow.imports.recent()
    found = {(p.line, p.field) for p in rejected.value.problems}
    assert found == {(3, "lat"), (4, "lat"), (5, "lat"), (6, "capacity"), (7, "id"), (8, "name"),
                     (9, "accessible"), (10, "last_verified"), (11, None)}
    messages = " | ".join(str(p) for p in rejected.value.problems)
    assert f"{path}, line 3, field 'lat': latitude 95.0 is outside -90..90" in messages
    assert "use a dot as the decimal separator" in messages
    assert "duplicate id 's1', first seen at line 2" in messages
    assert rejected.value.good_rows == 2
    assert (run.status, run.bad_rows, run.inserted) == ("rejected", 9, 0)


def test_skip_bad_imports_the_good_rows_alone_and_records_the_bad_ones(db_url, tmp_path):
    with Database(db_url) as db:
        outcome = import_shelters(db, write(tmp_path, BAD_ROWS), source="city", skip_bad=True)
        with db.unit_of_work() as uow:
            assert sorted(s.name for s in uow.shelters.all()) == ["Good one", "Good two"]
    assert outcome.run.bad_rows == len(outcome.skipped) == 9
    assert outcome.run.status == "applied"


def test_a_file_without_the_needed_columns_is_refused_naming_them(db_url, tmp_path):
    path = write(tmp_path, "id,title,latitude,x\n1,A,50,36\n")
    with Database(db_url) as db:
        with pytest.raises(InputError) as refused:
            import_shelters(db, path)
        with db.unit_of_work() as uow:
            assert uow.shelters.count() == 0
            assert uow.imports.recent()[0].status == "rejected"
    assert refused.value.line == 1
    assert "missing column(s) name, lon" in str(refused.value)


def test_unknown_columns_are_ignored_and_named_semicolons_and_aliases_work(sqlite_url, tmp_path):
    text = "Name;Latitude;Longitude;Address\nShelter;50.1;36.1;Main St 1\n"
    with Database(sqlite_url) as db:
        outcome = import_shelters(db, write(tmp_path, text))
    assert outcome.ignored_columns == ("Address",)
    assert outcome.run.inserted == 1


def test_a_file_in_another_encoding_is_refused_with_its_line_unless_named(sqlite_url, tmp_path):
    text = HEADER + "s1,Школа 3,50.0,36.2,100,,,,\n"
    path = write(tmp_path, text, encoding="cp1251")
    with Database(sqlite_url) as db:
        with pytest.raises(InputError) as refused:
            import_shelters(db, path)
        assert refused.value.line == 2 and "not utf-8 text" in str(refused.value)
        import_shelters(db, path, encoding="cp1251")
        with db.unit_of_work() as uow:
            assert uow.shelters.all()[0].name == "Школа 3"


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(sqlite_url, tmp_path):
    path = write(tmp_path, "\ufeff" + GOOD)
    with Database(sqlite_url) as db:
        assert import_shelters(db, path).run.inserted == 3


def test_a_file_over_the_size_limit_is_refused_before_reading(sqlite_url, tmp_path):
    path = write(tmp_path, GOOD * 50)
    with Database(sqlite_url) as db:
        with pytest.raises(InputError, match="more than the limit of 1,000"):
            import_shelters(db, path, max_bytes=1000)


def test_a_giant_field_and_binary_junk_are_refused_cleanly(sqlite_url, tmp_path):
    giant = write(tmp_path, HEADER + "s1," + "A" * 300_000 + ",50,36,1,,,,\n", "giant.csv")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"name,lat,lon\n\x00\x01\x02\x03" * 10)
    with Database(sqlite_url) as db:
        with pytest.raises(InputError, match="not valid CSV") as giant_error:
            import_shelters(db, giant)
        with pytest.raises(InputError, match="NUL"):
            import_shelters(db, str(junk))
        with db.unit_of_work() as uow:
            assert uow.shelters.count() == 0
    assert giant_error.value.line == 2


def test_a_large_file_imports_whole(db_url, tmp_path):
    lines = [HEADER] + [f"g{i},Shelter {i},{48 + (i % 1000) / 500:.4f},{35 + (i // 1000) / 50:.4f},{i % 500},,,,\n" for i in range(20_000)]
    with Database(db_url) as db:
        outcome = import_shelters(db, write(tmp_path, "".join(lines)), source="big")
        with db.unit_of_work() as uow:
            assert uow.shelters.count("big") == 20_000
    assert outcome.run.inserted == 20_000

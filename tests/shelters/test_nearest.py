"""'Nearest shelter to this point, and can I reach it in time?'"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from safezone.adapters.db import Database
from safezone.domain.errors import InputError
from safezone.domain.shelters import Shelter, WalkingModel
from safezone.entrypoints.cli import main
from safezone.services.shelters import nearest_shelters

# At 50.5°N one degree of latitude is 111.2 km: 0.0005° ≈ 55.6 m.
HERE = (50.5, 30.02)  # in alert area BBB-0-1 of sample_zones: 15 s to shelter


def shelter(source_id: str, dlat: float, capacity: int | None = 100) -> Shelter:
    return Shelter("test", source_id, f"Shelter {source_id}", HERE[0] + dlat, HERE[1], capacity)


@pytest.fixture
def stocked(db_url, sample_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            uow.zones.add(sample_zones, activate=True)
            uow.shelters.upsert([shelter("near", 0.0001), shelter("mid", 0.0005), shelter("far", 0.05),
                                 shelter("very far", 1.0)])
            uow.commit()
        yield db


def test_nearest_shelters_come_in_order_with_walk_and_verdict(stocked):
    answer = nearest_shelters(stocked, *HERE, limit=3)
    assert answer.area.id == "BBB-0-1" and answer.area.time_to_shelter_s == 15
    assert [o.nearby.shelter.source_id for o in answer.options] == ["near", "mid", "far"]
    near, mid, far = answer.options
    assert near.nearby.geodesic_m == pytest.approx(11.1, abs=0.2)
    assert near.walking_m == pytest.approx(near.nearby.geodesic_m * 1.3)
    assert near.walking_s == pytest.approx(near.walking_m / 1.0)
    # 14.5 m walked in 15 s: in time. 72 m is not, at the default 1 m/s.
    assert (near.in_time, mid.in_time, far.in_time) == (True, False, False)


def test_the_walking_model_is_configurable(stocked):
    quick = nearest_shelters(stocked, *HERE, limit=2, walking=WalkingModel(speed_m_s=5.0, detour_factor=1.0))
    assert [o.in_time for o in quick.options] == [True, True]


def test_the_search_widens_until_it_finds_a_shelter_far_away(stocked):
    answer = nearest_shelters(stocked, HERE[0] + 0.9, HERE[1], limit=1)
    assert answer.options[0].nearby.shelter.source_id == "very far"
    assert answer.area is None and answer.options[0].in_time is None


def test_without_an_active_zone_set_the_answer_says_so(sqlite_url):
    with Database(sqlite_url) as db:
        with db.unit_of_work() as uow:
            uow.shelters.upsert([shelter("near", 0.0001)])
            uow.commit()
        answer = nearest_shelters(db, *HERE)
    assert answer.zone_set_version is None and answer.options[0].in_time is None


def test_impossible_coordinates_are_refused(sqlite_url):
    with Database(sqlite_url) as db, pytest.raises(InputError, match="latitude"):
        nearest_shelters(db, 91.0, 30.0)


def test_the_command_answers_in_json_and_text(stocked):
    runner = CliRunner()
    as_json = runner.invoke(main, ["shelters", "nearest", "50.5", "30.02", "--limit", "2", "--json", "--db", stocked.url])
    assert as_json.exit_code == 0, as_json.output
    answer = json.loads(as_json.output)
    assert answer["area"]["time_to_shelter_s"] == 15
    assert [(s["source_id"], s["in_time"]) for s in answer["shelters"]] == [("near", True), ("mid", False)]
    text = runner.invoke(main, ["shelters", "nearest", "50.5", "30.02", "--db", stocked.url])
    assert "time to shelter 15 s" in text.output and "Shelter near" in text.output

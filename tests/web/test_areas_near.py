"""`/api/operator/areas/near`: the alert areas within a band of distances around a place, for
composing by "0–7 km of Westgate". On SQLite and PostgreSQL, on the sample zones.

Hand-computed: Westgate (settlement 1) is at 50.5°N 29.98°E; a degree of longitude there is
70.9 km, so the border (30°E) is 0.02° = 1.42 km east of it, Far West's edge (30 - 5/70.8)
0.0506° = 3.59 km west and Far East's edge (30 + 5/70.8) 0.0906° = 6.43 km east. The areas run
from 50°N to 51°N (55.6 km south and north), so their farthest corners are 55.7 (Westgate),
56.0 (Eastgate), 58.7 (Far West) and 59.7 km (Far East) away.
"""

from __future__ import annotations

import pytest

from tests.support.app import login

NEAR = "/api/operator/areas/near"


def near(session, **params) -> list[str]:
    answer = session.get(NEAR, params=params)
    assert answer.status_code == 200, answer.text
    return [a["id"] for a in answer.json()["areas"]]


def test_the_areas_within_a_distance_of_a_settlement_nearest_first(api):
    alice = login(api, "alice")
    assert near(alice, place="1", max_km=1) == ["AAA-0-1"]
    assert near(alice, place="1", max_km=2) == ["AAA-0-1", "BBB-0-1"]
    assert near(alice, place="1", max_km=5) == ["AAA-0-1", "BBB-0-1", "AAA-1-1"]
    assert near(alice, place="1", max_km=7) == ["AAA-0-1", "BBB-0-1", "AAA-1-1", "BBB-1-1"]


def test_the_answer_names_the_place_and_each_area_distances(api):
    answer = login(api, "alice").get(NEAR, params={"place": "1", "max_km": 7}).json()
    assert answer["place"] == {"id": 1, "name": "Westgate", "lat": 50.5, "lon": 29.98}
    assert (answer["min_km"], answer["max_km"], answer["count"]) == (0, 7, 4)
    far_east = answer["areas"][-1]
    assert far_east["id"] == "BBB-1-1" and far_east["time_to_shelter_s"] == 90
    assert far_east["nearest_km"] == pytest.approx(6.43, abs=0.01)
    assert far_east["farthest_km"] == pytest.approx(59.65, abs=0.02)


def test_an_inner_radius_leaves_out_the_areas_wholly_inside_it(api):
    alice = login(api, "alice")
    assert near(alice, place="1", min_km=57, max_km=100) == ["AAA-1-1", "BBB-1-1"]
    assert near(alice, place="1", min_km=2, max_km=5) == ["AAA-0-1", "BBB-0-1", "AAA-1-1"]  # they reach out past 2 km


def test_a_point_given_by_coordinates(api):
    alice = login(api, "alice")
    assert near(alice, place="50.5,30.02", max_km=2) == ["BBB-0-1", "AAA-0-1"]  # Eastgate, 1.42 km from Westgate
    assert near(alice, place="50.5,31.5", max_km=10) == []  # 16 km beyond Far East


def test_the_search_gives_the_settlement_to_centre_a_band_on(api):
    hamlet = api.get("/api/areas/search", params={"q": "hamlet"}).json()["areas"][0]
    assert hamlet["place"] == {"id": 5, "name": "Hamlet", "lat": 50.8, "lon": 30.03}
    far_east = api.get("/api/areas/search", params={"q": "far east"}).json()["areas"][0]
    assert far_east["place"] is None  # an area with no settlement of that name


BAD = [
    ({"place": "1", "max_km": 101}, 422, "max_km"),
    ({"place": "1", "max_km": 0}, 422, "max_km"),
    ({"place": "1", "max_km": "nan"}, 422, "max_km"),
    ({"place": "1", "max_km": 5, "min_km": 5}, 400, "min_km"),
    ({"place": "1", "max_km": 5, "min_km": -1}, 422, "min_km"),
    ({"place": "999", "max_km": 5}, 400, "place"),
    ({"place": "<b>Westgate</b>", "max_km": 5}, 400, "place"),
    ({"place": "95,30", "max_km": 5}, 400, "place"),
    ({"place": "²", "max_km": 5}, 400, "place"),
    ({"place": "1e400,30", "max_km": 5}, 400, "place"),
    ({"place": "50.5,east", "max_km": 5}, 400, "place"),
    ({"place": "1"}, 422, "max_km"),
]


def test_bad_bands_are_refused_naming_the_field(api):
    alice = login(api, "alice")
    for params, status, field in BAD:
        answer = alice.get(NEAR, params=params)
        assert (answer.status_code, answer.json()["field"]) == (status, field), (params, answer.text)


def test_only_operators_may_ask(api):
    assert api.get(NEAR, params={"place": "1", "max_km": 5}).status_code == 401

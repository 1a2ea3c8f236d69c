"""`/api/where` is sent as bytes joined from pieces encoded once (`where_answer`): they must be
the bytes of the documented answer (`views.where_json`, encoded by `caching.json_bytes`) for any
answer: inside an area or not, with alerts and drills at the point or none, with shelters whose
fields need escaping, and again once the pieces are held. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from safezone.entrypoints.web.caching import json_bytes
from safezone.entrypoints.web.views import where_json
from safezone.entrypoints.web.where_answer import Pieces, _scalar, where_bytes
from safezone.services.shelters import import_shelters
from tests.support.app import issue_alert, login

POINTS = ((50.45, 29.99), (50.45, 30.01), (50.4502, 29.9901), (-10.5, 170.0))  # in an area with alerts, …, in none
SHELTERS = ("id,name,lat,lon,capacity,kind,accessible,opening\n"
            'a,"Cellar ""Under"" the school, Łuhanśk \\ ☂",50.4502,29.9901,100,basement,yes,\n'
            "b,Metro,50.4510,29.9905,2000,metro,no,24/7\n"
            "c,Бібліотека,50.4500,29.9900,40,,,8-20\n"
            "d,Far away,50.60,30.20,7,school,yes,\n")


def test_the_joined_bytes_are_the_documented_answer_to_the_byte(api, container, tmp_path):
    path = tmp_path / "city.csv"
    path.write_text(SHELTERS, encoding="utf-8")
    import_shelters(container.database, str(path), source="city")
    alice, bob = login(api, "alice"), login(api, "bob")
    issue_alert(alice, bob, ("AAA-0-1", "AAA-1-1"))
    issue_alert(alice, bob, ("AAA-0-1",), status="Exercise")
    seen = set()
    for _ in range(2):  # encoded, then from the pieces held
        for lat, lon in POINTS:
            for count in (1, 3, 20):
                answer = container.public.where(lat, lon, count)
                assert where_bytes(answer) == json_bytes(where_json(answer)), (lat, lon, count)
                seen.add((answer.area is not None, len(answer.alerts), len(answer.drills), len(answer.shelters.options)))
    # Every kind of answer was compared: with and without an area, alerts, drills and shelters.
    assert (True, 1, 1, 4) in seen and (False, 0, 0, 0) in seen and any(s[0] and not s[1] for s in seen)
    assert api.get("/api/where", params={"lat": 50.45, "lon": 29.99}).content == \
        json_bytes(where_json(container.public.where(50.45, 29.99, 3)))


@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-2**70, 2**70),
                 st.booleans(), st.none()))
def test_a_number_is_written_as_json_writes_it(value):
    assert _scalar(value) == json_bytes(value)


def test_a_number_json_refuses_is_refused():
    for value in (math.nan, math.inf, -math.inf):
        try:
            _scalar(value)
        except ValueError:
            continue
        raise AssertionError(f"{value} was written")


def test_a_piece_is_never_taken_for_another_object_with_the_same_id():
    pieces = Pieces(limit=3)
    first, second = object(), object()
    assert pieces.one(first, lambda _: b"first") == b"first"
    assert pieces.one(first, lambda _: b"again") == b"first"  # held
    pieces._held[id(second)] = (first, b"first")  # as if `second` had come to have first's id
    assert pieces.one(second, lambda _: b"second") == b"second"
    assert pieces.pair(first, second, lambda a, b: b"pair") == b"pair"
    pieces._held[(id(second), id(first))] = ((first, second), b"pair")  # the same, for a pair
    assert pieces.pair(second, first, lambda a, b: b"other pair") == b"other pair"
    for n in range(5):  # past its limit the store starts again, and still answers right
        owner = object()
        assert pieces.one(owner, lambda _, n=n: str(n).encode()) == str(n).encode()
    assert len(pieces._held) <= 3

"""The in-memory nearest-shelter index against the brute-force reference: every point measured
on the WGS 84 geodesic, ties by id, none beyond max_km. Random registries and points, with
clusters that make ties, points across the antimeridian and around the poles, and max_km set
to exactly a shelter's distance."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safezone.domain.shelter_index import NearestIndex
from safezone.domain.shelters import geodesic_m


def brute_force(ids: np.ndarray, lats: np.ndarray, lons: np.ndarray, lat: float, lon: float,
                limit: int, max_km: float) -> list[tuple[int, float]]:
    distances = geodesic_m(lat, lon, lats, lons)
    ranked = sorted((float(d), int(i)) for d, i in zip(distances, ids) if d <= max_km * 1000.0)
    return [(i, d) for d, i in ranked[:limit]]


def km_holding(metres: float) -> float:
    """The smallest max_km that keeps a shelter `metres` away (km × 1000 may round below it)."""
    km = metres / 1000.0
    while km * 1000.0 < metres:
        km = float(np.nextafter(km, np.inf))
    return km


def index_answer(index: NearestIndex, lat: float, lon: float, limit: int, max_km: float) -> list[tuple[int, float]]:
    return [(item, metres) for item, metres in index.nearest(lat, lon, limit, max_km)]


latitudes = st.one_of(st.floats(-90, 90), st.floats(89.0, 90.0), st.floats(-90.0, -89.0))
longitudes = st.one_of(st.floats(-180, 180), st.floats(179.0, 180.0), st.floats(-180.0, -179.0))


@st.composite
def registries(draw: st.DrawFn) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray]:
    """A point and shelters around it: some anywhere near, some stacked on one spot or mirrored
    about the point (equal distances), with ids in no particular order."""
    lat, lon = draw(latitudes), draw(longitudes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(0, 300))
    spread = draw(st.sampled_from([0.01, 0.3, 2.0, 30.0]))
    lats = np.clip(lat + rng.normal(0, spread, n), -90, 90)
    lons = (lon + rng.normal(0, spread, n) + 180.0) % 360.0 - 180.0
    stacked = draw(st.integers(0, 5))
    lats = np.concatenate([lats, np.full(stacked, lats[0] if n else lat)])
    lons = np.concatenate([lons, np.full(stacked, lons[0] if n else lon)])
    if n and draw(st.booleans()):  # mirrored about the point's meridian: the same distance
        lats = np.concatenate([lats, lats[:20]])
        lons = np.concatenate([lons, (2 * lon - lons[:20] + 180.0) % 360.0 - 180.0])
    ids = rng.permutation(len(lats)) * 7 + 1
    return lat, lon, ids, lats, lons


@settings(max_examples=300, deadline=None)
@given(registries(), st.integers(1, 25), st.sampled_from([0.5, 5.0, 50.0, 100.0, 20000.0]), st.booleans())
def test_the_index_gives_the_brute_force_answer(registry, limit, max_km, at_a_shelter):
    lat, lon, ids, lats, lons = registry
    if at_a_shelter and len(ids):  # max_km exactly a shelter's distance: it is kept
        max_km = km_holding(float(geodesic_m(lat, lon, lats[:1], lons[:1])[0]))
    index = NearestIndex(list(ids), ids, lats, lons)
    expected = brute_force(ids, lats, lons, lat, lon, limit, max_km)
    assert index_answer(index, lat, lon, limit, max_km) == expected
    if at_a_shelter and len(ids):
        assert int(ids[0]) in {i for i, _ in brute_force(ids, lats, lons, lat, lon, len(ids), max_km)}


@settings(max_examples=150, deadline=None)
@given(registries(), st.lists(st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0), st.integers(1, 8),
                                        st.sampled_from([0.2, 5.0, 50.0, 20000.0])), min_size=2, max_size=12))
def test_one_index_asked_again_and_again_gives_the_brute_force_answer_each_time(registry, queries):
    # A query starts from the reach of the last answer for as many items: a series of points
    # near and far, dense and sparse, with changing limits, on one index, each checked.
    lat0, lon0, ids, lats, lons = registry
    index = NearestIndex(list(ids), ids, lats, lons)
    for dlat, dlon, limit, max_km in queries:
        lat = float(np.clip(lat0 + dlat * abs(dlat), -90.0, 90.0))  # mostly near the registry
        lon = (lon0 + dlon * abs(dlon) + 180.0) % 360.0 - 180.0
        assert index_answer(index, lat, lon, limit, max_km) == brute_force(ids, lats, lons, lat, lon, limit, max_km)


def test_a_ball_too_small_or_too_full_for_the_answer_is_given_up():
    # A guess from a sparse place, then a dense one (the first ball holds too many), then a
    # guess from the dense place used where shelters are sparse again (it holds too few).
    rng = np.random.default_rng(5)
    dense_lats, dense_lons = 50.0 + rng.normal(0, 0.005, 400), 30.0 + rng.normal(0, 0.005, 400)
    sparse_lats, sparse_lons = 48.0 + rng.uniform(-1, 1, 40), 35.0 + rng.uniform(-1, 1, 40)
    lats, lons = np.concatenate([dense_lats, sparse_lats]), np.concatenate([dense_lons, sparse_lons])
    ids = np.arange(len(lats)) * 3 + 2
    index = NearestIndex(list(ids), ids, lats, lons)
    for lat, lon in [(48.0, 35.0), (50.0, 30.0), (50.001, 30.002), (48.3, 35.4), (50.0, 30.0)]:
        for limit in (1, 3):
            assert index_answer(index, lat, lon, limit, 100.0) == brute_force(ids, lats, lons, lat, lon, limit, 100.0)


def test_a_shelter_just_outside_the_first_ball_can_be_the_nearest():
    # On the equator a degree of longitude is longer than a degree of latitude, so a shelter due
    # east inside the first ball can be farther than one due north just outside it: the ball
    # must not answer unless its nearest lie within the reach it was made for.
    from safezone.domain.shelter_index import MIN_RADIUS_KM, WIDER

    start = (0.0, 50.0, 0.0 + np.degrees(50.0 / 6335.0), 50.0)  # a point and a shelter ~50 km north
    reach_km = float(geodesic_m(start[0], start[1], np.array([start[2]]), np.array([start[3]]))[0]) / 1000.0 * WIDER
    angle = np.degrees(reach_km / MIN_RADIUS_KM)
    ids = np.array([1, 2, 3])
    lats = np.array([start[2], 0.0, 1.003 * angle])  # the first, east of (0, 10) inside, north outside
    lons = np.array([start[3], 10.0 + 0.999 * angle, 10.0])
    index = NearestIndex(list(ids), ids, lats, lons)
    assert index_answer(index, start[0], start[1], 1, 100.0) == brute_force(ids, lats, lons, *start[:2], 1, 100.0)
    answer = index_answer(index, 0.0, 10.0, 1, 100.0)
    assert answer == brute_force(ids, lats, lons, 0.0, 10.0, 1, 100.0)
    assert answer[0][0] == 3


def test_ties_are_broken_by_id_across_the_antimeridian_and_over_the_pole():
    # Two shelters 0.001° either side of ±180° and two on opposite meridians near the pole:
    # each pair at one distance from its point, the lower id first.
    ids = np.array([9, 4, 30, 12])
    lats = np.array([65.0, 65.0, 89.999, 89.999])
    lons = np.array([179.999, -179.999, 0.0, 180.0])
    index = NearestIndex(list(ids), ids, lats, lons)
    assert [i for i, _ in index.nearest(65.0, 180.0, 2, 50.0)] == [4, 9]
    assert [i for i, _ in index.nearest(65.0, -180.0, 1, 50.0)] == [4]
    assert [i for i, _ in index.nearest(90.0, 37.0, 2, 1.0)] == [12, 30]


def test_max_km_is_a_hard_limit_and_an_empty_registry_answers_nothing():
    ids, lats, lons = np.array([1, 2]), np.array([50.0, 50.5]), np.array([30.0, 30.0])
    index = NearestIndex(["near", "far"], ids, lats, lons)
    far_km = km_holding(float(geodesic_m(50.0, 30.0, lats[1:], lons[1:])[0]))
    assert [s for s, _ in index.nearest(50.0, 30.0, 5, far_km)] == ["near", "far"]
    assert [s for s, _ in index.nearest(50.0, 30.0, 5, float(np.nextafter(far_km, 0)))] == ["near"]
    assert NearestIndex([], [], [], []).nearest(50.0, 30.0, 3, 100.0) == []


def test_a_query_among_100000_shelters_takes_well_under_a_millisecond():
    import time

    rng = np.random.default_rng(3)
    n = 100_000
    lats, lons = rng.uniform(44.0, 56.0, n), rng.uniform(22.0, 42.0, n)
    index = NearestIndex(list(range(n)), np.arange(n), lats, lons)
    points = list(zip(rng.uniform(45.0, 55.0, 200), rng.uniform(23.0, 41.0, 200)))
    started = time.process_time()  # CPU time: the machine may be shared with other work
    for lat, lon in points:
        index.nearest(lat, lon, 3, 100.0)
    per_query_ms = (time.process_time() - started) / len(points) * 1000
    assert per_query_ms < 1.0, per_query_ms
    lat, lon = points[0]
    assert [i for i, _ in index.nearest(lat, lon, 3, 100.0)] == [i for i, _ in brute_force(np.arange(n), lats, lons, lat, lon, 3, 100.0)]

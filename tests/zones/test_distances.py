"""Distances to the border are geodesic-correct: within 0.5 % of an independent measurement.

The independent measurement is pyproj's WGS 84 geodesic from the point to every vertex of the
border densified to 20 m steps (its own error is at most 10 m, far below what is asserted).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.domain import geodesy
from safezone.domain.geodesy import BorderGeometry
from tests.zones.geodesic_reference import GEOD, densified_vertices, reference_km
TOLERANCE = 0.005


BORDERS = {}


def border(pair: str):
    if pair not in BORDERS:
        line = from_country_pair(pair).line
        BORDERS[pair] = (BorderGeometry(line), densified_vertices(line), shapely.get_coordinates(line))
    return BORDERS[pair]


# A long east–west border (RUS–UKR), a long north–south one reaching 55°S (ARG–CHL) and a
# northern one near 69°N (FIN–NOR), where a badly chosen projection would be furthest off.
@pytest.mark.parametrize("pair", ["RUS-UKR", "ARG-CHL", "FIN-NOR"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    offset_km=st.floats(min_value=2, max_value=150),
    bearing=st.floats(min_value=0, max_value=360),
)
def test_distance_to_the_border_is_within_half_a_percent_of_the_geodesic(pair, data, offset_km, bearing):
    measure, reference_vertices, vertices = border(pair)
    start = vertices[data.draw(st.integers(min_value=0, max_value=len(vertices) - 1))]
    lon, lat, _ = GEOD.fwd(start[0], start[1], bearing, offset_km * 1000)
    expected = reference_km(reference_vertices, lon, lat)
    # A walk away from one vertex can end up near another part of the border; below 1 km
    # the reference's own 10 m step would dominate a relative comparison.
    assume(expected >= 1.0)
    measured = float(measure.distance_km(lon, lat)[0])
    assert measured == pytest.approx(expected, rel=TOLERANCE)


def test_the_buffer_edge_lies_at_its_distance(rus_ukr_measure):
    """Points on the boundary of the 20 km buffer are 20 km from the border, within 0.5 %."""
    ring = rus_ukr_measure.buffer(20.0)
    outline = shapely.get_coordinates(shapely.get_exterior_ring(ring if ring.geom_type == "Polygon" else max(ring.geoms, key=lambda g: g.area)))
    sample = outline[:: max(1, len(outline) // 300)]
    distances = rus_ukr_measure.distance_km(sample[:, 0], sample[:, 1])
    assert np.all(np.abs(distances - 20.0) <= 20.0 * TOLERANCE)


def _min_over_every_piece(measure: BorderGeometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The slow way: every point against every piece of the border (what the pruning must equal)."""
    return np.min([measure._measure(piece, lon, lat) for piece in measure._pieces], axis=0)


@pytest.mark.parametrize("pair", ["RUS-UKR", "ARG-CHL"])
@pytest.mark.parametrize("weighed_first", [1, 2, 8])
def test_only_the_nearest_pieces_are_weighed_yet_the_distance_is_that_to_every_piece(pair, weighed_first, monkeypatch):
    """The distance is measured against a few pieces near each point (a k-d tree of their
    centres), and against the others only where those few cannot settle it; for points near
    and far (to the other side of the globe) it is exactly the smallest distance to any piece.
    With one or two pieces weighed first, most points need the others too."""
    monkeypatch.setattr(geodesy, "_NEAREST_PIECES", weighed_first)
    measure, _, vertices = border(pair)
    rng = np.random.default_rng(12)
    start = vertices[rng.integers(0, len(vertices), 400)]
    offset_km = np.concatenate([rng.uniform(0, 100, 300), rng.uniform(100, 15000, 100)])
    lon, lat, _ = GEOD.fwd(start[:, 0], start[:, 1], rng.uniform(0, 360, 400), offset_km * 1000)
    assert len(measure._pieces) > 8  # more pieces than are weighed first
    np.testing.assert_array_equal(measure.distance_km(lon, lat), _min_over_every_piece(measure, lon, lat))


@pytest.mark.parametrize("pair", ["RUS-UKR", "ISR-LBN"])
def test_runs_give_the_very_distance_of_the_whole_piece(pair):
    """Each piece is measured against the runs of its line that can hold the nearest point:
    the result must be GEOS's distance to the whole line, bit for bit (the zones round it)."""
    measure, _, vertices = border(pair)
    rng = np.random.default_rng(12)
    for piece in measure._pieces:
        xy = shapely.get_coordinates(piece.line)
        # Points near the line, far from it, on its vertices and beside the runs' shared ends.
        picked = xy[rng.integers(0, len(xy), 300)]
        joins = xy[:: geodesy.RUN_SEGMENTS]
        points = np.concatenate([
            picked + rng.normal(scale=2_000, size=picked.shape),
            picked + rng.normal(scale=80_000, size=picked.shape),
            xy, joins + 0.5, joins - rng.uniform(0, 3_000, size=joins.shape),
        ])
        expected = shapely.distance(shapely.points(points), piece.line)
        assert np.array_equal(piece.runs.distance(points[:, 0], points[:, 1]), expected)


def test_distance_ranges_are_rounded_as_round_does():
    """The build rounds distances to 0.01 km in bulk: the same floats as Python's round, ties
    and values one ulp beside a tie included."""
    from safezone.services.zones import _hundredths

    rng = np.random.default_rng(5)
    ties = np.arange(0, 100_000) / 200  # every x.xx5 up to 500 km, and the exact hundredths
    values = np.concatenate([rng.uniform(0, 500, 200_000), ties, np.nextafter(ties, 0), np.nextafter(ties, 1e9),
                             [0.285, 1.005, 2.675, -0.125, -0.0, 0.0, 1e12 + 0.005, np.inf]])
    assert _hundredths(values) == [round(v, 2) for v in values.tolist()]

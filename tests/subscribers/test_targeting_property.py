"""`domain.targeting.covered` against a brute-force shapely reference, point by point: random
areas that share edges (like bands and neighbouring areas), random points, and points placed
exactly on vertices, on edges and on the line between two bands. None missed, none outside."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from safezone.domain.targeting import covered

coordinate = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def bands_and_points(draw):  # type: ignore[no-untyped-def]
    """Strips side by side (band boundaries), some cut by a random triangle, and points:
    random ones, every vertex, every edge's midpoint and points along the shared lines."""
    edges = sorted(set(draw(st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=6))))
    south, north = -3.0, draw(st.floats(-2.5, 4))
    shapes = [box(a, south, b, north) for a, b in zip(edges, edges[1:]) if b - a > 1e-6]
    triangle = shapely.Polygon([(draw(coordinate), draw(coordinate)) for _ in range(3)])
    if triangle.is_valid and triangle.area > 1e-6:
        shapes.append(triangle)
    if not shapes:
        shapes = [box(0, 0, 1, 1)]
    chosen = draw(st.lists(st.sampled_from(range(len(shapes))), min_size=1, unique=True))
    shapes = [shapes[i] for i in chosen]
    points = [(draw(coordinate), draw(coordinate)) for _ in range(draw(st.integers(0, 40)))]
    for shape in shapes:
        ring = np.asarray(shape.exterior.coords)
        points += [tuple(p) for p in ring]  # vertices
        points += [tuple((a + b) / 2) for a, b in zip(ring, ring[1:])]  # edge midpoints
    for x in edges:  # along the band boundaries, inside and beyond the strips
        points += [(x, y) for y in (south, (south + north) / 2, north, north + 1)]
    return shapes, points


@settings(max_examples=200, deadline=None)
@given(bands_and_points())
def test_covered_equals_the_brute_force_reference(case):  # type: ignore[no-untyped-def]
    shapes, points = case
    lon = np.array([p[0] for p in points], dtype=float)
    lat = np.array([p[1] for p in points], dtype=float)
    found = covered(shapes, lon, lat)
    expected = [any(s.intersects(Point(x, y)) for s in shapes) for x, y in points]
    assert found.tolist() == expected


def test_edges_and_band_lines_are_inside_and_nothing_beyond():
    near, far = box(0, 0, 1, 1), box(1, 0, 2, 1)
    lon = np.array([0.0, 1.0, 2.0, 1.0, 2.0000001, 0.5, -1e-9])
    lat = np.array([0.0, 0.5, 1.0, 1.0, 0.5, 1.0000001, 0.5])
    assert covered([near, far], lon, lat).tolist() == [True, True, True, True, False, False, False]
    assert covered([], lon, lat).tolist() == [False] * 7

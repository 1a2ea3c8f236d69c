""""Which area is here?" from the grid of area boxes, against asking every area in build order:
random boxes and points (on edges and corners too), and the real RUS–UKR zone set at random
points, at its areas' vertices (shared by neighbours: the first in build order answers) and
outside every area."""

from __future__ import annotations

import math

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from safezone.domain.box_grid import MAX_CELLS, BoxGrid
from safezone.services.read_model import ZonesInMemory


def boxes_holding(boxes, lon: float, lat: float) -> list[int]:
    return [i for i, (x0, y0, x1, y1) in enumerate(boxes) if x0 <= lon <= x1 and y0 <= lat <= y1]


coordinates = st.floats(-20.0, 20.0, allow_nan=False)


@st.composite
def boxes_and_points(draw: st.DrawFn):
    boxes = []
    for _ in range(draw(st.integers(0, 40))):
        x, y = draw(coordinates), draw(coordinates)
        width, height = draw(st.sampled_from([0.0, 0.01, 0.3, 2.0, 15.0])), draw(st.sampled_from([0.0, 0.05, 1.0, 7.0]))
        boxes.append((x, y, x + width, y + height))
    corners = [(b[i], b[j]) for b in boxes for i, j in ((0, 1), (2, 3), (0, 3), (2, 1))]
    points = draw(st.lists(st.tuples(coordinates, coordinates), max_size=20))
    return boxes, points + corners, draw(st.sampled_from([None, 0.001, 0.25, 3.0]))


@settings(max_examples=200, deadline=None)
@given(boxes_and_points())
def test_the_grid_lists_exactly_the_boxes_holding_a_point(case):
    boxes, points, cell_deg = case
    grid = BoxGrid(boxes, cell_deg)
    for lon, lat in points:
        assert grid.holding(lon, lat) == boxes_holding(boxes, lon, lat)


def test_a_box_over_very_many_cells_is_proposed_everywhere_and_an_empty_one_nowhere():
    boxes = [(-180.0, -10.0, 180.0, 10.0), (1.0, 1.0, 1.5, 1.5), (math.nan, math.nan, math.nan, math.nan)]
    grid = BoxGrid(boxes, 0.1)
    assert (360 / 0.1) * (20 / 0.1) > MAX_CELLS
    assert grid.holding(1.2, 1.2) == [0, 1]
    assert grid.holding(-179.0, -9.0) == [0]
    assert grid.holding(1.2, 11.0) == []


def test_the_area_at_a_point_is_the_first_in_build_order_covering_it(rus_ukr):
    held = ZonesInMemory(1, rus_ukr)
    rng = np.random.default_rng(7)
    min_x, min_y, max_x, max_y = shapely.total_bounds([a.geometry for a in rus_ukr.areas])
    points = list(zip(rng.uniform(min_x, max_x, 300), rng.uniform(min_y, max_y, 300)))
    inner = [a.geometry.representative_point() for a in rus_ukr.areas[::40]]
    vertices = [c for a in rus_ukr.areas[::97] for c in shapely.get_coordinates(a.geometry)[:6].tolist()]
    points += [(p.x, p.y) for p in inner] + [tuple(v) for v in vertices]
    geometries = np.array([a.geometry for a in rus_ukr.areas])
    found_inside = found_shared = 0
    for lon, lat in points:
        point = shapely.Point(lon, lat)
        covering = np.flatnonzero(shapely.covers(geometries, point))  # every area, in build order
        expected = rus_ukr.areas[covering[0]] if len(covering) else None
        assert held.area_at(lat, lon) is expected
        assert held.area_at(lat, lon, point) is expected
        found_inside += expected is not None
        found_shared += len(covering) > 1
    assert found_inside > len(inner) and found_shared > 0  # the points did reach areas and their shared edges


def test_the_alerts_at_a_point_are_those_whose_own_areas_cover_it_newest_first(rus_ukr):
    from safezone.adapters.db.change_mark import ChangeMark
    from safezone.services.read_model import PublishedAlert, Snapshot

    rng = np.random.default_rng(11)
    areas = rus_ukr.areas
    # 30 alerts of 1-5 areas each (neighbours, and some areas named by several alerts).
    alerts = []
    for n in range(30):
        start = int(rng.integers(0, len(areas) - 5))
        chosen = tuple(areas[start:start + int(rng.integers(1, 6))])
        alerts.append(PublishedAlert(f"alert {n}", chosen, True))  # type: ignore[arg-type]
    snapshot = Snapshot(ChangeMark(1, 1, 0), 0.0, None, tuple(alerts), (), {})
    named = [a for item in alerts for a in item.areas]
    points = [(p.x, p.y) for p in (a.geometry.representative_point() for a in named)]
    points += [tuple(v) for a in named[::3] for v in shapely.get_coordinates(a.geometry)[:4].tolist()]
    min_x, min_y, max_x, max_y = shapely.total_bounds([a.geometry for a in named])
    points += list(zip(rng.uniform(min_x, max_x, 200), rng.uniform(min_y, max_y, 200)))
    reached = shared = 0
    for lon, lat in points:
        point = shapely.Point(lon, lat)
        expected = [(item.alert, [a for a in item.areas if a.geometry.covers(point)]) for item in alerts]
        expected = [(alert, covering) for alert, covering in expected if covering]
        assert snapshot.alerts_at(lat, lon) == expected
        assert snapshot.alerts_at(lat, lon, point) == expected
        reached += bool(expected)
        shared += len(expected) > 1 or any(len(c) > 1 for _, c in expected)
    assert reached > len(named) // 2 and shared > 0  # points inside alerts' areas, and on shared edges

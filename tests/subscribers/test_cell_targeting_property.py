"""Targeting by H3 cell (`domain.cell_targeting`) against the brute-force shapely reference,
point by point: H3 cells cut into two bands by a line and by a territory's edge (as the zones
build cuts them), a random part of them in the alert, and random points plus points placed on
the areas' vertices and edges, on the hexagons' edges and corners, and at the cells' centres.
None missed, none outside."""

from __future__ import annotations

import threading

import h3
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from safezone.domain.areas import cell_polygons, clip_cells, covering_cells, tile_cells
from safezone.domain.cell_targeting import NO_CELL, CellIndex, ZoneCells, alert_cells, covered_by_cells, point_cells
from safezone.domain.targeting import covered

RESOLUTION = 7

# Kept across the examples below, as the service keeps one per zone-set version: the same area
# ids come back with other geometries (another band line, another coast), and must be redone.
KEPT = ZoneCells(RESOLUTION)


def _areas(lon: float, lat: float, band_line: float, coast: float) -> list[tuple[str, shapely.Geometry]]:
    """Cells around (lon, lat) cut by a band line (a latitude) and a territory ending at a
    slanted coast, named `SIDE-BAND-cell` like the zones build names them."""
    region = box(lon - 0.12, lat - 0.08, lon + 0.12, lat + 0.08)
    territory = shapely.Polygon([(lon - 1, lat - 1), (lon + coast, lat - 1), (lon + coast + 0.05, lat + 1),
                                 (lon - 1, lat + 1)])
    cells = covering_cells(region, RESOLUTION)
    tiles = tile_cells(cells, cell_polygons(cells))
    areas = []
    for band, ring in enumerate((box(lon - 1, lat - 1, lon + 1, lat + band_line),
                                 box(lon - 1, lat + band_line, lon + 1, lat + 1))):
        for cell, piece in clip_cells(tiles, shapely.intersection(shapely.intersection(ring, region), territory)):
            areas.append((f"AAA-{band}-{cell}", piece))
    return areas


def _edge_points(shapes) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    points = []
    for shape in shapes:
        for polygon in getattr(shape, "geoms", [shape]):
            ring = np.asarray(polygon.exterior.coords)
            points += [tuple(p) for p in ring]
            points += [tuple((a + b) / 2) for a, b in zip(ring, ring[1:])]
            points += [tuple(a + (b - a) / 3) for a, b in zip(ring, ring[1:])]
    return points


@st.composite
def alerts_and_points(draw):  # type: ignore[no-untyped-def]
    lon, lat = draw(st.floats(20, 40)), draw(st.floats(40, 55))
    areas = _areas(lon, lat, draw(st.floats(-0.06, 0.06)), draw(st.floats(-0.1, 0.15)))
    chosen = draw(st.lists(st.booleans(), min_size=len(areas), max_size=len(areas)))
    if draw(st.booleans()):  # most of the areas: sure cells in the middle
        chosen = [not c or draw(st.booleans()) for c in chosen]
    alert = [area for area, keep in zip(areas, chosen) if keep] or areas[:1]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    points = list(zip(rng.uniform(lon - 0.15, lon + 0.15, 300), rng.uniform(lat - 0.1, lat + 0.1, 300)))
    points += _edge_points([shape for _, shape in alert])
    cells = sorted({a.rsplit("-", 1)[1] for a, _ in alert})
    points += _edge_points(list(cell_polygons(cells)))
    points += [h3.cell_to_latlng(c)[::-1] for c in cells]
    return alert, points


def _reference(alert, lon, lat) -> set[int]:  # type: ignore[no-untyped-def]
    """Every point against every area, one GEOS predicate each (no index, no preparation)."""
    points = shapely.points(lon, lat)
    inside = np.zeros(len(points), bool)
    for _, shape in alert:
        inside |= shapely.intersects(shape, points)
    return set(np.flatnonzero(inside).tolist())


@settings(max_examples=40, deadline=None)
@given(alerts_and_points())
def test_cells_find_exactly_the_points_the_reference_finds(case):  # type: ignore[no-untyped-def]
    alert, points = case
    lon = np.array([p[0] for p in points], dtype=float)
    lat = np.array([p[1] for p in points], dtype=float)
    cells = point_cells(lon, lat, RESOLUTION)
    cells[::7] = NO_CELL  # some subscribers' cells not known yet
    expected = _reference(alert, lon, lat)
    for plan in (alert_cells(alert, RESOLUTION), KEPT.plan(alert)):
        assert plan is not None
        found = covered_by_cells(plan, CellIndex(cells, lon, lat)).tolist()
        assert len(found) == len(set(found))
        assert set(found) == expected


def test_a_large_alert_has_sure_cells_and_loses_nobody():
    areas = _areas(30.0, 50.0, 0.0, 0.5)
    plan = alert_cells(areas, RESOLUTION)
    assert plan is not None and len(plan.sure) > 0
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(29.85, 30.15, 20_000), rng.uniform(49.9, 50.1, 20_000)
    found = covered_by_cells(plan, CellIndex(point_cells(lon, lat, RESOLUTION), lon, lat))
    assert set(found.tolist()) == _reference(areas, lon, lat)


def test_areas_that_are_not_cells_get_no_plan():
    assert alert_cells([("AAA-0-1", box(0, 0, 1, 1))], RESOLUTION) is None
    cell = h3.latlng_to_cell(50, 30, 6)  # a cell, but not at the zone set's resolution
    assert alert_cells([(f"AAA-0-{cell}", cell_polygons([cell])[0])], RESOLUTION) is None


def _shared_vertices(alert, others) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Vertices that an alert area shares with another area (across a band line or a cell edge)."""
    points = set()
    for _, shape in alert:
        mine = {tuple(p) for p in shapely.get_coordinates(shape).tolist()}
        for _, other in others:
            if other is not shape and shape.touches(other):
                points |= mine & {tuple(p) for p in shapely.get_coordinates(other).tolist()}
    return sorted(points)


def test_kept_cells_follow_areas_whose_geometry_changed():
    """A ZoneCells that saw an area id keeps its cell, size and prepared shape; the same id with
    another geometry (a new zone-set version, another database) is worked out again."""
    kept = ZoneCells(RESOLUTION)
    rng = np.random.default_rng(8)
    lon, lat = rng.uniform(29.85, 30.15, 6000), rng.uniform(49.9, 50.1, 6000)
    cells = point_cells(lon, lat, RESOLUTION)
    index = CellIndex(cells, lon, lat)
    first = dict(_areas(30.0, 50.0, 0.02, 0.06))
    second = dict(_areas(30.0, 50.0, -0.03, 0.02))
    same = sorted(set(first) & set(second))
    changed = [a for a in same if not first[a].equals_exact(second[a], 0.0)]
    assert len(changed) > 10  # the case really arises
    for version in (first, second, first):
        alert = [(a, version[a]) for a in same]
        plan = kept.plan(alert)
        assert plan is not None
        assert set(covered_by_cells(plan, index).tolist()) == _reference(alert, lon, lat)
        assert all(kept_shape.equals_exact(shape, 0.0) for kept_shape, (_, shape) in zip(plan.every, alert))


def test_points_on_shared_edges_and_band_lines_are_inside():
    """Points on the line between two bands of one cell, and on the edge between two cells'
    areas, with only one side in the alert: inside, as the reference says."""
    areas = _areas(30.0, 50.0, 0.013, 0.07)
    for alert in ([a for a in areas if a[0].startswith("AAA-0-")],  # one band: the band line is the alert's edge
                  areas[::2], areas[1::3]):
        on_edges = _shared_vertices(alert, areas)
        assert on_edges
        points = on_edges + _edge_points([shape for _, shape in alert])
        lon = np.array([p[0] for p in points])
        lat = np.array([p[1] for p in points])
        for cells in (point_cells(lon, lat, RESOLUTION), np.full(len(points), NO_CELL, np.int64)):
            for plan in (alert_cells(alert, RESOLUTION), KEPT.plan(alert)):
                assert plan is not None
                found = set(covered_by_cells(plan, CellIndex(cells, lon, lat)).tolist())
                assert found == _reference(alert, lon, lat)
                assert set(range(len(on_edges))) <= found


def test_drawn_polygons_are_tested_exactly_with_few_points_and_many():
    """Areas drawn by hand (no H3 cell) take the plain test: an R-tree for a few points, a sweep
    by longitude for many; both give the reference's points, edges and vertices included."""
    drawn = [("AAA-0-drawn1", shapely.Point(30.0, 50.0).buffer(0.05)),
             ("AAA-0-drawn2", box(30.03, 49.95, 30.12, 50.02)),  # overlaps the first
             ("AAA-1-drawn3", shapely.Polygon([(29.9, 50.05), (30.0, 50.09), (29.95, 50.12)])),
             ("AAA-1-drawn4", box(29.86, 49.9, 29.9, 49.94).union(box(29.92, 49.9, 29.94, 49.92))),
             ("AAA-1-drawn5", box(30.1, 50.06, 30.14, 50.1).difference(box(30.11, 50.07, 30.13, 50.09)))]
    assert alert_cells(drawn, RESOLUTION) is None and KEPT.plan(drawn) is None
    rng = np.random.default_rng(21)
    points = list(zip(rng.uniform(29.85, 30.15, 9000), rng.uniform(49.88, 50.14, 9000)))
    points = _edge_points([shape for _, shape in drawn]) + points
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    shapes = [shape for _, shape in drawn]
    for size in (300, 4000, len(points)):  # below and above the R-tree's limit
        assert set(np.flatnonzero(covered(shapes, lon[:size], lat[:size])).tolist()) == \
            _reference(drawn, lon[:size], lat[:size])


def test_one_zone_cells_shared_by_threads_gives_each_alert_its_receivers():
    """Eight threads plan and target different alerts over one cold ZoneCells at once (as the
    web server's and the delivery worker's threads share the service's): each gets exactly
    the reference's points."""
    kept = ZoneCells(RESOLUTION)
    areas = _areas(30.0, 50.0, 0.01, 0.08)
    rng = np.random.default_rng(12)
    lon, lat = rng.uniform(29.85, 30.15, 20_000), rng.uniform(49.9, 50.1, 20_000)
    index = CellIndex(point_cells(lon, lat, RESOLUTION), lon, lat)
    alerts = [areas[k::3] + areas[k + 1::5] for k in range(8)]
    results: list[set[int] | None] = [None] * len(alerts)

    def target(k: int) -> None:
        for _ in range(3):
            plan = kept.plan(alerts[k])
            assert plan is not None
            results[k] = set(covered_by_cells(plan, index).tolist())

    threads = [threading.Thread(target=target, args=(k,)) for k in range(len(alerts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for alert, found in zip(alerts, results):
        assert found == _reference(alert, lon, lat)

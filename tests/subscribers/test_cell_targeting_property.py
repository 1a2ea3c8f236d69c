"""Targeting by H3 cell (`domain.cell_targeting`) against the brute-force shapely reference,
point by point: H3 cells cut into two bands by a line and by a territory's edge (as the zones
build cuts them), a random part of them in the alert, and random points plus points placed on
the areas' vertices and edges, on the hexagons' edges and corners, and at the cells' centres.
None missed, none outside."""

from __future__ import annotations

import h3
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from safezone.domain.areas import cell_polygons, clip_cells, covering_cells, tile_cells
from safezone.domain.cell_targeting import NO_CELL, CellIndex, alert_cells, covered_by_cells, point_cells

RESOLUTION = 7


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
    plan = alert_cells(alert, RESOLUTION)
    assert plan is not None
    found = covered_by_cells(plan, CellIndex(cells, lon, lat)).tolist()
    assert len(found) == len(set(found))
    assert set(found) == _reference(alert, lon, lat)


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

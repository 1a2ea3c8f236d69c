"""Targeting by H3 cell: most subscribers of an alert are found by their cell id alone.

Alert areas are H3 cells clipped to their band and territory, and each subscriber's point has
its cell (at the zone set's resolution) computed once, when it subscribes or a zone set is
activated. Then:

- a *sure* cell is one whose area is the whole hexagon and whose six neighbours are whole
  hexagons of the alert too: every point H3 puts in it is inside, even one that lies a
  rounding error beyond the hexagon's drawn edge (H3's edges are great-circle arcs, the stored
  polygons straight lines in lon/lat: they differ by well under a metre, far less than a cell);
- every other cell of the alert (cut by a band edge or the border, or next to one), and the
  ring of cells just outside it, hold the only points that need the exact geometric test
  (`targeting.covered`, edges inside), against the areas of those cells and their neighbours;
- a point without a cell (0) is always tested exactly, against all the alert's areas.

So the answer is the exact one (0 missed, 0 outside), and the geometry runs only at the
alert's edges. Points are looked up through a `CellIndex` (their cells sorted once, as a
database index on the cell column keeps them), so an alert costs O(its cells × log n) plus
its receivers, not a pass over every subscriber.

Pure: numpy, shapely and h3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import h3
import h3.api.basic_int as h3int
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.domain.areas import cell_polygons
from safezone.domain.targeting import covered

NO_CELL = 0  # a point whose cell is not known: always tested exactly


def point_cells(lon: np.ndarray, lat: np.ndarray, resolution: int) -> np.ndarray:
    """The H3 cell (int64) of each point at `resolution`."""
    return np.fromiter((h3.str_to_int(h3.latlng_to_cell(y, x, resolution))
                        for x, y in zip(np.asarray(lon, float).tolist(), np.asarray(lat, float).tolist())),
                       np.int64, len(lon))


def area_cell(area_id: str, resolution: int) -> int | None:
    """The H3 cell an area id ends with (`SIDE-BAND-cell`), if it is a cell at `resolution`."""
    tail = area_id.rsplit("-", 1)[-1]
    if not h3.is_valid_cell(tail) or h3.get_resolution(tail) != resolution:
        return None
    return h3.str_to_int(tail)


# A point counts as strictly inside its hexagon when it is this far (relative to the edge's
# length, in degrees) on the inner side of every edge: rounding can never move it across.
_MARGIN = 1e-9
_WHOLE, _CUT, _OUT = 1, 2, 3
_FILLED = 1e-12


@dataclass(frozen=True)
class AlertCells:
    """An alert's cells and the cells around them, each with what its points need."""

    sure: np.ndarray  # sorted int64: every point in these cells is inside, no test needed
    cells: np.ndarray  # sorted int64: the other cells of the alert and the ring around it
    status: np.ndarray  # per cell: _WHOLE (the alert's areas fill it), _CUT, or _OUT
    hexagons: np.ndarray  # per cell: its 6 vertices (lon, lat), counter-clockwise; all zero if not a hexagon
    centres: np.ndarray  # per cell: its centre (lon, lat)
    scale: np.ndarray  # per cell: the cosine of its latitude (a degree of lon in degrees of lat)
    radius2: np.ndarray  # per cell: the squared radius of its inscribed disc, less the margin (0 if none)
    pieces: list[list[BaseGeometry]]  # per cell: the alert's areas in it
    near: list[BaseGeometry]  # the areas of `cells` and of sure cells beside them: a point near a hexagon edge is tested against these
    every: list[BaseGeometry]  # all the alert's areas, for points without a cell


def alert_cells(areas: Sequence[tuple[str, BaseGeometry]], resolution: int) -> AlertCells | None:
    """The alert's cells, split by what their points need; None when an area is not an H3
    cell at `resolution` (areas drawn by hand): then only the plain geometric test applies."""
    by_cell: dict[int, list[BaseGeometry]] = {}
    for area_id, shape in areas:
        cell = area_cell(area_id, resolution)
        if cell is None:
            return None
        by_cell.setdefault(cell, []).append(shape)
    own = sorted(by_cell)
    whole = {c for c, hexagon in zip(own, cell_polygons([h3.int_to_str(c) for c in own]))
             if _fills(by_cell[c], hexagon)}
    disks = {c: h3int.grid_disk(c, 1) for c in own}
    sure = {c for c in whole if len(disks[c]) == 7 and all(n in whole for n in disks[c])}
    cells = sorted({n for c in own if c not in sure for n in disks[c]} - sure)
    status = np.array([_OUT if c not in by_cell else _WHOLE if c in whole else _CUT for c in cells], np.int8)
    pieces = [by_cell.get(c, []) for c in cells]
    # A point near an edge of a cell of `cells` may lie in the area of a sure neighbour.
    bordering = sorted({n for c in own if c not in sure for n in disks[c]} & sure)
    near = [p for group in pieces for p in group] + [p for c in bordering for p in by_cell[c]]
    hexagons = _hexagons(cells)
    centres, scale, radius2 = _discs(hexagons)
    return AlertCells(np.array(sorted(sure), np.int64), np.array(cells, np.int64), status, hexagons,
                      centres, scale, radius2, pieces, near, [shape for _, shape in areas])


def _fills(pieces: list[BaseGeometry], hexagon: BaseGeometry) -> bool:
    """Whether the alert's areas of one cell are the whole hexagon: one piece equal to it, or
    pieces of several bands (they never overlap) whose areas add up to its area. Overlay
    rounding leaves the pieces' union a hair off the hexagon, so the sum is compared within
    `_FILLED` of the hexagon's area: a part left out that small would be a sliver nanometres wide."""
    if len(pieces) == 1:
        return bool(shapely.equals_exact(pieces[0], hexagon, 0.0))
    return abs(float(shapely.area(pieces).sum()) - hexagon.area) <= _FILLED * hexagon.area


def _hexagons(cells: list[int]) -> np.ndarray:
    """Each cell's six vertices (lon, lat), counter-clockwise; zeros for a cell with more or
    fewer vertices (pentagons, cells cut by an icosahedron edge): its points are all tested."""
    found = np.zeros((len(cells), 6, 2))
    for k, cell in enumerate(cells):
        ring = h3int.cell_to_boundary(cell)
        if len(ring) == 6:
            found[k] = np.array(ring)[:, ::-1]
    x, y = found[..., 0], found[..., 1]
    clockwise = (x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1) < 0
    found[clockwise] = found[clockwise, ::-1]
    return found


def _discs(hexagons: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each hexagon's centre, lon scale and the squared radius of the largest disc about its
    centre inside it (in scaled degrees), shrunk by the margin; 0 for a cell that is no hexagon."""
    centres = hexagons.mean(axis=1)
    scale = np.cos(np.radians(centres[:, 1]))
    start = hexagons.copy()
    start[..., 0] *= scale[:, None]
    stop = np.roll(start, -1, axis=1)
    edge = stop - start
    length = np.hypot(edge[..., 0], edge[..., 1])
    centre = np.stack([centres[:, 0] * scale, centres[:, 1]], axis=1)[:, None, :]
    cross = edge[..., 0] * (centre[..., 1] - start[..., 1]) - edge[..., 1] * (centre[..., 0] - start[..., 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = np.where(length > 0, cross / np.where(length > 0, length, 1), 0).min(axis=1)
    radius = np.clip(distance - 10 * _MARGIN, 0, None)
    return centres, scale, radius * radius


class CellIndex:
    """Points by cell: sorted by cell once (as a database index on the cell column keeps
    them), so the points of an alert's cells are found by binary search and read in runs,
    instead of a pass over all points."""

    def __init__(self, cells: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
        cells = np.asarray(cells, np.int64)
        self.order = np.argsort(cells, kind="stable")
        self.cells = cells[self.order]
        self.lon = np.asarray(lon, float)[self.order]
        self.lat = np.asarray(lat, float)[self.order]

    def runs(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions (in cell order) of the points whose cell is in `wanted` (sorted), grouped
        by cell, and for each the position of its cell in `wanted`."""
        starts = np.searchsorted(self.cells, wanted, side="left")
        lengths = np.searchsorted(self.cells, wanted, side="right") - starts
        total = int(lengths.sum())
        if not total:
            return np.empty(0, np.intp), np.empty(0, np.intp)
        # Each run's start repeated over its length, plus the position within the run.
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        return offsets + np.arange(total), np.repeat(np.arange(len(wanted)), lengths)


def covered_by_cells(plan: AlertCells, index: CellIndex) -> np.ndarray:
    """Indices (into the points the index was made of) of the points inside or on the edge
    of the alert's areas, in no set order."""
    found = [index.runs(plan.sure)[0]]
    at, group = index.runs(plan.cells)
    if at.size:
        x, y = index.lon[at], index.lat[at]
        strict = _strictly_inside(plan, group, x, y)
        status = plan.status[group]
        found.append(at[strict & (status == _WHOLE)])
        # Strictly inside a cut hexagon: only that cell's areas can hold the point.
        cut = np.flatnonzero(strict & (status == _CUT))
        bounds = np.searchsorted(group[cut], np.arange(len(plan.cells) + 1))
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            chosen = cut[bounds[k]:bounds[k + 1]]
            hit = np.zeros(chosen.size, bool)
            for piece in plan.pieces[k]:
                hit |= shapely.intersects_xy(piece, x[chosen], y[chosen])
            found.append(at[chosen[hit]])
        edge = np.flatnonzero(~strict)  # near a hexagon edge: may lie in a neighbour's area
        if edge.size:
            found.append(at[edge[covered(plan.near, x[edge], y[edge])]])
    unknown = index.runs(np.array([NO_CELL], np.int64))[0]
    if unknown.size:
        found.append(unknown[covered(plan.every, index.lon[unknown], index.lat[unknown])])
    return index.order[np.concatenate(found)]


def _strictly_inside(plan: AlertCells, group: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each point lies inside its cell's hexagon by more than the rounding margin.

    Most points are settled by the disc inscribed in their hexagon (lon scaled by the cosine
    of the cell's latitude, so the disc is round on the ground); the rest by the six edges."""
    dx = (x - plan.centres[group, 0]) * plan.scale[group]
    dy = y - plan.centres[group, 1]
    inside = dx * dx + dy * dy < plan.radius2[group]
    rest = np.flatnonzero(~inside)
    if rest.size:
        inside[rest] = _inside_edges(plan.hexagons, group[rest], x[rest], y[rest])
    return inside


def _inside_edges(hexagons: np.ndarray, group: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each point lies inside its cell's hexagon by more than the rounding margin."""
    inside = np.ones(x.shape, bool)
    for k in range(6):
        start, stop = hexagons[group, k], hexagons[group, (k + 1) % 6]
        ex, ey = stop[:, 0] - start[:, 0], stop[:, 1] - start[:, 1]
        cross = ex * (y - start[:, 1]) - ey * (x - start[:, 0])
        inside &= cross > _MARGIN * np.hypot(ex, ey)
    return inside

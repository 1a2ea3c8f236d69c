"""Targeting by H3 cell: most subscribers of an alert are found by their cell id alone.

Alert areas are H3 cells clipped to their band and territory, and each subscriber's point has
its cell (at the zone set's resolution) computed once, when it subscribes or a zone set is
activated. Then:

- a *sure* cell is one whose area is the whole hexagon and whose six neighbours are whole
  hexagons of the alert too: every point H3 puts in it is inside, even one that lies a
  rounding error beyond the hexagon's drawn edge (H3's edges are great-circle arcs, the stored
  polygons straight lines in lon/lat: they differ by well under a metre, far less than a cell);
- every other cell of the alert (cut by a band edge or the border, or next to one), and the
  ring of cells just outside it: a point strictly inside its hexagon (a disc, then six edge
  lines, with a margin far above rounding) is inside for a filled cell, outside for a cell of
  the ring; in a cut cell its pixel (a 16 × 16 grid over the cell, each pixel classed once per
  area as inside, outside or mixed) settles it, and only points in mixed pixels get the exact
  geometric test against the cell's areas;
- a point within the margin of its hexagon's edge, or without a cell (0), is tested exactly
  (`targeting.covered`, edges inside) against all the alert's areas.

So the answer is the exact one (0 missed, 0 outside), and the geometry runs only at the
alert's edges. Points are looked up through a `CellIndex` (their cells sorted once, as a
database index on the cell column keeps them), so an alert costs O(its cells × log n) plus
its receivers, not a pass over every subscriber. What does not depend on the alert (each
area's cell, size, prepared geometry and pixels; each cell's hexagon, disc and neighbours) is
kept in a `ZoneCells` per zone set, so an alert pays only numpy work over its own cells.

Pure: numpy, shapely and h3.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
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
# A cut cell's bounding box as a grid of pixels, each classed once per area: wholly inside it,
# wholly outside, or mixed (only points in mixed pixels need the exact test). Each pixel is
# classed with its box grown by _SLACK degrees, so rounding in finding a point's pixel is harmless.
_GRID = 16
_SLACK = 1e-9
_OUT_PIXEL, _IN, _MIXED = 0, 1, 2


@dataclass(frozen=True)
class AlertCells:
    """An alert's cells and the cells around them, each with what its points need."""

    sure: np.ndarray  # sorted int64: every point in these cells is inside, no test needed
    cells: np.ndarray  # sorted int64: the other cells of the alert and the ring around it
    status: np.ndarray  # per cell: _WHOLE (the alert's areas fill it), _CUT, or _OUT
    disc: np.ndarray  # (4, cells): lon scale (cosine of its latitude), centre lon × scale, centre lat, and the
    # squared radius of its inscribed disc less the margin (0 if no hexagon), in scaled degrees
    lines: np.ndarray  # (6, 3, cells): per hexagon edge, a, b, c with a·lon + b·lat + c a point's
    # distance inside the edge (0 if no hexagon)
    cut: list[tuple[int, BaseGeometry]]  # (position in `cells`, prepared area) for each area of a _CUT cell
    grid: np.ndarray  # (4, cells): each cell's _GRID × _GRID pixels: west, south, pixels per degree of lon, of lat
    offset: np.ndarray  # per cell: where its pixels start in `pixels` (cut cells only)
    pixels: np.ndarray  # int8 per pixel of the cut cells: _IN (inside an alert area), _OUT or _MIXED
    every: np.ndarray  # all the alert's areas (prepared), for points near a hexagon edge or without a cell
    # Held while the kept, prepared areas are tested: GEOS builds a prepared geometry's index
    # lazily, on its first query, and is not thread-safe doing so (libgeos/geos#825).
    shared: threading.Lock = field(default_factory=threading.Lock, compare=False)


class ZoneCells:
    """What targeting needs of a zone set that no alert changes, kept from one alert to the
    next so that an alert pays only for its own choice of areas: each area's cell, size,
    prepared geometry, pixels and whether it is its whole hexagon; each cell's hexagon, disc,
    edge lines, pixel grid and neighbours. Filled as alerts name areas. An area whose geometry is not the one kept
    (another database, a version number reused after a rollback) is worked out again, so the
    answer never depends on what was kept. Safe to share between threads."""

    def __init__(self, resolution: int) -> None:
        self.resolution = resolution
        self._lock = threading.Lock()
        self._area_row: dict[str, int] = {}
        self._shapes: list[BaseGeometry] = []
        self._area_cell: list[int] = []  # row of the area's cell
        self._size: list[float] = []
        self._full: list[bool] = []
        self._cell_row: dict[int, int] = {}
        self._cells: list[int] = []
        self._disks: list[list[int]] = []
        self._cell_area: list[float] = []
        self._rings: list[BaseGeometry] = []  # each cell's hexagon (or pentagon) as a polygon
        self._hexagons: list[np.ndarray] = []  # each cell's 6 vertices, as `_hexagons` gives them
        self._pixels: dict[int, np.ndarray] = {}  # area row: its class per pixel of its cell's grid
        self._arrays: dict[str, np.ndarray] | None = None

    def plan(self, areas: Sequence[tuple[str, BaseGeometry]]) -> AlertCells | None:
        """The alert's cells, split by what their points need; None when an area is not an H3
        cell at the zone set's resolution (areas drawn by hand): then only the plain
        geometric test applies."""
        shapes = np.empty(len(areas), object)
        shapes[:] = [shape for _, shape in areas]
        with self._lock:
            rows = self._rows([area_id for area_id, _ in areas], shapes)
            if rows is None:
                return None
            arrays = self._snapshot()
            return self._plan(arrays, rows)

    def _rows(self, ids: list[str], shapes: np.ndarray) -> np.ndarray | None:
        """Each area's row, added or worked out again where missing or changed."""
        rows = np.fromiter((self._area_row.get(i, -1) for i in ids), np.intp, len(ids))
        known = np.flatnonzero(rows >= 0)
        kept = np.empty(len(known), object)
        kept[:] = [self._shapes[r] for r in rows[known].tolist()]
        stale = np.ones(len(ids), bool)
        stale[known] = ~shapely.equals_exact(kept, shapes[known], 0.0)
        redo = np.flatnonzero(stale).tolist()
        cells: list[int] = []
        for k in redo:
            cell = area_cell(ids[k], self.resolution)
            if cell is None:
                return None
            cells.append(cell)
        self._add_cells(cells)
        for k, cell in zip(redo, cells):
            rows[k] = self._add_area(ids[k], shapes[k], self._cell_row[cell])
        return rows

    def _add_cells(self, cells: list[int]) -> None:
        """Keep the cells not kept yet: their polygons and hexagons made in one batch."""
        new = [c for c in dict.fromkeys(cells) if c not in self._cell_row]
        if not new:
            return
        polygons = cell_polygons([h3.int_to_str(c) for c in new])
        for cell, polygon, hexagon in zip(new, polygons, _hexagons(new)):
            self._cell_row[cell] = len(self._cells)
            disk = h3int.grid_disk(cell, 1)
            self._cells.append(cell)
            self._disks.append(disk + [NO_CELL] * (7 - len(disk)) if len(disk) <= 7 else disk[:7])
            self._cell_area.append(polygon.area)
            self._rings.append(polygon)
            self._hexagons.append(hexagon)
        self._arrays = None

    def _add_area(self, area_id: str, shape: BaseGeometry, cell_row: int) -> int:
        shapely.prepare(shape)
        values = (shape, cell_row, float(shape.area),
                  bool(shapely.equals_exact(shape, self._rings[cell_row], 0.0)))
        row = self._area_row.get(area_id)
        if row is None:
            row = self._area_row[area_id] = len(self._shapes)
            for column, value in zip((self._shapes, self._area_cell, self._size, self._full), values):
                column.append(value)
        else:
            for column, value in zip((self._shapes, self._area_cell, self._size, self._full), values):
                column[row] = value
            self._pixels.pop(row, None)
        self._arrays = None
        return row

    def _snapshot(self) -> dict[str, np.ndarray]:
        """The kept values as arrays, remade only after something was added."""
        if self._arrays is None:
            shapes = np.empty(len(self._shapes), object)
            shapes[:] = self._shapes
            hexagons = np.array(self._hexagons, float).reshape(-1, 6, 2)
            self._arrays = {
                "shapes": shapes,
                "area_cell": np.array(self._area_cell, np.intp), "size": np.array(self._size, float),
                "full": np.array(self._full, bool), "cells": np.array(self._cells, np.int64),
                "disks": np.array(self._disks, np.int64).reshape(-1, 7),
                "cell_area": np.array(self._cell_area, float),
                "disc": _discs(hexagons), "lines": _lines(hexagons), "grid": _grids(self._rings)}
        return self._arrays

    def _plan(self, a: dict[str, np.ndarray], rows: np.ndarray) -> AlertCells:
        if not len(rows):
            none = np.empty(0, np.int64)
            return AlertCells(none, none, np.empty(0, np.int8), np.empty((4, 0)), np.empty((6, 3, 0)), [],
                              np.empty((4, 0)), np.empty(0, np.intp), np.empty(0, np.int8), np.empty(0, object))
        own, inverse = np.unique(a["area_cell"][rows], return_inverse=True)  # rows of the alert's cells
        count = np.bincount(inverse, minlength=len(own))
        # One piece equal to its hexagon, or pieces of several bands (they never overlap) whose
        # areas add up to the hexagon's: overlay rounding leaves their union a hair off it.
        size = np.bincount(inverse, a["size"][rows], minlength=len(own))
        full = np.bincount(inverse, a["full"][rows], minlength=len(own))
        hexagon = a["cell_area"][own]
        whole = np.where(count == 1, full > 0, np.abs(size - hexagon) <= _FILLED * hexagon)
        own_ids = a["cells"][own]
        whole_ids = np.sort(own_ids[whole])
        disks = a["disks"][own]
        sure = whole & np.isin(disks, whole_ids).all(axis=1)
        ring = disks[~sure].ravel()
        cell_ids = np.setdiff1d(ring[ring != NO_CELL], own_ids[sure])  # sorted, unique
        self._add_cells(cell_ids.tolist())
        at = np.fromiter((self._cell_row[c] for c in cell_ids.tolist()), np.intp, len(cell_ids))
        if self._arrays is None:  # cells of the ring seen for the first time
            a = self._snapshot()
        order = np.argsort(own_ids)
        where = order[np.searchsorted(own_ids, cell_ids, sorter=order).clip(0, max(len(own) - 1, 0))]
        mine = own_ids[where] == cell_ids if len(own) else np.zeros(len(cell_ids), bool)
        status = np.where(~mine, _OUT, np.where(whole[where], _WHOLE, _CUT)).astype(np.int8)
        # The areas of the cut cells, by position of their cell in `cell_ids`.
        position = np.full(len(own), -1, np.intp)
        position[where[mine & ~whole[where]]] = np.flatnonzero(mine & ~whole[where])
        of_area = position[inverse]
        chosen = np.flatnonzero(of_area >= 0)
        chosen = chosen[np.argsort(of_area[chosen], kind="stable")]
        cut = list(zip(of_area[chosen].tolist(), a["shapes"][rows[chosen]].tolist()))
        grid = np.ascontiguousarray(a["grid"][:, at])
        offset, pixels = self._cut_pixels(cut, rows[chosen], grid, len(cell_ids))
        return AlertCells(np.sort(own_ids[sure]), cell_ids, status, np.ascontiguousarray(a["disc"][:, at]),
                          np.ascontiguousarray(a["lines"][..., at]), cut, grid, offset, pixels,
                          a["shapes"][rows], self._lock)

    def _cut_pixels(self, cut: list[tuple[int, BaseGeometry]], rows: np.ndarray, grid: np.ndarray,
                    cells: int) -> tuple[np.ndarray, np.ndarray]:
        """The pixels of each cut cell for the alert's areas in it: inside if inside one of them,
        outside if outside all, else mixed."""
        offset = np.zeros(cells, np.intp)
        by_cell: dict[int, list[np.ndarray]] = {}
        for (k, shape), row in zip(cut, rows.tolist()):
            pixels = self._pixels.get(row)
            if pixels is None:
                pixels = self._pixels[row] = _classed(shape, grid[:, k])
            by_cell.setdefault(k, []).append(pixels)
        found = []
        for n, (k, classes) in enumerate(by_cell.items()):
            offset[k] = n * _GRID * _GRID
            if len(classes) == 1:
                found.append(classes[0])
            else:
                stacked = np.stack(classes)
                outside = np.where((stacked == _OUT_PIXEL).all(axis=0), _OUT_PIXEL, _MIXED)
                found.append(np.where((stacked == _IN).any(axis=0), _IN, outside).astype(np.int8))
        return offset, np.concatenate(found) if found else np.empty(0, np.int8)


def alert_cells(areas: Sequence[tuple[str, BaseGeometry]], resolution: int) -> AlertCells | None:
    """The alert's cells, worked out from nothing (a `ZoneCells` keeps them between alerts)."""
    return ZoneCells(resolution).plan(areas)


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


def _discs(hexagons: np.ndarray) -> np.ndarray:
    """Each hexagon's lon scale, centre (lon scaled, lat) and the squared radius of the largest
    disc about its centre inside it (in scaled degrees), shrunk by the margin; radius 0 for a
    cell that is no hexagon."""
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
    return np.stack([scale, centres[:, 0] * scale, centres[:, 1], radius * radius])  # (4, cells)


def _grids(hexagons: list[BaseGeometry]) -> np.ndarray:
    """Each cell's pixel grid over its bounding box: west, south, pixels per degree of lon, of lat."""
    if not hexagons:
        return np.empty((4, 0))
    west, south, east, north = shapely.bounds(np.asarray(hexagons, dtype=object)).T
    return np.stack([west, south, _GRID / (east - west), _GRID / (north - south)])


def _classed(shape: BaseGeometry, grid: np.ndarray) -> np.ndarray:
    """Each pixel of a grid (row by row from the south-west) against one area, its box grown
    by _SLACK: _IN if the area covers it, _OUT_PIXEL if they do not meet, else _MIXED."""
    west, south, per_lon, per_lat = grid.tolist()
    edges = np.arange(_GRID + 1)
    xs, ys = west + edges / per_lon, south + edges / per_lat
    iy, ix = np.divmod(np.arange(_GRID * _GRID), _GRID)
    boxes = shapely.box(xs[ix] - _SLACK, ys[iy] - _SLACK, xs[ix + 1] + _SLACK, ys[iy + 1] + _SLACK)
    shapely.prepare(shape)
    return np.where(shapely.covers(shape, boxes), _IN,
                    np.where(shapely.intersects(shape, boxes), _MIXED, _OUT_PIXEL)).astype(np.int8)


def _lines(hexagons: np.ndarray) -> np.ndarray:
    """Each hexagon edge as a line a·lon + b·lat + c = 0, scaled so that a·lon + b·lat + c is
    the distance (in degrees) of a point on its inner side; all zero for a cell that is no
    hexagon, so that no point is ever strictly inside it."""
    start, stop = hexagons, np.roll(hexagons, -1, axis=1)
    ex, ey = stop[..., 0] - start[..., 0], stop[..., 1] - start[..., 1]
    length = np.hypot(ex, ey)
    length = np.where(length > 0, length, np.inf)
    lines = np.stack([-ey / length, ex / length, (ey * start[..., 0] - ex * start[..., 1]) / length])
    return np.ascontiguousarray(lines.transpose(2, 0, 1))  # (6 edges, 3, cells): a column per cell


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
        """Where the points of each cell of `wanted` (sorted) start and stop, in cell order."""
        return np.searchsorted(self.cells, wanted, side="left"), np.searchsorted(self.cells, wanted, side="right")

    @staticmethod
    def gather(column: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        """A column's values over these runs, one run after the other: one copy of slices,
        with no array of positions made (at a million points, fewer fresh pages to touch)."""
        parts = [column[s:e] for s, e in zip(starts.tolist(), stops.tolist()) if s < e]
        return np.concatenate(parts) if parts else column[:0].copy()


def covered_by_cells(plan: AlertCells, index: CellIndex) -> np.ndarray:
    """Indices (into the points the index was made of) of the points inside or on the edge
    of the alert's areas, in no set order."""
    with plan.shared:
        return _covered_by_cells(plan, index)


def _covered_by_cells(plan: AlertCells, index: CellIndex) -> np.ndarray:
    found = [index.gather(index.order, *index.runs(plan.sure))]
    starts, stops = index.runs(plan.cells)
    lengths = stops - starts
    if lengths.any():
        x, y = index.gather(index.lon, starts, stops), index.gather(index.lat, starts, stops)
        # Where each cell's run starts among the points; a point's cell (its position in
        # `plan.cells`) is found from it only for the few points that need it.
        first = np.concatenate(([0], np.cumsum(lengths)))
        strict = _strictly_inside(plan, first, lengths, x, y)
        status = np.repeat(plan.status, lengths)
        inside = strict & (status == _WHOLE)
        # Points strictly inside a cut hexagon: only that cell's areas can hold them. Their
        # pixel settles most; those in a mixed pixel are tested against the cell's areas.
        cut = np.flatnonzero(strict & (status == _CUT))
        if cut.size:
            classes = _pixel_classes(plan, _cell_of(first, cut), x[cut], y[cut])
            inside[cut[classes == _IN]] = True
            unsure = cut[classes == _MIXED]
            runs = np.searchsorted(unsure, first)
            for k, piece in plan.cut:
                chosen = unsure[runs[k]:runs[k + 1]]
                if chosen.size:
                    inside[chosen] |= shapely.intersects_xy(piece, x[chosen], y[chosen])
        edge = np.flatnonzero(~strict)  # near a hexagon edge: may lie in a neighbour's area
        if edge.size:
            inside[edge] |= covered(plan.every, x[edge], y[edge])
        found.append(index.gather(index.order, starts, stops)[inside])
    start, stop = (int(v[0]) for v in index.runs(np.array([NO_CELL], np.int64)))
    if start < stop:
        found.append(index.order[start:stop][covered(plan.every, index.lon[start:stop], index.lat[start:stop])])
    return np.concatenate(found)


def _cell_of(first: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The cell (position in `plan.cells`) of the points at these positions, given where each
    cell's run starts."""
    return np.searchsorted(first, positions, side="right") - 1


def _pixel_classes(plan: AlertCells, group: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The class of each point's pixel in its (cut) cell's grid; _MIXED off the grid."""
    west, south, per_lon, per_lat = (values[group] for values in plan.grid)
    column = (x - west) * per_lon
    row = (y - south) * per_lat
    on_grid = (column >= 0) & (column < _GRID) & (row >= 0) & (row < _GRID)
    pixel = plan.offset[group] + row.astype(np.intp) * _GRID + column.astype(np.intp)
    classes = plan.pixels[np.where(on_grid, pixel, 0)]
    classes[~on_grid] = _MIXED
    return classes


def _strictly_inside(plan: AlertCells, first: np.ndarray, lengths: np.ndarray, x: np.ndarray,
                     y: np.ndarray) -> np.ndarray:
    """Whether each point lies inside its cell's hexagon by more than the rounding margin.

    Most points are settled by the disc inscribed in their hexagon (lon scaled by the cosine
    of the cell's latitude, so the disc is round on the ground); the rest by the six edges."""
    # The points of a cell are one run: each cell's values repeated over its run.
    scale, centre_x, centre_y, radius2 = (np.repeat(values, lengths) for values in plan.disc)
    dx = x * scale
    dx -= centre_x
    dx *= dx
    dy = y - centre_y
    dy *= dy
    dx += dy
    inside = dx < radius2
    rest = np.flatnonzero(~inside)
    if rest.size:
        group, x, y = _cell_of(first, rest), x[rest], y[rest]
        strict = np.ones(rest.size, bool)
        for a, b, c in plan.lines:
            distance = a[group] * x
            distance += b[group] * y
            distance += c[group]
            strict &= distance > _MARGIN
        inside[rest] = strict
    return inside

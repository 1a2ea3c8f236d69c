"""Alert areas: bands cut into cells of a global hexagonal grid (H3).

H3 gives every cell a permanent id, so an area's id — side, band and cell — is the same in
every build of the same input, and neighbouring builds with other options still agree on the
cells they share. Cells are clipped to the band and to the side's territory, so areas tile the
zone exactly: every point of a band lies in one area and no area reaches outside its band.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.domain.clipping import POLYGON, distinct, grid_boxes, polygonal, polygons_in_boxes

# Regions are cut into tiles of this many degrees before cells are filled in or clipped.
TILE_DEG = 1.0
# ...unless a region is at most this many tiles across: its cells are then filled in at once.
WHOLE_FILL_TILES = 2
# Boxes that must hold a shape whole are grown by this much, so that no clip runs along its edge.
BOX_MARGIN_DEG = 0.01

# Average cell diameters (twice the mean edge length), in km, by H3 resolution.
_DIAMETER_KM = {res: 2 * h3.average_hexagon_edge_length(res, "km") for res in range(3, 10)}
# An asked size this close (relatively) to a resolution's size is that size; else it lies between two.
_SAME_SIZE = 0.10


@dataclass(frozen=True)
class CellSize:
    """The size of alert areas an operator asked for, and the grid size a build uses.

    H3 cells come in steps of about 2.65x (… 2.8, 7.4, 19.7 km …): any size between two steps
    gets the nearer one, and the build says so rather than pretend it honoured the figure."""

    asked_km: float
    resolution: int
    km: float  # the cells' average size across at `resolution`
    below: tuple[int, float] | None  # when the asked size lies between two steps: the smaller one...
    above: tuple[int, float] | None  # ...and the larger one (resolution, km)

    @property
    def text(self) -> str:
        """What the build tells the operator."""
        used = f"alert areas about {self.km:.1f} km across (H3 resolution {self.resolution})"
        if self.below is None or self.above is None:
            return used
        return (f"{used}: {self.asked_km:g} km lies between the grid's sizes {self.below[1]:.1f} km (resolution "
                f"{self.below[0]}) and {self.above[1]:.1f} km (resolution {self.above[0]}); the nearer is used")


def cell_size(area_km: float) -> CellSize:
    """The H3 resolution whose cells are closest to `area_km` across (in km, not in ratio: 5 km is
    nearer 2.8 than 7.4), and whether the asked size lies between two of the grid's sizes."""
    if not area_km > 0:
        raise ValueError(f"area size must be > 0 km, not {area_km}")
    resolution = min(_DIAMETER_KM, key=lambda res: (abs(_DIAMETER_KM[res] - area_km), res))
    km = _DIAMETER_KM[resolution]
    below = above = None
    if abs(km / area_km - 1) > _SAME_SIZE:
        smaller = [res for res in _DIAMETER_KM if _DIAMETER_KM[res] < area_km]
        larger = [res for res in _DIAMETER_KM if _DIAMETER_KM[res] > area_km]
        if smaller and larger:
            below = (min(smaller), _DIAMETER_KM[min(smaller)])
            above = (max(larger), _DIAMETER_KM[max(larger)])
    return CellSize(area_km, resolution, km, below, above)


def covering_cells(region: BaseGeometry, resolution: int, tile_deg: float = TILE_DEG) -> list[str]:
    """Every cell that overlaps `region` (lon/lat), in a stable order.

    The fill runs per tile of the region: a fill scans the bounding box of its polygon, and the
    box of a long diagonal band is mostly empty. A region at most WHOLE_FILL_TILES tiles across
    (a short border's side) is filled whole: its box is small, and one fill costs less than one
    per tile (ISR-LBN's sides: 1.5-1.8 ms against 2.3-2.5). The cells are the same either way."""
    if region.is_empty:
        return []
    minx, miny, maxx, maxy = region.bounds
    if max(maxx - minx, maxy - miny) <= WHOLE_FILL_TILES * tile_deg:
        whole = polygonal(region)
        parts = [whole] if whole is not None else []
    else:
        parts = polygons_in_boxes(region, grid_boxes(region.bounds, tile_deg))
    found: set[str] = set()  # a cell overlapping two tiles or two parts is found twice
    for part in parts:
        if not part.is_empty:
            shape = h3.geo_to_h3shape(part.__geo_interface__)
            found.update(h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap"))
    return sorted(found)


def cell_polygons(cells: list[str]) -> np.ndarray:
    """Shapely polygons (lon/lat) of the cells."""
    rings = [h3.cell_to_boundary(cell) for cell in cells]
    polygons = np.empty(len(cells), dtype=object)
    # Hexagons have 6 vertices, pentagons and cells cut by an icosahedron edge more or fewer.
    counts = np.array([len(r) for r in rings], dtype=np.int64)
    for count in distinct(counts).tolist():
        chosen = np.flatnonzero(counts == count)
        latlng = np.array([rings[i] for i in chosen.tolist()], dtype=float).reshape(len(chosen), count, 2)
        closed = np.concatenate([latlng, latlng[:, :1]], axis=1)[:, :, ::-1]
        polygons[chosen] = shapely.polygons(np.ascontiguousarray(closed))
    return polygons


@dataclass(frozen=True)
class CellTiles:
    """Cells grouped by the tile that holds their centre, each group with a box that holds its
    cells whole: a region clipped to that box is, for these cells, the same as the region."""

    cells: list[str]
    polygons: np.ndarray
    groups: list[np.ndarray]  # indices into cells, ascending, one array per tile
    boxes: np.ndarray  # one (minx, miny, maxx, maxy) per group


def tile_cells(cells: list[str], polygons: np.ndarray, tile_deg: float = TILE_DEG) -> CellTiles:
    """Group the cells by tile (see CellTiles)."""
    if not cells:
        return CellTiles(cells, polygons, [], np.empty((0, 4)))
    bounds = shapely.bounds(polygons)
    centre = (bounds[:, :2] + bounds[:, 2:]) / 2
    keys = np.floor(centre / tile_deg).astype(np.int64)
    _, tile = np.unique(keys, axis=0, return_inverse=True)
    tile = tile.ravel()
    order = np.argsort(tile, kind="stable")
    starts = np.flatnonzero(np.diff(tile[order], prepend=-1))
    groups = np.split(order, starts[1:])
    boxes = np.array([[bounds[g, 0].min(), bounds[g, 1].min(), bounds[g, 2].max(), bounds[g, 3].max()] for g in groups])
    # A margin, so that no box edge runs along a cell edge (the clip must add nothing inside a cell).
    boxes += np.array([-1, -1, 1, 1]) * BOX_MARGIN_DEG
    return CellTiles(cells, polygons, groups, boxes)


def clip_cells(tiles: CellTiles, region: BaseGeometry) -> list[tuple[str, BaseGeometry]]:
    """Each cell's part inside `region`, skipping cells that only touch it, in the cells' order.

    A cell is intersected with the region clipped to its tile's box, never with the whole
    region: the cost of a cut cell is that of the few vertices of the region near it."""
    if region.is_empty or not tiles.cells:
        return []
    parts = polygons_in_boxes(region, tiles.boxes)
    reached = ~shapely.is_empty(parts)
    shapely.prepare(parts[reached])
    # Each cell beside its tile's part: one call per test for all tiles, not one per tile.
    sizes = np.array([len(group) for group in tiles.groups])
    index = np.concatenate(tiles.groups)[np.repeat(reached, sizes)]
    part = np.repeat(parts[reached], sizes[reached])
    polygons = tiles.polygons[index]
    touched = shapely.intersects(part, polygons)
    index, part, polygons = index[touched], part[touched], polygons[touched]
    inside = shapely.contains_properly(part, polygons)
    pieces = polygons.copy()
    edge = ~inside
    pieces[edge] = shapely.intersection(polygons[edge], part[edge])
    # An overlay may give lines or points beside the polygon where edges touch.
    for k in np.flatnonzero(shapely.get_type_id(pieces) != POLYGON).tolist():
        pieces[k] = polygonal(pieces[k])
    kept = np.flatnonzero(shapely.area(pieces) > 0)  # NaN (no polygon) is not > 0
    kept = kept[np.argsort(index[kept], kind="stable")]
    return list(zip([tiles.cells[i] for i in index[kept].tolist()], pieces[kept]))


def first_holders(tree: shapely.STRtree, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point some area's closure holds, that point and the first such area (by index).

    Areas tile without overlap but share edges: a point on an edge belongs to the first area,
    so every point counts once. Returns (point indices, area indices), by point.
    """
    point_index, area_index = tree.query(points, predicate="intersects")
    order = np.lexsort((area_index, point_index))
    point_index, area_index = point_index[order], area_index[order]
    first = np.unique(point_index, return_index=True)[1]
    return point_index[first], area_index[first]

"""Alert areas: bands cut into cells of a global hexagonal grid (H3).

H3 gives every cell a permanent id, so an area's id — side, band and cell — is the same in
every build of the same input, and neighbouring builds with other options still agree on the
cells they share. Cells are clipped to the band and to the side's territory, so areas tile the
zone exactly: every point of a band lies in one area and no area reaches outside its band.
"""

from __future__ import annotations

import h3
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# Average cell diameters (twice the mean edge length), in km, by H3 resolution.
_DIAMETER_KM = {res: 2 * h3.average_hexagon_edge_length(res, "km") for res in range(3, 10)}


def resolution_for(area_km: float) -> int:
    """The H3 resolution whose cells are closest to `area_km` across."""
    if not area_km > 0:
        raise ValueError(f"area size must be > 0 km, not {area_km}")
    return min(_DIAMETER_KM, key=lambda res: abs(np.log(_DIAMETER_KM[res] / area_km)))


def covering_cells(region: BaseGeometry, resolution: int) -> list[str]:
    """Every cell that overlaps `region` (lon/lat), in a stable order."""
    if region.is_empty:
        return []
    shape = h3.geo_to_h3shape(region.__geo_interface__)
    # A cell overlapping two parts of a multipolygon is listed once per part.
    return sorted(set(h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap")))


def cell_polygons(cells: list[str]) -> np.ndarray:
    """Shapely polygons (lon/lat) of the cells."""
    return np.array(
        [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]) for cell in cells],
        dtype=object,
    )


def _polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def clip_cells(cells: list[str], polygons: np.ndarray, region: BaseGeometry) -> list[tuple[str, BaseGeometry]]:
    """Each cell's part inside `region`, skipping cells that only touch it."""
    if region.is_empty or not cells:
        return []
    tree = shapely.STRtree(polygons)
    candidates = np.sort(tree.query(region, predicate="intersects"))
    shapely.prepare(region)
    inside = shapely.contains_properly(region, polygons[candidates])
    pieces = np.empty(len(candidates), dtype=object)
    pieces[inside] = polygons[candidates[inside]]
    edge = ~inside
    pieces[edge] = shapely.intersection(polygons[candidates[edge]], region)
    clipped = []
    for index, piece in zip(candidates, pieces):
        polygonal = _polygonal(piece)
        if polygonal is not None and polygonal.area > 0:
            clipped.append((cells[index], polygonal))
    return clipped


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

"""Boxes by the cells of a regular lon/lat grid: "which boxes hold this point?" in a dict look-up.

"Which area is here?" answers every `/api/where` on the event loop. A tree of the areas' boxes
answers it in microseconds, but most of them go to preparing its numpy arguments; a grid of
cells about one box wide lists the few boxes that can hold the point, and a comparison of
floats keeps those that do. The caller then tests the shapes themselves (the boxes only
propose).

A point on a cell's edge belongs to the cell `floor` gives, and a box is listed in every cell
`floor` gives for the points it holds, so a box holding a point is always among its cell's.
A box spanning more than `MAX_CELLS` cells (one across the antimeridian, say) is listed once
and proposed for every point, rather than in thousands of cells; an empty shape's box (NaN)
is listed nowhere.
"""

from __future__ import annotations

import math
import statistics
from typing import Sequence

Box = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

# A box over more cells than this is proposed everywhere instead.
MAX_CELLS = 1024
# The cell size is kept within these (degrees), whatever the boxes.
MIN_CELL_DEG, MAX_CELL_DEG = 0.001, 10.0


class BoxGrid:
    """Boxes (positions 0…n-1) by grid cell; built once, then only read (threads may share it)."""

    def __init__(self, boxes: Sequence[Box], cell_deg: float | None = None) -> None:
        self.boxes = tuple(boxes)
        self.cell_deg = cell_deg or typical_extent(self.boxes)
        self._cells: dict[tuple[int, int], list[int]] = {}
        self._everywhere: list[int] = []
        for position, (min_x, min_y, max_x, max_y) in enumerate(self.boxes):
            if not (min_x <= max_x and min_y <= max_y):  # an empty shape's box (NaN): holds nothing
                continue
            (x0, y0), (x1, y1) = self._cell(min_x, min_y), self._cell(max_x, max_y)
            if (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS:
                self._everywhere.append(position)
                continue
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    self._cells.setdefault((x, y), []).append(position)

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self.cell_deg), math.floor(lat / self.cell_deg)

    def holding(self, lon: float, lat: float) -> list[int]:
        """Positions of the boxes holding the point (edges included), in ascending order."""
        listed = self._cells.get(self._cell(lon, lat), ())
        if self._everywhere:
            listed = sorted({*listed, *self._everywhere})
        boxes = self.boxes
        return [i for i in listed if boxes[i][0] <= lon <= boxes[i][2] and boxes[i][1] <= lat <= boxes[i][3]]


def typical_extent(boxes: Sequence[Box]) -> float:
    """A cell size for these boxes: the median of their larger sides, so that a box meets a few
    cells and a cell lists a few boxes."""
    sides = [max(box[2] - box[0], box[3] - box[1]) for box in boxes]
    median = statistics.median(sides) if sides else MAX_CELL_DEG
    return min(MAX_CELL_DEG, max(MIN_CELL_DEG, median))

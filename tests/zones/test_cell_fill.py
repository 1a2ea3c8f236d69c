"""The cells overlapping a region are the same whether it is filled whole or tile by tile: a
short border's region is filled whole (its box is small), a long one's per tile."""

from __future__ import annotations

import pytest
import shapely

from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.domain.areas import TILE_DEG, WHOLE_FILL_TILES, covering_cells
from safezone.domain.geodesy import BorderGeometry
from safezone.domain.threats import derive_bands

RESOLUTION = 6  # the default area size's


def _regions(pair: str, default_threats) -> list[shapely.Geometry]:
    """Each side's territory within the outer edge of the default bands (what the build fills)."""
    border = from_country_pair(pair)
    outer = BorderGeometry(border.line).buffer(max(b.max_km for b in derive_bands(default_threats.threats)))
    return [shapely.intersection(outer, shapely.clip_by_rect(s.territory, *outer.bounds)) for s in border.sides]


def _small(region: shapely.Geometry) -> bool:
    minx, miny, maxx, maxy = region.bounds
    return max(maxx - minx, maxy - miny) <= WHOLE_FILL_TILES * TILE_DEG


def test_a_short_borders_regions_are_filled_whole_with_the_cells_a_fill_per_tile_finds(default_threats):
    for region in _regions("ISR-LBN", default_threats):
        assert _small(region)
        whole = covering_cells(region, RESOLUTION)
        assert len(whole) > 100
        for tile in (0.25, 0.5):  # small enough tiles for the fill to run per tile
            assert covering_cells(region, RESOLUTION, tile) == whole


@pytest.mark.parametrize("step", [1.3, 1.9])
def test_windows_of_a_long_border_give_the_same_cells_whole_and_per_tile(default_threats, step):
    checked = 0
    for region in _regions("RUS-UKR", default_threats):
        minx, miny, maxx, maxy = region.bounds
        x = minx
        while x < maxx:
            y = miny
            while y < maxy:
                window = shapely.clip_by_rect(region, x, y, x + step, y + step)
                if not window.is_empty and _small(window):
                    assert covering_cells(window, RESOLUTION) == covering_cells(window, RESOLUTION, 0.25)
                    checked += 1
                y += step
            x += step
    assert checked > 20

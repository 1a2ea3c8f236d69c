"""Clipping a large geometry to many boxes by recursive halving gives, box by box, what
clipping it to that box alone gives (safezone.domain.clipping)."""

from __future__ import annotations

import numpy as np
import shapely

from safezone.domain.clipping import TileSet, clip_to_boxes, grid_boxes, polygons_in_boxes


def test_each_box_gets_what_a_clip_to_it_alone_gives(rus_ukr_border):
    territory = rus_ukr_border.sides[0].territory
    boxes = grid_boxes((30.0, 44.0, 41.0, 53.0), 0.7)
    rng = np.random.default_rng(3)
    boxes = np.concatenate([boxes, boxes[rng.integers(0, len(boxes), 20)] + 0.3])  # some overlap others
    parts = clip_to_boxes(territory, boxes)
    for box, part in zip(boxes, parts):
        alone = shapely.clip_by_rect(territory, *box)
        assert shapely.equals(part, alone) or (part.is_empty and alone.is_empty)


def test_no_box_and_one_box_and_an_empty_geometry():
    square = shapely.box(0, 0, 2, 2)
    assert len(clip_to_boxes(square, np.empty((0, 4)))) == 0
    assert len(polygons_in_boxes(square, np.empty((0, 4)))) == 0
    (only,) = polygons_in_boxes(square, [[1, 1, 3, 3]])
    assert shapely.equals(only, shapely.box(1, 1, 2, 2))
    assert all(p.is_empty for p in polygons_in_boxes(shapely.Polygon(), grid_boxes((0, 0, 3, 3), 1)))


def test_a_tile_set_holds_the_points_near_its_geometry_and_no_others():
    band = shapely.LineString([(10.2, 50.2), (13.7, 50.4)]).buffer(0.1)
    tiles = TileSet.covering(band, 1.0)
    assert tiles.holds([10.5, 13.5, 12.0], [50.3, 50.5, 49.5]).tolist() == [True, True, True]  # neighbours count
    assert tiles.holds([10.5, 16.5, 12.0], [53.5, 50.3, 47.5]).tolist() == [False, False, False]
    assert tiles.grown(3.0, 0).holds([16.5], [50.3]).tolist() == [True]


def test_halving_and_clipping_straight_away_give_the_same_parts(rus_ukr_border, monkeypatch):
    """A small geometry is clipped to each box straight away, a large one halved first: both
    give each box the same part (area and extent), so the threshold is only a matter of speed."""
    from safezone.domain import clipping

    territory = shapely.clip_by_rect(rus_ukr_border.sides[1].territory, 30.0, 46.0, 40.0, 52.5)
    boxes = grid_boxes(territory.bounds, 0.5)
    monkeypatch.setattr(clipping, "DIRECT_VERTICES", 0)
    halved = clip_to_boxes(territory, boxes)
    monkeypatch.setattr(clipping, "DIRECT_VERTICES", 10**9)
    straight = clip_to_boxes(territory, boxes)
    assert np.count_nonzero(~shapely.is_empty(halved)) > 100
    assert np.allclose(shapely.area(halved), shapely.area(straight), rtol=1e-12, atol=0)
    assert np.allclose(shapely.bounds(halved), shapely.bounds(straight), rtol=0, atol=1e-12, equal_nan=True)

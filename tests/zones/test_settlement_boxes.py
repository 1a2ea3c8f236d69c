"""A box of settlements looked up among the rows of a wider box gives the very rows a scan of
all settlements gives: a build scans the whole index once and narrows from there."""

from __future__ import annotations

import numpy as np


def test_a_narrower_box_among_a_wider_boxs_rows_gives_what_a_full_scan_gives(settlements):
    wider = settlements.within_bounds(33.0, 31.0, 38.0, 35.5)
    for box in [(34.5, 32.0, 36.5, 34.5), (35.0, 33.0, 35.0, 33.5), (33.0, 31.0, 38.0, 35.5), (36.0, 34.0, 38.0, 35.5)]:
        among = settlements.within_bounds(*box, rows=wider)
        assert np.array_equal(among, settlements.within_bounds(*box))
        assert np.all(np.diff(among) > 0)
    assert len(settlements.within_bounds(34.5, 32.0, 36.5, 34.5, rows=wider)) > 100


def test_rows_outside_the_box_are_left_out_and_no_row_is_added(settlements):
    some = np.array([0, 5, 17, len(settlements) - 1])
    minx, maxx = float(settlements.lon[some].min()), float(settlements.lon[some].max())
    miny, maxy = float(settlements.lat[some].min()), float(settlements.lat[some].max())
    assert settlements.within_bounds(minx, miny, maxx, maxy, rows=some).tolist() == some.tolist()
    assert settlements.within_bounds(minx, miny, maxx, maxy, rows=some[:2]).tolist() == some[:2].tolist()
    assert len(settlements.within_bounds(minx, miny, maxx, maxy, rows=np.empty(0, dtype=np.int64))) == 0

"""`--area-km` is honoured: alert areas are cut from the H3 grid step nearest the asked size
(the grid comes in steps of about 2.65x), and the build says which size it used and when the
asked one lies between two steps."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from safezone.adapters.geodata.border_sources import from_files
from safezone.domain.areas import cell_size
from safezone.entrypoints.cli import main
from safezone.services.zones import build_zones
from tests.zones.test_zones_cli import threats_file


@pytest.mark.parametrize("asked,resolution", [(1, 8), (2, 7), (3, 7), (5, 7), (7, 6), (10, 6), (20, 5), (50, 4)])
def test_the_grid_step_nearest_the_asked_size_is_used(asked, resolution):
    # 5 km is 2.2 km from the 2.8 km step and 2.4 km from the 7.4 km one: the smaller cells.
    assert cell_size(asked).resolution == resolution


def test_a_size_between_two_steps_says_so_and_one_on_a_step_does_not():
    between = cell_size(5).text
    assert between.startswith("alert areas about 2.8 km across (H3 resolution 7)")
    assert "5 km lies between the grid's sizes 2.8 km (resolution 7) and 7.4 km (resolution 6)" in between
    assert cell_size(7).text == "alert areas about 7.4 km across (H3 resolution 6)"
    assert cell_size(2).text.startswith("alert areas about 2.8 km across") and "between" in cell_size(2).text


def test_builds_of_5_and_7_km_differ_and_record_the_size_used(small_border_files, tmp_path, default_threats, settlements):
    line, west, east = small_border_files
    border = from_files(line, [west, east])
    threats = default_threats.threats[:1]
    small = build_zones(border, threats, settlements, area_km=5)
    large = build_zones(border, threats, settlements, area_km=7)
    assert (small.parameters["h3_resolution"], small.parameters["cell_km"]) == (7, 2.81)
    assert (large.parameters["h3_resolution"], large.parameters["cell_km"]) == (6, 7.45)
    # Cells of 2.8 km: about (7.4 / 2.8)^2 = 7 times as many areas as cells of 7.4 km.
    assert len(small.areas) > 4 * len(large.areas)


def test_the_cli_says_which_size_it_used(small_border_files, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEZONE_DB", str(tmp_path / "safezone.db"))
    line, west, east = small_border_files
    result = CliRunner().invoke(main, [
        "zones", "build", "--border-file", str(line), "--territory", str(west), "--territory", str(east),
        "--threats", str(threats_file(tmp_path, 20)), "--out", str(tmp_path / "o"), "--quiet", "--area-km", "5",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Alert areas about 2.8 km across (H3 resolution 7): 5 km lies between" in " ".join(result.output.split())

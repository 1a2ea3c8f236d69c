"""Whole builds give the same zones as the recorded ones (see tests/zones/golden.py).

Four borders of different shapes and lengths: Israel–Lebanon (short), Russia–Ukraine (long,
the default), a window of the Argentina–Chile border in the Andes (a winding line through
mountains, both sides, with many cut cells) and the whole United States–Canada border (the
longest, 52,131 areas; recorded by the build before its per-tile rewrite, 7b17d38, with the same
threat classes: that build took 78 s where this one takes about 7).
"""

from __future__ import annotations

import pytest
import shapely

from safezone.adapters.geodata import geonames
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.domain.zones import BorderInput, Side
from safezone.services.zones import build_zones
from tests.zones.golden import check_against_golden

# lon/lat box of the Argentina–Chile window: the border between 41° and 38.5° south.
ANDES_WINDOW = (-73.0, -41.0, -69.5, -38.5)


@pytest.fixture(scope="module")
def place_names():
    return geonames.load_place_names()


def window(border: BorderInput, box: tuple[float, float, float, float]) -> BorderInput:
    """The part of a border inside a lon/lat box, with the sides' whole territories."""
    line = shapely.line_merge(shapely.clip_by_rect(border.line, *box))
    return BorderInput(name=f"{border.name} window", line=line, sides=tuple(Side(s.code, s.name, s.territory) for s in border.sides))


def test_israel_lebanon_gives_the_recorded_zones(default_threats, settlements, place_names):
    zones = build_zones(from_country_pair("ISR-LBN"), default_threats.threats, settlements,
                        area_km=default_threats.area_km, place_names=place_names)
    check_against_golden("isr_lbn", zones)


def test_russia_ukraine_gives_the_recorded_zones(rus_ukr):
    check_against_golden("rus_ukr", rus_ukr)


def test_a_window_of_argentina_chile_gives_the_recorded_zones(default_threats, settlements, place_names):
    border = window(from_country_pair("ARG-CHL"), ANDES_WINDOW)
    zones = build_zones(border, default_threats.threats, settlements, area_km=default_threats.area_km, place_names=place_names)
    assert len(zones.areas) > 500
    check_against_golden("arg_chl_window", zones)


def test_united_states_canada_gives_the_recorded_zones(default_threats, settlements, place_names):
    zones = build_zones(from_country_pair("USA-CAN"), default_threats.threats, settlements,
                        area_km=default_threats.area_km, place_names=place_names)
    check_against_golden("usa_can", zones)

"""City districts: GeoNames lists them beside their city, and their people must not count twice.

The GeoNames feature codes (shipped as a small table) settle most cases; newer GeoNames entries
the table lacks still go through the distance heuristic (see safezone.domain.settlements).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from safezone.adapters.geodata.geonames import FEATURE_TABLE, feature_classes
from safezone.domain.settlements import FeatureClass, mark_districts
from safezone.services.zones import locate

MARIUPOL, PRAVYI_BEREH = 701822, 13580034
KHARKIV, SALTIVKA = 706483, 6722148
SUMY, KOVPAKIVSKYI, ZARICHNYI = 692194, 13607717, 13607718
NEW_YORK, NEWARK, CHINATOWN = 5128581, 5101798, 5112540

C, S, X, U = FeatureClass.CITY, FeatureClass.SEAT, FeatureClass.SECTION, FeatureClass.UNKNOWN


def part_of(settlements, geonameid: int) -> int:
    return int(settlements.part_of[np.flatnonzero(settlements.geonameid == geonameid)[0]])


def mark(places: list[tuple[int, str, float, float, int, FeatureClass]]) -> dict[int, int]:
    """mark_districts on hand-made places (id, name, lat, lon, population, class): id -> city id or -1."""
    ids = np.array([p[0] for p in places], dtype=np.int64)
    result = mark_districts(
        np.array([p[2] for p in places]),
        np.array([p[3] for p in places]),
        np.array([p[4] for p in places], dtype=np.int64),
        np.array([p[1] for p in places]),
        ids,
        np.array([p[5] for p in places], dtype=np.int8),
    )
    return dict(zip(ids.tolist(), result.tolist()))


# -- the rule, on made-up places at 50°N (0.01° of latitude is 1.1 km) ------------------------


def test_a_place_the_table_knows_is_never_a_district_even_inside_a_larger_entrys_radius():
    # An unknown 350,000 entry (radius 5.3 km) with a known city of 230,000 four km away.
    marks = mark([(1, "Big Newer Entry", 50.0, 30.0, 350_000, U), (2, "Old Town", 50.036, 30.0, 230_000, C)])
    assert marks[2] == -1
    # The known city claims the newer entry (a district with a larger, newer figure).
    assert marks[1] == 2


def test_without_feature_classes_the_heuristic_takes_the_smaller_place_for_a_district():
    marks = mark([(1, "Big Newer Entry", 50.0, 30.0, 350_000, U), (2, "Old Town", 50.036, 30.0, 230_000, U)])
    assert marks == {1: -1, 2: 1}


def test_a_section_joins_its_nearest_larger_place_whose_radius_holds_it():
    marks = mark([
        (1, "Capital", 50.0, 30.0, 1_000_000, S),  # radius 8.9 km
        (2, "Suburb Town", 50.1, 30.0, 60_000, C),  # radius 2.2 km, 11 km from the capital
        (3, "Old Quarter", 50.02, 30.0, 40_000, X),  # 2.2 km from the capital
        (4, "Suburb Centre", 50.11, 30.0, 5_000, X),  # 1.1 km from the town, 12 km from the capital
        (5, "Lone Section", 52.0, 30.0, 5_000, X),  # nowhere near a larger place
    ])
    assert marks == {1: -1, 2: -1, 3: 1, 4: 2, 5: -1}


def test_a_section_is_never_a_city_with_districts_of_its_own():
    marks = mark([(1, "Big Section", 50.0, 30.0, 300_000, X), (2, "Next Door", 50.01, 30.0, 2_000, U)])
    assert marks == {1: -1, 2: -1}


# -- the shipped table ---------------------------------------------------------------------


def test_the_feature_table_is_small_and_knows_cities_seats_and_sections():
    table = Path(str(files("safezone").joinpath(FEATURE_TABLE)))
    assert table.stat().st_size < 1_500_000
    kinds = feature_classes(np.array([MARIUPOL, KHARKIV, NEWARK, CHINATOWN, PRAVYI_BEREH], dtype=np.int64))
    assert kinds.tolist() == [C, S, S, X, U]
    with np.load(table) as data:
        assert len(data["section"]) == 6_247
    assert "CC BY 4.0" in files("safezone").joinpath("data/geonames-feature-classes.md").read_text(encoding="utf-8")


# -- real GeoNames places ------------------------------------------------------------------


def test_mariupol_is_a_city_and_its_newer_district_entry_is_its_district(settlements):
    assert part_of(settlements, MARIUPOL) == -1
    assert part_of(settlements, PRAVYI_BEREH) == MARIUPOL


def test_saltivka_is_a_district_of_kharkiv(settlements):
    assert part_of(settlements, KHARKIV) == -1
    assert part_of(settlements, SALTIVKA) == KHARKIV


def test_sumys_districts_are_districts_of_sumy(settlements):
    assert part_of(settlements, SUMY) == -1
    assert part_of(settlements, KOVPAKIVSKYI) == SUMY
    assert part_of(settlements, ZARICHNYI) == SUMY


def test_newark_is_not_a_district_of_new_york_but_chinatown_is(settlements):
    assert part_of(settlements, NEWARK) == -1
    assert part_of(settlements, NEW_YORK) == -1
    assert part_of(settlements, CHINATOWN) == NEW_YORK


def test_mariupols_area_is_named_after_it_and_counts_its_people(rus_ukr, settlements):
    i = int(np.flatnonzero(settlements.geonameid == MARIUPOL)[0])
    area = locate(rus_ukr, float(settlements.lat[i]), float(settlements.lon[i])).area
    assert area.name == "Mariupol"
    mariupol = next(s for s in area.settlements if s.geonameid == MARIUPOL)
    assert mariupol.part_of is None and mariupol.counted_population == 230_000
    # Its people, spread over its disc (half of it in the Sea of Azov, which holds nobody), all count.
    shares = [share.people for a in rus_ukr.areas for share in a.people() if share.geonameid == MARIUPOL]
    assert sum(shares) == 230_000 and len(shares) > 1
    assert any(share.geonameid == MARIUPOL for share in area.people())
    # Pravyi Bereh's figure is inside Mariupol's and adds nothing anywhere.
    pravyi_bereh = next(s for a in rus_ukr.areas for s in a.settlements if s.geonameid == PRAVYI_BEREH)
    assert pravyi_bereh.counted_population == 0


@pytest.mark.parametrize("district", [SALTIVKA, KOVPAKIVSKYI, ZARICHNYI])
def test_a_district_in_the_zones_adds_nothing_to_any_area(rus_ukr, district):
    listed = [s for a in rus_ukr.areas for s in a.settlements if s.geonameid == district]
    assert len(listed) == 1 and listed[0].part_of is not None and listed[0].counted_population == 0

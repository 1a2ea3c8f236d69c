"""The zones of the real Russia–Ukraine border, checked town by town.

For each town its geodesic distance to the border is computed independently (pyproj's
geodesic to the densified border); the band that distance falls in must be the band of the
area that holds the town, on the town's own side.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from safezone.services.zones import locate
from tests.zones.geodesic_reference import densified_vertices, reference_km

# (GeoNames id, name, side): towns on both sides, from beside the border to 80 km away.
TOWNS = [
    (692194, "Sumy", "UKR"),
    (706483, "Kharkiv", "UKR"),
    (689304, "Vovchansk", "UKR"),
    (713749, "Okhtyrka", "UKR"),
    (693942, "Shostka", "UKR"),
    (578072, "Belgorod", "RUS"),
    (495112, "Shebekino", "RUS"),
    (477192, "Valuyki", "RUS"),
    (486816, "Sudzha", "RUS"),
    (484907, "Taganrog", "RUS"),
]


def town(settlements, geonameid: int):
    index = int(np.flatnonzero(settlements.geonameid == geonameid)[0])
    return settlements.settlement(index)


@pytest.fixture(scope="module")
def reference_vertices(rus_ukr_border):
    return densified_vertices(rus_ukr_border.line)


@pytest.mark.parametrize("geonameid,name,side", TOWNS, ids=[t[1] for t in TOWNS])
def test_each_town_lies_in_the_band_of_its_geodesic_distance(rus_ukr, settlements, reference_vertices, geonameid, name, side):
    place_ = town(settlements, geonameid)
    assert place_.name == name
    lat, lon = place_.lat, place_.lon
    distance = reference_km(reference_vertices, lon, lat)
    expected = [b for b in rus_ukr.bands if b.min_km <= distance < b.max_km]
    place = locate(rus_ukr, lat, lon)
    assert place.area is not None, f"{name} ({distance:.1f} km) is outside every zone"
    assert place.area.side == side
    assert place.distance_km == pytest.approx(distance, rel=0.005)
    # A town within 0.5 % of a band edge may fall either way; none of these does.
    assert all(abs(distance - edge) > 0.005 * edge for edge in (expected[0].min_km, expected[0].max_km))
    assert place.area.band == expected[0].index
    assert place.area.time_to_shelter_s == expected[0].time_to_shelter_s
    assert place.area.min_km <= distance + 0.05 and distance - 0.05 <= place.area.max_km


@pytest.mark.parametrize("geonameid,name", [(692194, "Sumy"), (706483, "Kharkiv"), (578072, "Belgorod")])
def test_a_city_names_the_area_it_lies_in(rus_ukr, settlements, geonameid, name):
    city = town(settlements, geonameid)
    assert locate(rus_ukr, city.lat, city.lon).area.name == name


def test_a_far_city_is_outside_every_zone(rus_ukr):
    place = locate(rus_ukr, 50.4501, 30.5234)  # Kyiv, about 200 km from this border
    assert place.area is None
    assert place.distance_km > 150


def test_areas_of_a_band_tile_it_without_overlap(rus_ukr, rus_ukr_measure, rus_ukr_border):
    for side in rus_ukr_border.sides:
        band = rus_ukr.bands[2]
        pieces = [a.geometry for a in rus_ukr.areas_of(side.code, band.index)]
        union = shapely.union_all(pieces)
        ring = shapely.difference(rus_ukr_measure.buffer(band.max_km), rus_ukr_measure.buffer(band.min_km))
        expected = shapely.intersection(ring, side.territory)
        # Same area (no gaps), and the pieces' areas add up to the union (no overlaps).
        assert union.area == pytest.approx(expected.area, rel=1e-6)
        assert sum(p.area for p in pieces) == pytest.approx(union.area, rel=1e-6)
        assert shapely.symmetric_difference(union, expected).area < 1e-6 * expected.area


def test_every_settlement_in_the_zones_is_counted_once(rus_ukr, settlements):
    ids = [s.geonameid for a in rus_ukr.areas for s in a.settlements]
    assert len(ids) == len(set(ids))
    outer = shapely.union_all([a.geometry for a in rus_ukr.areas])
    inside = shapely.contains_xy(outer, settlements.lon, settlements.lat)
    assert len(ids) == int(inside.sum())


def test_a_city_district_is_listed_but_not_counted_twice(rus_ukr):
    kharkiv_area = next(a for a in rus_ukr.areas if any(s.name == "Kharkiv" for s in a.settlements))
    saltivka = next(s for a in rus_ukr.areas for s in a.settlements if s.name == "Saltivka")
    assert saltivka.part_of == next(s.geonameid for s in kharkiv_area.settlements if s.name == "Kharkiv")
    total = sum(a.population for a in rus_ukr.areas)
    listed = sum(s.population for a in rus_ukr.areas for s in a.settlements)
    assert total <= listed - saltivka.population


def test_area_ids_are_stable_across_builds(rus_ukr, rus_ukr_border, default_threats, settlements):
    from safezone.services.zones import build_zones

    again = build_zones(rus_ukr_border, default_threats.threats, settlements, area_km=default_threats.area_km)
    assert [a.id for a in again.areas] == [a.id for a in rus_ukr.areas]
    assert [a.name for a in again.areas] == [a.name for a in rus_ukr.areas]
    assert len({a.id for a in rus_ukr.areas}) == len(rus_ukr.areas)


def test_areas_are_a_few_km_across(rus_ukr):
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    whole = [a for a in rus_ukr.areas if len(shapely.get_coordinates(a.geometry)) == 7]
    sizes = np.array([np.sqrt(abs(geod.geometry_area_perimeter(a.geometry)[0])) / 1000 for a in whole[:500]])
    assert 4 < np.median(sizes) < 10

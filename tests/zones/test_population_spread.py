"""Where people are counted: a city's people spread over a disc of its estimated radius.

A settlement is one GeoNames point, but a city spans kilometres: its people are shared among
the areas (and bands) its disc covers, in proportion to the part each covers, and the shares
add up exactly to its population. Small places stay whole at their point.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from safezone.adapters.db import Database
from safezone.adapters.geodata.zone_files import read_zones, zones_to_geojson
from safezone.domain.population import spread_population, spread_radius_km
from safezone.domain.settlements import SettlementIndex, estimated_radius_km
from safezone.domain.threats import ThreatClass, WarningTimeTable
from safezone.domain.zones import BorderInput, Settlement, Side, summarise
from safezone.services.exposure import compute_exposure
from safezone.domain.shelters import Shelter
from safezone.services.zones import build_zones

KHARKIV = 706483
KM_PER_DEG_LAT = 111.2


def segment_fraction(offset_km: float, radius_km: float) -> float:
    """The share of a disc beyond a straight line `offset_km` from its centre."""
    d = offset_km / radius_km
    return (math.acos(d) - d * math.sqrt(1 - d * d)) / math.pi


def spread(areas, people, lon, lat, lands=None, sides=None, min_radius_km=1.0):
    lands = lands or [shapely.union_all(areas)]
    return spread_population(
        areas, np.zeros(len(areas), dtype=int) if sides is None else np.array(sides), lands,
        np.array(lon, dtype=float), np.array(lat, dtype=float), np.array(people, dtype=np.int64),
        np.arange(1, len(people) + 1, dtype=np.int64), min_radius_km,
    )


def per_area(shares, count: int) -> list[int]:
    return np.bincount(shares.area, weights=shares.people, minlength=count).astype(int).tolist()


# -- the model, on hand-made areas at 50°N --------------------------------------------------


def test_a_town_on_the_edge_of_two_areas_is_shared_by_the_part_each_covers():
    # Two areas meeting at 30°E; a town of 100,000 (radius 2.8 km) centred 1 km west of the edge.
    west, east = box(29.5, 49.5, 30.0, 50.5), box(30.0, 49.5, 30.5, 50.5)
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(50.0))
    shares = spread([west, east], [100_000], [30.0 - 1 / km_per_deg_lon], [50.0])
    in_west, in_east = per_area(shares, 2)
    assert in_west + in_east == 100_000
    expected_east = 100_000 * segment_fraction(1.0, float(estimated_radius_km(100_000)))
    assert in_east == pytest.approx(expected_east, rel=0.01)


def test_a_small_place_stays_whole_at_its_point():
    west, east = box(29.5, 49.5, 30.0, 50.5), box(30.0, 49.5, 30.5, 50.5)
    # 2,000 people: a radius of 0.4 km, below the 1 km from which places are spread.
    shares = spread([west, east], [2_000], [29.999], [50.0])
    assert per_area(shares, 2) == [2_000, 0]
    assert (shares.lon[0], shares.lat[0]) == (29.999, 50.0)


def test_the_part_of_a_disc_across_the_border_or_in_the_sea_holds_nobody():
    # The town sits on its land's edge (the border, or a coast): its land is half of its disc.
    land, across = box(29.5, 49.5, 30.0, 50.5), box(30.0, 49.5, 30.5, 50.5)
    shares = spread([land, across], [100_000], [30.0], [50.0], lands=[land, across], sides=[0, 1])
    assert per_area(shares, 2) == [100_000, 0]


def test_the_part_of_a_disc_beyond_the_zones_lives_outside_them():
    # The zones end at 30°E; the land goes on. A town centred on the zones' edge counts half.
    zone, land = box(29.5, 49.5, 30.0, 50.5), box(29.5, 49.5, 31.0, 50.5)
    shares = spread([zone], [100_000], [30.0], [50.0], lands=[land])
    assert per_area(shares, 1) == [pytest.approx(50_000, abs=1)]


def test_shares_are_whole_people_adding_up_exactly():
    cells = [box(29.5 + i * 0.01, 49.9, 29.51 + i * 0.01, 50.1) for i in range(100)]
    people = [1_000_003, 250_001, 77_777]
    shares = spread(cells, people, [29.9, 30.0, 30.1], [50.0, 50.0, 50.0])
    assert shares.people.dtype.kind == "i" and (shares.people > 0).all()
    assert np.bincount(shares.geonameid, weights=shares.people).astype(int).tolist()[1:] == people


def test_the_spread_radius_grows_with_the_area_size():
    assert spread_radius_km(2) == 1.0
    assert spread_radius_km(20) == pytest.approx(3.0)


# -- a town cut by a band edge, in a whole build --------------------------------------------


@pytest.fixture
def straight_border_zones():
    """A border along 10°E; bands 0–10 km (15 s) and 10–30 km (45 s); a town astride 10 km."""
    line = shapely.LineString([(10.0, 50.0), (10.0, 51.0)])
    border = BorderInput("test border", line, (Side("EEE", "Eastland", box(10.0, 50.0, 11.0, 51.0)),))
    threats = [ThreatClass("rockets", 30, WarningTimeTable(((10, 15), (30, 45))))]
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(50.5))
    town = Settlement(1, "Edgetown", 50.5, 10.0 + 10.0 / km_per_deg_lon, 100_000, "EE")
    village = Settlement(2, "Hamlet", 50.7, 10.0 + 20.0 / km_per_deg_lon, 900, "EE")
    return build_zones(border, threats, SettlementIndex.from_settlements([town, village]), area_km=7)


def test_a_town_cut_by_a_band_edge_counts_in_both_bands_by_the_part_in_each(straight_border_zones):
    rows = {row.band: row.population for row in summarise(straight_border_zones)}
    town_in_band = {b: sum(s.people for a in straight_border_zones.areas_of(band=b) for s in a.people() if s.geonameid == 1)
                    for b in (0, 1)}
    assert town_in_band[0] + town_in_band[1] == 100_000
    # Centred on the 10 km edge (within the 0.5 % a straight line in degrees is off the geodesic).
    assert town_in_band[0] == pytest.approx(50_000, rel=0.04)
    assert rows == {0: town_in_band[0], 1: town_in_band[1] + 900}


def test_exposure_judges_each_share_from_its_own_part_of_the_town(straight_border_zones):
    # One shelter on the point a share of the town is judged from (45 s on foot reach about
    # 35 m): that share can reach it, the same town's other shares, kilometres away, cannot.
    holder = max((a for a in straight_border_zones.areas_of(band=1)), key=lambda a: a.population)
    share = max(holder.people(), key=lambda s: s.people)
    shelter = Shelter(source="t", source_id="1", name="Shelter", lat=share.lat, lon=share.lon)
    report = compute_exposure(straight_border_zones, [shelter])
    figures = next(a.figures for a in report.areas if a.area.id == holder.id)
    assert figures.reachable_population == share.people
    assert report.total.population == 100_900
    assert 0 < report.total.reachable_population < 100_000


# -- the real Russia–Ukraine zones ----------------------------------------------------------


def test_kharkivs_people_are_spread_over_the_areas_and_bands_the_city_covers(rus_ukr):
    shares = [(a, s.people) for a in rus_ukr.areas for s in a.people() if s.geonameid == KHARKIV]
    assert sum(people for _, people in shares) == 1_421_125
    assert len(shares) >= 10
    assert len({a.band for a, _ in shares}) >= 2
    assert max(people for _, people in shares) < 0.25 * 1_421_125


def test_the_total_of_the_build_is_the_sum_over_its_areas_and_over_its_settlements(rus_ukr, settlements):
    total = sum(a.population for a in rus_ukr.areas)
    assert sum(row.population for row in summarise(rus_ukr)) == total
    by_settlement: dict[int, int] = {}
    for area in rus_ukr.areas:
        for share in area.people():
            by_settlement[share.geonameid] = by_settlement.get(share.geonameid, 0) + share.people
    assert sum(by_settlement.values()) == total
    index = {int(g): i for i, g in enumerate(settlements.geonameid)}
    # No settlement counts more people than it has, and none of a district's.
    for geonameid, people in by_settlement.items():
        i = index[geonameid]
        assert settlements.part_of[i] < 0 and people <= settlements.population[i]
    # Every counted settlement whose point lies in the zones counts in them, all of it when
    # its disc lies within (Sumy, Kharkiv, Belgorod are 30–45 km from the 80 km edge).
    for city in (692194, KHARKIV, 578072):
        assert by_settlement[city] == settlements.population[index[city]]


def test_a_stored_build_keeps_its_shares(db_url, straight_border_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            version = uow.zones.add(straight_border_zones)
            uow.commit()
        with db.unit_of_work() as uow:
            loaded = uow.zones.get(version)
    assert loaded == straight_border_zones
    assert [a.population for a in loaded.areas] == [a.population for a in straight_border_zones.areas]


def test_a_zones_file_keeps_its_shares(tmp_path, straight_border_zones):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(zones_to_geojson(straight_border_zones)), encoding="utf-8")
    loaded = read_zones(path)
    assert [a.people() for a in loaded.areas] == [a.people() for a in straight_border_zones.areas]
    assert sum(a.population for a in loaded.areas) == 100_900

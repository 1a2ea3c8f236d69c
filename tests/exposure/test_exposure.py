"""Exposure figures per area, band and side, on a zone set whose answers are known by hand."""

from __future__ import annotations

import pytest

from safezone.adapters.db import Database
from safezone.domain.errors import InputError
from safezone.domain.shelters import Shelter, WalkingModel
from safezone.services.exposure import compute_exposure, exposure_report

M_PER_DEG_LAT = 111_200.0  # near 50°N, good to 0.2 %


def near(source_id: str, lat: float, lon: float, metres_north: float, capacity: int | None) -> Shelter:
    return Shelter("test", source_id, source_id, lat + metres_north / M_PER_DEG_LAT, lon, capacity)


# sample_zones: Westgate (12,000 + a district of 3,000 counted in it) and Far West (4,000) on
# side AAA; Eastgate (20,000) and Hamlet (600) on side BBB. Times to shelter: 15 s in band 0,
# 90 s in band 1. Default walk: 1 m/s, detour 1.3 → reach 11.5 m in 15 s, 69.2 m in 90 s.
SHELTERS = [
    near("westgate cellar", 50.5, 29.98, 5, 500),       # reachable from Westgate
    near("far west hall", 50.2, 29.8, 100, 300),         # 130 m walk > 90 m: out of reach
    near("eastgate metro", 50.5, 30.02, 10, 4000),       # reachable from Eastgate
    near("eastgate garage", 50.5, 30.02, 400, None),     # capacity unknown, too far anyway
    near("beyond the zones", 50.9, 29.50, 0, 50),        # in no area
]


@pytest.fixture
def report(sample_zones):
    return compute_exposure(sample_zones, SHELTERS)


def figures_of(report, area_id):
    return next(a.figures for a in report.areas if a.area.id == area_id)


def test_each_area_counts_people_shelters_capacity_and_reach(report):
    westgate = figures_of(report, "AAA-0-1")
    assert (westgate.settlements, westgate.population, westgate.shelters, westgate.capacity) == (2, 12000, 1, 500)
    assert westgate.reachable_population == 12000 and westgate.coverage == 1.0
    assert westgate.capacity_per_resident == pytest.approx(500 / 12000)
    far_west = figures_of(report, "AAA-1-1")
    assert (far_west.population, far_west.shelters, far_west.reachable_population) == (4000, 1, 0)
    eastgate = figures_of(report, "BBB-0-1")
    assert (eastgate.population, eastgate.shelters, eastgate.capacity, eastgate.unknown_capacity) == (20600, 2, 4000, 1)
    assert eastgate.reachable_population == 20000  # the hamlet has no shelter within 11.5 m
    empty = figures_of(report, "BBB-1-1")
    assert empty.population == 0 and empty.coverage is None and empty.capacity_per_resident is None


def test_groups_add_up_per_side_per_band_and_in_total(report):
    assert report.group("AAA", 0).figures.reachable_population == 12000
    assert report.group(None, 0).figures.population == 32600
    assert report.group("BBB", None).figures.population == 20600
    total = report.group(None, None).figures
    assert total == report.total
    assert (total.population, total.reachable_population, total.shelters, total.capacity) == (36600, 32000, 4, 4800)


def test_worst_covered_areas_come_first(report):
    assert [a.area.id for a in report.worst_first()] == ["AAA-1-1", "BBB-0-1", "AAA-0-1"]


def test_a_faster_walk_reaches_more(sample_zones):
    brisk = compute_exposure(sample_zones, SHELTERS, WalkingModel(speed_m_s=1.6, detour_factor=1.2))
    # 90 s × 1.6 / 1.2 = 120 m ≥ 100 m: Far West is now covered.
    assert figures_of(brisk, "AAA-1-1").reachable_population == 4000


def test_the_report_reads_the_active_zone_set_and_the_registry(db_url, sample_zones):
    with Database(db_url) as db:
        with pytest.raises(InputError, match="no active zone set"):
            exposure_report(db)
        with db.unit_of_work() as uow:
            version = uow.zones.add(sample_zones, activate=True)
            uow.shelters.upsert(SHELTERS + [Shelter("test", "elsewhere", "Far away", 40.0, 10.0, 99)])
            uow.commit()
        stored = exposure_report(db)
    assert stored.zone_set_version == version
    assert stored.total == compute_exposure(sample_zones, SHELTERS).total

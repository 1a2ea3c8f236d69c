"""Coverage with an early warning, and walking time to the nearest shelter, on the hand-made
zone set of test_exposure (its shelters: Westgate's cellar 5 m away, Far West's hall 100 m,
Eastgate's metro 10 m, the Hamlet's nearest about 33 km). At 1 m/s with detour 1.3 the walks
are 6.5 s, 130 s, 13 s and hours."""

from __future__ import annotations

import csv
import io
import json

import pytest

from safezone.adapters.reports.exposure_page import render_exposure_page
from safezone.adapters.reports.exposure_tables import report_csv, report_json
from safezone.domain.errors import InputError
from safezone.services.exposure import compute_exposure
from tests.exposure.test_exposure import SHELTERS, figures_of


@pytest.mark.parametrize("lead_time_s,far_west", [(300, 4000), (45, 4000), (35, 0), (0, 0)])
def test_early_coverage_adds_the_lead_time_to_the_time_to_shelter(sample_zones, lead_time_s, far_west):
    """Far West (90 s to shelter) walks 130 s: covered with a lead time of 45 s, not 35 s."""
    report = compute_exposure(sample_zones, SHELTERS, lead_time_s=lead_time_s)
    assert figures_of(report, "AAA-1-1").early_reachable_population == far_west
    assert figures_of(report, "AAA-0-1").early_reachable_population == 12000
    assert figures_of(report, "BBB-0-1").early_reachable_population == 20000  # the Hamlet's 600: never
    assert report.total.early_reachable_population == 32000 + far_west


def test_walking_time_to_the_nearest_shelter_is_cumulative_per_band(sample_zones):
    report = compute_exposure(sample_zones, SHELTERS)
    assert report.total.within_minutes() == {1: 32000, 3: 36000, 5: 36000, 10: 36000}
    assert report.group(None, 0).figures.within_minutes() == {1: 32000, 3: 32000, 5: 32000, 10: 32000}
    assert report.group(None, 1).figures.within_minutes() == {1: 0, 3: 4000, 5: 4000, 10: 4000}
    assert figures_of(report, "BBB-0-1").within_minutes() == {1: 20000, 3: 20000, 5: 20000, 10: 20000}


def test_without_shelters_nobody_is_within_any_time(sample_zones):
    report = compute_exposure(sample_zones, [])
    assert report.total.within_minutes() == {1: 0, 3: 0, 5: 0, 10: 0}
    assert report.total.early_reachable_population == 0


def test_json_csv_and_page_carry_the_figures(sample_zones):
    report = compute_exposure(sample_zones, SHELTERS, lead_time_s=300)
    document = json.loads(json.dumps(report_json(report)))
    assert document["early_warning_lead_time_s"] == 300 and document["walking_minutes"] == [1, 3, 5, 10]
    total = document["total"]
    assert total["early_coverage"] == round(36000 / 36600, 4)
    assert total["within_1_min_share"] == round(32000 / 36600, 4) and total["within_3_min"] == 36000
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    band_1 = next(r for r in rows if r["level"] == "band" and r["band"] == "1")
    assert (band_1["within_1_min"], band_1["within_3_min"], band_1["early_reachable_population"]) == ("0", "4000", "4000")
    page = render_exposure_page(report)
    assert "Walking time to the nearest shelter" in page and "<polyline" in page
    assert "98 % can reach one" in page  # 36,000 of 36,600 with an early warning 5 min ahead


@pytest.mark.parametrize("lead_time_s", [-1, 3601, 1.5])
def test_a_bad_lead_time_is_refused(sample_zones, lead_time_s):
    with pytest.raises(InputError, match="lead time") as refused:
        compute_exposure(sample_zones, SHELTERS, lead_time_s=lead_time_s)
    assert refused.value.field == "lead_time"

"""Each threat class's early-warning lead time comes from the threat-class file
(`early_warning_lead_s` in its `[stages]` table): the report counts coverage per class within
its own lead time; `--lead-time` overrides them all. On the hand-made zones of test_exposure:
Far West (90 s to shelter, 4,000 people) walks 130 s to its shelter, so a 45 s lead covers it
and a 35 s lead does not; Westgate (12,000) and Eastgate (20,000) are covered either way, the
Hamlet's 600 never."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from safezone.adapters.config.threats import load_threats
from safezone.domain.errors import InputError
from safezone.domain.stages import DEFAULT_EARLY_WARNING_LEAD_S
from safezone.entrypoints.cli import main
from safezone.services.exposure import compute_exposure, early_warning_leads
from tests.exposure.test_exposure import SHELTERS
from tests.exposure.test_report_command import stock

THREATS = """
[stages.default]
use = ["early-warning", "alert", "all-clear"]
early_warning_lead_s = 35

[stages."slow aerial"]
early_warning_lead_s = 45

[stages."short range"]
use = ["alert", "all-clear"]

[[threat]]
name = "rockets"
max_range_km = 20
warning = { table = [[5, 15], [20, 90]] }

[[threat]]
name = "slow aerial"
max_range_km = 20
warning = { table = [[5, 15], [20, 90]] }

[[threat]]
name = "short range"
max_range_km = 20
warning = { table = [[5, 15], [20, 90]] }
"""


@pytest.fixture
def threats_file(tmp_path: Path) -> Path:
    path = tmp_path / "threats.toml"
    path.write_text(THREATS, encoding="utf-8")
    return path


@pytest.fixture
def three_class_zones(sample_zones):
    """The sample zones, with every band reached by the three classes of THREATS."""
    names = ("rockets", "short range", "slow aerial")
    bands = tuple(replace(b, seconds_by_threat=tuple((n, b.time_to_shelter_s) for n in names)) for b in sample_zones.bands)
    return replace(sample_zones, bands=bands)


def coverage_of(report) -> dict[str, tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    return {t.threat: (t.lead_time_s, t.population, t.reachable_population, t.early_reachable_population)
            for t in report.by_threat}


def test_each_class_is_counted_within_its_own_configured_lead_time(threats_file, three_class_zones):
    leads = early_warning_leads(load_threats(threats_file))
    assert leads == {"rockets": 35, "slow aerial": 45}  # short range has no early warning
    report = compute_exposure(three_class_zones, SHELTERS, lead_times=leads)
    assert coverage_of(report) == {"rockets": (35, 36600, 32000, 32000), "slow aerial": (45, 36600, 32000, 36000)}
    assert [round(t.early_coverage, 4) for t in report.by_threat] == [round(32000 / 36600, 4), round(36000 / 36600, 4)]


def test_a_class_counts_only_the_areas_it_reaches(threats_file, sample_zones):
    """In the sample zones only "rockets" reaches anything: the other class has nobody in reach."""
    report = compute_exposure(sample_zones, SHELTERS, lead_times=early_warning_leads(load_threats(threats_file)))
    assert coverage_of(report) == {"rockets": (35, 36600, 32000, 32000), "slow aerial": (45, 0, 0, 0)}
    assert report.by_threat[1].early_coverage is None


def test_without_a_configured_lead_the_conservative_default_applies(tmp_path):
    path = tmp_path / "threats.toml"
    path.write_text(THREATS.replace("early_warning_lead_s = 35\n", ""), encoding="utf-8")
    assert early_warning_leads(load_threats(path)) == {"rockets": DEFAULT_EARLY_WARNING_LEAD_S, "slow aerial": 45}
    assert early_warning_leads(load_threats(None)) == {name: 120 for name in ("medium range", "slow aerial")}


def test_the_report_command_reads_the_file_and_lead_time_overrides_it(tmp_path, threats_file, three_class_zones):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    stock(url, three_class_zones)
    covered = round(32000 / 36600, 4)  # the command's two shelters are 33 km from Far West: no lead time helps it
    for extra, expected in (([], {"rockets": (35, covered), "slow aerial": (45, covered)}),
                            (["--lead-time", "40"], {"rockets": (40, covered), "slow aerial": (40, covered)})):
        out = tmp_path / f"out{len(extra)}"
        result = CliRunner().invoke(main, ["report", "--db", url, "--threats", str(threats_file), "--out", str(out),
                                           *extra])
        assert result.exit_code == 0, result.output
        data = json.loads((out / "exposure.json").read_text())
        assert {t["threat"]: (t["lead_time_s"], t["early_coverage"]) for t in data["early_warning_by_threat"]} == expected
        assert data["early_warning_lead_time_s"] == (35 if not extra else 40)  # the shortest, or the override
        assert "With each class's early warning" in (out / "exposure.html").read_text()


@pytest.mark.parametrize("value", ["-1", "3601", "1.5", '"2 min"', "true"])
def test_a_bad_lead_time_in_the_file_names_file_class_and_field(tmp_path, value):
    path = tmp_path / "threats.toml"
    path.write_text(THREATS.replace("early_warning_lead_s = 45", f"early_warning_lead_s = {value}"), encoding="utf-8")
    with pytest.raises(InputError, match="whole number of seconds from 0 to 3600") as refused:
        load_threats(path)
    assert refused.value.field == "stages.slow aerial.early_warning_lead_s"
    assert str(path) in str(refused.value) and "line 6" in str(refused.value)
    result = CliRunner().invoke(main, ["report", "--db", f"sqlite:///{tmp_path / 'z.db'}", "--threats", str(path)])
    assert result.exit_code == 2 and "stages.slow aerial.early_warning_lead_s" in result.output

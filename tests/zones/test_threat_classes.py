"""Threat classes turn into distance bands with a time to shelter each."""

from __future__ import annotations

import pytest

from safezone.adapters.config.threats import load_threats
from safezone.domain.errors import InputError
from safezone.domain.threats import (
    InvalidThreatClass,
    ProjectileSpeed,
    ThreatClass,
    WarningTimeTable,
    derive_bands,
)


def test_a_table_gives_its_step_at_each_distance():
    table = WarningTimeTable(((4, 0), (7, 15), (20, 30)))
    assert [table.seconds_at(d) for d in (0, 3.9, 4, 6.99, 7, 19, 25)] == [0, 0, 15, 15, 30, 30, 30]


def test_a_projectile_speed_leaves_flight_time_minus_detection_delay():
    model = ProjectileSpeed(speed_m_s=50, detection_delay_s=60)
    assert model.seconds_at(10) == pytest.approx(140)
    assert model.seconds_at(1) == 0  # never negative


def test_bands_are_cut_where_a_range_ends_or_a_warning_steps():
    threats = [
        ThreatClass("short", 20, WarningTimeTable(((5, 0), (20, 30)))),
        ThreatClass("long", 60, WarningTimeTable(((10, 15), (60, 90)))),
    ]
    bands = derive_bands(threats)
    assert [(b.min_km, b.max_km) for b in bands] == [(0, 5), (5, 10), (10, 20), (20, 60)]
    # The shortest warning of any threat that reaches the band's near edge.
    assert [b.time_to_shelter_s for b in bands] == [0, 15, 30, 90]
    assert dict(bands[3].seconds_by_threat) == {"long": 90}


def test_the_shipped_defaults_name_their_source_and_step_from_immediate_to_90_seconds():
    config = load_threats()
    text = config.source and open(config.source, encoding="utf-8").read()
    assert "Home Front Command" in text
    bands = derive_bands(config.threats, config.band_edges_km)
    assert bands[0].min_km == 0 and bands[0].time_to_shelter_s == 0
    assert bands[-1].time_to_shelter_s == 90
    times = [b.time_to_shelter_s for b in bands]
    assert times == sorted(times)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ThreatClass("x", -5, WarningTimeTable(((1, 0),))),
        lambda: ThreatClass("x", 0, WarningTimeTable(((1, 0),))),
        lambda: ThreatClass("x", 50_000, WarningTimeTable(((1, 0),))),
        lambda: ThreatClass("", 10, WarningTimeTable(((1, 0),))),
        lambda: WarningTimeTable(((5, 0), (3, 10))),
        lambda: WarningTimeTable(((5, -1),)),
        lambda: ProjectileSpeed(0),
    ],
)
def test_impossible_threat_classes_are_refused(make):
    with pytest.raises(InvalidThreatClass):
        make()


def test_a_bad_threat_file_is_reported_with_file_and_field(tmp_path):
    path = tmp_path / "threats.toml"
    path.write_text('[[threat]]\nname = "far"\nmax_range_km = -3\nwarning = { table = [[1, 0]] }\n')
    with pytest.raises(InputError) as caught:
        load_threats(path)
    assert caught.value.file == str(path)
    assert caught.value.field == "threat[1]"
    assert "must be > 0 km" in str(caught.value)


def test_a_threat_file_that_is_not_toml_names_the_line(tmp_path):
    path = tmp_path / "threats.toml"
    path.write_text('[[threat]]\nname = "far"\nmax_range_km = = 3\n')
    with pytest.raises(InputError, match="line 3"):
        load_threats(path)

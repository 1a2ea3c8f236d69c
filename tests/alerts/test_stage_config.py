"""Which stages a threat class uses, and their lifetimes and words, from the operator's TOML
files: the shipped files are complete and neutral, and a mistake names file, line and field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safezone.adapters.config.templates import Threat, default_path as default_templates, load_templates
from safezone.adapters.config.threats import default_path, load_threats
from safezone.domain.alerts import AlertKind
from safezone.domain.cap import Status
from safezone.domain.errors import InputError
from safezone.domain.stages import AlertStage, StagePlan, StageRefused, check_stand_down, check_step

THREAT = """
[[threat]]
name = "short range"
max_range_km = 40
warning = { table = [[4, 0], [40, 60]] }
"""


def _threats(tmp_path, stages: str):
    path = tmp_path / "threats.toml"
    path.write_text(stages + THREAT, encoding="utf-8")
    return path


def test_shipped_plans_short_range_has_no_early_warning():
    config = load_threats()
    assert AlertStage.EARLY_WARNING not in config.plan("short range").used
    assert config.plan("slow aerial").used == frozenset(AlertStage)
    assert config.plan("medium range").lifetime(AlertStage.EARLY_WARNING) == timedelta(minutes=15)


def test_a_file_without_stages_uses_every_stage(tmp_path):
    assert load_threats(_threats(tmp_path, "")).plan("short range") == StagePlan()


def test_a_class_table_overrides_the_default(tmp_path):
    config = load_threats(_threats(tmp_path, '[stages.default]\nlifetime_minutes = { alert = 30 }\n'
                                             '[stages."short range"]\nuse = ["alert"]\n'
                                             'lifetime_minutes = { alert = 20 }\n'))
    plan = config.plan("short range")
    assert plan.used == {AlertStage.ALERT} and plan.lifetime(AlertStage.ALERT) == timedelta(minutes=20)


@pytest.mark.parametrize("stages,line,field,words", [
    ('[stages."short range"]\nuse = ["alert", "siren"]\n', 1, "stages.short range.use", "unknown stage 'siren'"),
    ('\n[stages.default]\nuse = ["early-warning"]\n', 2, "stages.default.use", "uses the 'alert' stage"),
    ('[stages."long range"]\nuse = ["alert"]\n', 1, "stages.long range", "no threat class 'long range'"),
    ('[stages.default]\nlifetime_minutes = { alert = 0 }\n', 1, "stages.default.lifetime_minutes.alert",
     "whole number of minutes from 1 to 10080"),
    ('[stages.default]\nlifetime_minutes = { alert = "1h" }\n', 1, "stages.default.lifetime_minutes.alert",
     "whole number"),
    ('[stages.default]\nlifespan = 3\n', 1, "stages.default.lifespan", "unknown key 'lifespan'"),
])
def test_a_bad_stage_table_names_file_line_and_field(tmp_path, stages, line, field, words):
    path = _threats(tmp_path, stages)
    with pytest.raises(InputError) as refused:
        load_threats(path)
    error = refused.value
    assert (error.file, error.line, error.field) == (str(path), line, field) and words in error.message


def test_every_stage_has_words_in_every_language_naming_the_threat_by_range():
    templates = load_templates()
    about = Threat("slow aerial", 80)
    for language, threat_word in (("en", "slow aerial objects"), ("uk", "повільні повітряні цілі"),
                                  ("ru", "медленные воздушные цели")):
        early = templates.render(AlertKind.ALERT, Status.ACTUAL, about, language, ["Westgate"], 45,
                                 AlertStage.EARLY_WARNING)
        assert threat_word in early.description and "80" in early.description and "45" in early.description
        stay = templates.render(AlertKind.ALERT, Status.ACTUAL, about, language, ["Westgate"], 45,
                                AlertStage.STAY_IN_SHELTER)
        down = templates.render(AlertKind.STAND_DOWN, Status.EXERCISE, about, language, ["Westgate"], 45)
        assert "Westgate" in stay.headline and "Westgate" in down.headline
        assert down.headline.startswith(templates.languages[language]["exercise"])


def test_templates_without_stage_texts_refuse_those_stages_by_name(tmp_path):
    text = default_templates().read_text(encoding="utf-8")
    cut = text[:text.index("# -- early warning")] + text[text.index("# -- ending a warning"):text.index("[stand-down.en]")]
    path = tmp_path / "templates.toml"
    path.write_text(cut, encoding="utf-8")
    templates = load_templates(path)  # an older file still loads: alerts and all-clears work as before
    with pytest.raises(InputError, match=r"no \[early-warning.default.<language>\] texts") as refused:
        templates.check_stage(AlertStage.EARLY_WARNING)
    assert refused.value.file == str(path)
    down = templates.render(AlertKind.STAND_DOWN, Status.ACTUAL, Threat("medium range", 80), "en", ["Westgate"], 30,
                            AlertStage.EARLY_WARNING)
    assert down.headline == "Warning cancelled: Westgate"  # an early warning in force can still be ended


def test_a_stage_text_with_an_unknown_placeholder_is_refused(tmp_path):
    text = default_templates().read_text(encoding="utf-8").replace(
        'headline = "Stay in shelter: {areas}"', 'headline = "Stay in shelter: {area}"')
    path = tmp_path / "templates.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="unknown placeholder") as refused:
        load_templates(path)
    assert refused.value.field == "stay-in-shelter.default.en.headline"


@pytest.mark.parametrize("current,wanted,allowed", [
    (AlertStage.EARLY_WARNING, AlertStage.ALERT, True),
    (AlertStage.EARLY_WARNING, AlertStage.ALL_CLEAR, False),
    (AlertStage.EARLY_WARNING, AlertStage.STAY_IN_SHELTER, False),
    (AlertStage.ALERT, AlertStage.STAY_IN_SHELTER, True),
    (AlertStage.STAY_IN_SHELTER, AlertStage.STAY_IN_SHELTER, True),
    (AlertStage.STAY_IN_SHELTER, AlertStage.ALL_CLEAR, True),
    (AlertStage.ALERT, AlertStage.EARLY_WARNING, False),
    (AlertStage.ALL_CLEAR, AlertStage.ALL_CLEAR, False),
])
def test_which_step_leads_where(current, wanted, allowed):
    if allowed:
        check_step(current, wanted)
    else:
        with pytest.raises(StageRefused):
            check_step(current, wanted)


def test_only_an_early_warning_stands_down():
    check_stand_down(AlertStage.EARLY_WARNING)
    with pytest.raises(StageRefused):
        check_stand_down(AlertStage.ALERT)


def test_the_shipped_threats_file_still_loads_its_classes():
    assert [t.name for t in load_threats(default_path()).threats] == ["short range", "medium range", "slow aerial"]

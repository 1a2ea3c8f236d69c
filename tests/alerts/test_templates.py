"""Message texts from templates: every threat class in English, Ukrainian and Russian, neutral
words, place names from the data, and a broken template file refused at start."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapely.geometry import box

from safezone.adapters.config.templates import Threat, load_templates
from safezone.adapters.config.threats import load_threats
from safezone.domain.alerts import AlertKind
from safezone.domain.cap import Status
from safezone.domain.errors import InputError
from safezone.domain.zones import AlertArea, AreaName


def test_every_threat_class_speaks_english_ukrainian_and_russian():
    templates = load_templates()
    assert {"en", "uk", "ru"} <= set(templates.language_codes)
    for threat in load_threats().threats:
        assert threat.name in templates.alert, threat.name
        for lang in ("en", "uk", "ru"):
            for kind in AlertKind:
                text = templates.render(kind, Status.ACTUAL, Threat(threat.name, threat.max_range_km), lang,
                                        ["Sumy", "Belgorod"], 30)
                assert "Sumy" in text.headline and "Belgorod" in text.headline
                assert "{" not in (text.headline + (text.description or "") + (text.instruction or ""))


def test_time_to_shelter_and_long_area_lists_read_naturally():
    templates = load_templates()
    names = [f"Place {i}" for i in range(8)]
    now = templates.render(AlertKind.ALERT, Status.ACTUAL, Threat("short range", 40), "en", names, 0)
    assert now.headline == "Take shelter immediately: Place 0, Place 1, Place 2, Place 3, Place 4 and 3 more"
    uk = templates.render(AlertKind.ALERT, Status.ACTUAL, Threat("short range", 40), "uk", names[:1], 45)
    assert uk.headline == "Прямуйте в укриття протягом 45 секунд: Place 0"


def test_an_unknown_threat_class_uses_the_default_text():
    text = load_templates().render(AlertKind.ALERT, Status.ACTUAL, Threat("long range", 120), "en", ["X"], 90)
    assert text.event == "Cross-border fire warning" and "long range, up to 120 km" in text.description


def test_the_words_stay_neutral():
    raw = load_templates().source
    with open(raw, encoding="utf-8") as handle:
        text = handle.read().lower()
    for word in ("enemy", "ворог", "враг", "russian", "ukrainian", "terror", "attack"):
        assert word not in text, word


@pytest.mark.parametrize(
    "content,field",
    [
        ("[languages.en]\nimmediately='now'\n", "languages.en.within"),
        ("not toml [", None),
    ],
)
def test_a_broken_template_file_is_refused(tmp_path, content, field):
    path = tmp_path / "templates.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_templates(path)
    assert refused.value.field == field


def test_an_unknown_placeholder_is_refused(tmp_path):
    original = load_templates().source
    with open(original, encoding="utf-8") as handle:
        text = handle.read().replace("Take shelter {shelter_time}: {areas}", "Take shelter {when}", 1)
    path = tmp_path / "templates.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown placeholder \{when\}"):
        load_templates(path)


def _named(naming: AreaName) -> AlertArea:
    return AlertArea("UKR-0-x", naming.label, "UKR", 0, 0.0, 4.0, 0, box(0, 0, 1, 1), naming=naming)


@pytest.mark.parametrize("language, near, toward, numbered", [
    ("en", "near Tëtkino", "Tëtkino, 8 km south-west", "Popivka, area 2"),
    ("uk", "Тьоткіно (околиці)", "Тьоткіно, 8 км на південний захід", "Попівка, ділянка 2"),
    ("ru", "Тёткино (окрестности)", "Тёткино, 8 км к юго-западу", "Поповка, участок 2"),
])
def test_area_names_are_worded_in_the_messages_language(language, near, toward, numbered):
    templates = load_templates()
    tetkino = AreaName("Tëtkino", (("uk", "Тьоткіно"), ("ru", "Тёткино")), near=True)
    popivka = AreaName("Popivka", (("uk", "Попівка"), ("ru", "Поповка")), number=2)
    assert templates.area_name(_named(tetkino), language) == near
    assert templates.area_name(_named(replace(tetkino, direction="south-west", distance_km=8)), language) == toward
    assert templates.area_name(_named(popivka), language) == numbered


def test_an_area_stored_without_name_parts_keeps_its_name():
    old = AlertArea("UKR-0-x", "near Sumy 2", "UKR", 0, 0.0, 4.0, 0, box(0, 0, 1, 1))
    assert load_templates().area_name(old, "uk") == "near Sumy 2"


@pytest.mark.parametrize("change, field", [
    (('directions = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]',
      'directions = ["north", "south"]'), "languages.en.directions"),
    (('toward = "{place}, {km} km {direction}"', 'toward = "{place}, {miles} miles {direction}"'),
     "languages.en.toward"),
])
def test_broken_words_for_area_names_are_refused(tmp_path, change, field):
    with open(load_templates().source, encoding="utf-8") as handle:
        text = handle.read()
    assert change[0] in text
    path = tmp_path / "templates.toml"
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_templates(path)
    assert refused.value.field == field


def test_a_headline_names_only_as_many_places_as_fit_in_160_characters():
    names = ["Тьоткіно, 12 км на північний захід, ділянка 2"] * 8
    text = load_templates().render(AlertKind.UPDATE, Status.EXERCISE, Threat("short range", 40), "uk", names, 45)
    assert len(text.headline) <= 160
    assert text.headline.endswith("Тьоткіно, 12 км на північний захід, ділянка 2 та ще 7")

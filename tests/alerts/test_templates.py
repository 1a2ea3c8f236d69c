"""Message texts from templates: every threat class in English, Ukrainian and Russian, neutral
words, place names from the data, and a broken template file refused at start."""

from __future__ import annotations

import pytest

from safezone.adapters.config.templates import Threat, load_templates
from safezone.adapters.config.threats import load_threats
from safezone.domain.alerts import AlertKind
from safezone.domain.cap import Status
from safezone.domain.errors import InputError


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

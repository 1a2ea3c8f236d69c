"""A real alert over the areas around Sumy, issued in English, Ukrainian and Russian: each time
to shelter gets its own instruction, every place reads in the message's language, and the
message satisfies the CAP schema and our own rules."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import shapely

from safezone.adapters.cap_xml import check
from safezone.domain.alerts import AlertKind
from safezone.domain.cap import AREA_CODE_NAME, TIME_TO_SHELTER_NAME, Status
from safezone.services.alerts import Composition
from tests.support.app import clock, make_container  # noqa: F401  (clock is a fixture)

AROUND_SUMY = shapely.box(34.3, 50.7, 35.2, 51.2)
BANDS = (0, 2, 3)  # 0 s by the border, 30 s, and Sumy's 45 s
TIME_WORDS = {"en": ("immediately", "within {} seconds"), "uk": ("негайно", "протягом {} секунд"),
              "ru": ("немедленно", "в течение {} секунд")}
LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+")
# Places around Sumy that the data (GeoNames cities500) has no Cyrillic name for, so they keep
# their Latin one: none. On the whole RUS-UKR border there are three (Pivnichna Saltivka,
# Severnyy, Yats’kivka; see test_area_names.py).
NO_NAME_IN: dict[str, set[str]] = {"uk": set(), "ru": set()}


@pytest.fixture
def around_sumy(rus_ukr):
    return replace(rus_ukr, areas=[a for a in rus_ukr.areas if a.geometry.intersects(AROUND_SUMY)])


@pytest.fixture
def issued(db_url, around_sumy, clock):
    """The service on a real database holding the zones around Sumy, and an issued Actual alert."""
    container = make_container(db_url, around_sumy, clock)
    with container.database.unit_of_work() as uow:
        alice, bob = uow.users.by_name("alice"), uow.users.by_name("bob")
    areas = tuple(a.id for a in around_sumy.areas if a.side == "UKR" and a.band in BANDS)
    draft = container.alerts.compose(alice, Composition(status=Status.ACTUAL, threat="medium range",
                                                        languages=("en", "uk", "ru"), area_ids=areas)).alert
    container.alerts.submit(alice, draft.id)
    container.alerts.approve(bob, draft.id)
    yield container, container.alerts.issue(alice, draft.id), {a.id: a for a in around_sumy.areas}
    container.close()


def _cap(container, alert_id):
    with container.database.unit_of_work() as uow:
        result = check(uow.alerts.cap_xml(alert_id))
    assert result.errors == [] and result.warnings == [], result.issues  # the XSD and our rules
    return result.alert


def _area_id(area) -> str:
    return next(g.value for g in area.geocodes if g.value_name == AREA_CODE_NAME)


def _seconds(info) -> int:
    return int(next(p.value for p in info.parameters if p.value_name == TIME_TO_SHELTER_NAME))


def test_each_time_to_shelter_gets_its_own_instruction(issued):
    container, alert, areas = issued
    message = _cap(container, alert.id)
    assert sorted({_seconds(i) for i in message.infos}) == [0, 30, 45]
    for language in ("en", "uk", "ru"):
        infos = [i for i in message.infos if i.language == language]
        listed = [_area_id(a) for info in infos for a in info.areas]
        assert sorted(listed) == sorted(alert.area_ids)  # every area in exactly one info
        for info in infos:
            seconds = _seconds(info)
            assert {areas[_area_id(a)].time_to_shelter_s for a in info.areas} == {seconds}
            now, within = TIME_WORDS[language]
            assert (now if seconds == 0 else within.format(seconds)) in info.instruction
    sumy = next(i for i in message.infos if i.language == "en" and any(a.area_desc == "Sumy" for a in i.areas))
    assert _seconds(sumy) == 45 and "within 45 seconds" in sumy.headline


def test_follow_ups_keep_every_area_and_stay_valid(issued):
    container, alert, _ = issued
    with container.database.unit_of_work() as uow:
        alice = uow.users.by_name("alice")
    cleared = _cap(container, container.alerts.follow_up(alice, alert.id, AlertKind.ALL_CLEAR).id)
    for language in ("en", "uk", "ru"):
        listed = [_area_id(a) for info in cleared.infos if info.language == language for a in info.areas]
        assert sorted(listed) == sorted(alert.area_ids)


def test_polygons_of_real_areas_never_repeat_a_vertex(issued):
    container, alert, _ = issued
    for info in _cap(container, alert.id).infos:
        for area in info.areas:
            for polygon in area.polygons:
                assert all(a != b for a, b in zip(polygon.points, polygon.points[1:])), area.area_desc


@pytest.mark.parametrize("language, sumy", [("uk", "Суми"), ("ru", "Сумы")])
def test_ukrainian_and_russian_messages_name_places_in_their_own_language(issued, language, sumy):
    container, alert, areas = issued
    infos = [i for i in _cap(container, alert.id).infos if i.language == language]
    assert any(sumy in i.headline for i in infos) and any(a.area_desc == sumy for i in infos for a in i.areas)
    latin = set()
    for info in infos:
        for text in (info.event, info.headline, info.description, info.instruction, *(a.area_desc for a in info.areas)):
            assert "near" not in text
            latin |= set(LATIN_WORD.findall(text))
    allowed = {word for place in NO_NAME_IN[language] for word in LATIN_WORD.findall(place)}
    assert latin <= allowed, sorted(latin - allowed)
    without = {areas[i].naming.place for i in alert.area_ids if language not in dict(areas[i].naming.names)}
    assert without == NO_NAME_IN[language]

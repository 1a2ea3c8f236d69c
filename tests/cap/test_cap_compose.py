"""Composing alerts from our alert areas: valid CAP 1.2, several languages, polygons that
cover every area completely, and follow-ups that reference what they replace."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.ops import unary_union

from safezone.adapters.cap_xml import check, to_xml
from safezone.domain.cap import (
    AREA_CODE_NAME,
    TIME_TO_SHELTER_NAME,
    CapCompositionError,
    InfoText,
    MsgType,
    ResponseType,
    Status,
    Urgency,
    WarningSpec,
    compose_alert,
    compose_all_clear,
    compose_cancel,
    compose_update,
    covering_polygons,
)
from safezone.domain.cap.rules import FORBIDDEN_ID_CHARS

SENT = datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)
TEXTS = {
    "en-US": InfoText("Take shelter now", "Incoming fire is expected in your area.",
                      "Go to the nearest shelter or an inner room and stay there."),
    "uk-UA": InfoText("Негайно пройдіть в укриття", instruction="Залишайтеся в укритті."),
    "ru-RU": InfoText("Немедленно пройдите в укрытие"),
}
SPEC = WarningSpec(event="Incoming fire", sender_name="Regional civil protection (example)")


def _alert(areas, **overrides):
    options = dict(sender="ops@civil-protection.example", status=Status.ACTUAL, sent=SENT,
                   expires=SENT + timedelta(minutes=30))
    options.update(overrides)
    return compose_alert(areas, TEXTS, SPEC, **options)


def _shape(polygon) -> ShapelyPolygon:
    return ShapelyPolygon([(lon, lat) for lat, lon in polygon.points])


def test_an_alert_has_one_info_per_language_and_one_area_per_alert_area(areas) -> None:
    alert = _alert(areas)
    assert [i.language for i in alert.infos] == ["en-US", "uk-UA", "ru-RU"]
    assert [i.headline for i in alert.infos] == [t.headline for t in TEXTS.values()]
    for info in alert.infos:
        assert [a.area_desc for a in info.areas] == ["Northtown", "Ridge villages", "Twin hamlets"]
        assert [a.geocodes[0].value for a in info.areas] == ["A-1-001", "A-1-002", "A-2-003"]
        assert {a.geocodes[0].value_name for a in info.areas} == {AREA_CODE_NAME}
    assert len(alert.infos[0].areas[2].polygons) == 2  # a MultiPolygon: one polygon per piece


@pytest.mark.parametrize("status", list(Status))
def test_every_composed_message_validates_against_the_cap_12_schema(areas, status) -> None:
    alert = _alert(areas, status=status, note="Exercise of the northern district" if status == Status.EXERCISE else None)
    xml = to_xml(alert)
    result = check(xml)
    assert result.errors == [], result.errors
    assert result.warnings == []
    assert result.alert == alert
    assert b"<sent>2026-11-27T14:00:00-00:00</sent>" in xml  # CAP 1.2: UTC is written -00:00


def test_area_polygons_have_bounded_points_and_cover_the_whole_area(areas) -> None:
    alert = _alert(areas, max_points=24)
    for area, cap in zip(areas, alert.infos[0].areas):
        shapes = [_shape(p) for p in cap.polygons]
        assert all(len(p.points) <= 24 for p in cap.polygons)
        assert all(p.points[0] == p.points[-1] and len(p.points) >= 4 for p in cap.polygons)
        assert unary_union(shapes).covers(area.geometry)
    detailed = alert.infos[0].areas[0]
    assert len(areas[0].geometry.exterior.coords) > 1000 > len(detailed.polygons[0].points)
    # It grows, but not absurdly: within 5 % for a smooth round area.
    assert _shape(detailed.polygons[0]).area < areas[0].geometry.area * 1.05


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.005, 0.05), st.floats(0, 6.28)), min_size=3, max_size=400),
    st.integers(5, 60),
)
def test_a_covering_never_shrinks_any_polygon(spokes, max_points) -> None:
    import math

    ring = sorted(spokes, key=lambda s: s[1])
    outline = ShapelyPolygon([(30 + r * math.cos(a), 40 + r * math.sin(a)) for r, a in ring]).buffer(0)
    if outline.is_empty or outline.area < 1e-9:
        return
    polygons = covering_polygons(outline, max_points)
    assert all(len(p.points) <= max_points for p in polygons)
    assert unary_union([_shape(p) for p in polygons]).covers(outline)


def test_identifiers_are_unique_and_free_of_forbidden_characters(areas) -> None:
    ids = {_alert(areas[:1]).identifier for _ in range(20)}
    assert len(ids) == 20
    assert not any(set(i) & FORBIDDEN_ID_CHARS for i in ids)


def test_update_cancel_and_all_clear_reference_what_they_replace(areas) -> None:
    first = _alert(areas)
    update = compose_update(first, areas[:2], TEXTS, SPEC, sent=SENT + timedelta(minutes=5),
                            expires=SENT + timedelta(minutes=40))
    assert update.msg_type is MsgType.UPDATE
    assert update.references == (first.reference,)
    clear = compose_all_clear(update, {"en-US": InfoText("All clear: you may leave the shelter")},
                              sent=SENT + timedelta(minutes=20), expires=SENT + timedelta(hours=1))
    assert clear.msg_type is MsgType.UPDATE
    assert clear.references == (first.reference, update.reference)  # the whole chain
    assert clear.infos[0].response_types == (ResponseType.ALL_CLEAR,)
    assert clear.infos[0].urgency is Urgency.PAST
    assert [a.area_desc for a in clear.infos[0].areas] == ["Northtown", "Ridge villages"]
    cancel = compose_cancel(first, note="Sent for the wrong district", sent=SENT + timedelta(minutes=2))
    assert cancel.msg_type is MsgType.CANCEL and cancel.note == "Sent for the wrong district"
    assert cancel.references == (first.reference,)
    for message in (update, clear, cancel):
        xml = to_xml(message)
        assert b"<references>ops@civil-protection.example," in xml
        assert check(xml).errors == []


def test_follow_ups_keep_the_status_of_what_they_follow(areas) -> None:
    exercise = _alert(areas, status=Status.EXERCISE, note="Winter exercise")
    cancel = compose_cancel(exercise, note="End of exercise", sent=SENT + timedelta(minutes=1))
    assert cancel.status is Status.EXERCISE


def test_status_must_be_chosen_explicitly(areas) -> None:
    with pytest.raises(TypeError):
        compose_alert(areas, TEXTS, SPEC, sender="ops@example.org", sent=SENT,
                      expires=SENT + timedelta(minutes=5))  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"sender": "ops desk, north"}, "forbids"),
        ({"expires": SENT - timedelta(minutes=1)}, "expires must be after"),
        ({"sent": datetime(2026, 11, 27, 14, 0)}, "time zone"),
    ],
)
def test_bad_inputs_raise_a_composition_error_that_says_why(areas, overrides, reason) -> None:
    with pytest.raises(CapCompositionError, match=reason):
        _alert(areas, **overrides)


def test_an_alert_needs_areas_and_texts(areas) -> None:
    with pytest.raises(CapCompositionError, match="alert area"):
        _alert([])
    with pytest.raises(CapCompositionError, match="language"):
        compose_alert(areas, {}, SPEC, sender="ops@example.org", status=Status.TEST, sent=SENT,
                      expires=SENT + timedelta(minutes=5))


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("kind", ["alert", "update", "cancel", "all-clear"])
def test_every_kind_and_status_we_compose_passes_our_own_validator_without_a_warning(areas, status, kind) -> None:
    first = _alert(areas, status=status)  # no note given, whatever the status
    later, ends = SENT + timedelta(minutes=5), SENT + timedelta(minutes=40)
    message = {
        "alert": lambda: first,
        "update": lambda: compose_update(first, areas[:2], TEXTS, SPEC, sent=later, expires=ends),
        "cancel": lambda: compose_cancel(first, note="Sent for the wrong district", sent=later),
        "all-clear": lambda: compose_all_clear(first, TEXTS, sent=later, expires=ends),
    }[kind]()
    result = check(to_xml(message))
    assert result.errors == [] and result.warnings == [], result.issues


def test_an_exercise_says_what_it_exercises_even_when_the_operator_wrote_no_note(areas) -> None:
    exercise = _alert(areas, status=Status.EXERCISE)
    assert exercise.note == "Exercise of the warning 'Incoming fire' for 3 alert areas; not a real alert."
    assert _alert(areas, status=Status.EXERCISE, note="Winter drill, north").note == "Winter drill, north"
    assert _alert(areas).note is None  # an Actual alert needs no note


def test_polygons_never_repeat_a_vertex_one_after_the_other() -> None:
    # A notch 0.2 m deep: its three vertices become one point at the written precision (5 decimals).
    outline = ShapelyPolygon([(30.0, 50.0), (30.1, 50.0), (30.1, 50.05), (30.099998, 50.050001),
                              (30.1, 50.050002), (30.1, 50.1), (30.0, 50.1)])
    for max_points in (5, 6, 100):
        for polygon in covering_polygons(outline, max_points):
            pairs = zip(polygon.points, polygon.points[1:])
            assert all(a != b for a, b in pairs), polygon.points


def test_every_polygon_of_the_sample_areas_has_distinct_consecutive_vertices(areas) -> None:
    for max_points in (6, 24, 100):
        for area in _alert(areas, max_points=max_points).infos[0].areas:
            for polygon in area.polygons:
                assert all(a != b for a, b in zip(polygon.points, polygon.points[1:]))


def _timed(areas, seconds=(45, 0, 15)):
    """The sample areas, each with its own time to shelter."""
    return [replace(area, time_to_shelter_s=s) for area, s in zip(areas, seconds)]


def _texts_per_time(languages=("en", "uk"), seconds=(0, 15, 45)):
    return [(lang, InfoText(f"[{lang}] shelter: {s} s", instruction=f"[{lang}] go within {s} s", time_to_shelter_s=s))
            for lang in languages for s in seconds]


def _time_of(info) -> int:
    return int(next(p.value for p in info.parameters if p.value_name == TIME_TO_SHELTER_NAME))


def test_areas_with_different_times_to_shelter_get_their_own_info_in_each_language(areas) -> None:
    timed = _timed(areas)
    alert = compose_alert(timed, _texts_per_time(), SPEC, sender="ops@civil-protection.example",
                          status=Status.ACTUAL, sent=SENT, expires=SENT + timedelta(minutes=30))
    assert [(i.language, _time_of(i)) for i in alert.infos] == [
        ("en", 0), ("en", 15), ("en", 45), ("uk", 0), ("uk", 15), ("uk", 45)]
    seconds_of = {a.id: a.time_to_shelter_s for a in timed}
    for language in ("en", "uk"):
        listed = [area.geocodes[0].value for i in alert.infos if i.language == language for area in i.areas]
        assert sorted(listed) == sorted(seconds_of)  # every area once per language
    for info in alert.infos:
        assert {seconds_of[a.geocodes[0].value] for a in info.areas} == {_time_of(info)}
        assert info.instruction == f"[{info.language}] go within {_time_of(info)} s"
    result = check(to_xml(alert))
    assert result.errors == [] and result.warnings == []


def test_a_text_for_every_area_serves_each_time_to_shelter(areas) -> None:
    alert = _alert(_timed(areas))
    assert [(i.language, _time_of(i)) for i in alert.infos] == [
        (lang, s) for lang in TEXTS for s in (0, 15, 45)]
    assert {i.headline for i in alert.infos if i.language == "en-US"} == {TEXTS["en-US"].headline}


def test_a_time_to_shelter_without_a_text_is_refused(areas) -> None:
    with pytest.raises(CapCompositionError, match="no en text for the areas with 45 s"):
        compose_alert(_timed(areas), _texts_per_time(seconds=(0, 15)), SPEC, sender="ops@example.org",
                      status=Status.TEST, sent=SENT, expires=SENT + timedelta(minutes=5))


def test_follow_ups_of_a_message_spanning_bands_keep_every_area(areas) -> None:
    timed = _timed(areas)
    first = compose_alert(timed, _texts_per_time(), SPEC, sender="ops@civil-protection.example",
                          status=Status.ACTUAL, sent=SENT, expires=SENT + timedelta(minutes=30))
    later, ends = SENT + timedelta(minutes=5), SENT + timedelta(minutes=40)
    clear = compose_all_clear(first, {"en": InfoText("All clear"), "uk": InfoText("Відбій")}, sent=later, expires=ends)
    cancel = compose_cancel(first, note="Sent in error", sent=later,
                            texts=[("uk", InfoText("Скасовано")), ("uk", InfoText("Скасовано: 45 с", time_to_shelter_s=45))])
    update = compose_update(first, timed[:2], _texts_per_time(seconds=(0, 45)), SPEC, sent=later, expires=ends)
    for message, count in ((clear, 3), (cancel, 3), (update, 2)):
        for language in ("en", "uk"):
            listed = [a.geocodes[0].value for i in message.infos if i.language == language for a in i.areas]
            assert len(listed) == len(set(listed)) == count
        result = check(to_xml(message))
        assert result.errors == [] and result.warnings == [], result.issues
    assert [i.headline for i in cancel.infos] == [  # English was given no text: it keeps the alert's
        "[en] shelter: 0 s", "[en] shelter: 15 s", "[en] shelter: 45 s", "Скасовано", "Скасовано", "Скасовано: 45 с"]
    assert clear.infos[0].response_types == (ResponseType.ALL_CLEAR,)

"""Composing alerts from our alert areas: valid CAP 1.2, several languages, polygons that
cover every area completely, and follow-ups that reference what they replace."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.ops import unary_union

from safezone.adapters.cap_xml import check, to_xml
from safezone.domain.cap import (
    AREA_CODE_NAME,
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

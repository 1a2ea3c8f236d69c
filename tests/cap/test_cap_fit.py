"""Which bytes a warning is published as: indented at full detail when that fits the budget,
else compact at full detail, else compact with fewer points per polygon (adapters.cap_xml.publish)."""

from __future__ import annotations

from safezone.adapters.cap_xml import to_xml
from safezone.adapters.cap_xml.publish import POINTS_STEPS, Publishable, _fit
from tests.cap.test_cap_compose import _alert


def message(areas, points: int):
    return _alert(areas, max_points=points, identifier="ops@civil-protection.example.fit")


def fitted(areas, budget: int) -> Publishable:
    return _fit(lambda points: message(areas, points), budget=budget, limit=budget, what="the alert",
                field="areas", advice="")


def test_the_indented_message_when_it_fits_else_the_compact_one_else_fewer_points(areas):
    full = message(areas, POINTS_STEPS[0])
    pretty, compact = to_xml(full, pretty=True), to_xml(full, pretty=False)
    assert len(compact) < len(pretty)
    assert fitted(areas, len(pretty)) == Publishable(full, pretty, POINTS_STEPS[0])
    assert fitted(areas, len(pretty) - 1) == Publishable(full, compact, POINTS_STEPS[0])
    fewer = message(areas, POINTS_STEPS[1])
    assert fitted(areas, len(compact) - 1) == Publishable(fewer, to_xml(fewer, pretty=False), POINTS_STEPS[1])

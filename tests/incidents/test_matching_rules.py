"""The matcher's rules on plain data (no database): ties are broken one way every time, and on
random alerts, chains and places it agrees with the rules read literally (every incident
against every alert, one at a time)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from shapely.geometry import Point, box

from safezone.domain.matching import AlertSpan, AreaShape, IncidentPlace, Verdict, assess

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
WEST = AreaShape("W-1", box(0, 0, 1, 1), 30, 0)
EAST = AreaShape("E-1", box(1, 0, 2, 1), 30, 0)


def test_on_an_edge_between_equal_times_the_lowest_area_id_and_between_equal_leads_the_lowest_alert():
    edge = IncidentPlace(1, T0 + timedelta(minutes=5), Point(1, 0.5))
    unwarned = assess([edge], [], [WEST, EAST])[0]
    assert (unwarned.verdict, unwarned.area_id) == (Verdict.NOT_WARNED, "E-1")
    both = [AlertSpan(9, None, False, T0, None, (WEST,)), AlertSpan(4, None, False, T0, None, (EAST,))]
    warned = assess([edge], both, [WEST, EAST])[0]
    assert (warned.alert_id, warned.area_id, warned.lead_time_s, warned.matches) == (4, "E-1", 300.0,
                                                                                     ((4, 300.0), (9, 300.0)))


def _literal(incident: IncidentPlace, alerts: list[AlertSpan], active: list[AreaShape]) -> tuple:
    """The rules of domain/matching.py read literally, for one incident."""
    by_id = {a.alert_id: a for a in alerts}
    leads, areas = {}, []
    for alert in alerts:
        inside = [a for a in alert.areas if a.geometry.intersects(incident.place)]
        if not inside or not (alert.start <= incident.occurred_at and (alert.end is None or incident.occurred_at < alert.end)):
            continue
        start, current = alert.start, alert
        while current.follows in by_id:
            previous = by_id[current.follows]
            if not previous.superseded or not any(a.geometry.intersects(incident.place) for a in previous.areas):
                break
            start, current = previous.start, previous
        leads[alert.alert_id] = (incident.occurred_at - start).total_seconds()
        areas.extend(inside)
    if not leads:
        here = sorted((a for a in active if a.geometry.intersects(incident.place)),
                      key=lambda a: (a.time_to_shelter_s, a.area_id))
        return (Verdict.NOT_WARNED, None, here[0].area_id if here else None, None, ())
    first = min(leads, key=lambda a: (-leads[a], a))
    area = min(areas, key=lambda a: (a.time_to_shelter_s, a.area_id))
    verdict = Verdict.IN_TIME if leads[first] >= area.time_to_shelter_s else Verdict.LATE
    return (verdict, first, area.area_id, leads[first], tuple(sorted(leads.items())))


def test_on_random_alerts_with_update_chains_it_agrees_with_the_rules_read_literally():
    rng = random.Random(12)
    grid = [AreaShape(f"A-{x}-{y}", box(x, y, x + 1, y + 1), rng.choice((15, 30, 90)), x) for x in range(4) for y in range(3)]
    alerts: list[AlertSpan] = []
    for alert_id in range(1, 60):
        start = T0 + timedelta(seconds=rng.randrange(0, 7200))
        end = None if rng.random() < 0.1 else start + timedelta(seconds=rng.randrange(60, 3600))
        chosen = tuple(rng.sample(grid, rng.randint(1, 4)))
        follows = None
        if alerts and rng.random() < 0.4:  # an Update of an earlier message, which it ended
            previous = rng.choice(alerts)
            if previous.end is not None and not previous.superseded and previous.follows is None:
                alerts[alerts.index(previous)] = AlertSpan(previous.alert_id, None, True, previous.start, previous.end,
                                                           previous.areas)
                follows, start = previous.alert_id, previous.end
                end = None if rng.random() < 0.2 else start + timedelta(seconds=rng.randrange(60, 3600))
        alerts.append(AlertSpan(alert_id, follows, False, start, end, chosen))
    incidents = [IncidentPlace(k, T0 + timedelta(seconds=rng.randrange(-600, 9000)),
                               Point(rng.choice((rng.uniform(0, 4), float(rng.randint(0, 4)))),
                                     rng.choice((rng.uniform(0, 3), float(rng.randint(0, 3))))))
                 for k in range(400)]
    found = assess(incidents, alerts, grid)
    assert sum(f.verdict is not Verdict.NOT_WARNED for f in found) > 50
    for incident, got in zip(incidents, found):
        assert (got.verdict, got.alert_id, got.area_id, got.lead_time_s, got.matches) == \
            _literal(incident, alerts, grid), incident

"""Analysts recording incidents and assessing them at the same moment, through the real app on
SQLite and PostgreSQL: every incident is stored once, with one verdict, one audit entry each,
and the audit chain stays intact."""

from __future__ import annotations

from tests.web.test_races import at_once, codes

BODY = {"lat": 50.5, "lon": 29.99, "kind": "impact", "confidence": "confirmed", "source": "field report"}


def test_parallel_records_and_assessments_lose_nothing_and_do_nothing_twice(api, container, analyst):
    steps = [lambda i=i: analyst.post("/api/operator/incidents", {**BODY, "time": f"2026-11-27T11:{i:02d}:00Z"})
             for i in range(6)]
    steps += [lambda: analyst.post("/api/operator/incidents/assess") for _ in range(2)]
    assert codes(at_once(*steps)) == [201] * 6 + [200] * 2
    with container.database.unit_of_work(read_only=True) as uow:
        assert uow.incidents.count() == 6
        assert len(uow.incidents.verdicts()) == 6
        actions = [e.action for e in uow.audit.last(50)]
    assert actions.count("incident.recorded") == 6 and actions.count("incident.assessed") == 2
    from safezone.services.audit import verify
    with container.database.unit_of_work(read_only=True) as uow:
        assert verify(uow).intact

"""An incident's time keeps its meaning whatever zone it was given in, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shapely.geometry import Point

from safezone.domain.incidents import new_incident
from safezone.services import incidents as service


def test_a_time_given_with_an_offset_is_stored_as_the_same_moment(container, clock):
    """Incidents are now written in bulk past the ORM (adapters/db/bulk.py): the stored time must
    still be the same moment as the one given, offset and all."""
    given = datetime(2026, 11, 27, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    incident = new_incident(occurred_at=given, place=Point(29.99, 50.5), kind="impact", confidence="confirmed",
                            source="field report", note="", now=clock())
    recorded = service.record_incidents(container.database, [incident], None, clock())
    (stored, _verdict), = service.listed_ids(container.database, recorded.ids)
    assert stored.occurred_at == datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

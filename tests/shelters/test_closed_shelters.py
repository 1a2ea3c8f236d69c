"""A shelter an operator closed stays in the registry but out of every answer made for residents
(nearest, a map window), and importing its source again does not reopen it. SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from safezone.adapters.db import Database
from safezone.domain.shelters import Shelter
from safezone.services.shelters import close_shelter, nearest_shelters
from tests.shelters.test_nearest_backends import stock

CLOSED_AT = datetime(2026, 12, 2, 14, 0, tzinfo=timezone.utc)


def test_a_closed_shelter_leaves_the_answers_and_a_reimport_keeps_it_closed(db_url):
    with Database(db_url) as db:
        near, far = stock(db, [("near", 50.4501, 29.99), ("far", 50.452, 29.99)])
        with db.unit_of_work() as uow:
            assert close_shelter(uow, int(near.id), "alice", CLOSED_AT)
            assert not close_shelter(uow, int(near.id), "alice", CLOSED_AT)  # closed already
            uow.commit()
        with db.unit_of_work() as uow:
            uow.shelters.upsert([replace(near, capacity=50, id=None), Shelter("test", "far", "far", 50.452, 29.99)])
            uow.commit()
        with db.unit_of_work(read_only=True) as uow:
            kept = uow.shelters.get("test", "near")
            window = [s.source_id for s in uow.shelters.within(29.98, 50.44, 30.0, 50.46)]
        assert kept is not None and kept.capacity == 50 and kept.closed_at == CLOSED_AT
        assert window == ["far"]
        assert [o.nearby.shelter.source_id for o in nearest_shelters(db, 50.45, 29.99).options] == ["far"]

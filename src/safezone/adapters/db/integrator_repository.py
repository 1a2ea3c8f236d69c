"""Integrators an admin registered (webhooks, broker topics), with their area filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from safezone.adapters.db import locks
from safezone.adapters.db.delivery_models import IntegratorRow
from safezone.adapters.db.import_repository import as_utc
from safezone.domain.subscribers import Integrator

# Read as plain rows of these columns, not ORM objects: every alert's targeting reads every
# integrator, and building thousands of tracked objects cost more than the query.
_COLUMNS = (IntegratorRow.id, IntegratorRow.name, IntegratorRow.kind, IntegratorRow.url, IntegratorRow.secret,
            IntegratorRow.topic_prefix, IntegratorRow.area_ids, IntegratorRow.created_at)


class IntegratorRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, integrator: Integrator) -> None:
        self._session.add(IntegratorRow(id=integrator.id, name=integrator.name, kind=integrator.kind,
                                        url=integrator.url, secret=integrator.secret,
                                        topic_prefix=integrator.topic_prefix, area_ids=list(integrator.area_ids),
                                        created_at=integrator.created_at))

    def lock_name(self, name: str) -> None:
        """Two admins registering one name take turns (PostgreSQL; SQLite's writers always do)."""
        locks.hold(self._session, f"integrator:{name}")

    def named(self, name: str) -> Integrator | None:
        row = self._session.execute(select(*_COLUMNS).where(IntegratorRow.name == name)).first()
        return None if row is None else _integrator(row)

    def get(self, integrator_id: str) -> Integrator | None:
        row = self._session.get(IntegratorRow, integrator_id)
        return None if row is None else _integrator(row)

    def by_ids(self, ids: list[str]) -> list[Integrator]:
        found: list[Integrator] = []
        for start in range(0, len(ids), 900):
            query = select(*_COLUMNS).where(IntegratorRow.id.in_(ids[start:start + 900]))
            found += [_integrator(r) for r in self._session.execute(query)]
        return found

    def endpoints(self, ids: list[str]) -> list[tuple[str, str, str | None, str | None, str | None]]:
        """(id, kind, url, secret, topic_prefix) of these integrators: what sending needs, read
        for every batch of a fan-out without the area filter and dates `by_ids` decodes."""
        found: list[tuple[str, str, str | None, str | None, str | None]] = []
        for start in range(0, len(ids), 900):
            query = (select(IntegratorRow.id, IntegratorRow.kind, IntegratorRow.url, IntegratorRow.secret,
                            IntegratorRow.topic_prefix).where(IntegratorRow.id.in_(ids[start:start + 900])))
            found += [tuple(r) for r in self._session.execute(query)]  # type: ignore[misc]
        return found

    def filters(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(id, kind, area ids) of every integrator: all that targeting needs, as plain columns
        (no dates decoded, no secret read), for an alert that may reach 100,000 of them."""
        query = select(IntegratorRow.id, IntegratorRow.kind, IntegratorRow.area_ids)
        return [(i, kind, tuple(areas)) for i, kind, areas in self._session.execute(query)]

    def all(self) -> list[Integrator]:
        return [_integrator(r) for r in self._session.execute(select(*_COLUMNS).order_by(IntegratorRow.name))]

    def delete(self, integrator_id: str) -> bool:
        return bool(self._session.execute(delete(IntegratorRow).where(IntegratorRow.id == integrator_id)).rowcount)


def _integrator(row: Any) -> Integrator:
    """An integrator from a row of `_COLUMNS` (or an `IntegratorRow`)."""
    return Integrator(id=row.id, name=row.name, kind=row.kind, area_ids=tuple(row.area_ids),
                      created_at=as_utc(row.created_at), url=row.url, secret=row.secret,
                      topic_prefix=row.topic_prefix)

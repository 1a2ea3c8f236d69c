"""A unit of work: one transaction, and the repositories that work inside it.

    with database.unit_of_work() as uow:
        version = uow.zones.add(zone_set)
        uow.zones.activate(version)
        uow.commit()

Leaving the block without `commit()` (or through an exception) rolls everything back, so a
use case either happens whole or not at all. A read-only unit of work (`Database.unit_of_work(
read_only=True)`) refuses to commit: a use case that writes through one fails loudly.
"""

from __future__ import annotations

from typing import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from safezone.adapters.db.alert_repository import AlertRepository
from safezone.adapters.db.area_repository import AreaRepository
from safezone.adapters.db.audit_repository import AuditRepository
from safezone.adapters.db.delivery_repository import DeliveryRepository
from safezone.adapters.db.change_mark import MOVED, ChangeMarks
from safezone.adapters.db.delivery_totals import add_tally, forget_tally
from safezone.adapters.db.held_areas import HeldAreas
from safezone.adapters.db.monitoring import MonitoringCounts
from safezone.adapters.db.import_repository import ImportRunRepository
from safezone.adapters.db.integrator_repository import IntegratorRepository
from safezone.adapters.db.incident_repository import IncidentRepository
from safezone.adapters.db.outbox_repository import OutboxRepository
from safezone.adapters.db.session_repository import SessionRepository
from safezone.adapters.db.shelter_report_repository import ShelterReportRepository
from safezone.adapters.db.shelter_repository import ShelterRepository
from safezone.adapters.db.subscriber_repository import SubscriberRepository
from safezone.adapters.db.user_repository import UserRepository
from safezone.adapters.db.zone_repository import ZoneRepository

# The execution option that marks a connection whose transactions may write: on SQLite they
# begin IMMEDIATE, taking the write lock first (see database.py). Without it, DEFERRED.
WRITES = "safezone_writes"


class ReadOnlyUnitOfWork(RuntimeError):
    """A programming error: something tried to commit a change through a read-only unit of work."""


class UnitOfWork:
    zones: ZoneRepository
    shelters: ShelterRepository
    shelter_reports: ShelterReportRepository
    imports: ImportRunRepository
    users: UserRepository
    sessions: SessionRepository
    audit: AuditRepository
    alerts: AlertRepository
    outbox: OutboxRepository
    areas: AreaRepository
    subscribers: SubscriberRepository
    integrators: IntegratorRepository
    deliveries: DeliveryRepository
    incidents: IncidentRepository
    changes: ChangeMarks
    monitoring: MonitoringCounts

    def __init__(self, sessions: sessionmaker[Session], *, read_only: bool = False,
                 committed: Sequence[Callable[[], None]] = (), held: HeldAreas | None = None,
                 notice: str | None = None) -> None:
        self._sessions = sessions
        self._notice = notice  # run before a commit that moves the change mark (change_notice)
        self._held = held or HeldAreas()
        self._committed = committed
        self._session: Session | None = None
        self.read_only = read_only

    def __enter__(self) -> "UnitOfWork":
        self._session = self._sessions()
        self._session.begin()
        self.zones = ZoneRepository(self._session, self._held)
        self.shelters = ShelterRepository(self._session)
        self.shelter_reports = ShelterReportRepository(self._session)
        self.imports = ImportRunRepository(self._session)
        self.users = UserRepository(self._session)
        self.sessions = SessionRepository(self._session)
        self.audit = AuditRepository(self._session)
        self.alerts = AlertRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.areas = AreaRepository(self._session, self._held)
        self.subscribers = SubscriberRepository(self._session)
        self.integrators = IntegratorRepository(self._session)
        self.deliveries = DeliveryRepository(self._session)
        self.incidents = IncidentRepository(self._session)
        self.changes = ChangeMarks(self._session)
        self.monitoring = MonitoringCounts(self._session)
        return self

    def __exit__(self, *_: object) -> None:
        assert self._session is not None
        try:
            if self._session.in_transaction():
                self._session.rollback()
        finally:
            self._session.info.pop(MOVED, None)
            forget_tally(self._session)
            self._session.close()
            self._session = None

    def commit(self) -> None:
        assert self._session is not None, "commit() outside a `with` block"
        if self.read_only:
            raise ReadOnlyUnitOfWork("commit() in a read-only unit of work: open it with read_only=False to write")
        add_tally(self._session)  # deliveries finished in this transaction: last, see delivery_totals
        moves_mark = self._session.info.pop(MOVED, False)
        if moves_mark and self._notice is not None:  # every watcher hears of it at the commit
            self._session.connection().exec_driver_sql(self._notice)
        self._session.commit()
        if moves_mark:
            for listener in self._committed:  # after the commit: what they read next includes it
                listener()
        self._session.begin()

    def rollback(self) -> None:
        assert self._session is not None, "rollback() outside a `with` block"
        self._session.info.pop(MOVED, None)
        forget_tally(self._session)
        self._session.rollback()
        self._session.begin()

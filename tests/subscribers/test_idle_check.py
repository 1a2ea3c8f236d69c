"""The delivery engine's idle look for work (issue 12), on SQLite and PostgreSQL: one statement
on a connection held for it, the same answer as a read-only unit of work gives in every case
(nothing, an outbox entry, a delivery due, a confirmation due with e-mail on or off), and it
keeps answering after its connection is killed."""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import closing

import pytest
from sqlalchemy import event, text

from safezone.adapters.channels.webhook import WebhookChannel
from safezone.domain.delivery import Outcome
from safezone.entrypoints import worker
from safezone.services.alerts import OUTBOX_TOPIC
from safezone.services.delivery import DeliveryEngine
from tests.support.app import issue_alert, login

SIREN = {"name": "siren", "kind": "webhook", "url": "http://127.0.0.1:9/siren", "area_filter": ["AAA-0-1"]}


class MailStub:
    """Stands for the e-mail channel: only its presence matters to the look for work."""

    async def close(self) -> None:
        pass


def engines(container) -> tuple[DeliveryEngine, DeliveryEngine]:
    """(webhooks only, webhooks and e-mail) on the container's database."""
    webhook = WebhookChannel(clock=container.clock, timeout_s=2)
    return (worker.engine(container, {"webhook": webhook}),
            worker.engine(container, {"webhook": webhook, "email": MailStub()}))


def looked_up(container, engine: DeliveryEngine) -> bool:
    """The answer the way it was found before: a read-only unit of work, three lookups."""
    with container.database.unit_of_work(read_only=True) as uow:
        return bool(uow.outbox.has_pending(OUTBOX_TOPIC) or uow.deliveries.has_due(container.clock())
                    or ("email" in engine.channels and uow.subscribers.confirmations_due(1)))


def answers(container, plain: DeliveryEngine, mailing: DeliveryEngine) -> tuple[bool, bool]:
    """Both engines' answers, each checked against the old way's."""
    found = plain.has_work(), mailing.has_work()
    assert found == (looked_up(container, plain), looked_up(container, mailing))
    return found


def test_the_look_finds_each_kind_of_work_and_nothing_once_it_is_done(api, container, clock):
    plain, mailing = engines(container)
    try:
        assert answers(container, plain, mailing) == (False, False)  # an empty database

        subscribed = api.post("/api/subscriptions", json={"place": {"lat": 50.5, "lon": 29.99},
                                                          "email": "resident@example.org", "languages": ["en"]})
        assert subscribed.status_code == 201, subscribed.text
        assert answers(container, plain, mailing) == (False, True)  # a confirmation: only with e-mail on
        with container.database.unit_of_work() as uow:
            uow.subscribers.confirmation_sent(subscribed.json()["id"])
            uow.commit()
        assert answers(container, plain, mailing) == (False, False)

        dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
        assert dave.post("/api/operator/integrators", SIREN).status_code == 201
        issue_alert(alice, bob, areas=("AAA-0-1",))
        assert answers(container, plain, mailing) == (True, True)  # an outbox entry to plan
        assert plain.plan_pending() == 1
        assert answers(container, plain, mailing) == (True, True)  # its copy due

        [task] = plain.claim()
        assert answers(container, plain, mailing) == (False, False)  # leased: not due
        clock.advance(seconds=plain.settings.lease_s + 1)
        assert answers(container, plain, mailing) == (True, True)  # the lease ran out: due again

        [task] = plain.claim()
        plain.record([(task, Outcome.retry("503"))])
        assert answers(container, plain, mailing) == (False, False)  # waiting for its backoff
        clock.advance(seconds=120)
        assert answers(container, plain, mailing) == (True, True)

        [task] = plain.claim()
        plain.record([(task, Outcome.sent())])
        assert answers(container, plain, mailing) == (False, False)  # all done
    finally:
        plain.close()
        mailing.close()


def statements(container, engine: DeliveryEngine, looks: int) -> list[str]:
    """What the database is asked during `looks` looks for work (each finding none)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread() is threading.main_thread():
            seen.append(statement)

    event.listen(container.database.engine, "before_cursor_execute", record)
    try:
        for _ in range(looks):
            assert engine.has_work() is False
    finally:
        event.remove(container.database.engine, "before_cursor_execute", record)
    return seen


# The look's own backend, found from another connection by the statement it ran last.
LOOKER = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = :sql"


def as_the_server_shows(sql: str) -> str:
    """A statement as pg_stat_activity shows it: psycopg sends %(name)s as $1, $2... (one
    number a name, in order of first appearance)."""
    numbers: dict[str, int] = {}
    return re.sub(r"%\((\w+)\)s", lambda m: f"${numbers.setdefault(m.group(1), len(numbers) + 1)}", sql)


def test_one_statement_a_look_and_no_transaction_left_open(container):
    plain, _ = engines(container)
    engine = container.database.engine
    try:
        seen = statements(container, plain, 5)
        assert len(seen) == 5 and len(set(seen)) == 1, seen
        assert "BEGIN" not in seen[0].upper() and "outbox" in seen[0]
        if engine.dialect.name == "postgresql":  # no BEGIN: the look's backend is idle, outside a transaction
            with engine.connect() as other:
                looker = {"sql": as_the_server_shows(seen[0])}
                states = other.execute(text(f"SELECT state, xact_start {LOOKER}"), looker).all()
            assert [(state, started) for state, started in states] == [("idle", None)]
        else:  # no read left open: a checkpoint (that does not wait) can reset the whole write-ahead log
            with closing(sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)) as raw:
                raw.execute("CREATE TABLE scratch (x INTEGER)")
                raw.execute("INSERT INTO scratch VALUES (1)")
                assert raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0  # not busy
    finally:
        plain.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_look_answers_again_after_its_connection_is_killed(api, container):
    plain, _ = engines(container)
    engine = container.database.engine
    try:
        [sql] = statements(container, plain, 1)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
            looker = {"sql": as_the_server_shows(sql)}
            killed = other.execute(text(f"SELECT pg_terminate_backend(pid) {LOOKER}"), looker).scalars().all()
        assert killed == [True]
        issue_alert(login(api, "alice"), login(api, "bob"), areas=("AAA-0-1",))
        assert plain.has_work() is True  # on a new connection
        assert plain.has_work() is True
    finally:
        plain.close()


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")  # one connection used by two threads at once
def test_looks_from_several_threads_at_once_take_turns(container):
    plain, _ = engines(container)
    failures: list[BaseException] = []
    answers_seen: set[bool] = set()

    def looks() -> None:
        try:
            for _ in range(200):
                answers_seen.add(plain.has_work())
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)

    threads = [threading.Thread(target=looks) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures and answers_seen == {False}
    finally:
        plain.close()

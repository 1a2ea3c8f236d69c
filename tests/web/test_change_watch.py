"""The change watcher of a served process (`entrypoints.web.watch`): while it vouches for the
snapshot, the prepared public answers run no statement at all; what this process commits shows
at once, what another process commits shows at once on PostgreSQL (a notice wakes the watcher)
and within about one watch interval on SQLite, and the clock alone still ends an alert exactly
at its expiry.

The app runs with its lifespan (so the watcher runs), on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import datetime, timedelta
from typing import Iterator

import pytest
from sqlalchemy import event, text

from safezone.adapters.db.change_mark import MARK_SQL
from safezone.bootstrap import Container, assemble
from safezone.domain.cap import Status
from safezone.entrypoints.web import create_app
from safezone.entrypoints.web.listeners import BOTH, OPERATOR, Listener
from tests.support.app import Api, Clock, issue_alert, login, make_container

PREPARED = ("/api/alerts", "/api/alerts?status=Exercise", "/api/alerts.geojson", "/feeds/alerts.atom",
            "/feeds/exercises.atom", "/api/zones.geojson", "/api/areas.geojson")
WESTGATE = {"lat": 50.45, "lon": 29.99}  # in AAA-0-1
# What another process commits must show within this (the interval is 25 ms; the rest is slack
# for a loaded test machine, far below what a Cancel may take to reach the public).
OTHER_PROCESS_LIMIT_S = 2.0
# A watch interval long enough to tell a watcher woken by a notice from one reading on time.
LONG_WATCH_S = 3.0
AT_ONCE_S = 1.0


def served(container: Container, listener: Listener = BOTH) -> Iterator[Api]:
    """The app with its lifespan running (the watcher with it), as `safezone serve` runs it."""
    app = create_app(container, sweep=False, listener=listener)
    api = Api(app)
    lifespan = app.router.lifespan_context(app)
    api._run(lifespan.__aenter__())
    try:
        yield api
    finally:
        api._run(lifespan.__aexit__(None, None, None))
        api.close()


@pytest.fixture
def watched(container: Container) -> Iterator[Api]:
    yield from served(container)


@pytest.fixture
def other(container: Container, clock: Clock) -> Iterator[Api]:
    """Another process on the same database: its own services and caches (no watcher needed)."""
    services = assemble(container.settings, clock=clock)
    api = Api(create_app(services, sweep=False))
    yield api
    api.close()
    services.close()


class Statements:
    """Every statement the database runs, with the thread that ran it."""

    def __init__(self, container: Container) -> None:
        self.engine = container.database.engine
        self.seen: list[tuple[str, str]] = []
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        self.seen.append((threading.current_thread().name, statement))

    def by_requests(self) -> list[str]:
        """What ran outside the watcher's own thread."""
        return [sql for thread, sql in self.seen if not thread.startswith("safezone-watch")]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def until(condition, limit_s: float = OTHER_PROCESS_LIMIT_S) -> float:  # type: ignore[no-untyped-def]
    """Poll `condition` every 5 ms; the seconds it took to hold (fails past `limit_s`)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < limit_s, "not within the limit"
        time.sleep(0.005)
    return time.monotonic() - start


def _alert_ids(api: Api) -> list[int]:
    return [a["id"] for a in api.get("/api/alerts").json()["alerts"]]


def test_a_fresh_public_answer_runs_no_statement(watched, container):
    alert_id = issue_alert(login(watched, "alice"), login(watched, "bob"))
    assert _alert_ids(watched) == [alert_id]
    until(lambda: container.public.fresh() is not None)  # the watcher read the mark since
    for path in PREPARED:  # each built once (a thread may build it)
        assert watched.get(path).status_code == 200, path
    assert watched.get("/api/where", params=WESTGATE).status_code == 200  # the shelters read once
    statements = Statements(container)
    try:
        for _ in range(5):
            for path in PREPARED:
                answer = watched.get(path, headers={"Accept-Encoding": "gzip"})
                assert answer.status_code == 200, path
        prepared = statements.by_requests()
        for _ in range(5):
            assert watched.get("/api/where", params=WESTGATE).json()["alerts"][0]["id"] == alert_id
        where = statements.by_requests()[len(prepared):]
        # The watcher reads meanwhile (waited for: 40 answers from memory may take less than an interval).
        until(lambda: any(sql == MARK_SQL for _, sql in statements.seen))
    finally:
        statements.close()
    assert prepared == []  # not even a BEGIN: no connection taken
    assert where == []  # the area, the alerts and the nearest shelters all come from memory


def test_where_is_answered_on_the_event_loop_while_current_and_again_once_the_watcher_read_a_change(
        watched, container, monkeypatch):
    """No worker thread for "where am I?" while the watcher vouches for what it needs (the
    threads are where a saturated process queues); after a change, the same answer (by a
    thread that reads what changed, if it comes before the watcher), and back on the event
    loop once the watcher has read the registry again."""
    alert_id = issue_alert(login(watched, "alice"), login(watched, "bob"))
    threaded = []
    slow_path = container.public.where
    monkeypatch.setattr(container.public, "where", lambda *a, **k: threaded.append(a) or slow_path(*a, **k))
    first = watched.get("/api/where", params=WESTGATE).json()
    until(lambda: container.public.fresh() is not None)
    threaded.clear()
    for _ in range(5):
        assert watched.get("/api/where", params=WESTGATE).json() == first
    assert threaded == []
    assert [a["id"] for a in first["alerts"]] == [alert_id]

    seq = container.public.fresh().mark.shelter_seq
    with container.database.unit_of_work() as uow:
        uow.changes.shelters_changed()
        uow.commit()
    assert watched.get("/api/where", params=WESTGATE).json() == first
    until(lambda: (held := container.public.fresh()) is not None and held.mark.shelter_seq == seq + 1)
    threaded.clear()
    for _ in range(5):
        assert watched.get("/api/where", params=WESTGATE).json() == first
    assert threaded == []


def test_a_cancel_made_by_another_process_reaches_the_alerts_and_the_feed_within_the_bound(watched, other):
    alice, bob = login(other, "alice"), login(other, "bob")
    alert_id = issue_alert(alice, bob)
    until(lambda: _alert_ids(watched) == [alert_id])
    feed = watched.get("/feeds/alerts.atom").text
    assert feed.count("<entry>") == 1 and "CANCELLED" not in feed.upper()

    assert alice.post(f"/api/operator/alerts/{alert_id}/cancel").status_code == 200
    took = until(lambda: _alert_ids(watched) == [])
    assert "cancel" in watched.get("/feeds/alerts.atom").text.lower()
    assert took < OTHER_PROCESS_LIMIT_S
    assert watched.get("/api/where", params=WESTGATE).json()["alerts"] == []


def test_what_another_process_commits_is_taken_in_by_the_watcher_and_no_request_reads_it(watched, container,
                                                                                       other):
    """The minute it matters: an alert issued by the operators' process while the public one is
    busy. The watcher rebuilds the snapshot in its own thread; requests go on answering from
    the previous one until the new one is ready, and none runs a statement (a request that did
    would hold a read lock the operators' next write waits for, on SQLite)."""
    for path in PREPARED:
        assert watched.get(path).status_code == 200, path
    assert watched.get("/api/where", params=WESTGATE).status_code == 200
    until(lambda: container.public.fresh() is not None)
    statements = Statements(container)
    try:
        alert_id = issue_alert(login(other, "alice"), login(other, "bob"))
        until(lambda: _alert_ids(watched) == [alert_id])
        for path in PREPARED:
            assert watched.get(path).status_code == 200, path
        assert [a["id"] for a in watched.get("/api/where", params=WESTGATE).json()["alerts"]] == [alert_id]
    finally:
        statements.close()
    assert statements.by_requests() == []
    assert [sql for _, sql in statements.seen if sql == MARK_SQL], "the watcher read the mark meanwhile"


def test_the_watcher_prepares_the_alerts_in_force_before_the_first_request_asks(watched, container, other):
    """Under load the first request after a change would build the answer in a worker thread
    that waits its turns behind the event loop: the watcher builds it as it rebuilds."""
    alert_id = issue_alert(login(other, "alice"), login(other, "bob"))
    until(lambda: (container.public.fresh() is not None
                   and [p.alert.id for p in container.public.fresh().alerts] == [alert_id]))
    snapshot = container.public.fresh()
    until(lambda: snapshot.derived.peek(("json", Status.ACTUAL)) is not None)  # no request made yet
    prepared = snapshot.derived.peek(("json", Status.ACTUAL))
    assert watched.get("/api/alerts").content == prepared.body
    until(lambda: snapshot.derived.peek(("geojson", Status.ACTUAL)) is not None)  # after the JSON, no request asks it


def test_what_this_process_commits_shows_at_once_whatever_the_watch_interval(db_url, sample_zones, clock):
    """With a watcher that reads only every 5 s, a change made here still shows in the very
    next answer: every commit here invalidates the watcher's reading."""
    container = make_container(db_url, sample_zones, clock, change_watch_s=5.0)
    try:
        for watched in served(container):
            alice, bob = login(watched, "alice"), login(watched, "bob")
            for _ in range(3):
                alert_id = issue_alert(alice, bob)
                assert alert_id in _alert_ids(watched)  # no wait at all
                until(lambda: container.public.fresh() is not None)  # read again at once, not in 5 s
                assert alice.post(f"/api/operator/alerts/{alert_id}/cancel").status_code == 200
                assert alert_id not in _alert_ids(watched)
    finally:
        container.close()


def test_a_commit_that_moves_no_mark_leaves_the_watchers_reading_trusted(watched, container, clock):
    """A delivery receipt, a session, a subscriber: nothing a public answer shows. Such commits
    (the in-process delivery worker makes thousands during a fan-out) must not send every
    public request back to the database; an audited change still does, at once."""
    alert_id = issue_alert(login(watched, "alice"), login(watched, "bob"))
    until(lambda: _alert_ids(watched) == [alert_id] and container.public.fresh() is not None)
    with container.database.unit_of_work() as uow:
        uow.outbox.add(alert_id, "nothing-public", {}, clock.now)
        uow.commit()
    assert container.public.fresh() is not None
    with container.database.unit_of_work() as uow:
        uow.changes.shelters_changed()
        uow.commit()
    assert container.public.fresh() is None  # asks the database until the watcher reads again


def test_an_alert_leaves_every_answer_exactly_at_its_expiry(watched, container, clock):
    alert_id = issue_alert(login(watched, "alice"), login(watched, "bob"))
    expires = datetime.fromisoformat(watched.get(f"/api/alerts/{alert_id}").json()["expires"])
    clock.now = expires - timedelta(seconds=1)
    assert _alert_ids(watched) == [alert_id]
    until(lambda: container.public.fresh() is not None and _alert_ids(watched) == [alert_id])
    clock.now = expires  # no write, no sweep: the snapshot knows its own end
    assert _alert_ids(watched) == []
    assert watched.get("/api/alerts.geojson").json()["features"] == []
    assert watched.get("/api/where", params=WESTGATE).json()["alerts"] == []
    assert "EXPIRED:" in watched.get("/feeds/alerts.atom").text


def test_a_request_that_reads_the_mark_itself_vouches_for_the_snapshot_as_the_watcher_would(container):
    """When the watcher's reading is too old (its thread held up in a busy process), the first
    request that reads the mark lets the next ones answer from memory; a process with no
    watcher never trusts a reading, and one made before a commit here is dropped."""
    public = container.public
    public.snapshot()
    assert public.fresh() is None  # no watcher: every request reads the mark

    public.on_invalidate(lambda: None)  # a watcher, whose last reading is a second old
    public.watched(public.snapshot().mark, time.monotonic() - 1.0, public.watch_generation(), 0.25)
    assert public.fresh() is None
    snapshot = public.snapshot()  # reads the mark itself
    assert public.fresh() is snapshot

    public.invalidate()  # a commit here: nothing read before it is trusted
    assert public.fresh() is None
    public.on_invalidate(None)  # the watcher stopped
    public.snapshot()
    assert public.fresh() is None


def test_the_operator_process_rebuilds_nothing_until_a_public_answer_is_asked_for(container, other, monkeypatch):
    """The operators' own process (`--operator-port`) serves few public answers: its watcher
    only vouches for a snapshot that is current, so an operator's next step never shares the
    interpreter with a rebuild after each commit; the first public answer asked for after a
    change rebuilds it, and is current."""
    rebuilds = []
    read_snapshot = container.public._read_snapshot
    monkeypatch.setattr(container.public, "_read_snapshot", lambda *a: rebuilds.append(a) or read_snapshot(*a))
    for api in served(container, OPERATOR):
        assert _alert_ids(api) == []
        until(lambda: container.public.fresh() is not None)  # the watcher vouches for it
        rebuilds.clear()
        alert_id = issue_alert(login(other, "alice"), login(other, "bob"))
        time.sleep(10 * container.settings.change_watch_s)  # the watcher has read the change
        assert container.public.fresh() is None and rebuilds == []
        assert _alert_ids(api) == [alert_id]
        assert len(rebuilds) == 1
        until(lambda: container.public.fresh() is not None)
        assert _alert_ids(api) == [alert_id] and len(rebuilds) == 1


def test_the_public_process_rebuilds_after_a_change_before_any_request(container, other, monkeypatch):
    rebuilds = []
    read_snapshot = container.public._read_snapshot
    monkeypatch.setattr(container.public, "_read_snapshot", lambda *a: rebuilds.append(a) or read_snapshot(*a))
    for _api in served(container, BOTH):
        until(lambda: container.public.fresh() is not None)
        rebuilds.clear()
        alert_id = issue_alert(login(other, "alice"), login(other, "bob"))
        until(lambda: (held := container.public.fresh()) is not None and [p.alert.id for p in held.alerts] == [alert_id])
        assert rebuilds  # by the watcher, no request made


def test_on_postgresql_the_rebuild_reads_on_the_watchers_own_connection(watched, container, other):
    """Under load every round trip of the rebuild is a wait for the server and then for the
    interpreter: on PostgreSQL it reads on the connection the watcher holds (autocommit, no pool
    ping, BEGIN or ROLLBACK); on SQLite it keeps a read transaction of its own, which sees one
    moment throughout."""
    until(lambda: container.public.fresh() is not None)
    checkouts: list[str] = []
    record = lambda *_args: checkouts.append(threading.current_thread().name)  # noqa: E731
    event.listen(container.database.engine.pool, "checkout", record)
    try:
        alert_id = issue_alert(login(other, "alice"), login(other, "bob"))
        until(lambda: (container.public.fresh() is not None
                       and [p.alert.id for p in container.public.fresh().alerts] == [alert_id]))
    finally:
        event.remove(container.database.engine.pool, "checkout", record)
    by_watcher = [name for name in checkouts if name.startswith("safezone-watch")]
    if container.database.dialect == "postgresql":
        assert by_watcher == []
    else:
        assert by_watcher, "SQLite's rebuild takes a connection for its read transaction"
    assert _alert_ids(watched) == [alert_id]


@pytest.fixture
def slow_watch(db_url, sample_zones, clock) -> Iterator[tuple[Container, Container]]:
    """A process whose watcher reads every `LONG_WATCH_S`, and another on the same database."""
    container = make_container(db_url, sample_zones, clock, change_watch_s=LONG_WATCH_S)
    other = assemble(container.settings, clock=clock)
    try:
        yield container, other
    finally:
        other.close()
        container.close()


def _moved_by(other: Container, container: Container) -> float:
    """Move the mark from `other` just after `container`'s watcher has read it (woken by an
    invalidation, so its next reading on time is a whole interval away); the seconds until the
    watcher has taken the move in."""
    container.public.invalidate()
    until(lambda: container.public.fresh() is not None)
    seq = container.public.fresh().mark.shelter_seq
    with other.database.unit_of_work() as uow:
        uow.changes.shelters_changed()
        uow.commit()
    return until(lambda: (held := container.public.fresh()) is not None and held.mark.shelter_seq == seq + 1,
                 LONG_WATCH_S + OTHER_PROCESS_LIMIT_S)


def test_what_another_process_commits_wakes_the_watcher_at_once_on_postgresql(slow_watch):
    """On PostgreSQL the commit's notice wakes the watcher, whatever the interval. SQLite has
    no notices: there the change waits for the watcher's next reading, an interval after the last."""
    container, other = slow_watch
    for _api in served(container):
        if container.database.dialect == "postgresql":
            for _ in range(3):  # each notice taken, and the next one wakes it again
                assert _moved_by(other, container) < AT_ONCE_S
        else:
            assert _moved_by(other, container) > LONG_WATCH_S / 3


def test_stopping_the_watcher_ends_its_wait_at_once(slow_watch):
    container, _ = slow_watch
    before = set(threading.enumerate())
    serving = served(container)
    next(serving)
    [watcher] = [t for t in threading.enumerate() if t not in before and t.name == "safezone-watch"]
    until(lambda: container.public.fresh() is not None)  # it has read: now it waits out its interval
    start = time.monotonic()
    with contextlib.suppress(StopIteration):
        next(serving)
    assert not watcher.is_alive()
    assert time.monotonic() - start < AT_ONCE_S


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_after_its_connection_is_killed_notices_wake_the_watcher_again(slow_watch):
    container, other = slow_watch
    for _api in served(container):
        assert _moved_by(other, container) < AT_ONCE_S
        with other.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            killed = admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalars().all()
        assert killed and all(killed)  # the watcher's connection among them
        for _ in range(2):
            assert _moved_by(other, container) < AT_ONCE_S


def test_after_an_operators_change_here_the_next_reader_finds_it_in_memory(watched, container):
    """A change holds the public side until the watcher has caught up with it (web.operators_first):
    the readers let go then find it in memory, none takes a worker thread and a statement."""
    alice, bob = login(watched, "alice"), login(watched, "bob")
    for _ in range(3):
        statements = Statements(container)
        try:
            alert_id = issue_alert(alice, bob)  # its answer comes once the hold is over
            assert container.public.caught_up()
            assert alert_id in _alert_ids(watched)
            assert [sql for sql in statements.by_requests() if MARK_SQL in sql] == []
        finally:
            statements.close()
        assert alice.post(f"/api/operator/alerts/{alert_id}/cancel").status_code == 200

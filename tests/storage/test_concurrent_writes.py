"""Two changes at once whose outcome depends on what the other is writing: the second waits
for the first and decides on what it committed, on SQLite and on PostgreSQL.

Each case holds the first unit of work open after its change, starts the second in another
thread, gives it time to read (it must not be able to), then commits the first.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from safezone.adapters.db import Database, UnitOfWork
from safezone.domain.errors import InputError
from safezone.adapters.shelter_sources import read_shelters
from safezone.domain import alerts as rules
from safezone.domain.accounts import PermissionDenied, Role, User
from safezone.domain.alerts import AlertChanged, AlertKind, AlertState
from safezone.domain.cap import InfoText, Status
from safezone.services.accounts import add_user, disable_user
from safezone.services.shelters import apply_import

OVERLAP_S = 0.5  # how long the first change stays uncommitted while the second starts


def overlapping(database: Database, first: Callable[[UnitOfWork], object],
                second: Callable[[UnitOfWork], object]) -> object:
    """Run `first` and keep it uncommitted while `second` starts in another thread; then
    commit `first`. What `second` returned, or the exception it raised."""
    outcome: list[object] = []

    def run_second() -> None:
        try:
            with database.unit_of_work() as uow:
                outcome.append(second(uow))
                uow.commit()
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcome.append(error)

    with database.unit_of_work() as uow:
        first(uow)
        thread = threading.Thread(target=run_second)
        thread.start()
        time.sleep(OVERLAP_S)
        assert not outcome, "the second change ran while the first was uncommitted"
        uow.commit()
    thread.join(timeout=60)
    assert outcome, "the second change never finished"
    return outcome[0]


def test_two_activations_at_once_leave_one_zone_set_active(db_url, sample_zones):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            versions = [uow.zones.add(dataclasses.replace(sample_zones, border_name=f"build {n}"), activate=n == 0)
                        for n in range(3)]
            uow.commit()
        overlapping(db, lambda uow: uow.zones.activate(versions[1]), lambda uow: uow.zones.activate(versions[2]))
        with db.unit_of_work(read_only=True) as uow:
            assert [i.version for i in uow.zones.versions() if i.active] == [versions[2]]


def test_two_builds_stored_and_activated_at_once_leave_one_active(db_url, sample_zones):
    """The first builds into an empty database: there is no stored row either could lock."""
    with Database(db_url) as db:
        second = overlapping(db, lambda uow: uow.zones.add(sample_zones, activate=True),
                             lambda uow: uow.zones.add(dataclasses.replace(sample_zones, border_name="b"), activate=True))
        with db.unit_of_work(read_only=True) as uow:
            assert [i.version for i in uow.zones.versions() if i.active] == [second]


def test_two_admins_disabling_each_other_leave_one_admin(db_url):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            dave = add_user(uow, "dave", "correct horse battery staple", ["admin"])
            erin = add_user(uow, "erin", "correct horse battery staple", ["admin"])
            uow.commit()
        refused = overlapping(db, lambda uow: disable_user(uow, "erin", by=dave),
                              lambda uow: disable_user(uow, "dave", by=erin))
        # The second admin is read again inside the accounts lock: already disabled, it may not act.
        assert isinstance(refused, PermissionDenied) and "the account is disabled" in str(refused)
        with db.unit_of_work(read_only=True) as uow:
            assert [u.name for u in uow.users.all() if u.active] == ["dave"]
            assert [e.action for e in uow.audit.entries()].count("user.disabled") == 1


def test_disabling_one_user_twice_at_once_is_recorded_once(db_url):
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            add_user(uow, "dave", "correct horse battery staple", ["admin"])
            add_user(uow, "olena", "correct horse battery staple", ["issuer"])
            uow.commit()
        second = overlapping(db, lambda uow: disable_user(uow, "olena"), lambda uow: disable_user(uow, "olena"))
        assert isinstance(second, InputError) and "already disabled" in str(second)
        with db.unit_of_work(read_only=True) as uow:
            assert [e.action for e in uow.audit.entries()].count("user.disabled") == 1


def test_one_name_added_twice_at_once_is_refused_once_with_a_reason(db_url):
    with Database(db_url) as db:
        second = overlapping(db, lambda uow: add_user(uow, "olena", "correct horse battery staple", ["issuer"]),
                             lambda uow: add_user(uow, "olena", "another horse battery staple", ["approver"]))
        assert isinstance(second, InputError) and "already exists" in str(second)
        with db.unit_of_work(read_only=True) as uow:
            assert [(u.name, sorted(r.value for r in u.roles)) for u in uow.users.all()] == [("olena", ["issuer"])]


def test_two_replacing_imports_of_one_source_at_once_leave_one_file(db_url, tmp_path):
    """Each file is the whole source: afterwards the registry holds the second file's
    shelters alone, not both files' (each withdrawing only what it saw)."""
    header = "id,name,lat,lon,capacity\n"
    files = {"old": "o,Old school,50.0,36.2,50\n", "first": "a,Alpha,50.001,36.23,100\n",
             "second": "b,Bravo,50.002,36.23,200\n"}
    rows = {}
    for name, body in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(header + body, encoding="utf-8")
        rows[name] = read_shelters(str(path), source="city")
    started = datetime.now(timezone.utc)
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            apply_import(uow, rows["old"], started)
            uow.commit()
        second = overlapping(db, lambda uow: apply_import(uow, rows["first"], started, replace=True),
                             lambda uow: apply_import(uow, rows["second"], started, replace=True))
        assert (second.inserted, second.removed) == (1, 1)  # it saw the first file's shelter, and withdrew it
        with db.unit_of_work(read_only=True) as uow:
            assert [s.source_id for s in uow.shelters.all("city")] == ["b"]


def test_a_read_only_unit_of_work_neither_waits_nor_commits(db_url, sample_zones):
    """The public side reads while a change is under way, and sees what was committed."""
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            first = uow.zones.add(sample_zones, activate=True)
            uow.commit()
        with db.unit_of_work() as writer:
            second = writer.zones.add(dataclasses.replace(sample_zones, border_name="rebuilt"), activate=True)
            started = time.monotonic()
            with db.reader().unit_of_work() as reader:
                assert reader.zones.active_version() == first
                with pytest.raises(RuntimeError, match="read-only"):
                    reader.commit()
            assert time.monotonic() - started < 5
            writer.commit()
        with db.unit_of_work(read_only=True) as uow:
            assert uow.zones.active_version() == second


def test_an_alert_changed_meanwhile_is_never_overwritten(db_url, sample_zones):
    """Saving is a compare-and-set on the state the alert was read in: a decision taken on a
    stale read is refused (409 on the web), even where no lock was taken."""
    now = datetime.now(timezone.utc)
    alice = User(id=1, name="alice", roles=frozenset({Role.ISSUER}), created_at=now)
    bob = User(id=2, name="bob", roles=frozenset({Role.APPROVER}), created_at=now)
    with Database(db_url) as db:
        with db.unit_of_work() as uow:
            version = uow.zones.add(sample_zones, activate=True)
            draft = uow.alerts.add(rules.new_alert(
                kind=AlertKind.ALERT, status=Status.ACTUAL, threat="short range", zone_version=version,
                area_ids=("AAA-0-1",), texts=(("en", InfoText("Take shelter")),), expires=now + timedelta(hours=1),
                author=alice, now=now))
            submitted = rules.submit(draft, alice, now)
            uow.alerts.save(submitted, was=AlertState.DRAFT)
            uow.commit()
        with db.unit_of_work() as uow:
            uow.alerts.save(rules.reject(submitted, bob, "wrong areas", now), was=AlertState.SUBMITTED)
            uow.commit()
        with db.unit_of_work() as uow:
            with pytest.raises(AlertChanged, match="no longer submitted"):
                uow.alerts.save(rules.approve(submitted, bob, now), was=AlertState.SUBMITTED)
        with db.unit_of_work(read_only=True) as uow:
            assert uow.alerts.get(draft.id).state is AlertState.REJECTED


def test_a_read_only_unit_of_work_cannot_write(db_url, sample_zones):
    with Database(db_url) as db:
        with pytest.raises(Exception, match="read-only|read only|READ ONLY"):
            with db.unit_of_work(read_only=True) as uow:
                uow.zones.add(sample_zones, activate=True)  # PostgreSQL refuses here, SQLite at commit
                uow.commit()
        with db.unit_of_work(read_only=True) as uow:
            assert uow.zones.versions() == []

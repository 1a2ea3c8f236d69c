"""`safezone db backup` / `restore`: a backup taken while the service writes restores to a
database whose audit chain verifies and that holds what was there. SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from safezone.adapters.db import Database
from safezone.entrypoints.cli import main
from safezone.services import accounts, audit

_restores = itertools.count(1)


def _target(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> str:
    if db_url.startswith("postgresql"):
        return request.getfixturevalue("postgres_server").new_database(f"safezone_restored_{next(_restores)}")
    return str(tmp_path / "restored.db")


def _add_users(url: str, names: list[str]) -> None:
    database = Database.open(url)
    try:
        for name in names:
            with database.unit_of_work() as uow:
                accounts.add_user(uow, name, "a long enough password", ["issuer"])
                uow.commit()
    finally:
        database.close()


def test_a_backup_taken_during_writes_restores_with_an_intact_audit_chain(request, db_url, tmp_path):
    _add_users(db_url, ["first", "second"])
    writer = threading.Thread(target=_add_users, args=(db_url, [f"busy{i}" for i in range(15)]))
    writer.start()  # the backup is taken while these land
    runner = CliRunner()
    made = runner.invoke(main, ["db", "backup", str(tmp_path / "safezone.backup"), "--db", db_url])
    writer.join()
    assert made.exit_code == 0, made.output

    target = _target(request, db_url, tmp_path)
    restored = runner.invoke(main, ["db", "restore", str(tmp_path / "safezone.backup"), "--db", target])
    assert restored.exit_code == 0, restored.output
    assert "audit chain intact" in restored.output

    database = Database.open(target)
    try:
        with database.unit_of_work(read_only=True) as uow:
            report = audit.verify(uow)
            names = {u.name for u in uow.users.all()}
        assert report.intact and report.entries >= 2
        assert {"first", "second"} <= names
    finally:
        database.close()


def test_restore_refuses_what_is_not_a_backup_and_never_overwrites(request, db_url, tmp_path):
    runner = CliRunner()
    junk = tmp_path / "junk.backup"
    junk.write_text("not a backup at all")
    target = _target(request, db_url, tmp_path)
    refused = runner.invoke(main, ["db", "restore", str(junk), "--db", target])
    assert refused.exit_code == 2 and "is not a" in refused.output and "backup" in refused.output

    _add_users(db_url, ["someone"])
    good = tmp_path / "good.backup"
    assert runner.invoke(main, ["db", "backup", str(good), "--db", db_url]).exit_code == 0
    again = runner.invoke(main, ["db", "backup", str(good), "--db", db_url])
    assert again.exit_code == 2 and "already exists" in again.output
    onto_live = runner.invoke(main, ["db", "restore", str(good), "--db", db_url])
    assert onto_live.exit_code == 2 and "already" in onto_live.output

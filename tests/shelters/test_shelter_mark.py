"""The shelters part of the change mark: it moves in the transaction of every change to what the
public is offered (an import that inserts, edits, withdraws or brings back; a closing), and
stays put when nothing changed, so the public side reads the registry again only when needed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from safezone.adapters.db import Database
from safezone.domain.shelters import RejectedImport
from safezone.services.shelters import close_shelter, import_shelters

HEADER = "id,name,lat,lon,capacity\n"
FIRST = HEADER + "a,Alpha,50.001,36.23,100\nb,Bravo,50.002,36.23,200\n"


def mark(db: Database) -> int:
    with db.unit_of_work(read_only=True) as uow:
        return uow.changes.current().shelter_seq


def imported(db: Database, tmp_path, text_: str, **options) -> int:
    path = tmp_path / "shelters.csv"
    path.write_text(text_, encoding="utf-8")
    before = mark(db)
    import_shelters(db, str(path), source="city", **options)
    return mark(db) - before


def test_each_change_to_the_open_shelters_moves_the_mark_and_nothing_else_does(db_url, tmp_path):
    with Database(db_url) as db:
        assert imported(db, tmp_path, FIRST) == 1  # inserted
        assert imported(db, tmp_path, FIRST) == 0  # unchanged: nothing written
        assert imported(db, tmp_path, FIRST.replace("200", "250")) == 1  # edited
        assert imported(db, tmp_path, HEADER + "a,Alpha,50.001,36.23,100\n", replace=True) == 1  # b withdrawn
        assert imported(db, tmp_path, FIRST) == 1  # b back
        with pytest.raises(RejectedImport):
            imported(db, tmp_path, FIRST + "c,Charlie,not a number,36.23,1\n")
        assert mark(db) == 4  # a refused file wrote no shelter
        with db.unit_of_work() as uow:
            alpha = uow.shelters.get("city", "a")
            assert alpha is not None and alpha.id is not None
            assert close_shelter(uow, alpha.id, "test", datetime.now(timezone.utc))
            assert close_shelter(uow, alpha.id, "test", datetime.now(timezone.utc)) is False
            uow.commit()
        assert mark(db) == 5  # closed once

"""`safezone db info`: where the database is and what it holds, on SQLite and on PostgreSQL.
Shelters closed by an operator stay in the registry as history but are offered to no one, so
they are counted apart from the open ones."""

from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner

from safezone.domain.shelters import Shelter
from safezone.entrypoints.cli import main
from safezone.services.shelters import close_shelter
from tests.support.app import add_shelters, make_container


def test_db_info_names_the_schema_the_zone_sets_and_the_open_and_closed_shelters(db_url, sample_zones):
    container = make_container(db_url, sample_zones, lambda: datetime.now(timezone.utc))
    try:
        ids = add_shelters(container, *(Shelter("test", f"s{i}", f"Shelter {i}", 50.5, 30.02, 100, "basement", True, "24/7")
                                        for i in range(3)))
        with container.database.unit_of_work() as uow:
            assert close_shelter(uow, ids[0], "alice", datetime.now(timezone.utc))
            uow.commit()
    finally:
        container.close()
    result = CliRunner().invoke(main, ["db", "info", "--db", db_url])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.output.splitlines() if line.strip())
    assert lines["shelters"] == "2 open, 1 closed by operators"
    assert lines["zone"].startswith("sets") and "active: 1" in lines["zone"]
    assert lines["schema"].startswith("revision ")

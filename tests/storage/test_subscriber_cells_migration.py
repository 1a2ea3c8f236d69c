"""Migration 0120: subscribers stored before it keep everything and start without a cell (so
targeting tests their point exactly); the column goes again on a downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from safezone.adapters.db import migrate

ROW = ("INSERT INTO subscribers (id, token_hash, lat, lon, languages, drills, email_confirmed, created_at, "
       "updated_at) VALUES ('sub_old', 'x', 50.5, 30.1, '[\"en\"]', 0, 0, '2026-12-01 11:00:00', "
       "'2026-12-01 11:00:00')")


def test_older_subscribers_start_without_a_cell_and_downgrade_drops_it(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = migrate._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0110_alert_stages")
        connection.execute(text(ROW))
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, lat, lon, cell FROM subscribers")).all() == [
            ("sub_old", 50.5, 30.1, None)]
    assert "ix_subscribers_cell" in {i["name"] for i in inspect(engine).get_indexes("subscribers")}
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0110_alert_stages")
    assert "cell" not in {c["name"] for c in inspect(engine).get_columns("subscribers")}
    engine.dispose()

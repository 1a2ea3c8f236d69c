"""Migration 0110: alerts stored before stages get their stage — all-clears "all-clear", every
other message "alert" — and the stage survives a round trip through the repository."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from safezone.adapters.db import migrate

ROW = ("INSERT INTO alerts (kind, status, state, threat, zone_version, area_ids, texts, expires_at, created_by, "
       "created_at, own_words) VALUES (:kind, 'Actual', 'issued', 'short range', 1, '[]', '[]', "
       "'2026-12-01 12:00:00', 'alice', '2026-12-01 11:00:00', 0)")


def test_older_alerts_get_their_stage(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = migrate._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0070_alert_own_words")
        for kind in ("alert", "update", "cancel", "all-clear"):
            connection.execute(text(ROW), {"kind": kind})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        stages = dict(connection.execute(text("SELECT kind, stage FROM alerts")).all())
    assert stages == {"alert": "alert", "update": "alert", "cancel": "alert", "all-clear": "all-clear"}
    engine.dispose()

"""Migration 0150: the totals of finished deliveries start from the rows already finished (per
channel and outcome; queued and dead rows are not totals), on SQLite and PostgreSQL, and the
table goes again on a downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from safezone.adapters.db import migrate
from safezone.adapters.db.url import resolve_url

BEFORE = "0145_deliveries_due_id"
STATES = {("webhook", "sent"): 3, ("webhook", "failed"): 2, ("webhook", "dead"): 1, ("webhook", "queued"): 4,
          ("email", "sent"): 5, ("email", "delivered"): 1, ("email", "expired"): 2, ("webpush", "queued"): 1}
ROW = ("INSERT INTO deliveries (key, alert_id, chain, receiver, channel, priority, state, attempts, not_before, "
       "issued_at, expires_at) VALUES (:key, 1, 'c', :key, :channel, 2, :state, 1, :at, :at, :at)")


def test_totals_start_from_the_deliveries_finished_before_it(db_url):
    engine = create_engine(resolve_url(db_url))
    config = migrate._config()
    migrate.upgrade(engine, BEFORE)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # rows without their alert: no foreign-key check
            connection.exec_driver_sql("SET session_replication_role = replica")
        connection.execute(text(ROW), [{"key": f"{channel}-{state}-{n}", "channel": channel, "state": state,
                                        "at": "2026-12-01 10:00:00"}
                                       for (channel, state), count in STATES.items() for n in range(count)])
    migrate.upgrade(engine)
    with engine.connect() as connection:
        totals = connection.execute(text("SELECT channel, outcome, sum(count) FROM delivery_totals "
                                         "GROUP BY channel, outcome")).all()
    assert {(c, o): int(n) for c, o, n in totals} == {
        ("webhook", "sent"): 3, ("webhook", "failed"): 2, ("email", "sent"): 5, ("email", "delivered"): 1,
        ("email", "expired"): 2}
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)
    assert "delivery_totals" not in inspect(engine).get_table_names()
    engine.dispose()

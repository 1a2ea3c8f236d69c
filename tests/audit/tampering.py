"""Editing the audit log behind the application's back, as an intruder with database access would.

The append-only triggers are dropped first (on PostgreSQL with DROP TRIGGER, on SQLite by
opening the file directly with the sqlite3 module), then raw SQL does the damage.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, make_url, text

SQLITE_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_chained", "audit_head_no_delete", "audit_head_forward")
POSTGRES_TRIGGERS = (
    ("audit_log_append_only", "audit_log"),
    ("audit_log_no_truncate", "audit_log"),
    ("audit_log_chained", "audit_log"),
    ("audit_head_forward", "audit_head"),
    ("audit_head_no_truncate", "audit_head"),
)


def tamper(url: str, *statements: str) -> None:
    """Drop the triggers and run `statements` in one transaction, outside safezone's code."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(parsed.database) as connection:
            for trigger in SQLITE_TRIGGERS:
                connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in statements:
                connection.execute(statement)
        connection.close()
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for trigger, table in POSTGRES_TRIGGERS:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger} ON {table}"))
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def swap(first: int, second: int) -> tuple[str, ...]:
    """Exchange the places of two entries (through a free number, as the key is unique)."""
    return (
        f"UPDATE audit_log SET seq = -1 WHERE seq = {first}",
        f"UPDATE audit_log SET seq = {first} WHERE seq = {second}",
        f"UPDATE audit_log SET seq = {second} WHERE seq = -1",
    )


def shift_from(seq: int, by: int) -> tuple[str, ...]:
    """Renumber every entry from `seq` on by `by` (in two steps, so no key collides midway)."""
    return (
        f"UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= {seq}",
        f"UPDATE audit_log SET seq = seq - 1000000 + {by} WHERE seq >= 1000000",
    )

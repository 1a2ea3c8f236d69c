"""User names are unique whatever their case: `Olena` and `olena` are one person's name.

A unique index on `lower(name)` (names are ASCII, so `lower` means the same on SQLite and
PostgreSQL) makes the database itself refuse a second account whose name differs only by case,
and lets a login typed in any case find the one account. A database that already holds such
names cannot get the index: the migration stops, names each clashing group, and changes
nothing, so an admin can disable or rename one account of each pair first.

Revision ID: 0080_user_names
Revises: 0070_alert_own_words
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from safezone.domain.errors import InputError

revision = "0080_user_names"
down_revision = "0070_alert_own_words"
branch_labels = None
depends_on = None

INDEX = "uq_users_name_folded"


def upgrade() -> None:
    clashes = _clashing_names(op.get_bind())
    if clashes:
        groups = "; ".join(" / ".join(names) for names in clashes)
        raise InputError(
            f"cannot make user names unique regardless of case: these accounts differ only by case: {groups}. "
            "Keep one account of each group (the database was not changed)",
            field="users.name",
        )
    op.create_index(INDEX, "users", [sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="users")


def _clashing_names(connection: sa.Connection) -> list[list[str]]:
    """Each group of stored names that are equal ignoring case, sorted."""
    by_folded: dict[str, list[str]] = {}
    for (name,) in connection.execute(sa.text("SELECT name FROM users ORDER BY name")):
        by_folded.setdefault(name.lower(), []).append(name)
    return [names for _, names in sorted(by_folded.items()) if len(names) > 1]

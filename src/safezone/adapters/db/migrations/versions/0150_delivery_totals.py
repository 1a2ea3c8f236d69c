"""Totals of finished deliveries, kept as they finish, so `/metrics` does not count them; and
an index of the unfinished ones only, which it counts.

`delivery_totals` holds, per channel, outcome (`sent`, `delivered`, `failed`, `expired`) and
shard, how many deliveries reached that outcome; a scrape sums the shards (see
`adapters.db.delivery_totals` for why there are shards). The delivery repository adds to them
in the transaction that finishes the rows. This revision back-fills them from the rows already
finished, in the same transaction; on PostgreSQL it holds a SHARE lock on `deliveries` while it
counts, so no row finishes between the count and the commit. A worker of the previous version
still running after the upgrade would finish rows without counting them: stop the workers of a
version before migrating, as for every revision.

`ix_deliveries_unfinished` (state, channel), partial: only rows `queued` or `dead`, so it stays
as small as the work in hand whatever the history, and a scrape counts them off it alone
(SQLite: a covering-index search; PostgreSQL: an index-only scan). SQLite uses a partial index
only for a query whose WHERE has the index's very term: `monitoring._UNFINISHED` writes it so.

Revision ID: 0150_delivery_totals
Revises: 0145_deliveries_due_id
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0150_delivery_totals"
down_revision = "0145_deliveries_due_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_totals",
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("outcome", sa.String(16), primary_key=True),
        sa.Column("shard", sa.SmallInteger(), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("count >= 0", name="ck_delivery_totals_count"),
    )
    unfinished = sa.text("state IN ('queued', 'dead')")
    op.create_index("ix_deliveries_unfinished", "deliveries", ["state", "channel"], sqlite_where=unfinished,
                    postgresql_where=unfinished)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("LOCK TABLE deliveries IN SHARE MODE")
    op.execute("INSERT INTO delivery_totals (channel, outcome, shard, count) "
               "SELECT channel, state, 0, count(*) FROM deliveries "
               "WHERE state IN ('sent', 'delivered', 'failed', 'expired') GROUP BY channel, state")


def downgrade() -> None:
    op.drop_index("ix_deliveries_unfinished", table_name="deliveries")
    op.drop_table("delivery_totals")

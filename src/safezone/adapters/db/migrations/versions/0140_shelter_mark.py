"""A change mark for the shelter registry: `shelter_head`, one row whose `seq` moves with
every transaction that changes what the public is offered (an import that writes or withdraws,
a shelter closed by an operator).

The public side holds the open shelters in memory and reads this number with the rest of its
change mark, so every worker process rebuilds its copy when the registry changes. A counter
row, not the newest import run's id: ids are handed out before their transactions commit, so
on PostgreSQL a later id can become visible first and the earlier run's change would go
unseen; an UPDATE of one row takes its turn and commits in order.

Revision ID: 0140_shelter_mark
Revises: 0130_shelter_reports
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0140_shelter_mark"
down_revision = "0130_shelter_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    head = op.create_table(
        "shelter_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0}])


def downgrade() -> None:
    op.drop_table("shelter_head")

"""Alerts remember whether their texts are the operator's own words or the templates'.

`alerts.own_words` is true when the operator wrote any of the message's texts (headline,
description, instruction, event) or its note instead of taking the templates' wording. An
Actual cancel or all-clear in the operator's own words needs a second person's approval like
an alert; one in the templates' words is issued in one step. Alerts stored before this
revision get false: they were all issued under the old rule, and their texts are kept as sent.

Revision ID: 0070_alert_own_words
Revises: 0050_area_names
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070_alert_own_words"
down_revision = "0050_area_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("own_words", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("own_words")

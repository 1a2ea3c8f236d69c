"""Each alert area's people as shares of settlements (people spread over a city's disc).

A large settlement's people are shared among the areas its disc covers, so an area's
population is no longer the sum of the settlements whose points it holds. The shares are
stored with the area as a JSON list of [geonameid, people, lat, lon]. Zone sets stored before
this revision keep NULL and count their settlements at their points, as they were built.

Revision ID: 0031_population_shares
Revises: 0030_shelter_withdrawal
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_population_shares"
down_revision = "0030_shelter_withdrawal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_areas", sa.Column("population_shares", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_areas") as batch:
        batch.drop_column("population_shares")

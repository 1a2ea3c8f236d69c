"""Alert areas keep the parts of their names, so messages can word them in each language.

`alert_areas.naming` holds the place an area is named after, that place's names in other
languages where GeoNames has them, whether the area is only near it (and in which direction,
how far) and its number among areas that would read the same. It is JSON, NULL for areas
stored before: those keep their stored (English) name in every language until the zones are
built again.

Revision ID: 0050_area_names
Revises: 0030_shelter_withdrawal
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050_area_names"
down_revision = "0031_population_shares"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("alert_areas", sa.Column("naming", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_areas") as batch:
        batch.drop_column("naming")

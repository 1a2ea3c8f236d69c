"""Shelters withdrawn by a replacing import, and the fuller counts of an import run.

A `shelters import --replace` does not delete the shelters its file no longer lists: it marks
them withdrawn by that import run (`shelters.withdrawn_by`), so the registry can still say
when and by which file a shelter left it, and a later file that lists it again brings it back
under the same id. Import runs also count the rows that changed nothing and the shelters
withdrawn.

SQLite cannot add a foreign key with ALTER TABLE ... ADD CONSTRAINT, but accepts one inline in
ADD COLUMN (a nullable column), which avoids copying the whole table.

Revision ID: 0030_shelter_withdrawal
Revises: 0020_alerts_outbox
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_shelter_withdrawal"
down_revision = "0020_alerts_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE shelters ADD COLUMN withdrawn_by INTEGER REFERENCES import_runs (id)")
    else:
        op.add_column("shelters", sa.Column("withdrawn_by", sa.Integer, nullable=True))
        op.create_foreign_key("fk_shelters_withdrawn_by", "shelters", "import_runs", ["withdrawn_by"], ["id"])
    op.add_column("import_runs", sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"))
    op.add_column("import_runs", sa.Column("removed", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("import_runs", "removed")
    op.drop_column("import_runs", "unchanged")
    # Batch mode: SQLite cannot drop a column that takes part in a foreign key in place.
    with op.batch_alter_table("shelters") as batch:
        batch.drop_column("withdrawn_by")

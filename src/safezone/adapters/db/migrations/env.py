"""Alembic environment: runs on the connection the application hands over (see migrate.py).

Run by hand with an alembic.ini pointing here, it connects to `sqlalchemy.url` instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from safezone.adapters.db.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as fresh:
        _run(fresh)

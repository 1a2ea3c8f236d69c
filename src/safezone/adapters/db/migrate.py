"""Bring a database to the newest schema, programmatically, on first use.

The migration scripts ship inside the package, so no alembic.ini is needed where safezone
runs; `alembic` by hand still works for developers writing the next migration.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from safezone.adapters.db.unit_of_work import WRITES

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied up to `revision` (none if the schema is current);
    an earlier revision is for tests of a migration on the data it meets."""
    if current_revision(engine) == (head_revision() if revision == "head" else revision):
        return
    config = _config()
    # As a writer: on SQLite two processes migrating at once take turns (see database.py).
    with engine.execution_options(**{WRITES: True}).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

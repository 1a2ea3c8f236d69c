"""Writing shelters with the database's own upsert: `INSERT … ON CONFLICT DO UPDATE`.

SQLite (3.24+) and PostgreSQL share the statement, each through its SQLAlchemy dialect
insert. Rows go in batches (multi-row VALUES through SQLAlchemy's insertmanyvalues), so
100,000 shelters take a few dozen statements instead of one round trip each.

The update only fires when a value differs (or the shelter had been withdrawn), so an
unchanged row writes nothing and keeps the import run that last changed it. `RETURNING`
hands back the keys of the rows actually written, which is how the caller tells updated
from unchanged without reading the rows back.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from safezone.adapters.db.models import ShelterRow

# Rows per execute call: bounded so the parameter list and the RETURNING rows stay small.
BATCH = 5000
# The values a file supplies; `point` follows lat/lon, so comparing it would add nothing.
COMPARED = ("name", "lat", "lon", "capacity", "kind", "accessible", "opening", "last_verified")
_DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def batches(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _statement(dialect: str):  # type: ignore[no-untyped-def]
    table: Table = ShelterRow.__table__  # type: ignore[assignment]
    try:
        insert = _DIALECT_INSERT[dialect]
    except KeyError:
        raise NotImplementedError(f"no upsert for the {dialect} database") from None
    statement = insert(table)
    excluded = statement.excluded
    changed = [table.c[name].is_distinct_from(excluded[name]) for name in COMPARED]
    return statement.on_conflict_do_update(
        index_elements=[table.c.source, table.c.source_id],
        set_={**{name: excluded[name] for name in (*COMPARED, "point", "import_run")}, "withdrawn_by": None},
        where=or_(*changed, table.c.withdrawn_by.is_not(None)),
    ).returning(table.c.source, table.c.source_id)


def upsert_rows(session: Session, rows: Sequence[dict]) -> set[tuple[str, str]]:
    """Insert or update `rows` (column → value); the (source, source id) of each row written."""
    statement = _statement(session.get_bind().dialect.name)
    written: set[tuple[str, str]] = set()
    for batch in batches(rows):
        written.update((source, source_id) for source, source_id in session.execute(statement, list(batch)))
    return written

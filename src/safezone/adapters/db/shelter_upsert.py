"""Writing shelters with the database's own upsert: `INSERT … ON CONFLICT DO UPDATE`.

SQLite (3.24+) and PostgreSQL share the conflict clause, each through its SQLAlchemy dialect
insert, and take rows in batches:

- SQLite: multi-row VALUES (SQLAlchemy's insertmanyvalues), its parameters bound in C.
- PostgreSQL: one array parameter per column, spread into rows by `unnest`. A multi-row
  VALUES would carry 12 named placeholders per row, and psycopg rewrites every one of them
  in Python for each statement (about 10 s per 100,000 rows); twelve arrays cost nothing to
  rewrite, and the point is built in the database from lat/lon.

The update only fires when a value differs (or the shelter had been withdrawn), so an
unchanged row writes nothing and keeps the import run that last changed it. `RETURNING`
hands back the keys of the rows actually written, which is how the caller tells updated
from unchanged without reading the rows back.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import shapely
from sqlalchemy import Boolean, Date, Float, Integer, LargeBinary, String, bindparam, column, func, null, or_, select, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from safezone.adapters.db.geometry import SRID
from safezone.adapters.db.models import ShelterRow

# Rows per statement: bounded so the parameters and the RETURNING rows stay small.
BATCH = 5000
# The values a file supplies; `point` follows lat/lon, so comparing it would add nothing.
COMPARED = ("name", "lat", "lon", "capacity", "kind", "accessible", "opening", "last_verified")
# Column → element type of its array parameter on PostgreSQL (the point is built from lat/lon).
ARRAYS = {"source": String, "source_id": String, "name": String, "lat": Float, "lon": Float, "capacity": Integer,
          "kind": String, "accessible": Boolean, "opening": String, "last_verified": Date, "import_run": Integer}
# The table as this module writes it: the point as plain WKB bytes, made for a whole batch at
# once (the Geometry type would make and encode one shapely point per row, the slowest part).
TABLE = table("shelters", *(column(c.name, c.type) for c in ShelterRow.__table__.c if c.name != "point"),
              column("point", LargeBinary))


def batches(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _on_conflict_update(statement: Any) -> Any:
    """The shared tail: update a changed (or withdrawn) shelter, return the keys written.

    No bound parameter here (hence null(), not None): on SQLite one would make SQLAlchemy
    fall back to a statement per row instead of multi-row batches.
    """
    excluded = statement.excluded
    changed = [TABLE.c[name].is_distinct_from(excluded[name]) for name in COMPARED]
    return statement.on_conflict_do_update(
        index_elements=[TABLE.c.source, TABLE.c.source_id],
        set_={**{name: excluded[name] for name in (*COMPARED, "point", "import_run")}, "withdrawn_by": null()},
        where=or_(*changed, TABLE.c.withdrawn_by.is_not(None)),
    ).returning(TABLE.c.source, TABLE.c.source_id)


def _postgres_statement() -> Any:
    rows = func.unnest(
        *(bindparam(name, type_=postgresql.ARRAY(kind)) for name, kind in ARRAYS.items())
    ).table_valued(*ARRAYS).render_derived()
    point = func.ST_SetSRID(func.ST_MakePoint(rows.c.lon, rows.c.lat), SRID)
    columns = [*ARRAYS, "point"]
    query = select(*(rows.c[name] for name in ARRAYS), point)
    return _on_conflict_update(postgresql.insert(TABLE).from_select(columns, query))


def upsert_rows(session: Session, rows: Sequence[dict]) -> set[tuple[str, str]]:
    """Insert or update `rows` (column → value, the point left out: it follows lat/lon);
    the (source, source id) of each row written."""
    dialect = session.get_bind().dialect.name
    written: set[tuple[str, str]] = set()
    if dialect == "postgresql":
        statement = _postgres_statement()
        for batch in batches(rows):
            arrays = {name: [row[name] for row in batch] for name in ARRAYS}
            written.update(tuple(key) for key in session.execute(statement, arrays))
    elif dialect == "sqlite":
        statement = _on_conflict_update(sqlite.insert(TABLE))
        for batch in batches(rows):
            points = shapely.to_wkb(shapely.points([row["lon"] for row in batch], [row["lat"] for row in batch]))
            values = [{**row, "point": point} for row, point in zip(batch, points)]
            written.update(tuple(key) for key in session.execute(statement, values))
    else:
        raise NotImplementedError(f"no upsert for the {dialect} database")
    return written

"""Writing many rows at once, past SQLAlchemy's per-row parameter handling.

An assessment writes ~150,000 verdict and link rows and an import 100,000 incidents; through
`insert(table)` with a list of dicts, SQLAlchemy builds and processes a parameter set per row,
which costs more than the database's own work. Here rows are plain tuples in column order,
already in the form the database stores (geometries encoded by `geometry.encode_many`):

- SQLite: the driver's own `executemany`, parameters bound in C (times go through the column
  type's processor, so they are stored exactly as SQLAlchemy stores them).
- PostgreSQL: `COPY … FROM STDIN` through psycopg, rows encoded by its C writer, on the unit of
  work's own connection, so the rows commit or roll back with everything else.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import DateTime, Table, text
from sqlalchemy.orm import Session


def insert_many(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Insert `rows` (tuples of `columns`' values) into `table`."""
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    processors = [table.c[c].type.bind_processor(dialect) if isinstance(table.c[c].type, DateTime) else None
                  for c in columns]
    if any(processors):
        rows = (tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row)) for row in rows)
    values = list(rows)
    if values:  # an empty list would be taken for one row without parameters
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", values)


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """PostgreSQL: `count` new ids from the table's id sequence, in order, so that rows COPYed
    with them are known without RETURNING (which COPY does not have)."""
    if count == 0:
        return []
    query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
    return sorted(int(i) for i in session.execute(query, {"table": table.name, "count": count}).scalars())

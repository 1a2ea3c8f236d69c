"""One geometry column type for both databases.

On PostgreSQL it is a real PostGIS `geometry(<type>, 4326)` column (so GiST indexes and
spatial SQL work); on SQLite it is the same geometry as WKB in a BLOB, searched through the
plain bounding-box columns stored beside it. Either way the application sees shapely objects.
PostGIS reads and writes hex EWKB as text, so no driver-specific geometry adapter is needed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, func, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator, TypeEngine, UserDefinedType

SRID = 4326


class PostGISGeometry(UserDefinedType):
    """The PostGIS column type itself (DDL only; values pass through as hex EWKB text)."""

    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        self.geometry_type = geometry_type

    def get_col_spec(self, **_: object) -> str:
        return f"geometry({self.geometry_type},{SRID})"


class Geometry(TypeDecorator):
    """A shapely geometry in WGS 84 lon/lat, stored natively where the database can."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry(self.geometry_type))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> str | bytes | None:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: str | bytes | None, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        return shapely.from_wkb(value)


def raw_wkb(column: ColumnElement, dialect: Dialect) -> ColumnElement:
    """`column` selected as plain WKB bytes, past the per-row decoding of `Geometry`, so that
    a whole result is decoded at once by `decode_many` (PostGIS: `ST_AsBinary`, which also
    sends half the bytes of the hex text; SQLite: the stored blob as it is)."""
    if dialect.name == "postgresql":
        return func.ST_AsBinary(column, type_=LargeBinary)
    return type_coerce(column, LargeBinary)


def decode_many(values: Sequence[bytes | None]) -> list[BaseGeometry | None]:
    """WKB values (as `raw_wkb` reads them) as shapely geometries, in one call into GEOS:
    decoding 100,000 places one by one costs a second of Python overhead alone."""
    if not values:
        return []
    return list(shapely.from_wkb(np.array(values, dtype=object)))


def encode_many(geometries: Sequence[BaseGeometry], dialect: Dialect) -> list[str | bytes]:
    """Geometries as `Geometry` would store them, in one call (hex EWKB for PostGIS, WKB for SQLite)."""
    if not geometries:
        return []
    array = np.array(geometries, dtype=object)
    if dialect.name == "postgresql":
        return list(shapely.to_wkb(shapely.set_srid(array, SRID), hex=True, include_srid=True))
    return list(shapely.to_wkb(array))

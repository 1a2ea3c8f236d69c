"""Borders and protected territories from the operator's own files (GeoJSON or GeoPackage).

This is how safezone uses any line that Natural Earth does not draw — a line of contact, an
administrative boundary: one file holds the line, one file per side holds the territory it
protects. Coordinates are taken as WGS 84 longitude/latitude; files in another CRS are
reprojected when the file says which CRS it uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from pyogrio.errors import DataSourceError, DataLayerError
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from safezone.domain.errors import InputError
from safezone.domain.zones import Side

_LINES = {"LineString", "MultiLineString"}
_AREAS = {"Polygon", "MultiPolygon"}


def _read(path: Path) -> tuple[np.ndarray, dict]:
    file = str(path)
    if not path.exists():
        raise InputError("file not found", file=file)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=file)
    try:
        meta, _, wkb, fields = pyogrio.raw.read(file)[:4]
    except (DataSourceError, DataLayerError, RuntimeError) as error:
        raise InputError(f"not a readable GeoJSON or GeoPackage file ({str(error).splitlines()[0]})", file=file) from None
    geometries = shapely.from_wkb(wkb) if wkb is not None else np.array([], dtype=object)
    if len(geometries) == 0:
        raise InputError("the file holds no features", file=file)
    properties = {name: values for name, values in zip(meta.get("fields", []), fields)}
    crs = meta.get("crs")
    if crs and CRS.from_user_input(crs) != CRS.from_epsg(4326) and not CRS.from_user_input(crs).equals(CRS.from_user_input("OGC:CRS84")):
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        geometries = np.array([shapely.transform(g, lambda xy: np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))) if g is not None else None for g in geometries], dtype=object)
    return geometries, properties


def _checked(geometries: np.ndarray, allowed: set[str], what: str, file: str) -> list[BaseGeometry]:
    kept = []
    for index, geometry in enumerate(geometries):
        if geometry is None or geometry.is_empty:
            raise InputError(f"feature {index} has no geometry", file=file, line=None, field="geometry")
        if geometry.geom_type not in allowed:
            raise InputError(f"feature {index} is a {geometry.geom_type}, expected {what}", file=file, field="geometry")
        lon, lat = shapely.get_coordinates(geometry).T
        if not (np.all(np.abs(lat) <= 90) and np.all(np.abs(lon) <= 180)):
            raise InputError(f"feature {index} has coordinates outside longitude/latitude range", file=file, field="geometry")
        kept.append(geometry)
    return kept


def read_border_line(path: Path | str) -> BaseGeometry:
    """The border as merged lines; every feature of the file must be a line."""
    path = Path(path)
    geometries, _ = _read(path)
    lines = _checked(geometries, _LINES, "a LineString or MultiLineString", str(path))
    return shapely.line_merge(shapely.union_all(lines))


def read_territory(path: Path | str, code: str | None = None) -> Side:
    """A protected territory: the union of the file's polygons, its side code from the file name."""
    path = Path(path)
    geometries, properties = _read(path)
    polygons = _checked(geometries, _AREAS, "a Polygon or MultiPolygon", str(path))
    territory = shapely.make_valid(shapely.union_all(polygons))
    name_values = properties.get("name")
    name = str(name_values[0]) if name_values is not None and len(name_values) and name_values[0] else path.stem
    return Side(code=(code or path.stem).upper(), name=name, territory=territory)

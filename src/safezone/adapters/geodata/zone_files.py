"""Zone sets as files: GeoJSON of the areas, and the per-side, per-band summary as JSON and CSV.

The GeoJSON is a plain FeatureCollection, one feature per alert area, so any GIS opens it.
What `zones where` needs besides (the border line, the bands) travels in a foreign member
named "safezone", which other readers ignore.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from safezone.domain.errors import InputError
from safezone.domain.threats import Band
from safezone.domain.zones import AlertArea, PopulationShare, Settlement, Side, SummaryRow, ZoneSet

COORDINATE_DECIMALS = 6  # about 0.1 m


def geojson_geometry(geometry: BaseGeometry, *, keep_valid: bool = False) -> dict:
    """A geometry as RFC 7946 GeoJSON: coordinates rounded to COORDINATE_DECIMALS, then every
    exterior ring counter-clockwise and every hole clockwise (§3.1.6; GEOS leaves them the
    other way round, and strict readers refuse that or fill the world outside).

    Every GeoJSON safezone writes passes here. `keep_valid` re-nodes what rounding would make
    invalid (for unions); plain rounding keeps each vertex where it was.
    """
    mode = "valid_output" if keep_valid else "pointwise"
    return mapping(_oriented(shapely.set_precision(geometry, 10**-COORDINATE_DECIMALS, mode=mode)))


def _oriented(geometry: BaseGeometry) -> BaseGeometry:
    if isinstance(geometry, Polygon):
        return orient(geometry, sign=1.0)
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(part, sign=1.0) for part in geometry.geoms])
    if isinstance(geometry, GeometryCollection):
        return GeometryCollection([_oriented(part) for part in geometry.geoms])
    return geometry



def area_feature(area: AlertArea, band: Band) -> dict:
    return {
        "type": "Feature",
        "id": area.id,
        "properties": {
            "id": area.id,
            "name": area.name,
            "side": area.side,
            "band": area.band,
            "band_label": band.label,
            "min_km": area.min_km,
            "max_km": area.max_km,
            "time_to_shelter_s": area.time_to_shelter_s,
            "population": area.population,
            "settlements": [asdict(s) for s in area.settlements],
            "population_shares": None if area.shares is None else [asdict(s) for s in area.shares],
        },
        "geometry": geojson_geometry(area.geometry),
    }


def zones_to_geojson(zones: ZoneSet) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [area_feature(a, zones.bands[a.band]) for a in zones.areas],
        "safezone": {
            "border_name": zones.border_name,
            "border": geojson_geometry(zones.border),
            "sides": [{"code": s.code, "name": s.name} for s in zones.sides],
            "bands": [asdict(b) for b in zones.bands],
            "parameters": zones.parameters,
        },
    }


def read_zones(path: Path | str) -> ZoneSet:
    """A zone set written by `write_zones` (territories are not kept, only the areas)."""
    file = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        meta = data["safezone"]
        bands = tuple(
            Band(
                index=b["index"],
                min_km=b["min_km"],
                max_km=b["max_km"],
                time_to_shelter_s=b["time_to_shelter_s"],
                seconds_by_threat=tuple(tuple(pair) for pair in b["seconds_by_threat"]),
            )
            for b in meta["bands"]
        )
        areas = []
        for feature in data["features"]:
            p = feature["properties"]
            areas.append(
                AlertArea(
                    id=p["id"],
                    name=p["name"],
                    side=p["side"],
                    band=p["band"],
                    min_km=p["min_km"],
                    max_km=p["max_km"],
                    time_to_shelter_s=p["time_to_shelter_s"],
                    geometry=shape(feature["geometry"]),
                    settlements=tuple(Settlement(**s) for s in p["settlements"]),
                    shares=None
                    if p.get("population_shares") is None
                    else tuple(PopulationShare(**s) for s in p["population_shares"]),
                )
            )
        return ZoneSet(
            border_name=meta["border_name"],
            border=shape(meta["border"]),
            sides=tuple(Side(code=s["code"], name=s["name"], territory=shapely.Polygon()) for s in meta["sides"]),
            bands=bands,
            areas=areas,
            parameters=meta.get("parameters", {}),
        )
    except FileNotFoundError:
        raise InputError("no zones file here; run `safezone zones build` first", file=file) from None
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg}", file=file, line=error.lineno) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"not a safezone zones file ({type(error).__name__}: {error})", file=file) from None


def summary_to_json(rows: list[SummaryRow], zones: ZoneSet) -> dict:
    return {
        "border": zones.border_name,
        "parameters": zones.parameters,
        "rows": [asdict(r) for r in rows],
        "totals": {
            "areas": sum(r.areas for r in rows),
            "settlements": sum(r.settlements for r in rows),
            "population": sum(r.population for r in rows),
        },
    }


def summary_to_csv(rows: list[SummaryRow]) -> str:
    out = io.StringIO()
    fields = list(SummaryRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(asdict(row))
    return out.getvalue()

"""Importing shelters from GeoJSON: features named by index when they are bad."""

from __future__ import annotations

import json

import pytest

from safezone.adapters.db import Database
from safezone.domain.errors import InputError
from safezone.domain.shelters import RejectedImport
from safezone.services.shelters import import_shelters


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def write(tmp_path, document, name="shelters.geojson") -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


def test_points_and_building_outlines_import(db_url, tmp_path):
    outline = {"type": "Polygon", "coordinates": [[[36.0, 50.0], [36.001, 50.0], [36.001, 50.001], [36.0, 50.001], [36.0, 50.0]]]}
    document = {"type": "FeatureCollection", "features": [
        feature(point(36.2, 50.0), id="p1", name="Point shelter", capacity=120, accessible=True),
        feature(outline, id="b1", name="Basement", capacity="60"),
    ]}
    with Database(db_url) as db:
        import_shelters(db, write(tmp_path, document), source="geo")
        with db.unit_of_work() as uow:
            stored = {s.source_id: s for s in uow.shelters.all()}
    assert stored["p1"].capacity == 120 and stored["p1"].accessible is True
    basement = stored["b1"]
    assert 36.0 < basement.lon < 36.001 and 50.0 < basement.lat < 50.001


def test_bad_features_are_named_by_index_and_nothing_is_written(db_url, tmp_path):
    document = {"type": "FeatureCollection", "features": [
        feature(point(36.2, 50.0), id="ok", name="Fine"),
        feature({"type": "LineString", "coordinates": [[36, 50], [36.1, 50.1]]}, id="l", name="A road"),
        feature(point(36.2, -91), id="south", name="Below the pole"),
        feature(point("36.2", "fifty"), id="text", name="Words"),
        "not a feature",
        feature(None, id="none", name="Nowhere"),
        feature(point(36.3, 50.0), id="ok", name="Duplicate"),
    ]}
    with Database(db_url) as db:
        with pytest.raises(RejectedImport) as rejected:
            import_shelters(db, write(tmp_path, document))
        with db.unit_of_work() as uow:
            assert uow.shelters.count() == 0
    fields = [p.field for p in rejected.value.problems]
    assert fields == ["features[1].geometry", "features[2].properties.lat", "features[3].properties.lat",
                      "features[4].properties", "features[5].geometry", "features[6].properties.id"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
         '{"type": "Point", "coordinates": [NaN, 50]}, "properties": {"name": "x"}}]}', "NaN"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ],
    ids=["truncated", "nan", "deeply-nested", "not-a-collection"],
)
def test_hostile_documents_are_refused_with_a_reason(sqlite_url, tmp_path, text, expected):
    with Database(sqlite_url) as db:
        with pytest.raises(InputError, match=expected):
            import_shelters(db, write(tmp_path, text))
        with db.unit_of_work() as uow:
            assert uow.shelters.count() == 0

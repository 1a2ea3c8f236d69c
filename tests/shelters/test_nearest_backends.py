"""Nearest shelters: the same answer on SQLite (widening boxes) and PostGIS (GiST KNN), checked
against a brute-force geodesic search, including where degrees mislead: high latitudes, the
antimeridian and the pole."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from safezone.adapters.db import Database
from safezone.adapters.db.shelter_repository import knn_query
from safezone.domain.shelters import Shelter, geodesic_m


def stock(db: Database, places: list[tuple[str, float, float]]) -> list[Shelter]:
    with db.unit_of_work() as uow:
        uow.shelters.upsert([Shelter("test", name, name, lat, lon) for name, lat, lon in places])
        uow.commit()
        return uow.shelters.all()


def brute_force(shelters: list[Shelter], lat: float, lon: float, limit: int, max_km: float) -> list[str]:
    """Every shelter measured, the nearest kept: the answer the indexes must reproduce."""
    distances = geodesic_m(lat, lon, np.array([s.lat for s in shelters]), np.array([s.lon for s in shelters]))
    ranked = sorted((d, s.id, s.source_id) for d, s in zip(distances, shelters) if d <= max_km * 1000)
    return [source_id for _, _, source_id in ranked[:limit]]


def nearest_ids(db: Database, lat: float, lon: float, limit: int, max_km: float = 50.0) -> list[str]:
    with db.unit_of_work() as uow:
        return [n.shelter.source_id for n in uow.shelters.nearest(lat, lon, limit=limit, max_km=max_km)]


def test_a_shelter_nearer_in_metres_wins_over_one_nearer_in_degrees(db_url):
    # At 60°N a degree of longitude is half a degree of latitude: "east" is 0.010° (557 m)
    # away, "north" 0.006° (668 m). Ordered by degrees, north would come first.
    with Database(db_url) as db:
        stock(db, [("east", 60.0, 25.01), ("north", 60.006, 25.0)])
        assert nearest_ids(db, 60.0, 25.0, limit=1) == ["east"]
        assert nearest_ids(db, 60.0, 25.0, limit=2) == ["east", "north"]


def test_random_registries_give_the_brute_force_answer(db_url):
    rng = np.random.default_rng(7)
    lats, lons = rng.uniform(48.0, 70.0, 3000), rng.uniform(20.0, 40.0, 3000)
    with Database(db_url) as db:
        shelters = stock(db, [(f"s{i}", lat, lon) for i, (lat, lon) in enumerate(zip(lats, lons))])
        for lat, lon in zip(rng.uniform(48.5, 69.5, 40), rng.uniform(20.5, 39.5, 40)):
            for limit, max_km in ((1, 50.0), (5, 50.0), (12, 30.0)):
                assert nearest_ids(db, lat, lon, limit, max_km) == brute_force(shelters, lat, lon, limit, max_km)


def test_the_antimeridian_and_the_pole_do_not_hide_the_nearest_shelter(db_url):
    with Database(db_url) as db:
        shelters = stock(db, [
            ("west of the line", 65.0, -179.998),  # 140 m from (65, 179.999) across ±180°
            ("east of the line", 65.0, 179.9),     # 4.7 km
            ("across the pole", 89.9998, -170.0),  # 36 m from (89.9998, 10) over the pole
            ("polar station", 89.99, 10.0),
        ])
        for lat, lon in ((65.0, 179.999), (65.0, -179.9995), (89.9998, 10.0)):
            assert nearest_ids(db, lat, lon, limit=2) == brute_force(shelters, lat, lon, 2, 50.0)
        assert nearest_ids(db, 65.0, 179.999, limit=1) == ["west of the line"]
        assert nearest_ids(db, 89.9998, 10.0, limit=1) == ["across the pole"]


def test_nothing_within_reach_is_an_empty_answer(db_url):
    with Database(db_url) as db:
        stock(db, [("far", 55.0, 30.0)])
        assert nearest_ids(db, 50.0, 30.0, limit=3, max_km=100.0) == []
        assert nearest_ids(db, 54.5, 30.0, limit=3, max_km=100.0) == ["far"]


@pytest.mark.postgres
def test_postgis_answers_from_the_gist_index(postgres_url):
    rng = np.random.default_rng(3)
    with Database(postgres_url) as db:
        stock(db, [(f"s{i}", lat, lon) for i, (lat, lon) in
                   enumerate(zip(rng.uniform(48, 52, 5000), rng.uniform(30, 40, 5000)))])
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE shelters"))
            query = knn_query(50.0, 35.0, 5).compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {query}")))
    assert "gix_shelters_point" in plan and "Sort" not in plan, plan


def test_the_in_memory_index_of_the_open_shelters_gives_the_database_answer(db_url):
    # The public side's index, built from `open_all`, against the database search: the same
    # shelters in the same order, closed and withdrawn ones left out of both.
    from datetime import datetime, timezone

    from safezone.domain.shelter_index import NearestIndex

    rng = np.random.default_rng(11)
    places = [(f"s{i}", round(lat, 3), round(lon, 3)) for i, (lat, lon) in
              enumerate(zip(rng.uniform(49.0, 51.0, 1500), rng.uniform(29.0, 32.0, 1500)))]
    places += [(f"twin{i}", lat, lon) for i, (_, lat, lon) in enumerate(places[:100])]  # ties: same spot
    with Database(db_url) as db:
        shelters = stock(db, places)
        with db.unit_of_work() as uow:
            for shelter in shelters[::7]:
                uow.shelters.close(shelter.id, datetime.now(timezone.utc), "test")
            run = uow.imports.add(_run_record())
            uow.shelters.withdraw_absent("test", {s.source_id for s in shelters if s.id % 5}, run)
            uow.commit()
            open_now = uow.shelters.open_all()
        assert 0 < len(open_now) < len(shelters) * 0.7
        index = NearestIndex(open_now, [s.id for s in open_now], [s.lat for s in open_now], [s.lon for s in open_now])
        for lat, lon in zip(rng.uniform(49.0, 51.0, 60), rng.uniform(29.0, 32.0, 60)):
            for limit, max_km in ((1, 50.0), (3, 50.0), (20, 5.0)):
                with db.unit_of_work() as uow:
                    stored = [(n.shelter.id, n.geodesic_m) for n in uow.shelters.nearest(lat, lon, limit, max_km)]
                assert [(s.id, m) for s, m in index.nearest(lat, lon, limit, max_km)] == stored


def _run_record():
    from datetime import datetime, timezone

    from safezone.domain.shelters import ImportRun

    now = datetime.now(timezone.utc)
    return ImportRun("test", "test.csv", "csv", now, now, "applied", 0, 0, 0, 0)

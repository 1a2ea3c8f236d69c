"""Targeting by stored cells through the real service, on SQLite and PostgreSQL: a zone set of
H3 cells cut by a band line and a coast, subscribers from before and after its activation
(activation gives every point its cell), some with a stale cell: the receivers are exactly the
brute-force reference's, and the cells are really stored."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import h3
import numpy as np
from shapely.geometry import LineString, box
from sqlalchemy import func, select, update

from safezone.adapters.db.delivery_models import SubscriberRow
from safezone.domain.cap import Status
from safezone.domain.subscribers import Place, PushSubscription, SubscriptionRequest
from safezone.domain.threats import Band
from safezone.domain.zones import AlertArea, Side, ZoneSet
from safezone.services import accounts, targeting
from safezone.services.alerts import Composition
from tests.subscribers.support import push_keys
from tests.subscribers.test_cell_targeting_property import RESOLUTION, _areas, _edge_points, _reference

LON, LAT = 30.0, 50.5


def _zones(areas) -> ZoneSet:  # type: ignore[no-untyped-def]
    bands = tuple(Band(index=i, min_km=5.0 * i, max_km=5.0 * (i + 1), time_to_shelter_s=15,
                       seconds_by_threat=(("short range", 15),)) for i in range(2))
    return ZoneSet("A–B", LineString([(LON + 1, LAT - 1), (LON + 1, LAT + 1)]),
                   (Side("AAA", "A", box(LON - 1, LAT - 1, LON + 1, LAT + 1)),), bands,
                   [AlertArea(a, f"Place {n}", "AAA", int(a.split("-")[1]), 5.0 * int(a.split("-")[1]),
                              5.0 * (int(a.split("-")[1]) + 1), 15, shape) for n, (a, shape) in enumerate(areas)],
                   {"h3_resolution": RESOLUTION})


def _subscribe(container, points) -> list[str]:  # type: ignore[no-untyped-def]
    keys = push_keys()
    push = PushSubscription("https://push.example.org/s", keys["p256dh"], keys["auth"])
    return [container.subscriptions.subscribe(SubscriptionRequest(place=Place(y, x), push=push)).subscription.id
            for x, y in points]


def test_stored_cells_give_exactly_the_reference_receivers(container):
    areas = _areas(LON, LAT, 0.01, 0.05)
    alert = [a for n, a in enumerate(areas) if n % 5]  # most areas, with holes
    rng = np.random.default_rng(11)
    points = list(zip(rng.uniform(LON - 0.15, LON + 0.15, 150), rng.uniform(LAT - 0.1, LAT + 0.1, 150)))
    points += _edge_points([shape for _, shape in alert])[::3]
    half = len(points) // 2
    before = _subscribe(container, points[:half])  # cells not known yet (no H3 zone set active)
    with container.database.unit_of_work() as uow:
        uow.zones.add(_zones(areas), activate=True)
        user = accounts.add_user(uow, "cells", "benchmark password", ["issuer", "approver"],
                                 now=datetime.now(timezone.utc))
        uow.commit()
    after = _subscribe(container, points[half:])
    ids = before + after
    with container.database.engine.begin() as connection:
        stored = connection.scalar(select(func.count()).select_from(SubscriberRow).where(SubscriberRow.cell.is_not(None)))
        assert stored == len(points)
        stale = h3.str_to_int(h3.latlng_to_cell(LAT, LON, RESOLUTION - 1))  # as if from an older zone set
        connection.execute(update(SubscriberRow).where(SubscriberRow.id.in_(ids[::9])).values(cell=stale))
    preview = container.alerts.compose(user, Composition(Status.ACTUAL, "short range", ("en",),
                                                         tuple(a for a, _ in alert)))
    with container.database.unit_of_work(read_only=True) as uow:
        found = {receiver for receiver, _ in targeting.receivers(uow, preview.alert).targets}
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    assert found == {ids[i] for i in _reference(alert, lon, lat)}


def test_subscriptions_racing_an_activation_are_still_targeted_exactly(container):
    """Subscribers arrive from eight threads while the H3 zone set is activated: whichever
    resolution each one's cell was computed at, the receivers are the reference's."""
    areas = _areas(LON, LAT, -0.02, 0.08)
    rng = np.random.default_rng(5)
    points = list(zip(rng.uniform(LON - 0.15, LON + 0.15, 80), rng.uniform(LAT - 0.1, LAT + 0.1, 80)))
    ids: list[list[str]] = [[] for _ in range(8)]

    def subscribe_part(k: int) -> None:
        ids[k] = _subscribe(container, points[k::8])

    def activate() -> None:
        with container.database.unit_of_work() as uow:
            uow.zones.add(_zones(areas), activate=True)
            uow.commit()

    threads = [threading.Thread(target=subscribe_part, args=(k,)) for k in range(8)]
    threads.insert(4, threading.Thread(target=activate))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    with container.database.unit_of_work() as uow:
        user = accounts.add_user(uow, "cells", "benchmark password", ["issuer", "approver"],
                                 now=datetime.now(timezone.utc))
        uow.commit()
    alert = areas[::2]
    preview = container.alerts.compose(user, Composition(Status.ACTUAL, "short range", ("en",),
                                                         tuple(a for a, _ in alert)))
    with container.database.unit_of_work(read_only=True) as uow:
        found = {receiver for receiver, _ in targeting.receivers(uow, preview.alert).targets}
    order = [i for k in range(8) for i in range(k, len(points), 8)]
    by_point = dict(zip(order, [i for part in ids for i in part]))
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    assert found == {by_point[i] for i in _reference(alert, lon, lat)}


def test_a_new_zone_set_version_with_the_same_area_ids_is_targeted_by_its_own_geometry(container):
    """The service keeps each version's cells between alerts: an alert on the first version
    warms them, a second version reuses the area ids with other band lines and coast, and alerts
    on either version (the first one again last) get exactly their own version's receivers."""
    first, second = _areas(LON, LAT, 0.02, 0.06), _areas(LON, LAT, -0.03, 0.0)
    rng = np.random.default_rng(17)
    points = list(zip(rng.uniform(LON - 0.15, LON + 0.15, 160), rng.uniform(LAT - 0.1, LAT + 0.1, 160)))
    points += _edge_points([shape for _, shape in first + second])[::4]
    ids = _subscribe(container, points)
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    with container.database.unit_of_work() as uow:
        user = accounts.add_user(uow, "cells", "benchmark password", ["issuer", "approver"],
                                 now=datetime.now(timezone.utc))
        uow.commit()

    def targeted(areas) -> set[str]:  # type: ignore[no-untyped-def]
        shared = {a for a, _ in second}
        alert = [a for a in areas if a[0] in shared][::2]
        preview = container.alerts.compose(user, Composition(Status.ACTUAL, "short range", ("en",),
                                                             tuple(a for a, _ in alert)))
        with container.database.unit_of_work(read_only=True) as uow:
            found = {receiver for receiver, _ in targeting.receivers(uow, preview.alert).targets}
        assert found == {ids[i] for i in _reference(alert, lon, lat)}
        return found

    with container.database.unit_of_work() as uow:
        version = uow.zones.add(_zones(first), activate=True)
        uow.commit()
    on_first = targeted(first)
    with container.database.unit_of_work() as uow:
        uow.zones.add(_zones(second), activate=True)
        uow.commit()
    assert targeted(second) != on_first  # the versions really differ for these subscribers
    with container.database.unit_of_work() as uow:
        uow.zones.activate(version)
        uow.commit()
    assert targeted(first) == on_first

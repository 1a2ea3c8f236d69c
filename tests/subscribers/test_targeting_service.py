"""Exact receivers of a message, through the operators' preview and the engine's plan, on
SQLite and PostgreSQL: points inside, on the border line and on a band line are reached,
points outside are not; subscribers of an area are reached wherever they are; drills reach
only those who opted in; an Update reaches the alert's receivers plus the newly inside; a
Cancel reaches everyone the chain reached, and no one else."""

from __future__ import annotations

from safezone.domain.subscribers import Place, PushSubscription, SubscriptionRequest
from safezone.entrypoints import worker
from tests.subscribers.support import push_keys
from tests.support.app import compose_body, issue_alert, login

NEAR = 5 / 70.8  # the band line between AAA-0-1 and AAA-1-1 is at lon 30 - NEAR


def subscribe(container, place=None, areas=(), drills=False, email=None, push=True) -> str:
    keys = push_keys()
    wanted = SubscriptionRequest(place=None if place is None else Place(*place), area_ids=tuple(areas), drills=drills,
                                 push=PushSubscription("https://push.example.org/s", keys["p256dh"], keys["auth"])
                                 if push else None, email=email)
    return container.subscriptions.subscribe(wanted).subscription.id


def planned(container, alert_id: int) -> set[str]:
    with container.database.unit_of_work(read_only=True) as uow:
        return {d.receiver for d in uow.deliveries.listed(alert_id=alert_id, limit=1000)}


def test_receivers_are_exact_on_edges_bands_areas_and_drills(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    inside = subscribe(container, (50.5, 29.99))
    on_border = subscribe(container, (50.5, 30.0))
    on_band_line = subscribe(container, (50.7, 30 - NEAR))
    far_band = subscribe(container, (50.2, 29.8))
    outside = subscribe(container, (50.5, 29.5))
    by_area = subscribe(container, areas=("AAA-0-1",))
    drill_fan = subscribe(container, (50.3, 29.95), drills=True)
    subscribe(container, (50.5, 29.99), email="unconfirmed@example.org", push=False)

    composed = alice.post("/api/operator/alerts", compose_body(areas=("AAA-0-1",))).json()
    assert composed["receivers"] == {"webpush": 5, "webhook": 0, "email": 0, "mqtt": 0}
    assert composed["subscribers"] == 5
    drill = alice.post("/api/operator/alerts", compose_body("Exercise", areas=("AAA-0-1",))).json()
    assert drill["receivers"]["webpush"] == 1

    alert_id = issue_alert(alice, bob, areas=("AAA-0-1",))
    engine = worker.engine(container, {})
    engine.plan_pending()
    first = {inside, on_border, on_band_line, by_area, drill_fan}
    assert planned(container, alert_id) == first and outside not in first

    update = alice.post(f"/api/operator/alerts/{alert_id}/update", {"areas": ["AAA-1-1"]}).json()
    bob.post(f"/api/operator/alerts/{update['id']}/approve")
    assert alice.post(f"/api/operator/alerts/{update['id']}/issue").status_code == 200
    engine.plan_pending()
    assert planned(container, update["id"]) == first | {far_band}

    cancel = alice.post(f"/api/operator/alerts/{update['id']}/cancel").json()
    engine.plan_pending()
    assert planned(container, cancel["id"]) == first | {far_band}


def test_integrators_get_what_their_area_filter_names_and_no_filter_gets_everything(api, container):
    from datetime import datetime, timezone

    from safezone.domain.subscribers import Integrator

    def gateway(name: str, areas: tuple[str, ...]) -> str:
        with container.database.unit_of_work() as uow:
            uow.integrators.add(Integrator(id=f"int_{name}", name=name, kind="webhook", area_ids=areas,
                                           created_at=datetime.now(timezone.utc), url="https://gw.example.org/in",
                                           secret="s" * 32))
            uow.commit()
        return f"int_{name}"

    everything = gateway("everything", ())
    this_area = gateway("this-area", ("AAA-0-1", "ZZZ-9-9"))
    other_area = gateway("other-area", ("BBB-0-1",))
    alice, bob = login(api, "alice"), login(api, "bob")
    composed = alice.post("/api/operator/alerts", compose_body(areas=("AAA-0-1", "AAA-1-1"))).json()
    assert composed["receivers"]["webhook"] == 2
    alert_id = issue_alert(alice, bob, areas=("AAA-0-1", "AAA-1-1"))
    worker.engine(container, {}).plan_pending()
    reached = planned(container, alert_id)
    assert everything in reached and this_area in reached and other_area not in reached

"""Admins register integrators: a webhook (its signing secret shown once) or an MQTT topic
tree, with an area filter. Others are refused; two admins registering one name at once get
exactly one integrator. On SQLite and PostgreSQL."""

from __future__ import annotations

from tests.support.app import login
from tests.web.test_races import at_once, codes

HOOK = {"name": "siren controller", "kind": "webhook", "url": "https://sirens.example.org/hook",
        "area_filter": ["AAA-0-1"]}


def test_admin_registers_lists_and_removes_integrators(api, container):
    dave, alice = login(api, "dave"), login(api, "alice")
    assert alice.post("/api/operator/integrators", HOOK).status_code == 403
    added = dave.post("/api/operator/integrators", HOOK)
    assert added.status_code == 201, added.text
    assert added.json()["secret"].startswith("whsec_")
    broker = dave.post("/api/operator/integrators", {"name": "displays", "kind": "mqtt"})
    assert broker.status_code == 201 and broker.json()["topic_prefix"] == "safezone/areas"
    listed = dave.get("/api/operator/integrators").json()["integrators"]
    assert [i["name"] for i in listed] == ["displays", "siren controller"]
    assert all("secret" not in i for i in listed)
    assert dave.api.request("DELETE", f"/api/operator/integrators/{broker.json()['id']}",
                            headers=dave.headers).status_code == 204
    with container.database.unit_of_work(read_only=True) as uow:
        assert [i.name for i in uow.integrators.all()] == ["siren controller"]
        assert [e.action for e in uow.audit.entries()].count("integrator.added") == 2


def test_bad_integrators_name_the_field(api):
    dave = login(api, "dave")
    for field, sent in {"url": HOOK | {"url": "ftp://x.example.org"}, "name": HOOK | {"name": " "},
                        "topic_prefix": {"name": "x", "kind": "mqtt", "topic_prefix": "a/#"},
                        "kind": HOOK | {"kind": "fax"}}.items():
        answer = dave.post("/api/operator/integrators", sent)
        assert answer.status_code in (400, 422), answer.text
        assert field in (answer.json()["field"] or ""), answer.json()
    dave.post("/api/operator/integrators", HOOK)
    again = dave.post("/api/operator/integrators", HOOK)
    assert again.status_code == 400 and again.json()["field"] == "name"


def test_two_admins_registering_one_name_at_once_make_one(api, container):
    dave = login(api, "dave")
    for trial in range(3):
        sent = HOOK | {"name": f"gateway {trial}"}
        found = codes(at_once(lambda: dave.post("/api/operator/integrators", sent),
                              lambda: dave.post("/api/operator/integrators", sent)))
        assert sorted(found) == [201, 400], found
    with container.database.unit_of_work(read_only=True) as uow:
        assert len(uow.integrators.all()) == 3

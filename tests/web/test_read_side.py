"""The prepared read side: public answers are made once per change, and every change shows at
once — in this process and in another one on the same database — and nothing stale survives
an issue, update, cancel, all-clear or expiry. Layers come compressed when the client asks.

Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import gzip
from datetime import datetime

import pytest
from sqlalchemy import event

from safezone.entrypoints.web import create_app
from safezone.services.public import MAX_WINDOW_AREAS
from tests.support.app import Api, compose_body, issue_alert, login

WESTGATE = {"lat": 50.45, "lon": 29.99}  # in AAA-0-1


def _visible(api: Api) -> dict[str, object]:
    """What a public reader sees of the Actual alerts in force, through every answer."""
    alerts = [a["id"] for a in api.get("/api/alerts").json()["alerts"]]
    features = [f["id"] for f in api.get("/api/alerts.geojson").json()["features"]]
    here = [a["id"] for a in api.get("/api/where", params=WESTGATE).json()["alerts"]]
    feed = api.get("/feeds/alerts.atom").text
    return {"alerts": alerts, "geojson": features, "where": here, "feed_entries": feed.count("<entry>")}


@pytest.fixture
def second_api(container, clock):
    """Another app process's view: its own services (and caches) on the same database."""
    from safezone.bootstrap import assemble

    other = assemble(container.settings, clock=clock)
    client = Api(create_app(other, sweep=False))
    yield client
    client.close()
    other.close()


def test_every_state_change_shows_at_once_in_both_processes(api, second_api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    for reader in (api, second_api):  # both have a snapshot now
        assert _visible(reader) == {"alerts": [], "geojson": [], "where": [], "feed_entries": 0}

    alert_id = issue_alert(alice, bob)
    for reader in (api, second_api):
        assert _visible(reader) == {"alerts": [alert_id], "geojson": [alert_id], "where": [alert_id],
                                    "feed_entries": 1}

    clock.advance(minutes=1)
    update = alice.post(f"/api/operator/alerts/{alert_id}/update", {"areas": ["AAA-0-1", "BBB-0-1"]}).json()
    assert bob.post(f"/api/operator/alerts/{update['id']}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{update['id']}/issue").status_code == 200
    for reader in (api, second_api):
        assert _visible(reader) == {"alerts": [update["id"]], "geojson": [update["id"]], "where": [update["id"]],
                                    "feed_entries": 2}

    clock.advance(minutes=1)
    assert alice.post(f"/api/operator/alerts/{update['id']}/all-clear").status_code == 200
    for reader in (second_api, api):
        seen = _visible(reader)
        assert seen["alerts"] == seen["geojson"] == seen["where"] == []
        assert seen["feed_entries"] == 3  # the all-clear, and the two it ended


def test_an_alert_leaves_every_answer_at_its_expiry_with_no_write_at_all(api, second_api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    expires = datetime.fromisoformat(api.get(f"/api/alerts/{alert_id}").json()["expires"])
    assert _visible(second_api)["alerts"] == [alert_id]
    clock.now = expires  # no sweep runs: the snapshot knows when it goes stale
    for reader in (api, second_api):
        seen = _visible(reader)
        assert seen["alerts"] == seen["where"] == seen["geojson"] == []
        assert "EXPIRED:" in reader.get("/feeds/alerts.atom").text


def test_a_cancel_from_the_other_process_shows_here(api, second_api):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    assert _visible(api)["alerts"] == [alert_id]
    other_alice = login(second_api, "alice")
    assert other_alice.post(f"/api/operator/alerts/{alert_id}/cancel").status_code == 200
    assert _visible(api)["alerts"] == []


def test_a_drill_never_shows_among_actual_alerts_in_the_shared_snapshot(api):
    alice = login(api, "alice")
    drill = alice.post("/api/operator/alerts", compose_body("Exercise", areas=("AAA-0-1",))).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{drill}/submit")
    assert alice.post(f"/api/operator/alerts/{drill}/issue").status_code == 200
    assert api.get("/api/alerts").json()["alerts"] == []
    assert [a["id"] for a in api.get("/api/alerts", params={"status": "Exercise"}).json()["alerts"]] == [drill]
    here = api.get("/api/where", params=WESTGATE).json()
    assert here["alerts"] == [] and [d["id"] for d in here["drills"]] == [drill]


def test_layers_come_compressed_as_asked_with_their_own_validators(api):
    plain = api.get("/api/zones.geojson", headers={"Accept-Encoding": "identity"})
    packed = api.get("/api/zones.geojson", headers={"Accept-Encoding": "gzip"})
    smallest = api.get("/api/zones.geojson", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert smallest.headers["content-encoding"] == "br"  # equally welcome: the smaller form
    assert packed.headers["vary"] == smallest.headers["vary"] == "Accept-Encoding"
    assert packed.content == smallest.content == plain.content  # httpx inflates both: the same document
    # three representations, three tags
    assert len({plain.headers["etag"], packed.headers["etag"], smallest.headers["etag"]}) == 3
    refused = api.get("/api/zones.geojson", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    preferred = api.get("/api/zones.geojson", headers={"Accept-Encoding": "br;q=0.5, gzip"})
    assert preferred.headers["content-encoding"] == "gzip"
    for asked, etag in (("gzip", packed.headers["etag"]), ("br", smallest.headers["etag"])):
        again = api.get("/api/zones.geojson", headers={"Accept-Encoding": asked, "If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag
    # A tag of another form is not the one asked for: the body comes again.
    other = api.get("/api/zones.geojson", headers={"Accept-Encoding": "br", "If-None-Match": packed.headers["etag"]})
    assert other.status_code == 200 and other.headers["content-encoding"] == "br"


@pytest.mark.parametrize("accept, coding", [
    ("", None), ("identity", None), ("gzip", "gzip"), ("br", "br"), ("gzip, br", "br"), ("br, gzip", "br"),
    ("*", "br"), ("br;q=0, *", "gzip"), ("*;q=0.5, gzip", "gzip"), ("gzip;q=0.2, br;q=0.1", "gzip"),
    ("BR", "br"), ("br;q=oops, gzip", "gzip"), ("br;q=0, gzip;q=0", None), ("deflate", None),
    ("br;q=0.3, br;q=0.9, gzip;q=0.5", "gzip"),  # a name's first entry counts
])
def test_the_coding_is_the_one_accept_encoding_rates_highest_the_smaller_on_a_tie(accept, coding):
    from fastapi import Request

    from safezone.entrypoints.web.caching import coding_for, prepare_json

    prepared = prepare_json({"features": ["x" * 4000]}, with_brotli=True)
    request = Request({"type": "http", "headers": [(b"accept-encoding", accept.encode())]})
    assert coding_for(request, prepared) == coding


def test_the_compressed_bytes_are_real_gzip_and_brotli_and_only_layers_have_brotli(container):
    import brotli

    from safezone.entrypoints.web.caching import coding_for, prepare_json

    prepared = prepare_json({"features": ["x" * 4000]}, with_brotli=True)
    assert gzip.decompress(prepared.gzipped) == prepared.body
    assert brotli.decompress(prepared.brotli) == prepared.body
    assert len(prepared.brotli) < len(prepared.body) / 10
    # The alerts in force (made again on every change) have no Brotli form: br alone gets the body as it is.
    from fastapi import Request

    alerts_like = prepare_json({"alerts": ["y" * 4000]})
    assert alerts_like.brotli is None
    assert coding_for(Request({"type": "http", "headers": [(b"accept-encoding", b"br")]}), alerts_like) is None


def test_a_new_zone_set_replaces_the_layers_at_once(api, second_api, container, sample_zones):
    from dataclasses import replace

    before = second_api.get("/api/zones.geojson").json()["safezone"]["version"]
    renamed = replace(sample_zones, border_name="renamed border")
    with container.database.unit_of_work() as uow:
        version = uow.zones.add(renamed, activate=True)
        uow.commit()
    for reader in (api, second_api):
        layer = reader.get("/api/zones.geojson").json()
        assert layer["safezone"]["version"] == version != before
        assert layer["safezone"]["border_name"] == "renamed border"


def test_a_window_pages_in_build_order_and_an_oversized_one_is_refused_by_count(api, container, sample_zones, monkeypatch):
    whole = [f["id"] for f in api.get("/api/areas.geojson", params={"bbox": "29,50,31,51"}).json()["features"]]
    assert len(whole) == 4
    first = api.get("/api/areas.geojson", params={"bbox": "29,50,31,51", "limit": 3}).json()
    assert first["next_offset"] == 3
    rest = api.get("/api/areas.geojson", params={"bbox": "29,50,31,51", "offset": 3, "limit": 3}).json()
    assert "next_offset" not in rest
    assert [f["id"] for f in first["features"] + rest["features"]] == whole

    from dataclasses import replace

    from shapely.geometry import box

    many = [replace(sample_zones.areas[0], id=f"T-{i}", geometry=box(10 + i * 0.001, 10, 10 + i * 0.001 + 0.0009, 10.001))
            for i in range(MAX_WINDOW_AREAS + 1)]
    with container.database.unit_of_work() as uow:
        uow.zones.add(replace(sample_zones, areas=[*sample_zones.areas, *many]), activate=True)
        uow.commit()
    assert api.get("/api/areas.geojson", params={"bbox": "29,50,31,51"}).status_code == 200  # the new set held
    from safezone.services import public as public_service

    made: list[object] = []
    real_feature = public_service.area_feature
    monkeypatch.setattr(public_service, "area_feature", lambda *args: made.append(args) or real_feature(*args))
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(container.database.engine, "before_cursor_execute", seen)
    try:
        refused = api.get("/api/areas.geojson", params={"bbox": "9,9,13,11"})
    finally:
        event.remove(container.database.engine, "before_cursor_execute", seen)
    assert refused.status_code == 400
    assert refused.json()["field"] == "bbox" and f"{MAX_WINDOW_AREAS + 1} areas" in refused.json()["reason"]
    assert made == []  # refused on the count: no feature made
    assert not [s for s in statements if "areas" in s.lower()]  # and no area read from the database


def test_requests_that_waited_for_a_rebuild_take_it_instead_of_rebuilding_it_again(container):
    """One rebuild per change: a request that read the same mark while another was rebuilding
    takes that snapshot (each rebuilt it again in turn: with 50 alerts in force, a convoy of
    rebuilds held every public request for more than a second after each change)."""
    import threading
    import time

    public = container.public
    read_snapshot = public._read_snapshot
    started, rebuilds = threading.Event(), []

    def slow_read(uow, asked):  # the real read, made slow so the second request waits for it
        rebuilds.append(asked)
        started.set()
        time.sleep(0.3)
        return read_snapshot(uow, asked)

    public._read_snapshot = slow_read
    first = threading.Thread(target=public.snapshot)
    first.start()
    assert started.wait(10)
    second = public.snapshot()  # reads the mark after the first asked, then waits for its rebuild
    first.join(10)
    assert len(rebuilds) == 1
    assert second is public.snapshot()


def test_a_rebuild_reads_again_only_what_changed_and_answers_as_a_fresh_one(api, second_api, container, clock):
    """After a change the snapshot keeps the alerts that did not change (their record, areas
    and prepared JSON), reads again the ones that did — a cancel ends its alert in another
    process — and every answer is the one a snapshot built from nothing gives."""
    alice, bob = login(api, "alice"), login(api, "bob")
    kept_id = issue_alert(alice, bob, areas=("AAA-0-1",))
    ended_id = issue_alert(alice, bob, areas=("BBB-0-1",))
    public = container.public
    assert sorted(a["id"] for a in api.get("/api/alerts").json()["alerts"]) == sorted([kept_id, ended_id])
    before = {p.alert.id: p for p in public.snapshot().alerts}

    clock.advance(minutes=1)
    other_alice = login(second_api, "alice")
    assert other_alice.post(f"/api/operator/alerts/{ended_id}/cancel").status_code == 200
    seen = {path: api.get(path).content for path in ("/api/alerts", "/api/alerts.geojson", "/feeds/alerts.atom")}
    after = {p.alert.id: p for p in public.snapshot().alerts}
    assert list(after) == [kept_id]
    assert after[kept_id] is before[kept_id]  # not read, decoded or encoded again
    ended = [i.alert for i in public.snapshot().feed_items if i.alert.id == ended_id]
    assert [a.state.value for a in ended] == ["cancelled"]  # read again: its row changed

    public._snapshot = None  # a snapshot built from nothing gives the same bytes
    fresh = public.snapshot()
    assert fresh.alerts[0] is not before[kept_id]
    assert {path: api.get(path).content for path in seen} == seen


def test_an_issued_message_is_parsed_once_and_read_again_only_when_the_store_is_full(api, container, monkeypatch):
    """A published CAP message never changes, so the snapshot keeps its parsed model: a rebuild
    after another alert is issued parses only that one; past `MAX_PARSED_MESSAGES` the store
    starts again and the answers stay the same."""
    from safezone.services import public as public_service

    parsed: list[int] = []
    real_parse = public_service.parse_own
    monkeypatch.setattr(public_service, "parse_own", lambda xml: parsed.append(1) or real_parse(xml))
    alice, bob = login(api, "alice"), login(api, "bob")
    first = issue_alert(alice, bob, areas=("AAA-0-1",))
    assert api.get("/feeds/alerts.atom").text.count("<entry>") == 1
    message = {i.alert.id: i.message for i in container.public.snapshot().feed_items}[first]
    parsed.clear()
    second = issue_alert(alice, bob, areas=("BBB-0-1",))
    assert api.get("/feeds/alerts.atom").text.count("<entry>") == 2
    assert len(parsed) == 1  # the new message alone
    kept = {i.alert.id: i.message for i in container.public.snapshot().feed_items}
    assert kept[first] is message

    monkeypatch.setattr(public_service, "MAX_PARSED_MESSAGES", 1)  # full: the store empties and reads again
    parsed.clear()
    third = issue_alert(alice, bob, areas=("AAA-0-1",))
    again = api.get("/feeds/alerts.atom").text
    assert again.count("<entry>") == 3
    assert {i.alert.id for i in container.public.snapshot().feed_items} == {first, second, third}
    container.public._snapshot = None
    assert api.get("/feeds/alerts.atom").text == again  # built from nothing: the same feed
    assert len(parsed) >= 3


def test_a_step_the_public_does_not_see_keeps_the_prepared_answers(api, second_api, container, clock):
    """Composing, submitting and approving move the change mark (each writes an audit entry)
    but show nothing new: the snapshot rebuilt after them keeps the answers already prepared
    (nothing encoded again while operators work); an issue makes new ones."""
    from safezone.domain.cap import Status

    alice, bob = login(api, "alice"), login(api, "bob")
    issue_alert(alice, bob, areas=("AAA-0-1",))
    public = container.public
    first = api.get("/api/alerts").content
    before = public.snapshot()
    prepared = before.derived.peek(("json", Status.ACTUAL))
    assert prepared is not None

    other_alice, other_bob = login(second_api, "alice"), login(second_api, "bob")
    draft = other_alice.post("/api/operator/alerts", compose_body("Actual", areas=("BBB-0-1",))).json()["alert"]["id"]
    other_alice.post(f"/api/operator/alerts/{draft}/submit")
    assert other_bob.post(f"/api/operator/alerts/{draft}/approve").status_code == 200
    assert api.get("/api/alerts").content == first
    after = public.snapshot()
    assert after.mark != before.mark  # rebuilt on the moved mark ...
    assert after.derived.peek(("json", Status.ACTUAL)) is prepared  # ... with the answers kept

    assert other_alice.post(f"/api/operator/alerts/{draft}/issue").status_code == 200
    issued = [a["id"] for a in api.get("/api/alerts").json()["alerts"]]
    assert draft in issued and public.snapshot().derived.peek(("json", Status.ACTUAL)) is not prepared

"""Subscribing from the public page in Chromium: by e-mail for the chosen place (the API answers,
the subscription is in the database), kept on the device and deleted from the page (gone from
the database); Web Push asks the page's service worker to subscribe with this server's VAPID
key. On SQLite and PostgreSQL.

Headless Chromium has no push service offline, so the push test replaces
`PushManager.prototype.subscribe` in the page: it checks the page's code path up to that call
(our key, `userVisibleOnly`) and that what it returns is sent to the API."""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from safezone.adapters.channels.webpush import application_server_key, load_or_create_vapid_key
from safezone.domain.cap.times import utc_now
from safezone.entrypoints.web import create_app
from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, LiveServer
from tests.subscribers.conftest import TEST_DELIVERY
from tests.support.app import make_container

pytestmark = pytest.mark.browser


@pytest.fixture
def subscribable(db_url: str, sample_zones, tmp_path: Path) -> Iterator[LiveServer]:
    """The pages' server with Web Push on (a VAPID key in tmp_path) and its container at hand."""
    container = make_container(db_url, sample_zones, utc_now, delivery=replace(TEST_DELIVERY, vapid_dir=tmp_path))
    server = LiveServer(create_app(container, sweep=False)).start()
    server.container = container
    server.vapid_dir = tmp_path
    yield server
    server.stop()
    container.close()


def stored(server: LiveServer, sub_id: str):  # type: ignore[no-untyped-def]
    with server.container.database.unit_of_work(read_only=True) as uow:
        found = uow.subscribers.get(sub_id)
    return None if found is None else found[0]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_subscribe_by_email_for_my_place_then_delete_it_from_the_page(subscribable, chromium):
    page = open_page(chromium, subscribable.url + "/", viewport=PHONE, locale="uk-UA")
    page.click("#sub-save")  # nothing chosen yet: said in the reader's words, nothing sent
    assert "оберіть місце" in page.locator("#sub-error").inner_text()
    page.evaluate("window.scrollTo(0, 0)")  # back to the map
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    page.fill("#sub-email", "not an address")  # refused by the API: its reason and field on the page
    with page.expect_response(lambda r: r.url.endswith("/api/subscriptions")) as refused:
        page.click("#sub-save")
    assert refused.value.status == 400
    page.wait_for_function("document.querySelector('#sub-error').textContent.includes('(email)')")
    assert page.evaluate("localStorage.getItem('sz-subscription')") is None
    page.fill("#sub-email", "resident@example.org")
    page.check("#sub-drills")
    with page.expect_response(lambda r: r.url.endswith("/api/subscriptions") and r.request.method == "POST") as created:
        page.click("#sub-save")
    assert created.value.status == 201
    answer = created.value.json()
    page.wait_for_selector("body[data-subscribed]")
    kept = page.evaluate("JSON.parse(localStorage.getItem('sz-subscription'))")
    assert kept == {"id": answer["id"], "token": answer["token"]}  # the manage token stays on the device

    subscription = stored(subscribable, answer["id"])
    assert subscription is not None and subscription.email == "resident@example.org"
    tapped = page.evaluate("JSON.parse(localStorage.getItem('sz-place'))")  # where the tap landed
    assert subscription.place is not None and abs(subscription.place.lat - tapped["lat"]) < 1e-5
    assert abs(subscription.place.lon - tapped["lon"]) < 1e-5 and abs(tapped["lat"] - WESTGATE[0]) < 0.01
    assert subscription.languages == ("uk",) and subscription.drills and subscription.push is None
    assert "підтвердити адресу" in page.locator("#sub-summary").inner_text()
    assert serious_violations(page) == []
    screenshot(page, "public-subscribed-phone")

    page.reload()  # later: the page finds the subscription by the token it kept
    page.wait_for_selector("body[data-subscribed]")
    assert page.locator("#sub-delete").is_visible()
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.click("#sub-delete")
    assert deleted.value.status == 204
    page.wait_for_function("localStorage.getItem('sz-subscription') === null")
    assert stored(subscribable, answer["id"]) is None
    assert "видалено" in page.locator("#sub-summary").inner_text()


def test_web_push_subscribes_through_the_service_worker_with_our_vapid_key(subscribable, chromium):
    p256dh = b64url(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    auth = b64url(os.urandom(16))
    endpoint = "https://push.example.net/send/device-1"
    fake = """
      (() => {
        window.szPushCalls = [];
        PushManager.prototype.subscribe = function (options) {
          const key = btoa(String.fromCharCode.apply(null, new Uint8Array(options.applicationServerKey)))
            .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
          window.szPushCalls.push({key: key, userVisibleOnly: options.userVisibleOnly, worker: this === undefined ? null : true});
          return Promise.resolve({toJSON: () => ({endpoint: '%s', expirationTime: null, keys: {p256dh: '%s', auth: '%s'}})});
        };
      })();""" % (endpoint, p256dh, auth)
    ctx = chromium.new_context(viewport=PHONE, locale="en-GB")
    ctx.add_init_script(fake)
    page = ctx.new_page()
    page.goto(subscribable.url + "/")
    page.wait_for_selector("body[data-ready='1']")
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    page.click("#sub-add-area")  # chosen areas rather than the point
    assert page.locator("#sub-areas li").inner_text().startswith("Westgate")
    page.check("#sub-push")
    with page.expect_response(lambda r: r.url.endswith("/api/subscriptions") and r.request.method == "POST") as created:
        page.click("#sub-save")
    assert created.value.status == 201, created.value.text()
    calls = page.evaluate("window.szPushCalls")
    assert calls == [{"key": application_server_key(load_or_create_vapid_key(subscribable.vapid_dir)),
                      "userVisibleOnly": True, "worker": True}]
    subscription = stored(subscribable, created.value.json()["id"])
    assert subscription.push is not None and subscription.push.endpoint == endpoint and subscription.push.p256dh == p256dh
    assert subscription.place is None and subscription.area_ids == ("AAA-0-1",)
    assert subscription.languages == ("en",)
    ctx.close()


def test_without_web_push_on_the_server_the_page_asks_for_an_email_address(served, chromium):
    page = open_page(chromium, served.url + "/", locale="en-GB")
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    page.check("#sub-push")
    page.click("#sub-save")
    page.wait_for_function("document.querySelector('#sub-error').textContent.length > 0")
    assert page.locator("#sub-error").inner_text() == ("This server does not send notifications: "
                                                       "give an e-mail address instead.")
    assert page.evaluate("localStorage.getItem('sz-subscription')") is None

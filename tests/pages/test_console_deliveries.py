"""The console's alerts in force show their delivery progress (targeted, queued, sent,
delivered, failed, dead, expired; p50/p99 from issue to hand-over), refreshed every few
seconds while the in-process worker delivers to real webhook receivers on 127.0.0.1. In
Chromium, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Iterator

import pytest

from safezone.domain.cap.times import utc_now
from safezone.entrypoints.web import create_app
from tests.pages.accessibility import serious_violations
from tests.pages.conftest import LiveServer, Operator
from tests.pages.test_console import console
from tests.subscribers.conftest import TEST_DELIVERY
from tests.subscribers.sink import Sink
from tests.support.app import compose_body, make_container

pytestmark = pytest.mark.browser
HELD_S = 2.5  # the receivers answer this late, so the page shows the fan-out under way first


@pytest.fixture
def delivering(db_url: str, sample_zones, tmp_path: Path) -> Iterator[tuple[LiveServer, Sink]]:
    async def slowly(body: dict) -> int:
        await asyncio.sleep(HELD_S)
        return 200

    sink = Sink(slowly)
    container = make_container(db_url, sample_zones, utc_now, delivery=TEST_DELIVERY)
    server = LiveServer(create_app(container, sweep=False, deliver=True)).start()
    yield server, sink
    server.stop()
    container.close()
    sink.close()


def test_alerts_in_force_show_their_delivery_progress_refreshed_live(delivering, chromium):
    server, sink = delivering
    dave = Operator(server.url, "dave")
    for name in ("siren", "agency", "radio"):
        dave.post("/api/operator/integrators", {"name": name, "kind": "webhook", "url": sink.url(f"/{name}"),
                                                "area_filter": ["AAA-0-1"]})
    page = console(chromium, server.url, "alice")
    progress_calls = []
    page.on("request", lambda r: progress_calls.append(r.url) if r.url.endswith("/deliveries") else None)

    alice = Operator(server.url, "alice")
    alert_id = alice.post("/api/operator/alerts", compose_body("Exercise", areas=("AAA-0-1",)))["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    alice.post(f"/api/operator/alerts/{alert_id}/issue")  # the console hears it on its stream

    line = page.locator(f"[data-progress='{alert_id}']")
    line.wait_for()
    page.wait_for_function(f"/targeted 3 · queued [1-3]/.test(document.querySelector(\"[data-progress='{alert_id}']\").textContent)",
                           timeout=15_000)  # planned, not yet handed over
    page.wait_for_function(f"/sent 3/.test(document.querySelector(\"[data-progress='{alert_id}']\").textContent)",
                           timeout=20_000)
    text = line.inner_text()
    assert "targeted 3 · queued 0 · sent 3" in text and "failed 0" in text
    p50, p99 = map(int, re.search(r"p50 (\d+) ms, p99 (\d+) ms", text).groups())
    assert HELD_S * 1000 - 1000 <= p50 <= p99  # the receivers' delay is in it (issue times are whole seconds)
    assert len(progress_calls) >= 2  # refreshed without reloading
    assert sum(sink.ids.values()) == 3
    assert serious_violations(page) == []

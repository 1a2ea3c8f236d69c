"""The public page in Chromium: bytes of the first load, and time from an issued alert to the
alert filling the screen.

    python benchmarks/pages.py [--alerts 10]

Runs `safezone`'s app under uvicorn on 127.0.0.1 on a fresh SQLite file with the default
RUS–UKR zones (built once, about 4 s), and Debian's Chromium. Figures:

- first load: every byte the page fetches before any map data (HTML, CSS, scripts, Leaflet,
  the message catalogue), against the baseline of Leaflet's own two files, which any map page
  carries; the map data (bands, alerts) is printed apart;
- alert on screen: from the moment the operator's `issue` request is sent to the alert filling
  the resident's screen, and from the SSE event reaching the page to the screen; against the
  baseline of one `fetch('/api/alerts')` round trip from the same page (what a polling client
  pays per poll, before its polling interval).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safezone.bootstrap import Settings, assemble, ensure_zones  # noqa: E402
from safezone.entrypoints.web import create_app  # noqa: E402
from safezone.services import accounts  # noqa: E402
from tests.support.browser import CHROMIUM, FLAGS  # noqa: E402
from tests.support.server import free_port  # noqa: E402

PASSWORD = "benchmark password 1"


def serve(db: Path) -> tuple[str, uvicorn.Server, object, str]:
    container = assemble(Settings(db=str(db), public_rate_per_minute=60_000, public_burst=10_000))
    ensure_zones(container, lambda message: print(f"  {message}", file=sys.stderr))
    with container.database.unit_of_work() as uow:
        accounts.add_user(uow, "issuer", PASSWORD, ["issuer"])
        accounts.add_user(uow, "approver", PASSWORD, ["approver"])
        version = uow.zones.active_version()
        uow.commit()
    with container.database.unit_of_work(read_only=True) as uow:
        area = next(a for a in uow.zones.get(version).areas if a.band == 0 and a.population > 0)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(container, sweep=False), host="127.0.0.1", port=port,
                                           log_level="warning", timeout_graceful_shutdown=1))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    point = area.geometry.representative_point()
    return f"http://127.0.0.1:{port}", server, (point.y, point.x), area.id


def record(sizes: dict[str, int], response) -> None:  # type: ignore[no-untyped-def]
    """The body size of each whole answer (the endless stream has none to count)."""
    if response.status == 200 and "/api/stream" not in response.url:
        sizes[response.url] = len(response.body())


def operator(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    token = client.post("/api/operator/login", json={"username": name, "password": PASSWORD}).json()["token"]
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base, server, (lat, lon), area_id = serve(Path(folder) / "pages.db")
        issuer, approver = operator(base, "issuer"), operator(base, "approver")
        threat = issuer.get("/api/operator/options").json()["threats"][0]["name"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="block")
            page = context.new_page()
            sizes: dict[str, int] = {}
            page.on("response", lambda r: record(sizes, r))
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready='1']")
            page.evaluate(f"localStorage.setItem('sz-place', JSON.stringify({{lat: {lat}, lon: {lon}}}))")
            page.reload()
            page.wait_for_selector("body[data-live='1']")
            page.wait_for_selector("#where .area-name")
            shell = sum(v for u, v in sizes.items() if "/api/" not in u)
            data = sum(v for u, v in sizes.items() if "/api/" in u)
            leaflet = sum(v for u, v in sizes.items() if "/vendor/leaflet/leaflet." in u)

            to_screen, event_to_screen, polls, requests, whole = [], [], [], [], []
            for _ in range(args.alerts):
                body = {"status": "Actual", "threat": threat, "languages": ["en"], "areas": [area_id]}
                alert_id = issuer.post("/api/operator/alerts", json=body).json()["alert"]["id"]
                issuer.post(f"/api/operator/alerts/{alert_id}/submit")
                approver.post(f"/api/operator/alerts/{alert_id}/approve")
                started = time.time() * 1000
                assert issuer.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 200
                returned = time.time() * 1000
                requests.append(returned - started)
                page.wait_for_selector(f"#takeover[data-alert='{alert_id}']:not([hidden])", timeout=10_000)
                shown_wall = page.evaluate("Date.now() - (performance.now() - window.szShownAt)")
                to_screen.append(shown_wall - returned)
                whole.append(shown_wall - started)
                event_to_screen.append(page.evaluate("window.szShownAt - window.szReceivedAt"))
                polls.append(page.evaluate("(async () => { const t = performance.now(); "
                                           "await (await fetch('/api/alerts', {cache: 'no-store'})).json(); "
                                           "return performance.now() - t; })()"))
                issuer.post(f"/api/operator/alerts/{alert_id}/cancel")
                page.wait_for_selector("#takeover.ended")
                page.click("#takeover-close")
            browser.close()
        server.should_exit = True

    median = statistics.median
    print(f"first load before map data: {shell / 1024:,.1f} KB "
          f"(Leaflet's two files {leaflet / 1024:,.1f} KB: {shell / leaflet:.2f}×); target under 300 KB")
    print(f"map data at start (bands, alerts, where): {data / 1024:,.1f} KB")
    print(f"issue sent → alert on the resident's screen: median {median(whole):.0f} ms, worst {max(whole):.0f} ms "
          f"over {len(whole)} alerts; target under 200 ms")
    print(f"the issue request's own answer: median {median(requests):.0f} ms (CAP, outbox, audit, commit); the "
          f"screen shows the alert {-median(to_screen):.0f} ms before the operator's answer returns")
    print(f"SSE event → on screen: median {median(event_to_screen):.1f} ms")
    print(f"baseline, one fetch('/api/alerts') from the page: median {median(polls):.1f} ms "
          f"(issue → screen is {median(whole) / median(polls):.1f}× one poll, and waits for no polling interval)")


if __name__ == "__main__":
    main()

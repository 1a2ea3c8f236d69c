"""A real headless Chromium (Debian's), driven by Playwright; never a downloaded browser."""

from __future__ import annotations

import shutil
from typing import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Module scope, not session: while Playwright's sync API is open it keeps an asyncio loop
# running in this thread, which would break later tests that run their own loop.
@pytest.fixture(scope="module")
def chromium() -> Iterator:
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing: run scripts/install-test-deps")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium) -> Iterator:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests  # what the page fetched, to prove it needs no network
    yield page
    context.close()

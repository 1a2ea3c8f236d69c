"""A webhook receiver on 127.0.0.1 in a thread of its own: it counts copies by their
`webhook-id` (the idempotency id), as a real receiver drops duplicates, and answers what the
test asks (a status per call, or slowly)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from typing import Any, Callable

from aiohttp import web


class Sink:
    def __init__(self, answer: Callable[[dict], Any] | None = None) -> None:
        self.answer = answer or (lambda body: 200)
        self.ids: Counter[str] = Counter()
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.headers: list[dict] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self._ready.set()
        self._loop.run_forever()

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        status = self.answer(body)
        if asyncio.iscoroutine(status):
            status = await status
        if 200 <= status < 300:
            self.ids[request.headers["webhook-id"]] += 1
            self.bodies.append(body)
            self.paths.append(request.path)
            self.headers.append(dict(request.headers) | {"_raw": raw})
        return web.Response(status=status)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

"""The pooled HTTP client that webhooks and Web Push share: one aiohttp session, bounded
connections, a total timeout per request, and every answer or fault turned into an `Outcome`."""

from __future__ import annotations

import asyncio
from typing import Mapping

import aiohttp

from safezone.domain.delivery import Outcome, http_outcome


def written_origin(url: str) -> str:
    """`scheme://netloc` of a URL as it is written (not checked, not normalised): a cheap key per
    receiving host, once a copy, where `urlsplit` cost more than the rest of the bookkeeping."""
    scheme, _, rest = url.partition("://")
    end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if 0 <= at < end:
            end = at
    return f"{scheme}://{rest[:end]}"


class HttpPoster:
    """POSTs for one channel; `what` names the far side in outcomes ("webhook", "push service")."""

    def __init__(self, what: str, *, timeout_s: float, connect_timeout_s: float | None = None,
                 max_connections: int = 200, per_host: int = 20) -> None:
        self._what = what
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)
        self._limits = (max_connections, per_host)
        self._session: aiohttp.ClientSession | None = None
        # A copy waits here for a free connection before its timeout starts: queued inside
        # aiohttp, the wait counted against it and a large fan-out timed itself out.
        self._slots: asyncio.Semaphore | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        """Never raises for the far side's faults: a timeout or an unreachable host is worth
        retrying, a URL that is not one never is. Redirects are not followed (a receiver
        that moved must be registered again)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._limits[0])
        async with self._slots:
            return await self._post(url, body, headers)

    async def _post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Outcome:
        try:
            async with self._pool().post(url, data=body, headers=headers, allow_redirects=False) as answer:
                return http_outcome(answer.status, self._what)
        except aiohttp.InvalidURL:
            return Outcome.permanent(f"{self._what} URL is not a valid URL")
        except asyncio.TimeoutError:
            return Outcome.retry(f"{self._what} timed out after {self._timeout.total:g} s")
        except aiohttp.ClientError as fault:
            return Outcome.retry(f"{self._what} unreachable: {fault.__class__.__name__}: {fault}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _pool(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limits[0], limit_per_host=self._limits[1])
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

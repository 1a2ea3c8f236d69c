"""Operators first, inside one process: while an operator's change is in flight, public
requests wait for it (at most `HOLD_S`).

Why: with one listener, a public side saturated by 64 readers of `/api/where` made an approve and
an issue take about 200 ms each, and an approved alert appear in `/api/alerts` some 440 ms
after the approve (an idle process: 11 and 15 ms). Admission control's in-flight limit does not
help there: a prepared answer is made in one go, so it is never "in flight" for long. The cost is
in the event loop's turns. An operator request moves on in several steps: it is read, it hops to
a worker thread for the session check and again for the endpoint, and it is answered. Each step
waits for a full turn of the loop, and under saturation one turn answers every reader that was
ready (some 30 ms of work). While a change is held here, new public requests do no work, so each
turn is short and the change goes through at about its idle speed. Readers lose a few tens of
milliseconds, once per operator action.

Who may hold: only an unsafe request (POST, PUT, PATCH, DELETE) that presents a session token
this process has recently seen belong to a logged-in operator (`KnownSessions`, filled at login
and by every successful session check). An unknown or forged token never holds anything, so
holding cannot be used to stall the public side. A known token still goes through the full
session check: being known gives priority, never access.

A change holds on after its answer until the snapshot readers are answered from has caught up
with it (the change watcher is woken at once by the commit), so the readers let go see it at
once. Measured the same way with the hold (a quiet run of `benchmarks/serve.py`): approve and
issue 35-47 ms together, approve -> visible 92 ms on SQLite and 115 ms on PostgreSQL.

Bounded: a hold ends by itself after `HOLD_S`, whether or not the change has finished (a long
import, a database lock), so the public side never waits longer than that for one change; and
holding draws on a credit that refills at `HOLD_SHARE` of the time, so that a stream of changes
(a script with an operator's token, or a stolen one) holds the public side a quarter of the time
at most, and then goes on without holding.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Awaitable, Callable, Mapping

from safezone.entrypoints.web.deps import CSRF_HEADER, SAFE_METHODS, presented_token
from safezone.services.accounts import token_digest

HOLD_S = 0.5
# In the long run the public side is held at most this share of the time, and at most
# HOLD_CREDIT_S in a row before that share applies: an operator at work by hand never comes near
# it (an approve and an issue hold it some 40 ms), a script sending changes in a stream does.
HOLD_SHARE = 0.25
HOLD_CREDIT_S = 1.0
CAUGHT_UP_POLL_S = 0.001  # the watcher reads the mark at once after a commit here: a few ms
# A session seen this recently is known; an operator at work makes requests far more often.
KNOWN_FOR_S = 15 * 60
KNOWN_AT_MOST = 10_000


class KnownSessions:
    """Digests of the session tokens this process has lately seen resolve to an operator.

    Written from worker threads (the session check runs in one), read on the event loop."""

    def __init__(self, known_for_s: float = KNOWN_FOR_S, at_most: int = KNOWN_AT_MOST) -> None:
        self.known_for_s = known_for_s
        self.at_most = at_most
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def remember(self, token: str) -> None:
        digest = token_digest(token)
        with self._lock:
            self._until.pop(digest, None)  # re-inserted last: the dict's order is the age order
            self._until[digest] = time.monotonic() + self.known_for_s
            while len(self._until) > self.at_most:
                del self._until[next(iter(self._until))]

    def forget(self, token: str) -> None:
        with self._lock:
            self._until.pop(token_digest(token), None)

    def knows(self, token: str) -> bool:
        until = self._until.get(token_digest(token))
        return until is not None and until > time.monotonic()


class OperatorsFirst:
    """The hold: operator changes in flight in this process, and a future the public waits on.

    `caught_up`: whether the snapshot public answers are made from is known to include every
    change committed here (`PublicReads.caught_up`). After its answer, a change holds on until
    it is, so the readers let go find it in memory at once; otherwise every one of them would
    take the slow way (a worker thread, a statement) in the moment before the watcher's next
    reading, and over the in-flight limit some would get 503."""

    def __init__(self, known: KnownSessions, hold_s: float = HOLD_S,
                 caught_up: Callable[[], bool] | None = None, share: float = HOLD_SHARE,
                 credit_s: float = HOLD_CREDIT_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.known = known
        self.hold_s = hold_s
        self.caught_up = caught_up
        self.share = share
        self.credit_s = credit_s
        self.clock = clock
        self.holds = 0
        self._over: asyncio.Future[None] | None = None
        self._credit = credit_s  # seconds of holding left; refills at `share` seconds a second
        self._credit_at = clock()

    def _has_credit(self) -> bool:
        now = self.clock()
        self._credit = min(self.credit_s, self._credit + (now - self._credit_at) * self.share)
        self._credit_at = now
        return self._credit > 0

    def may_hold(self, method: str, headers: Mapping[str, str]) -> bool:
        """Whether an operator request may hold the public side: a change, by a known session
        (with a cookie, also carrying the CSRF header that every change by cookie needs)."""
        if method in SAFE_METHODS:
            return False
        token, by_cookie = presented_token(headers)
        if token is None or (by_cookie and not headers.get(CSRF_HEADER)):
            return False
        return self.known.knows(token)

    async def holding(self, change: Awaitable[None]) -> None:
        """Run `change` (an operator request) while public requests wait: until it is answered
        and the snapshot has caught up with it, or `hold_s` has passed. Without credit left
        (changes in a stream, as a script makes them), the change goes on without holding."""
        if not self._has_credit():
            await change
            return
        loop = asyncio.get_running_loop()
        began = self.clock()
        if self._over is None or self._over.done():
            self._over = loop.create_future()
        over = self._over
        self.holds += 1
        ended = False

        def end() -> None:
            nonlocal ended
            if not ended:
                ended = True
                self.holds -= 1
                self._credit -= self.clock() - began
                if self.holds == 0 and not over.done():
                    over.set_result(None)

        timer = loop.call_later(self.hold_s, end)
        try:
            await change
            while not ended and self.caught_up is not None and not self.caught_up():
                await asyncio.sleep(CAUGHT_UP_POLL_S)
        finally:
            timer.cancel()
            end()

    async def wait(self) -> None:
        """Until no change holds the public side (each hold ends by itself after `hold_s`)."""
        over = self._over
        if self.holds and over is not None and not over.done():
            await asyncio.shield(over)  # a reader that goes away cancels only its own wait

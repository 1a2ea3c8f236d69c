"""A simple in-process rate limit: a token bucket per client address.

Enough for one server process (the embedded default); a national deployment puts a proxy or
a shared store in front. A refused request gets 429 with Retry-After in whole seconds.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

MAX_CLIENTS = 50_000


class RateLimiter:
    def __init__(self, per_minute: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("the rate must be positive and the burst at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds to wait before the next one will."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._remember(client, tokens - 1, now)
                return 0.0
            self._remember(client, tokens, now)
            return (1 - tokens) / self.rate

    def _remember(self, client: str, tokens: float, now: float) -> None:
        if len(self._buckets) >= MAX_CLIENTS and client not in self._buckets:
            # Forget clients whose buckets have refilled: they lose nothing by it.
            self._buckets = {k: (t, w) for k, (t, w) in self._buckets.items()
                             if t + (now - w) * self.rate < self.burst}
        self._buckets[client] = (tokens, now)


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))

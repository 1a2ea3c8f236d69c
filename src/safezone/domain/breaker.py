"""A circuit breaker per endpoint (a webhook host, a push service), so one dead receiver does
not slow the others.

After `threshold` failures in a row an endpoint is *open*: its copies are not tried (they come
back later without spending an attempt) for `cool_off`; then one trial goes through
(*half-open*), and a success closes the circuit again. Without it every copy to a dead host
would wait out its timeout, holding a worker's slots while healthy receivers queue behind.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass
class _State:
    failures: int = 0
    open_until: datetime | None = None
    trial: bool = False


class CircuitBreaker:
    def __init__(self, threshold: int = 5, cool_off: timedelta = timedelta(seconds=30)) -> None:
        self.threshold = threshold
        self.cool_off = cool_off
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def allows(self, endpoint: str, now: datetime) -> bool:
        """Whether a copy to `endpoint` may be tried now."""
        with self._lock:
            state = self._states.get(endpoint)
            if state is None or state.open_until is None:
                return True
            if now < state.open_until or state.trial:
                return False
            state.trial = True  # half-open: this one copy tests the endpoint
            return True

    def record(self, endpoint: str, ok: bool, now: datetime) -> None:
        """An attempt's result: a success closes the circuit; enough failures open it."""
        with self._lock:
            state = self._states.setdefault(endpoint, _State())
            if ok:
                self._states.pop(endpoint, None)
                return
            state.failures += 1
            state.trial = False
            if state.failures >= self.threshold:
                state.open_until = now + self.cool_off

    def is_open(self, endpoint: str, now: datetime) -> bool:
        state = self._states.get(endpoint)
        return bool(state and state.open_until and now < state.open_until)

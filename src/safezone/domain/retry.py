"""When to try a failed delivery again: exponential backoff with full jitter, bounded.

Jitter spreads the retries of thousands of receivers that failed together (a gateway that was
down) so they do not all come back in the same second.
"""

from __future__ import annotations

import random
from datetime import timedelta

BASE_S = 1.0
CAP_S = 300.0


def backoff(attempt: int, *, base_s: float = BASE_S, cap_s: float = CAP_S,
            rng: random.Random | None = None) -> timedelta:
    """The wait before attempt `attempt + 1` (attempt counts from 1): between half and all of
    min(cap, base × 2^(attempt-1))."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def priority(ends_warning: bool, actual: bool) -> int:
    """Lower goes first: an Actual Cancel/all-clear, an Actual alert, then drills the same way."""
    return (0 if ends_warning else 1) + (0 if actual else 2)

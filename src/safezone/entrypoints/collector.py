"""The garbage collector's settings while a process delivers.

A fan-out keeps thousands of copies in flight, each a task, a request and a response: at the
default young threshold (700 allocations) CPython examined them several times each before they
died, and every full collection walked the whole start-up heap (modules, zones, the app) again.
That cost the delivery worker more CPU per copy than signing it. While `delivering()` is
entered, the collector looks at young objects every `YOUNG_THRESHOLD` allocations (most copies
are gone by then) and leaves what existed at start-up out of its walks (`gc.freeze`): both are
only about when garbage is found, never whether.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

YOUNG_THRESHOLD = 10_000
_entered = 0
_before: tuple[int, int, int] | None = None


@contextlib.contextmanager
def delivering() -> Iterator[None]:
    """Collector settings for a delivering process, the earlier ones back on leaving the last
    of nested or concurrent uses (a test runs two engines in one process)."""
    global _entered, _before
    if _entered == 0:
        _before = gc.get_threshold()
        gc.set_threshold(max(YOUNG_THRESHOLD, _before[0]), *_before[1:])
        gc.freeze()
    _entered += 1
    try:
        yield
    finally:
        _entered -= 1
        if _entered == 0 and _before is not None:
            gc.unfreeze()
            gc.set_threshold(*_before)

"""A worker that dies while uvicorn's supervisor waits for its answer to a ping is replaced at
once, not after the whole health-check time.

uvicorn (0.55) pings each worker on a pipe and waits up to `timeout_worker_healthcheck` for the
answer. The supervisor keeps its copy of the worker's end of that pipe open (it is closed only
when uvicorn itself terminates or kills the worker), so when the worker dies no end of file
comes, and the supervisor waits out the whole time (30 s under `serve`) before it replaces it:
measured in `benchmarks/faults.py`. Once the worker has been started it holds its own copy of
that end, so the supervisor's may be closed: a death then ends the wait at once. Nothing else
changes; where uvicorn's process object is not as expected, it is left as it is.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator


@contextlib.contextmanager
def deaths_seen_at_once() -> Iterator[None]:
    """While the block runs, each worker uvicorn starts leaves the supervisor's copy of its end
    of the ping pipe closed."""
    try:
        from uvicorn.supervisors import multiprocess
    except ImportError:  # another uvicorn layout: nothing to do
        yield
        return
    process_class: Any = getattr(multiprocess, "Process", None)
    start = getattr(process_class, "start", None)
    if start is None:
        yield
        return

    def start_and_let_go(self: Any) -> None:
        start(self)
        end = getattr(self, "child_conn", None)
        if end is not None:
            end.close()  # the worker has its own copy now; uvicorn's own close later does nothing

    process_class.start = start_and_let_go
    try:
        yield
    finally:
        process_class.start = start

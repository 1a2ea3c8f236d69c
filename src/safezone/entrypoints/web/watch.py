"""One background reader per process keeps the public read side current: every
`Settings.change_watch_s` (25 ms) it reads the database's change mark (one indexed statement)
in a thread of its own; when the mark has moved, it rebuilds what the public answers are made
of there (`PublicService.refresh`) while requests go on answering from the previous snapshot;
then it hands the reading to `PublicService.watched`, so that public requests are answered
from memory, with no statement and no thread, while that reading stands, and prepares the
alerts in force of a new snapshot (`public.warm`) before the first request asks for them. A commit made
in this process invalidates the reading at once and wakes the reader. What another process
commits wakes it at once on PostgreSQL (the commit sends a notice the reader's connection
listens for, see `adapters/db/change_notice.py`) and shows within about one interval on SQLite
(or on PostgreSQL, should a notice be lost with a connection). A reading older than `TRUST_INTERVALS` intervals
(a reader held up by a stalled database) is not trusted: requests then read the mark themselves,
as they do in a process with no reader at all. The reader is a plain thread, never a task on
the event loop: a loop saturated by public requests (the very minute this matters) would delay
each reading past its trust, and every request would go back to the database.

The same loop relays issued messages to this process's `/api/stream` when it issues nothing
itself (the public listener beside an operator process, without Redis): when the mark's audit
sequence moves, it reads the audit entries after the last one it saw and publishes each issued
message. Why the audit log and not a pipe between the processes: it is already the ordered,
committed record of every issue; nothing is lost when either process restarts, and any number
of public processes (or a message issued by another tool on the same database) are served alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from safezone.adapters.db.change_notice import Wake
from safezone.bootstrap import Container
from safezone.domain.alerts import UnknownAlert
from safezone.entrypoints.web import live
from safezone.entrypoints.web.public import warm
from safezone.services.read_model import Snapshot

log = logging.getLogger("safezone.web.watch")
TRUST_INTERVALS = 10  # a reading is trusted this many intervals (at least TRUST_MIN_S)
TRUST_MIN_S = 0.25


async def watch_changes(services: Container, relay: bool = False, rebuild: bool = True) -> None:
    """Read the change mark every interval (and when woken: by a commit here, or on PostgreSQL
    by another process's), in a thread of its own, until cancelled; and relay
    issued messages when `relay` (on this loop, woken by the reader when the audit moves).
    `rebuild` False (the operator process, whose public answers are few): the reading only
    vouches for a snapshot that is current, and a request after a change rebuilds it, so the
    operator's own next step never shares the interpreter with a rebuild nobody asked for."""
    loop = asyncio.get_running_loop()
    public = services.public
    interval_s = services.settings.change_watch_s
    trust_s = max(TRUST_MIN_S, TRUST_INTERVALS * interval_s)
    woken, stop = Wake(), threading.Event()
    audit_moved = asyncio.Event()

    def read() -> None:
        last_seq: int | None = None
        warmed: Snapshot | None = None
        marks = public.mark_reader()
        try:
            while not stop.is_set():
                woken.clear()
                try:
                    generation, read_at = public.watch_generation(), time.monotonic()
                    snapshot = public.refresh(marks.read(), marks) if rebuild else None
                    mark = marks.read() if snapshot is None else snapshot.mark
                    public.watched(mark, read_at, generation, trust_s)
                    if snapshot is not None and snapshot is not warmed:
                        warm(snapshot)
                        warmed = snapshot
                    if relay and mark.audit_seq != last_seq:
                        last_seq = mark.audit_seq
                        with contextlib.suppress(RuntimeError):  # the loop has closed
                            loop.call_soon_threadsafe(audit_moved.set)
                except Exception:  # keep watching; a database hiccup must not end it for good
                    log.exception("reading the change mark failed")
                marks.wait(woken, interval_s)
        finally:
            marks.close()
            woken.close()

    public.on_invalidate(woken.set)  # called in the thread that committed
    reader = threading.Thread(target=read, name="safezone-watch", daemon=True)
    reader.start()
    try:
        if not relay:
            await asyncio.Event().wait()  # until cancelled
        seq: int | None = None  # the audit entry the relay saw last (None: not looked yet)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="safezone-watch-relay") as thread:
            while True:
                await audit_moved.wait()
                audit_moved.clear()
                try:
                    seq = await _relay(services, thread, seq)
                except Exception:  # keep relaying; a database hiccup must not end it for good
                    log.exception("relaying issued messages failed")
                    audit_moved.set()
                    await asyncio.sleep(interval_s)
    finally:
        public.on_invalidate(None)
        stop.set()
        woken.set()
        reader.join(1)  # at most one reading away: it must not outlive the database it reads


async def _relay(services: Container, thread: ThreadPoolExecutor, seq: int | None) -> int:
    """Publish the messages issued after audit entry `seq` (None: none, from now on) to this
    process's public stream; the newest entry seen."""
    loop = asyncio.get_running_loop()
    seq, issued = await loop.run_in_executor(thread, services.public.issued_after, seq)
    for alert_id in issued:
        try:
            event, body = await loop.run_in_executor(thread, live.public_event, services, alert_id)
        except UnknownAlert:  # a message the public never sees (status System, say)
            continue
        services.stream.publish(event, body)
    return seq

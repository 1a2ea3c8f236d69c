"""Issued messages to the public live stream, when another process issued them.

With an operator listener of its own (`safezone serve --operator-port`), the public process
never issues anything, so the alert service's in-process listeners never fire in it. With Redis
configured the operator process's events come through Redis (`adapters.queue.live_events`);
without it — the embedded default, SQLite — the public process reads the audit log instead:
every `RELAY_POLL_S` it asks for the entries after the last one it saw (one indexed statement,
usually no row) and publishes each issued message to its own `/api/stream`.

Why the audit log and not a pipe or socket between the processes: it is already the ordered,
committed record of every issue; nothing is lost when either process restarts, nothing new has
to be kept up, and any number of public processes (or a message issued by another tool on the
same database) are served the same way. The price is at most one poll interval of delay.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from safezone.bootstrap import Container
from safezone.domain.alerts import UnknownAlert
from safezone.entrypoints.web import live

log = logging.getLogger("safezone.web.relay")
RELAY_POLL_S = 0.1


async def relay_issued(services: Container, interval_s: float = RELAY_POLL_S) -> None:
    """Publish what other processes issue to this process's public stream, until cancelled.
    Its own thread: the request threads may all be busy with public load."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="safezone-relay") as thread:
        seq: int | None = None
        while True:
            try:
                seq, issued = await loop.run_in_executor(thread, services.public.issued_after, seq)
                for alert_id in issued:
                    try:
                        event, body = await loop.run_in_executor(thread, live.public_event, services, alert_id)
                    except UnknownAlert:  # a message the public never sees (status System, say)
                        continue
                    services.stream.publish(event, body)
            except Exception:  # keep relaying; a database hiccup must not end the stream for good
                log.exception("relay of issued messages failed")
            await asyncio.sleep(interval_s)

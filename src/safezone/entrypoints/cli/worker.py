"""`safezone worker`: a delivery worker for scale — any number of them, on any machines, sharing
the work through a Redis Stream (consumer group); PostgreSQL holds every delivery's state.

A worker that dies leaves its stream entries pending: another takes them over after the lease
(`SAFEZONE_DELIVERY_LEASE_S`, 30 s) has run out, and receivers drop any copy they already have
by its idempotency id. SIGTERM or Ctrl-C stops a worker after its current pass.
"""

from __future__ import annotations

import asyncio
import signal

import click

from safezone.adapters.db.url import redacted
from safezone.bootstrap import Settings, assemble
from safezone.entrypoints.cli.db import open_database
from safezone.entrypoints.cli.output import reports_bad_input, say


@click.command()
@click.option("--db", "db_url", envvar="SAFEZONE_DB", help="The database (postgresql://… for several workers).")
@click.option("--redis", "redis_url", envvar="SAFEZONE_REDIS_URL", required=True,
              help="Redis for the delivery stream, e.g. redis://127.0.0.1:6379/0 ($SAFEZONE_REDIS_URL).")
@click.option("--name", help="This worker's consumer name in the group (default: random). Give a stable one per "
                             "machine so a restarted worker resumes its own pending entries.")
@reports_bad_input
def worker(db_url: str | None, redis_url: str, name: str | None) -> None:
    """Deliver issued messages: plan, share out through Redis Streams, send, record receipts."""
    from safezone.adapters.queue.redis_stream import DeliveryStream
    from safezone.entrypoints import collector
    from safezone.entrypoints import worker as embedded

    settings = Settings.from_environ(db=db_url)
    container = assemble(settings, database=open_database(settings.db))
    stream = DeliveryStream(redis_url)
    opened = embedded.channels(container)
    engine = embedded.engine(container, opened, owner=name)
    engine.stream = stream
    say(f"safezone worker {engine.owner} on {redacted(container.database.url)}, stream {stream.stream}")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            with collector.delivering():
                await engine.run(stop)
        finally:
            for channel in opened.values():
                await channel.close()
            await stream.close()

    try:
        asyncio.run(run())
    finally:
        container.close()

"""Residents' shelter reports to the operators' consoles, when another process received them.

With an operator listener of its own (`safezone serve --operator-port`) and no Redis, a report
made on the public listener is stored by the public process, and the operator process's live
stream (`/api/operator/stream`) would not hear of it: the console would show it only when it
is opened again. So the operator process looks at the open reports counted recently (one
indexed statement every `REPORT_POLL_S`, in a thread of its own, since the request threads may
be busy) and announces each report that is new or counted again since its last look, as the
public process would have (`shelter.reported`). It is then the one source of these events in
its process: a report made on the operator listener itself is announced by the watch too,
once.

Why a look back (`LOOKBACK_S`) and not "after the last id": report ids are not committed in
their order on PostgreSQL, and a report counted again keeps its id. Each look reads the open
reports last counted within `LOOKBACK_S` of the newest one seen and compares their counts with
what it saw; a report committed more than that long after its time was taken would be missed
(the console still lists it when it loads).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from safezone.bootstrap import Container
from safezone.domain.shelter_reports import ShelterReport
from safezone.entrypoints.web.shelter_reports import REPORTED, reported
from safezone.services import shelter_reports as service

log = logging.getLogger("safezone.web.report_watch")
REPORT_POLL_S = 0.25
LOOKBACK_S = 60.0


class ReportWatch:
    """What the looks saw: each recent open report's count, and the newest time counted."""

    def __init__(self, lookback: timedelta = timedelta(seconds=LOOKBACK_S)) -> None:
        self.lookback = lookback
        self.newest: datetime | None = None
        self.counts: dict[int, int] = {}
        self.started = False

    def since(self) -> datetime | None:
        """Where the next look starts (None: the first look reads every open report)."""
        return None if self.newest is None else self.newest - self.lookback

    def changed(self, reports: list[ShelterReport]) -> list[dict]:
        """The events for reports new or counted again since the last look (none on the first:
        the console loads what was there when it opens)."""
        window = self.since()
        events = []
        for report in reports:
            seen = self.counts.get(report.id)
            if self.started and (seen is None or report.count > seen):
                new = seen is None and (window is None or report.first_at >= window)
                events.append(reported(report.id, report.shelter_id, report.problem, new))
            self.counts[report.id] = report.count
            self.newest = report.last_at if self.newest is None else max(self.newest, report.last_at)
        self.started = True
        window = self.since()
        if window is not None:  # what the next look no longer reads is forgotten
            kept = {report.id for report in reports if report.last_at >= window}
            self.counts = {report_id: n for report_id, n in self.counts.items() if report_id in kept}
        return events


async def watch_reports(services: Container, interval_s: float = REPORT_POLL_S) -> None:
    """Announce reports other processes received to this process's operator stream, until cancelled."""
    loop = asyncio.get_running_loop()
    watch = ReportWatch()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="safezone-report-watch") as thread:
        while True:
            try:
                reports = await loop.run_in_executor(thread, service.open_since, services.database, watch.since())
                for event in watch.changed(reports):
                    services.operator_stream.publish(REPORTED, event)
            except Exception:  # keep watching; a database hiccup must not end it for good
                log.exception("the watch of shelter reports failed")
            await asyncio.sleep(interval_s)

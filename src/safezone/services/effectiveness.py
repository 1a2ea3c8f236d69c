"""The effectiveness report's data: the incidents of a window with their stored verdicts, and
the Actual alerts in force in it with whether any incident was matched to them."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from safezone.adapters.db import Database
from safezone.domain import history
from safezone.domain.cap import Status
from safezone.domain.effectiveness import Figures, Judged, figures


def effectiveness(database: Database, start: datetime | None, end: datetime | None,
                  clock: Callable[[], datetime]) -> Figures:
    now = clock()
    window = history.check_window(start, end, now)
    with database.unit_of_work(read_only=True) as uow:
        incidents = uow.incidents.listed(window.start, window.end)
        verdicts = uow.incidents.verdicts([int(i.id or 0) for i in incidents])
        warnings = uow.alerts.warnings_between([Status.ACTUAL], window.start, window.end)
        linked = uow.incidents.alert_incidents()
        known = {a.id for a in warnings}
        ancestors = uow.alerts.by_ids(a.follows for a in warnings if a.follows is not None and a.follows not in known)
        names = {(v, a.id): a.name for v in {w.zone_version for w in warnings}
                 for a in uow.areas.by_ids(v, sorted({x for w in warnings if w.zone_version == v for x in w.area_ids}))}
    roots = history.chain_ids(list(warnings) + list(ancestors))
    area_names = {area_id: name for (_, area_id), name in names.items()}
    judged = []
    for incident in incidents:
        verdict = verdicts.get(int(incident.id or 0))
        if verdict is None:
            continue  # not assessed yet: `incidents assess`
        point = incident.place.representative_point()
        judged.append(Judged(int(incident.id or 0), incident.occurred_at, point.x, point.y, incident.kind.value,
                             incident.confidence.value, verdict["verdict"], verdict["lead_time_s"],
                             verdict["time_to_shelter_s"], verdict["area_id"],
                             area_names.get(verdict["area_id"] or "", verdict["area_id"]), verdict["band"],
                             verdict["alert_id"]))
    chains = {roots[int(a.id or 0)] for a in warnings}
    hit = {roots[alert_id] for alert_id in linked if alert_id in roots}
    return figures(window.start, window.end, judged, chains, hit)

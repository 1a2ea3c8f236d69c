"""The effectiveness report as data: JSON (the same figures as the page) and CSV, one row per
incident (UTF-8 with a BOM, see reports.tables)."""

from __future__ import annotations

from safezone.adapters.reports.tables import csv_bytes
from safezone.domain.effectiveness import VERDICTS, Counts, Figures

COLUMNS = ("incident_id", "time", "lon", "lat", "kind", "confidence", "verdict", "lead_time_s", "time_to_shelter_s",
           "area_id", "area_name", "band", "alert_id")


def counts_json(counts: Counts) -> dict:
    share = counts.share(VERDICTS[0])
    return {"incidents": counts.total, **counts.by_verdict,
            "share_warned_in_time": None if share is None else round(share, 4)}


def report_json(report: Figures) -> dict:
    return {
        "from": report.start.isoformat(), "to": report.end.isoformat(),
        "total": counts_json(report.total),
        "median_lead_time_s": report.median_lead_s,
        "alerts": report.alerts,
        "alerts_without_incident": report.alerts_without_incident,
        "by_band": [{"band": band, **counts_json(c)} for band, c in report.by_band.items()],
        "by_area": [{"area_id": a, "area_name": name, **counts_json(c)} for a, (name, c) in report.by_area.items()],
        "by_week": [{"week": week.isoformat(), **counts_json(c)} for week, c in report.by_week.items()],
    }


def report_csv(report: Figures) -> bytes:
    return csv_bytes(COLUMNS, ((i.incident_id, i.occurred_at.isoformat(), round(i.lon, 6), round(i.lat, 6), i.kind,
                                i.confidence, i.verdict, i.lead_time_s, i.time_to_shelter_s, i.area_id, i.area_name,
                                i.band, i.alert_id) for i in report.incidents))

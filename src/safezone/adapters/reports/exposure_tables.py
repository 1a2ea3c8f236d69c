"""The exposure report as data: JSON for machines, CSV for spreadsheets (one row per area and group)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from safezone.services.exposure import WALKING_MINUTES, ExposureReport, Figures, ThreatCoverage, share

MODEL = (
    "A small settlement's population is counted at its point (GeoNames); a large one's is spread over a disc of "
    "its estimated radius and shared among the areas it covers; districts are counted inside their city. "
    "People can reach a shelter in time when a shelter lies within walking reach of their settlement's point "
    "(for a spread city, of the centre of its part in the area): "
    "geodesic distance x detour factor <= time to shelter x walking speed. Reach ignores capacity; "
    "capacity per resident is shown beside it. Unknown capacities count as 0. "
    "Early coverage: the same, within the time to shelter plus an early warning's lead time; per threat class "
    "with an early warning, over the areas it reaches, within its own configured lead time. "
    "Walking time to the nearest shelter (geodesic distance x detour factor / walking speed) is counted "
    "cumulatively: the people within 1, 3, 5 and 10 minutes."
)
COLUMNS = ("level", "side", "band", "time_to_shelter_s", "area_id", "area_name", "settlements", "population",
           "shelters", "capacity", "unknown_capacity", "capacity_per_resident", "reachable_population", "coverage",
           "early_reachable_population", "early_coverage",
           *(f"within_{m}_min" for m in WALKING_MINUTES), *(f"within_{m}_min_share" for m in WALKING_MINUTES))


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures_json(figures: Figures) -> dict:
    shares = {f"within_{m}_min_share": rounded(share(people, figures.population))
              for m, people in figures.within_minutes().items()}
    return {**asdict(figures), "capacity_per_resident": rounded(figures.capacity_per_resident),
            "coverage": rounded(figures.coverage), "early_coverage": rounded(figures.early_coverage), **shares}


def threat_json(coverage: ThreatCoverage) -> dict:
    return {**asdict(coverage), "coverage": rounded(coverage.coverage), "early_coverage": rounded(coverage.early_coverage)}


def report_json(report: ExposureReport) -> dict:
    return {
        "zone_set": {"version": report.zone_set_version, "border": report.zones.border_name},
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "walking": {"speed_m_s": report.walking.speed_m_s, "detour_factor": report.walking.detour_factor},
        "early_warning_lead_time_s": report.lead_time_s,
        "walking_minutes": list(WALKING_MINUTES),
        "model": MODEL,
        "total": figures_json(report.total),
        "early_warning_by_threat": [threat_json(t) for t in report.by_threat],
        "groups": [
            {"side": g.side, "band": g.band, "time_to_shelter_s": g.time_to_shelter_s, **figures_json(g.figures)}
            for g in report.groups
        ],
        "areas": [
            {"id": a.area.id, "name": a.area.name, "side": a.area.side, "band": a.area.band,
             "time_to_shelter_s": a.area.time_to_shelter_s, **figures_json(a.figures)}
            for a in report.areas
        ],
    }


def report_csv(report: ExposureReport) -> str:
    document = report_json(report)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for group in document["groups"]:
        level = "total" if group["side"] is None and group["band"] is None else "side" if group["band"] is None else "band" if group["side"] is None else "side-band"
        writer.writerow({**group, "level": level})
    for area in document["areas"]:
        writer.writerow({**area, "level": "area", "area_id": area["id"], "area_name": area["name"]})
    return out.getvalue()

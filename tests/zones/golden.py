"""Fingerprints of whole zone builds, kept as small files under tests/zones/golden/.

A rewrite of the build (faster clipping, other data structures) must give the same zones: the
same areas in the same order, with the same ids, names, distance ranges, shapes (size and
extent), settlements and population shares. A fingerprint is one SHA-256 per side and band over
a canonical text of its areas, plus counts a person can read, so a failing comparison says
which side and band changed.

Floating-point figures are rounded before hashing (distances are rounded by the build itself;
sizes to 8 significant digits, coordinates to 1e-6°): two overlays of the same segments may
start a ring at another vertex and sum its area in another order, a change no one can see.

To record new golden files after a deliberate change of output, run
`SAFEZONE_WRITE_GOLDEN=1 python -m pytest tests/zones/test_golden_builds.py` and say why in the
commit.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import shapely

from safezone.domain.zones import AlertArea, ZoneSet

GOLDEN = Path(__file__).parent / "golden"
WRITE = os.environ.get("SAFEZONE_WRITE_GOLDEN") == "1"


def _area_text(area: AlertArea) -> str:
    bounds = ",".join(f"{v:.6f}" for v in shapely.bounds(area.geometry))
    settlements = ",".join(str(s.geonameid) for s in area.settlements)
    shares = ";".join(f"{s.geonameid}:{s.people}@{s.lat:.6f},{s.lon:.6f}" for s in (area.shares or ()))
    return (
        f"{area.id}|{area.name}|{area.side}|{area.band}|{area.min_km:.2f}|{area.max_km:.2f}|"
        f"{area.time_to_shelter_s}|{area.geometry.area:.8g}|{bounds}|{settlements}|{shares}"
    )


def fingerprint(zones: ZoneSet) -> dict:
    """Counts and one hash per side and band (in the build's order)."""
    groups: dict[str, list[AlertArea]] = {}
    for area in zones.areas:
        groups.setdefault(f"{area.side}-{area.band}", []).append(area)
    return {
        "areas": len(zones.areas),
        "population": sum(a.population for a in zones.areas),
        "settlements": sum(len(a.settlements) for a in zones.areas),
        "order": [a.id for a in zones.areas[:: max(1, len(zones.areas) // 20)]],
        "bands": {
            key: {
                "areas": len(areas),
                "population": sum(a.population for a in areas),
                "sha256": hashlib.sha256("\n".join(_area_text(a) for a in areas).encode()).hexdigest(),
            }
            for key, areas in groups.items()
        },
    }


def check_against_golden(name: str, zones: ZoneSet) -> None:
    """Compare the build with its golden file (or record it, when asked to)."""
    path = GOLDEN / f"{name}.json"
    found = fingerprint(zones)
    if WRITE:
        path.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    for key in ("areas", "population", "settlements", "order"):
        assert found[key] == expected[key], f"{name}: {key} changed"
    changed = [band for band in expected["bands"] if found["bands"].get(band) != expected["bands"][band]]
    assert not changed and found["bands"].keys() == expected["bands"].keys(), f"{name}: side-band groups changed: {changed}"

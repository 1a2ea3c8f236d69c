"""Alert areas shaped like the ones the zone builder makes, and the sample messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from safezone.domain.zones import AlertArea

SAMPLES = Path(__file__).parent / "samples"


def with_cap_prefix(data: bytes) -> bytes:
    """The same CAP 1.2 message written as `<cap:alert xmlns:cap=...>`, as NWS and others do."""
    data = data.replace(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
                        b'<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">')
    return re.sub(rb"<(/?)([A-Za-z]+)>", rb"<\1cap:\2>", data).replace(b"</alert>", b"</cap:alert>")


def alert_area(area_id: str, name: str, geometry, band: int = 1) -> AlertArea:
    return AlertArea(id=area_id, name=name, side="A", band=band, min_km=0.0, max_km=5.0,
                     time_to_shelter_s=15, geometry=geometry)


@pytest.fixture
def areas() -> list[AlertArea]:
    """A detailed round area (1,000 vertices), a ragged one, and one in two pieces."""
    detailed = Point(35.60, 33.20).buffer(0.04, quad_segs=250)
    ragged = Polygon([(35.70 + 0.03 * (1 + (i % 7) / 10) * __import__("math").cos(i / 100),
                       33.25 + 0.03 * (1 + (i % 7) / 10) * __import__("math").sin(i / 100))
                      for i in range(629)])
    split = MultiPolygon([Point(35.80, 33.10).buffer(0.02, quad_segs=64),
                          Point(35.86, 33.12).buffer(0.015, quad_segs=64)])
    return [alert_area("A-1-001", "Northtown", detailed),
            alert_area("A-1-002", "Ridge villages", ragged),
            alert_area("A-2-003", "Twin hamlets", split, band=2)]

"""Model → CAP 1.2 XML → model gives back the same message, for any message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from safezone.adapters.cap_xml import check, load_xml, parse, to_xml
from safezone.adapters.cap_xml.reader import read_alert
from safezone.adapters.cap_xml.schema import schema_issues
from safezone.adapters.cap_xml.writer import UNKNOWN_MIME_TYPE
from safezone.domain.cap import Alert
from tests.cap.strategies import alerts

SAMPLES = Path(__file__).parent / "samples" / "valid"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alerts)
def test_any_message_survives_the_round_trip_and_fits_the_schema(alert: Alert) -> None:
    root = load_xml(to_xml(alert))
    assert schema_issues(root, "1.2") == []
    read = read_alert(root, "1.2")
    assert [i for i in read.issues if i.level == "error"] == []
    assert read.alert == alert


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.xml")), ids=lambda p: p.name)
def test_every_sample_is_rewritten_as_valid_cap_12_with_the_same_content(sample: Path) -> None:
    alert = parse(sample.read_bytes())
    rewritten = to_xml(alert)
    result = check(rewritten)
    assert result.version == "1.2"
    assert result.errors == []
    assert result.alert == _with_mime_types(alert)


def _with_mime_types(alert: Alert) -> Alert:
    """CAP 1.1 resources may lack a MIME type; in 1.2 they are written as octet-stream."""
    infos = tuple(
        replace(info, resources=tuple(replace(r, mime_type=r.mime_type or UNKNOWN_MIME_TYPE)
                                      for r in info.resources))
        for info in alert.infos
    )
    return replace(alert, infos=infos)


def test_an_enveloped_signature_is_kept_when_the_message_is_rewritten() -> None:
    alert = parse((SAMPLES / "tsunami_signed.xml").read_bytes())
    assert len(alert.signatures) == 1
    assert "SignatureValue" in alert.signatures[0]
    again = parse(to_xml(alert))
    assert again.signatures == alert.signatures

"""The validator: schema plus the standard's own rules, each issue with path and line;
CAP 1.1 and 1.2 from other agencies read into the same model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from safezone.adapters.cap_xml import check, parse
from safezone.domain.cap import CapParseError, IssueLevel, Status
from tests.cap.conftest import SAMPLES, with_cap_prefix

VALID = sorted((SAMPLES / "valid").glob("*.xml"))


def _where(result):
    return {(i.path, i.line) for i in result.errors}


@pytest.mark.parametrize("sample", VALID, ids=lambda p: p.name)
def test_realistic_agency_messages_are_valid(sample) -> None:
    result = check(sample.read_bytes())
    assert result.errors == []
    assert result.alert is not None


def test_a_cap_11_message_in_iso_8859_1_reads_into_the_same_model() -> None:
    data = (SAMPLES / "valid" / "flood_pt_cap11_latin1.xml").read_bytes()
    assert "previsão".encode("latin-1") in data.lower()  # really Latin-1 on disk, not UTF-8
    result = check(data)
    assert result.version == "1.1"
    info = result.alert.infos[0]
    assert info.description.startswith("Previsão de 80 a 120 mm de chuva nas próximas 24 horas")
    assert info.resources[0].mime_type is None  # optional in 1.1
    assert info.areas[0].altitude == 0 and info.areas[0].ceiling == 1500
    assert [(i.level, i.path) for i in result.issues] == [
        (IssueLevel.WARNING, "/alert/info[1]/resource[1]/mimeType")
    ]


def test_several_languages_and_an_update_reference_are_read() -> None:
    alert = parse((SAMPLES / "valid" / "civil_danger_update_fr_ar.xml").read_bytes())
    assert [i.language for i in alert.infos] == ["fr-FR", "ar"]
    assert alert.infos[1].event == "خطر مدني"
    (ref,) = alert.references
    assert ref.identifier == "protection-civile.example.org.2026-11-27T1400.cd-0007"
    assert ref.sent == datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)


def test_rule_breaches_are_reported_with_element_path_and_line() -> None:
    result = check((SAMPLES / "invalid" / "rules_broken.xml").read_bytes())
    assert result.alert is not None  # the model could be built; it breaks the standard's rules
    assert _where(result) == {
        ("/alert/identifier", 3),
        ("/alert/references", 2),  # missing: reported at the alert element
        ("/alert/addresses", 2),
        ("/alert/info[1]/expires", 15),
        ("/alert/info[1]/area[1]/polygon[1]", 19),
        ("/alert/info[1]/area[1]/polygon[2]", 20),
        ("/alert/info[1]/area[1]/circle[1]", 21),
        ("/alert/info[1]/area[1]/ceiling", 22),
    }
    messages = " | ".join(i.message for i in result.errors)
    for words in ("at least 4", "not closed", "latitude 120.0", "radius", "Private requires",
                  "must name what it refers to", "only allowed together with altitude"):
        assert words in messages


def test_schema_errors_carry_path_line_and_the_schema_reason() -> None:
    result = check((SAMPLES / "invalid" / "schema_broken.xml").read_bytes())
    assert _where(result) == {("/alert/sent", 5), ("/alert/info[1]/urgency", 12)}
    assert "'Now' is not an element of the set {'Immediate'" in str(result.errors[1])


def test_text_that_is_not_coordinates_is_reported_where_it_is() -> None:
    result = check((SAMPLES / "invalid" / "bad_polygon_text.xml").read_bytes())
    (problem,) = result.errors
    assert (problem.path, problem.line) == ("/alert/info[1]/area[1]/polygon[1]", 19)
    assert "'46.1;7.1' is not a 'latitude,longitude' pair" in problem.message


def test_xml_that_is_not_well_formed_gives_the_line() -> None:
    with pytest.raises(CapParseError) as caught:
        parse((SAMPLES / "invalid" / "not_well_formed.xml").read_bytes())
    assert caught.value.line == 9
    assert "tag mismatch: msgType line 7" in caught.value.reason


def test_warnings_are_kept_apart_from_errors() -> None:
    data = (SAMPLES / "valid" / "cancel_test_en.xml").read_bytes()
    data = data.replace(b"2026-11-27T10:05:00-05:00", b"2026-11-27T15:05:00+00:00")
    result = check(data.replace(b"<status>Test</status>", b"<status>Exercise</status>"))
    assert result.ok
    assert [(i.path, i.line) for i in result.warnings] == [("/alert/sent", 5)]
    assert "-00:00" in result.warnings[0].message


def test_an_alert_message_without_expiry_or_headline_only_warns() -> None:
    data = (SAMPLES / "valid" / "weather_storm_en_de.xml").read_bytes()
    for tag in (b"expires", b"headline"):
        start = data.index(b"<" + tag + b">")
        data = data[:start] + data[data.index(b"</" + tag + b">", start) + len(tag) + 3:]
    result = check(data)
    assert result.ok
    assert {i.path for i in result.warnings} == {"/alert/info[1]/expires", "/alert/info[1]/headline"}


def test_cap_11_habits_are_warnings_not_errors_and_z_is_an_error_in_12() -> None:
    data = (SAMPLES / "valid" / "flood_pt_cap11_latin1.xml").read_bytes()
    z_time = data.replace(b"2026-11-27T11:30:00-03:00", b"2026-11-27T14:30:00Z")
    result = check(z_time)
    assert result.ok
    assert result.alert.sent == datetime(2026, 11, 27, 14, 30, tzinfo=timezone.utc)
    assert any(i.path == "/alert/sent" and "no 'Z'" in i.message for i in result.warnings)
    in_12 = z_time.replace(b"cap:1.1", b"cap:1.2").replace(b"<uri>", b"<mimeType>x/y</mimeType><uri>")
    assert ("/alert/sent", 5) in _where(check(in_12))


def test_a_message_that_is_not_cap_says_so() -> None:
    result = check(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')
    assert "not a CAP 1.1 or 1.2 alert" in result.errors[0].message
    old = check(b'<alert xmlns="http://www.incident.com/cap/1.0"/>')
    assert "CAP 1.0 is not supported" in old.errors[0].message


def test_a_signed_message_keeps_its_signature_and_validates() -> None:
    alert = parse((SAMPLES / "valid" / "tsunami_signed.xml").read_bytes())
    assert alert.status is Status.ACTUAL
    assert alert.signatures and alert.signatures[0].startswith("<Signature")
    assert alert.infos[0].areas[0].ceiling == 100


def test_a_signed_cap_11_message_is_accepted_with_a_warning() -> None:
    signed = (SAMPLES / "valid" / "tsunami_signed.xml").read_bytes()
    signature = signed[signed.index(b"  <Signature"):signed.index(b"</alert>")]
    data = (SAMPLES / "valid" / "flood_pt_cap11_latin1.xml").read_bytes()
    data = data.replace(b"</alert>", signature + b"</alert>")
    result = check(data)
    assert result.ok and len(result.alert.signatures) == 1
    assert any("ds:Signature" in i.message for i in result.warnings)


def test_expiry_before_effective_and_self_reference_are_errors() -> None:
    data = (SAMPLES / "valid" / "civil_danger_update_fr_ar.xml").read_bytes()
    data = data.replace(b"T1400.cd-0007,", b"T1415.cd-0007-u1,").replace(
        b"<expires>", b"<effective>2026-11-27T19:00:00+01:00</effective><expires>", 1)
    result = check(data)
    assert {i.message for i in result.errors} == {
        "the message references itself", "expires is before effective"}


def test_effective_timestamps_compare_across_time_zones() -> None:
    alert = parse((SAMPLES / "valid" / "weather_storm_en_de.xml").read_bytes())
    assert alert.sent == datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
    assert alert.infos[0].expires - alert.sent == timedelta(hours=21)


def test_a_schema_invalid_message_with_a_namespace_prefix_is_reported_like_any_other() -> None:
    plain = check((SAMPLES / "invalid" / "schema_broken.xml").read_bytes())
    prefixed = check(with_cap_prefix((SAMPLES / "invalid" / "schema_broken.xml").read_bytes()))
    assert _where(prefixed) == _where(plain) == {("/alert/sent", 5), ("/alert/info[1]/urgency", 12)}
    assert [i.message for i in prefixed.errors] == [i.message for i in plain.errors]


def test_a_valid_message_with_a_namespace_prefix_reads_into_the_same_model() -> None:
    data = (SAMPLES / "valid" / "earthquake_es_en.xml").read_bytes()
    assert b"<cap:circle>" in with_cap_prefix(data)
    assert parse(with_cap_prefix(data)) == parse(data)

"""Liberal in what we read: real agencies' messages do things the standard allows (or only
advises against), and the reader accepts them, with a warning where a receiver should know.
Each test starts from a valid sample and changes the one thing real feeds do."""

from __future__ import annotations

from safezone.adapters.cap_xml import check
from safezone.domain.cap.model import Circle
from tests.cap.conftest import SAMPLES

VALID = SAMPLES / "valid"


def _sample(name: str) -> bytes:
    return (VALID / name).read_bytes()


def _said(result) -> set[tuple[str, str, int | None]]:
    return {(i.level, i.path, i.line) for i in result.issues}


def test_a_circle_of_radius_zero_is_a_point_and_a_legal_circle() -> None:
    """USGS earthquakes, NSW RFS incidents and the OASIS A.3 example give an epicentre or a
    fire's location as `lat,lon 0`."""
    result = check(_sample("earthquake_es_en.xml").replace(b"-72.10 150<", b"-72.10 0<"))
    assert result.issues == []
    assert result.alert.infos[0].areas[0].circles == (Circle(-33.05, -72.10, 0.0),)


def test_a_negative_radius_is_still_an_error() -> None:
    result = check(_sample("earthquake_es_en.xml").replace(b"-72.10 150<", b"-72.10 -5<"))
    (problem, _) = result.errors
    assert (problem.path, problem.line) == ("/alert/info[1]/area[1]/circle[1]", 42)
    assert problem.message == "circle radius -5.0 km is negative"


def test_expires_equal_to_sent_is_accepted_with_a_warning() -> None:
    """NTWC's final tsunami updates expire the moment they are sent: they end the event."""
    data = _sample("earthquake_es_en.xml").replace(b"2026-11-27T07:12:09-03:00", b"2026-11-27T01:13:02-03:00")
    result = check(data)
    assert result.ok
    assert _said(result) == {("warning", "/alert/info[1]/expires", 19),
                             ("warning", "/alert/info[2]/expires", 54)}
    assert result.warnings[0].message == "expires equals sent: the message is over as soon as it is sent"


def test_expires_before_sent_is_still_an_error() -> None:
    data = _sample("earthquake_es_en.xml").replace(b"2026-11-27T07:12:09-03:00", b"2026-11-27T01:13:01-03:00")
    result = check(data)
    assert {(i.path, i.message) for i in result.errors} == {
        (f"/alert/info[{n}]/expires", "expires is before the message was sent") for n in (1, 2)}


def test_expires_equal_to_effective_is_a_warning_too() -> None:
    data = _sample("earthquake_es_en.xml").replace(
        b"<onset>", b"<effective>2026-11-27T07:12:09-03:00</effective><onset>", 1)
    result = check(data)
    assert result.ok
    assert ("warning", "/alert/info[1]/expires", 19) in _said(result)
    assert "expires equals effective" in " ".join(i.message for i in result.warnings)


def test_an_empty_polygon_is_a_warning_and_every_area_is_kept() -> None:
    """NWS CAP 1.1 feeds send `<polygon></polygon>` (or `<polygon/>`) when an alert is
    defined by its zone codes alone; the schema allows it."""
    data = _sample("flood_pt_cap11_latin1.xml")
    start = data.index(b"<polygon>")
    end = data.index(b"</polygon>") + len(b"</polygon>")
    empty = data[:start] + b"<polygon></polygon>" + data[end:]
    second_area = (b"<area><areaDesc>Zona sul</areaDesc>"
                   b"<polygon>-22.95,-43.20 -22.93,-43.17 -22.97,-43.16 -22.95,-43.20</polygon></area>")
    empty = empty.replace(b"</info>", second_area + b"</info>")
    for variant in (empty, empty.replace(b"<polygon></polygon>", b"<polygon/>"),
                    empty.replace(b"<polygon></polygon>", b"<polygon>\n      </polygon>")):
        result = check(variant)
        assert result.ok
        assert ("warning", "/alert/info[1]/area[1]/polygon[1]", 29) in _said(result)
        first, second = result.alert.infos[0].areas
        assert (first.area_desc, first.polygons, first.geocodes[0].value) == (
            "Encostas da zona norte e bairros ribeirinhos", (), "3304557")
        assert second.area_desc == "Zona sul" and len(second.polygons[0].points) == 4


def test_an_empty_polygon_in_cap_12_is_a_warning_too() -> None:
    data = _sample("civil_danger_update_fr_ar.xml")
    start = data.index(b"<polygon>") + len(b"<polygon>")
    result = check(data[:start] + data[data.index(b"</polygon>"):])
    assert result.ok
    (empty,) = [i for i in result.warnings if i.path.endswith("polygon[1]")]
    assert empty.message == "polygon is empty; the area is placed by its other elements"


def test_a_relative_web_address_is_a_warning() -> None:
    """Meteoalarm members such as MeteoAlgeria write `www.meteo.dz`: a person still finds it."""
    result = check(_sample("earthquake_es_en.xml").replace(
        b"https://seismo.example.cl/sismos/2026-11-27-0412<", b"www.seismo.example.cl<"))
    assert result.ok
    assert _said(result) == {("warning", "/alert/info[1]/web", 24)}
    assert result.warnings[0].message == "web 'www.seismo.example.cl' is not a full absolute URI"
    assert result.alert.infos[0].web == "www.seismo.example.cl"

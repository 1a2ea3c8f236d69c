"""Real-looking messages from agencies around the world (see corpus/README.md): each parses
without errors, with exactly the warnings listed here. Liberal where the standard allows,
so an agency's valid message is never refused for a rule CAP does not have."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from safezone.adapters.cap_xml import check
from safezone.domain.cap import Status
from safezone.entrypoints.cli import main

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.xml"))

_NO_EXPIRES = "no expires: each receiver will guess how long the alert lasts"
_RELATIVE_WEB = "web 'www.meteo.dz' is not a full absolute URI"

EXPECTED_WARNINGS: dict[str, list[tuple[str, str]]] = {
    "usgs_earthquake_point.xml": [],
    "nws_cap11_zones_empty_polygon.xml": [
        ("/alert/info[1]/area[1]/polygon[1]", "polygon is empty; the area is placed by its other elements")],
    "nws_cap12_ipaws_prefixed.xml": [],
    "ntwc_tsunami_final.xml": [
        ("/alert/info[1]/expires", "expires equals sent: the message is over as soon as it is sent")],
    "nsw_rfs_bushfire_cap_au.xml": [],
    "meteoalgeria_relative_web.xml": [("/alert/info[1]/web", _RELATIVE_WEB),
                                      ("/alert/info[2]/web", _RELATIVE_WEB)],
    "oasis_a2_thunderstorm_shape.xml": [],
    "oasis_a3_earthquake_update_shape.xml": [("/alert/info[1]/expires", _NO_EXPIRES)],
    "oasis_a4_amber_en_es_shape.xml": [("/alert/info[1]/expires", _NO_EXPIRES),
                                       ("/alert/info[2]/expires", _NO_EXPIRES)],
    "mowas_nina_de.xml": [],
    "naads_cap_cp_en_fr.xml": [],
    "pagasa_typhoon_en_fil_ceb.xml": [],
    "jma_heavy_rain_ja.xml": [],
    "hfc_earthquake_drill_he_ar_ru.xml": [],
}


def test_the_corpus_is_the_one_documented() -> None:
    readme = (CORPUS / "README.md").read_text()
    assert sorted(p.name for p in FILES) == sorted(EXPECTED_WARNINGS)
    assert all(f"`{name}`" in readme for name in EXPECTED_WARNINGS)
    assert 10 <= len(FILES) <= 15


@pytest.mark.parametrize("sample", FILES, ids=lambda p: p.name)
def test_every_message_parses_with_exactly_the_expected_warnings(sample: Path) -> None:
    result = check(sample.read_bytes())
    assert result.errors == []
    assert result.alert is not None
    assert [(i.path, i.message) for i in result.warnings] == EXPECTED_WARNINGS[sample.name]
    assert all(i.line is not None for i in result.warnings)


def _read(name: str):
    return check((CORPUS / name).read_bytes())


def test_points_are_read_as_circles_of_radius_zero() -> None:
    for name in ("usgs_earthquake_point.xml", "nsw_rfs_bushfire_cap_au.xml",
                 "oasis_a3_earthquake_update_shape.xml", "ntwc_tsunami_final.xml"):
        (area,) = _read(name).alert.infos[0].areas
        assert [c.radius_km for c in area.circles] == [0.0], name


def test_the_nws_area_with_an_empty_polygon_keeps_its_zone_codes() -> None:
    result = _read("nws_cap11_zones_empty_polygon.xml")
    assert result.version == "1.1"
    (area,) = result.alert.infos[0].areas
    assert area.polygons == ()
    assert [(g.value_name, g.value) for g in area.geocodes] == [
        ("FIPS6", "020015 020035 020173"), ("UGC", "KSZ069 KSZ082 KSZ083")]


def test_prefixed_and_unprefixed_messages_read_alike() -> None:
    alert = _read("nws_cap12_ipaws_prefixed.xml").alert
    assert alert.codes == ("IPAWSv1.0",)
    assert alert.infos[0].areas[0].polygons[0].points[0] == (32.78, -89.72)


def test_languages_and_scripts_are_kept_as_written() -> None:
    languages = {name: [i.language for i in _read(name).alert.infos] for name in (
        "naads_cap_cp_en_fr.xml", "pagasa_typhoon_en_fil_ceb.xml", "jma_heavy_rain_ja.xml",
        "hfc_earthquake_drill_he_ar_ru.xml", "oasis_a2_thunderstorm_shape.xml")}
    assert languages == {
        "naads_cap_cp_en_fr.xml": ["en-CA", "fr-CA"],
        "pagasa_typhoon_en_fil_ceb.xml": ["en-US", "fil-PH", "ceb"],
        "jma_heavy_rain_ja.xml": ["ja-JP", "en-US"],
        "hfc_earthquake_drill_he_ar_ru.xml": ["he-IL", "ar", "ru"],
        "oasis_a2_thunderstorm_shape.xml": ["en-US"],  # no <language>: the standard's default
    }
    assert _read("jma_heavy_rain_ja.xml").alert.infos[0].headline == "大雨警報（土砂災害）を発表しました"
    drill = _read("hfc_earthquake_drill_he_ar_ru.xml").alert
    assert drill.status is Status.EXERCISE and drill.note.startswith("National earthquake drill")


def test_cap_validate_accepts_the_whole_corpus_in_one_run() -> None:
    result = CliRunner().invoke(main, ["cap", "validate", *map(str, FILES)])
    assert result.exit_code == 0, result.output
    assert f"{len(FILES)} of {len(FILES)} valid" in result.output

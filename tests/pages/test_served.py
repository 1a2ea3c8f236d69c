"""The pages' files as served: pages, scripts, catalogues, the service worker and Leaflet from
its package; the tile-server setting checked and escaped. In process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from safezone.domain.errors import InputError
from safezone.entrypoints.web import create_app
from safezone.settings import Settings
from tests.support.app import Api, Clock, make_container


def test_pages_and_their_files_are_served_by_safezone_itself(api):
    for path in ("/", "/drills", "/console"):
        page = api.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        assert 'content=""' in page.text  # no tile server: the map is drawn from our own data
        assert "http://" not in page.text.replace('href="http', "") and "https://" not in page.text
    leaflet = api.get("/vendor/leaflet/leaflet.js")
    assert leaflet.status_code == 200 and leaflet.headers["content-type"].startswith("text/javascript")
    assert b"Leaflet 1.9.4" in leaflet.content[:400]
    assert api.get("/vendor/leaflet/images/marker-icon.png").headers["content-type"] == "image/png"
    worker = api.get("/sw.js")
    assert worker.headers["service-worker-allowed"] == "/" and "safezone-pages" in worker.text
    assert api.get("/static/public.js").status_code == 200


def test_unknown_files_are_refused_without_reaching_the_disk(api):
    assert api.get("/vendor/leaflet/../../__init__.py").status_code == 404
    assert api.get("/vendor/leaflet/leaflet-src.js").status_code == 404  # only the files pages use
    assert api.get("/static/nothing.js").status_code == 404
    assert api.get("/static/..%2Fconsole.html").status_code in (404, 422)
    german = api.get("/messages/de.json")
    assert german.status_code == 404 and "en, uk, ru" in german.text


def test_every_catalogue_has_every_message():
    folder = resources.files("safezone.entrypoints.web.pages").joinpath("messages")
    catalogues = {lang: json.loads(folder.joinpath(f"{lang}.json").read_text("utf-8")) for lang in ("en", "uk", "ru")}
    keys = set(catalogues["en"])
    for lang, messages in catalogues.items():
        assert set(messages) == keys, lang
        assert len(messages["directions"]) == 8
        for key, text in messages.items():
            if isinstance(text, str):
                assert sorted(set(_placeholders(text))) == sorted(set(_placeholders(catalogues["en"][key]))), (lang, key)


def _placeholders(text: str) -> list[str]:
    import re
    return re.findall(r"\{(\w+)\}", text)


def test_a_tile_server_is_named_escaped_and_checked(db_url, sample_zones):
    container = make_container(db_url, sample_zones, Clock(), tiles_url="https://tiles.example.org/{z}/{x}/{y}.png?a=1&b=2")
    client = Api(create_app(container, sweep=False))
    try:
        assert 'content="https://tiles.example.org/{z}/{x}/{y}.png?a=1&amp;b=2"' in client.get("/").text
    finally:
        client.close()
        container.close()
    for bad in ("ftp://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/tile.png",
                'https://x.org/{z}/{x}/{y}.png" onload="alert(1)'):
        with pytest.raises(InputError) as refused:
            Settings.from_environ({"SAFEZONE_TILES_URL": bad})
        assert "SAFEZONE_TILES_URL" in str(refused.value)

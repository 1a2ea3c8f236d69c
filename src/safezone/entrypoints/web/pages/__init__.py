"""The pages people use, served by safezone itself: the public page (`/`, drills apart at
`/drills`) and the operator console (`/console`), their scripts and styles, the message
catalogues (en, uk, ru), the service worker, and Leaflet from the `django-js-lib-leaflet`
package. Nothing is fetched from a CDN or a tile server unless the operator names one
(`SAFEZONE_TILES_URL`)."""

from __future__ import annotations

import functools
import html
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response

from safezone.entrypoints.web import caching
from safezone.entrypoints.web.deps import container

PAGE_MAX_AGE = 60  # a page or script may be a minute old; the service worker revalidates
VENDOR_MAX_AGE = 86_400  # the vendored files change only with the package version
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".json": "application/json", ".png": "image/png", ".svg": "image/svg+xml",
               ".html": "text/html; charset=utf-8"}
LANGUAGES = ("en", "uk", "ru")
LEAFLET_FILES = frozenset({"leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
                           "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png"})

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+\.(js|css|svg|png)$")]


@functools.lru_cache(maxsize=64)
def _own(*parts: str) -> bytes:
    return resources.files(__package__).joinpath(*parts).read_bytes()


@functools.lru_cache(maxsize=len(LEAFLET_FILES))
def _leaflet(name: str) -> bytes:
    return resources.files("js_lib_leaflet").joinpath("static", "js_lib_leaflet", name).read_bytes()


def _media_type(name: str) -> str:
    return MEDIA_TYPES["." + name.rsplit(".", 1)[-1]]


def _page(request: Request, name: str) -> Response:
    """A page with the deployment's settings filled in (escaped): the tile server, if any."""
    tiles = container(request).settings.tiles_url or ""
    body = _own(name).decode("utf-8").replace("{{tiles_url}}", html.escape(tiles, quote=True))
    return caching.cached(request, body.encode("utf-8"), MEDIA_TYPES[".html"], PAGE_MAX_AGE)


@router.get("/")
def public_page(request: Request) -> Response:
    return _page(request, "index.html")


@router.get("/drills")
def drills_page(request: Request) -> Response:
    """The same page showing only Exercise and Test messages, in the drill style."""
    return _page(request, "index.html")


@router.get("/console")
def console_page(request: Request) -> Response:
    return _page(request, "console.html")


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    """Served from the root so that it may keep every page and answer offline."""
    answer = caching.cached(request, _own("static", "sw.js"), MEDIA_TYPES[".js"], 0)
    answer.headers["Service-Worker-Allowed"] = "/"
    return answer


@router.get("/static/{name}")
def static(request: Request, name: Name) -> Response:
    try:
        body = _own("static", name)
    except FileNotFoundError:
        raise HTTPException(404, f"no page file named {name!r}") from None
    return caching.cached(request, body, _media_type(name), PAGE_MAX_AGE)


@router.get("/messages/{language}.json")
def messages(request: Request, language: str) -> Response:
    if language not in LANGUAGES:
        raise HTTPException(404, f"no messages in {language[:20]!r}; languages: {', '.join(LANGUAGES)}")
    return caching.cached(request, _own("messages", f"{language}.json"), MEDIA_TYPES[".json"], PAGE_MAX_AGE)


@router.get("/vendor/leaflet/{name:path}")
def leaflet(request: Request, name: str) -> Response:
    if name not in LEAFLET_FILES:
        raise HTTPException(404, f"no Leaflet file named {name[:60]!r}")
    return caching.cached(request, _leaflet(name), _media_type(name), VENDOR_MAX_AGE)

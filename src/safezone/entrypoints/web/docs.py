"""The API documentation at /docs (Swagger UI) and /redoc, readable offline.

The assets come from the `fastapi-offline` package (a PyPI dependency, not our code) and are
served by this service under /docs/assets/: no page of ours ever asks a CDN for anything.
"""

from __future__ import annotations

import functools
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

ASSETS = "/docs/assets"
MEDIA_TYPES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
               "redoc.standalone.js": "text/javascript", "favicon.png": "image/png"}
ASSET_MAX_AGE = 86_400  # the assets change only with the package version

router = APIRouter(include_in_schema=False)


@functools.lru_cache(maxsize=len(MEDIA_TYPES))
def asset(name: str) -> bytes:
    """One of the packaged Swagger UI / ReDoc files, read once."""
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="safezone API",
                               swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                               swagger_css_url=f"{ASSETS}/swagger-ui.css",
                               swagger_favicon_url=f"{ASSETS}/favicon.png",
                               # the validator badge would fetch an image from the validator's site
                               swagger_ui_parameters={"validatorUrl": None})


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(openapi_url="/openapi.json", title="safezone API",
                          redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                          redoc_favicon_url=f"{ASSETS}/favicon.png", with_google_fonts=False)


@router.get(ASSETS + "/{name}")
def docs_asset(name: str) -> Response:
    if name not in MEDIA_TYPES:
        raise HTTPException(404, f"no documentation asset named {name!r}")
    return Response(asset(name), media_type=MEDIA_TYPES[name],
                    headers={"Cache-Control": f"public, max-age={ASSET_MAX_AGE}"})

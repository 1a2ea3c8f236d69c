"""The published schema says where the service is and how operators authenticate; /docs
renders the operations in a real Chromium with every request going to our own server."""

from __future__ import annotations

from pathlib import Path

import pytest

from safezone.entrypoints.web import create_app
from safezone.entrypoints.web.listeners import OPERATOR, PUBLIC, is_operator_path
from tests.support.app import Api, make_container
from tests.support.server import free_port, serving, wait_until_healthy


@pytest.fixture
def published(tmp_path, sample_zones, clock):
    container = make_container(f"sqlite:///{tmp_path / 'published.db'}", sample_zones, clock, public_url="https://warn.example.org/")
    api = Api(create_app(container, sweep=False))
    yield api
    api.close()
    container.close()


def test_the_schema_names_the_public_url_as_its_server(published, api):
    assert published.get("/openapi.json").json()["servers"][0]["url"] == "https://warn.example.org"
    assert api.get("/openapi.json").json()["servers"][0]["url"] == "/"  # a local run: where it was read


def test_operator_operations_declare_bearer_or_cookie_with_csrf(api):
    schema = api.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "description": schemes["bearer"]["description"]}
    assert (schemes["sessionCookie"]["in"], schemes["sessionCookie"]["name"]) == ("cookie", "safezone_session")
    assert (schemes["csrfHeader"]["in"], schemes["csrfHeader"]["name"]) == ("header", "X-CSRF-Token")
    secured = {(method, path): op.get("security") for path, ops in schema["paths"].items() for method, op in ops.items()}
    assert secured[("get", "/api/operator/me")] == [{"bearer": []}, {"sessionCookie": []}]
    assert secured[("post", "/api/operator/alerts/{alert_id}/approve")] == [
        {"bearer": []}, {"sessionCookie": [], "csrfHeader": []}]
    for (method, path), security in secured.items():
        needs_session = path.startswith("/api/operator/") and path != "/api/operator/login"
        assert bool(security) == needs_session, (method, path)


@pytest.fixture
def listeners(tmp_path, sample_zones, clock):
    """The public-only and the operator listener's apps (`serve --operator-port`), one database."""
    container = make_container(f"sqlite:///{tmp_path / 'split.db'}", sample_zones, clock)
    public, operator = (Api(create_app(container, sweep=False, listener=side)) for side in (PUBLIC, OPERATOR))
    yield public, operator
    public.close()
    operator.close()
    container.close()


def test_a_public_only_listener_publishes_only_what_it_serves(listeners, api):
    public, operator = listeners
    schema = public.get("/openapi.json").json()
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert {("get", "/api/where"), ("post", "/api/shelters/{shelter_id}/reports"), ("get", "/readyz")} <= listed
    assert [path for _, path in listed if is_operator_path(path)] == []
    for path in {path for method, path in listed if method == "get" and "{" not in path} - {"/api/stream"}:
        answer = public.get(path)  # nothing listed is refused as the operator side's
        assert answer.status_code != 404 or answer.json()["error"] != "operator_elsewhere", path
    assert "securitySchemes" not in schema.get("components", {})  # no session to log in to here
    assert "operator listener" in schema["info"]["description"]

    # The operator listener serves both sides, and lists both; the one-port default too.
    for whole in (operator.get("/openapi.json").json(), api.get("/openapi.json").json()):
        assert {"/api/where", "/api/operator/login", "/api/operator/alerts/{alert_id}/approve",
                "/api/operator/stream"} <= set(whole["paths"])
        assert set(whole["components"]["securitySchemes"]) == {"bearer", "sessionCookie", "csrfHeader"}


def test_docs_assets_come_from_our_own_route(api):
    page = api.get("/docs").text
    assert "/docs/assets/swagger-ui-bundle.js" in page and "/docs/assets/swagger-ui.css" in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch from elsewhere
    bundle = api.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert len(bundle.content) > 500_000
    assert api.get("/docs/assets/../../etc/passwd").status_code == 404
    assert api.get("/docs/assets/secrets.txt").status_code == 404
    assert "https://" not in api.get("/redoc").text


@pytest.mark.browser
def test_docs_render_the_operations_offline_in_chromium(tmp_path: Path, page):
    with serving(tmp_path, "--db", str(tmp_path / "docs.db"), "--no-default-zones") as base:
        page.goto(f"{base}/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        shown = page.locator(".opblock-summary-path").all_inner_texts()
        shown = {text.replace("\u200b", "").strip() for text in shown}
        assert {"/api/where", "/api/operator/login", "/api/operator/alerts/{alert_id}/approve", "/readyz"} <= shown
        assert page.locator("button.authorize").count() == 1  # the security schemes are offered
        assert page.requests and all(url.startswith(base + "/") for url in page.requests), page.requests


def shown_operations(page, url: str) -> set[str]:
    page.goto(url)
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    return {text.replace("\u200b", "").strip() for text in page.locator(".opblock-summary-path").all_inner_texts()}


@pytest.mark.browser
def test_docs_of_each_listener_render_offline_what_it_serves(tmp_path: Path, page):
    port = free_port()
    env = {"SAFEZONE_OPERATOR_PORT": str(port)}
    with serving(tmp_path, "--db", str(tmp_path / "docs.db"), "--no-default-zones", env=env) as base:
        operators = f"http://127.0.0.1:{port}"
        wait_until_healthy(operators)
        public = shown_operations(page, f"{base}/docs")
        assert {"/api/where", "/api/shelters/{shelter_id}/reports", "/readyz"} <= public
        assert not [path for path in public if is_operator_path(path)], public
        assert page.locator("button.authorize").count() == 0  # no session to log in to on this port
        assert page.requests and all(url.startswith(base + "/") for url in page.requests), page.requests

        page.requests.clear()
        both = shown_operations(page, f"{operators}/docs")
        assert {"/api/where", "/api/operator/login", "/api/operator/alerts/{alert_id}/approve"} <= both
        assert page.locator("button.authorize").count() == 1
        assert page.requests and all(url.startswith(operators + "/") for url in page.requests), page.requests

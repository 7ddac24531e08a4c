"""The OpenAPI schema and the interactive docs: complete, honest about auth, no CDN."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import resolve

from diaspora.api import api

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def registered_operations() -> set[tuple[str, str]]:
    """(path, method) for every operation the Ninja api object has, in OpenAPI spelling."""
    found = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = re.sub(r"/+", "/", f"/api/{prefix}/{path}")
            full = full if path.endswith("/") else full.rstrip("/")
            # `{int:expert_id}` is Django's converter syntax; OpenAPI writes `{expert_id}`.
            full = re.sub(r"\{\w+:(\w+)\}", r"{\1}", full)
            for operation in path_view.operations:
                for method in operation.methods:
                    found.add((full, method.lower()))
    return found


def schema_operations(schema: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


@pytest.fixture
def schema() -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def test_it_serves_a_valid_openapi_document(schema: dict) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Diaspora Knowledge Network API"
    assert schema["paths"]


def test_it_lists_every_registered_route_and_nothing_else(schema: dict) -> None:
    registered = registered_operations()
    # Guard against comparing two empty sets: these routes are known to exist.
    assert {
        ("/api/me", "get"),
        ("/api/experts/", "get"),
        ("/api/experts/me", "get"),
        ("/api/experts/me", "patch"),
        ("/api/experts/{expert_id}", "get"),
        ("/api/institutions/", "get"),
        ("/api/institutions/", "post"),
        ("/api/institutions/{institution_id}", "get"),
        ("/api/institutions/{institution_id}", "patch"),
        ("/api/reference/disciplines", "get"),
        ("/api/reference/languages", "get"),
    } <= registered
    assert schema_operations(schema) == registered


def test_it_lists_only_paths_that_resolve_in_the_api_namespace(schema: dict) -> None:
    for path in schema["paths"]:
        concrete = re.sub(r"\{\w+\}", "1", path)
        match = resolve(concrete)
        assert match.namespace == "api", path


def test_it_declares_bearer_and_session_cookie_security_schemes(schema: dict) -> None:
    schemes = schema["components"]["securitySchemes"]
    kinds = {(s["type"], s.get("scheme"), s.get("in"), s.get("name")) for s in schemes.values()}
    assert ("http", "bearer", None, None) in kinds
    assert ("apiKey", None, "cookie", "sessionid") in kinds


def test_it_names_a_declared_scheme_in_every_operations_security(schema: dict) -> None:
    schemes = set(schema["components"]["securitySchemes"])
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            names = {name for requirement in operation["security"] for name in requirement}
            assert names == schemes, (path, method)


class AssetCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append((tag, value))


def docs_assets() -> tuple[str, list[tuple[str, str]]]:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    collector = AssetCollector()
    collector.feed(page)
    return page, collector.urls


def test_it_serves_the_docs_page_pointing_at_the_schema() -> None:
    page, urls = docs_assets()
    assert 'id="swagger-ui"' in page
    assert "/api/openapi.json" in page
    assert any(tag == "script" for tag, _ in urls)
    assert any(tag == "link" and url.endswith(".css") for tag, url in urls)


def test_it_loads_no_docs_asset_from_another_host() -> None:
    page, urls = docs_assets()
    assert urls
    for tag, url in urls:
        assert url.startswith("/") and not url.startswith("//"), (tag, url)
    # Nor anywhere else in the page (inline settings, comments…): no CDN at all.
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", page, re.IGNORECASE)


def test_it_serves_every_docs_asset_locally(settings: object) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # type: ignore[attr-defined]
    settings.WHITENOISE_AUTOREFRESH = True  # type: ignore[attr-defined]
    _page, urls = docs_assets()
    client = Client()
    static_urls = [url for _tag, url in urls if url.startswith("/static/")]
    assert len(static_urls) >= 3
    for url in static_urls:
        relative = url.removeprefix("/static/")
        assert finders.find(relative), f"{relative} is not shipped with the project"
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)  # type: ignore[attr-defined]

"""static/js/timezone-guess.js on the sign-up page as Django renders it: the browser's time
zone is preselected, and a zone the person already chose is left alone."""

import mimetypes
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.browser.conftest import launched

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://signup.test"
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _open(browser: Any, html: str, zone: str) -> Any:
    context = browser.new_context(timezone_id=zone)

    def answer(route: Any) -> None:
        path = route.request.url[len(SITE) :].split("?")[0]
        if path.startswith("/static/"):
            file = ROOT / path.lstrip("/")
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, content_type=kind, body=file.read_bytes())
        elif path == "/accounts/signup/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        else:
            route.fulfill(status=404, body="")

    context.route(f"{SITE}/**", answer)
    page = context.new_page()
    page.goto(SITE + "/accounts/signup/")
    return page


def test_it_preselects_the_browsers_time_zone(
    chromium_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    fresh = Client().get("/accounts/signup/").content.decode()
    # Sent back after an error with a zone chosen: that choice stays.
    chosen = Client().post("/accounts/signup/", {"email": "not an email", "timezone": "Asia/Tokyo"})
    with launched(chromium_path, monkeypatch) as browser:
        page = _open(browser, fresh, "America/New_York")
        expect(page.locator("select[name=timezone]")).to_have_value("America/New_York")
        page = _open(browser, chosen.content.decode(), "America/New_York")
        expect(page.locator("select[name=timezone]")).to_have_value("Asia/Tokyo")

"""POST /preview/: the Markdown preview of the compose boxes, rendered as a saved post is."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from diaspora.communities import limits, services
from tests.communities.test_views_threads import HOSTILE, assert_harmless

URL = reverse("markdown_preview")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def preview(client: Client, text: str) -> tuple[int, dict]:
    response = client.post(URL, {"text": text})
    return response.status_code, json.loads(response.content)


def test_it_needs_a_signed_in_person(client):
    status, data = preview(client, "Hello")
    assert status == 401
    assert "html" not in data and data["error"]


def test_it_needs_post_and_the_csrf_token(login, bob):
    assert login(bob).get(URL).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bob)
    assert strict.post(URL, {"text": "Hello"}).status_code == 403


def test_it_renders_as_a_saved_post_does(login, thread, alice, bob):
    text = "Ask **@alice-ndiaye**, or @nobody-here: `@alice-ndiaye` in code is no mention."
    status, data = preview(login(bob), text)
    saved = services.post_create(author=bob, thread=thread, text=text)
    assert status == 200
    assert data["html"] == saved.body_html
    assert '<span class="mention">@alice-ndiaye</span>' in data["html"]


def test_it_keeps_hostile_markdown_harmless(login, bob):
    status, data = preview(login(bob), HOSTILE)
    assert status == 200
    assert_harmless(data["html"])
    assert "<script" not in data["html"]


def test_it_reports_what_cannot_be_rendered(login, settings, bob):
    settings.MARKDOWN_MAX_LENGTH = 100
    status, data = preview(login(bob), "x" * 101)
    assert status == 400
    assert data["error"] and "html" not in data
    assert preview(login(bob), "  \n") == (200, {"html": ""})


def test_it_limits_previews_per_person(monkeypatch, login, bob, alice):
    monkeypatch.setattr(limits, "PREVIEW_PER_MINUTE", 3)
    client = login(bob)
    for _ in range(3):
        assert preview(client, "Hello")[0] == 200
    status, data = preview(client, "Hello")
    assert status == 429
    assert "Too many previews" in data["error"]
    # Counted per person.
    assert preview(login(alice), "Hello")[0] == 200

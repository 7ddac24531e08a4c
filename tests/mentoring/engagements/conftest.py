"""Fixtures for the shared engagement pages and API.

Start checks and panels are registered by the other mentoring apps; these tests replace
both registries with empty ones, so they test the shared machinery alone (a test that
needs a check or a panel registers its own).
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from mentoring.engagements import panels, requirements
from mentoring.engagements.models import Engagement, TimelineEntry


@pytest.fixture(autouse=True)
def _own_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requirements, "_START_CHECKS", {})
    monkeypatch.setattr(panels, "_PANELS", {})


@pytest.fixture
def dora(make_user: Callable[..., User]) -> User:
    """An outsider with a second, verified address, invited later."""
    user = make_user("dora@example.org", name="Dora Ba")
    EmailAddress.objects.create(user=user, email="dora.work@example.org", verified=True)
    return user


@pytest.fixture
def institution_project(project: Engagement, institution: Institution) -> Engagement:
    """The project, owned by alice's institution: alice is participant and overseer."""
    project.institution = institution
    project.save(update_fields=["institution"])
    return project


def post_json(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


def texts(entries: Any) -> list[str]:
    from mentoring.engagements.timeline import entry_text

    return [entry_text(e) for e in entries]


def entries_of(engagement: Engagement) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(engagement=engagement).order_by("occurred_at", "id"))

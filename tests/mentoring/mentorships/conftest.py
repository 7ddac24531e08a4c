"""Mentorship fixtures on top of `tests/mentoring/conftest.py` (`mentorship`: alice mentor,
bob mentee): a second mentee, a coordinator, a written agreement and a logged session."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement, ParticipantRole, Side
from mentoring.engagements.services import participant_add
from mentoring.mentorships.models import Agreement, Cadence, MentoringSession
from mentoring.mentorships.services import agreement_update, mentoring_session_log


@pytest.fixture
def dina(make_user: Callable[..., User]) -> User:
    """A second mentee (once added by `with_dina`)."""
    return make_user("dina@example.org", name="Dina Faye")


@pytest.fixture
def cora(make_user: Callable[..., User]) -> User:
    """A coordinator (once added by `with_cora`)."""
    return make_user("cora@example.org", name="Cora Coordinator")


@pytest.fixture
def with_dina(mentorship: Engagement, dina: User, alice: User) -> User:
    participant_add(
        engagement=mentorship,
        user=dina,
        role=ParticipantRole.MENTEE,
        side=Side.INSTITUTION,
        by=alice,
    )
    return dina


@pytest.fixture
def with_cora(mentorship: Engagement, cora: User, alice: User) -> User:
    participant_add(
        engagement=mentorship,
        user=cora,
        role=ParticipantRole.COORDINATOR,
        side=Side.INSTITUTION,
        by=alice,
    )
    return cora


def write(
    engagement: Engagement, by: User, goals: str = "Write a first grant proposal."
) -> Agreement:
    return agreement_update(
        engagement=engagement,
        by=by,
        goals=goals,
        expectations="Meet every two weeks; prepare questions.",
        cadence=Cadence.FORTNIGHTLY,
        end_date=None,
    )


@pytest.fixture
def agreement(mentorship: Engagement, alice: User) -> Agreement:
    return write(mentorship, alice)


def held(days: int = 1, hours: int = 0) -> datetime:
    return timezone.now() - timedelta(days=days, hours=hours)


def log(engagement: Engagement, by: User, **values: Any) -> MentoringSession:
    values.setdefault("held_at", held())
    values.setdefault("duration_minutes", 60)
    values.setdefault("shared_notes", "We reviewed the **budget**.")
    return mentoring_session_log(engagement=engagement, by=by, **values)


@pytest.fixture
def session(mentorship: Engagement, alice: User) -> MentoringSession:
    return log(mentorship, alice)


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")

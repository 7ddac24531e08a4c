"""Sessions for the scheduling tests, made directly so that a test can put them anywhere in
time (the service refuses to schedule one that is already over)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement
from mentoring.scheduling.models import LiveSession


@pytest.fixture
def make_session(alice: User) -> Callable[..., LiveSession]:
    def make(
        engagement: Engagement,
        *,
        starts_at: datetime | None = None,
        in_minutes: int | None = None,
        **extra: Any,
    ) -> LiveSession:
        if starts_at is None:
            minutes = in_minutes if in_minutes is not None else 24 * 60
            # Whole seconds: the API's JSON gives milliseconds.
            starts_at = timezone.now().replace(microsecond=0) + timedelta(minutes=minutes)
        values: dict[str, Any] = {
            "title": "Week 1: study design",
            "duration_minutes": 60,
            "created_by": alice,
        }
        values.update(extra)
        return LiveSession.objects.create(engagement=engagement, starts_at=starts_at, **values)

    return make


@pytest.fixture
def session(course: Engagement, make_session: Callable[..., LiveSession]) -> LiveSession:
    """Tomorrow's session of the course."""
    return make_session(course)

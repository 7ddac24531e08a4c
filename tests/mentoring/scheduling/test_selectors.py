"""When a live room may be entered, and where its websocket is."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from pytest_django.fixtures import Settings

from mentoring.engagements.models import Engagement, EngagementStatus
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.selectors import joinable_now, live_session_ws_path

pytestmark = pytest.mark.django_db


def test_it_puts_every_live_room_under_ws_live() -> None:
    assert live_session_ws_path(42) == "/ws/live/42/"


def test_it_opens_the_room_early_and_closes_it_at_the_end(
    settings: Settings, course: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    settings.LIVE_SESSION_JOIN_EARLY_MINUTES = 15
    session = make_session(course, duration_minutes=60)
    start = session.starts_at
    assert not joinable_now(session, start - timedelta(minutes=16))
    assert joinable_now(session, start - timedelta(minutes=15))
    assert joinable_now(session, start + timedelta(minutes=59))
    assert not joinable_now(session, start + timedelta(minutes=60))


def test_it_keeps_an_open_room_open_while_the_engagement_runs(
    course: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    room = make_session(course, always_open=True)
    for offset in (timedelta(days=-30), timedelta(0), timedelta(days=30)):
        assert joinable_now(room, room.starts_at + offset)
    for status in (EngagementStatus.PAUSED, EngagementStatus.COMPLETED, EngagementStatus.CANCELLED):
        room.engagement.status = status
        assert not joinable_now(room, room.starts_at), status
    room.engagement.status = EngagementStatus.ACTIVE
    assert joinable_now(room, room.starts_at)


def test_it_never_opens_a_cancelled_session(
    course: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    session = make_session(course, always_open=True)
    session.cancelled_at = session.starts_at
    assert not joinable_now(session, session.starts_at)

"""The personal iCalendar feed: its page, its secret, and what a calendar app reads."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement, EngagementKind, ParticipantRole
from mentoring.engagements.services import engagement_create, participant_add
from mentoring.scheduling import services
from mentoring.scheduling.models import CalendarFeed, LiveSession

pytestmark = pytest.mark.django_db


def feed_path(user: User) -> str:
    return reverse("calendar_feed", args=[services.calendar_feed_ensure(user=user).token])


def events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_it_shows_the_absolute_feed_url_and_resets_it(
    login: Callable[[User], Client], alice: User, settings: Settings
) -> None:
    settings.SITE_URL = "https://dkn.example.org"
    client = login(alice)
    page = client.get(reverse("calendar_settings")).content.decode()
    token = CalendarFeed.objects.get(user=alice).token
    assert f"https://dkn.example.org/calendar/{token}.ics" in page
    assert f"webcal://dkn.example.org/calendar/{token}.ics" in page
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert client.get(reverse("calendar_reset")).status_code == 405
    r = client.post(reverse("calendar_reset"))
    assert r.status_code == 302
    assert r["Location"] == reverse("calendar_settings")
    fresh = CalendarFeed.objects.get(user=alice).token
    assert fresh != token
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    assert Client().get(f"/calendar/{fresh}.ics").status_code == 200


def test_it_refuses_wrong_tokens_and_closed_accounts(alice: User) -> None:
    assert Client().get("/calendar/not-a-real-token.ics").status_code == 404
    path = feed_path(alice)
    alice.is_active = False
    alice.save()
    assert Client().get(path).status_code == 404


def test_it_lists_the_users_sessions_in_utc_and_nobody_elses(
    alice: User,
    bob: User,
    charlie: User,
    mentorship: Engagement,
    course: Engagement,
    project: Engagement,
    make_session: Callable[..., LiveSession],
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://dkn.example.org"
    bob.timezone = "Asia/Tokyo"
    bob.save()
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    start = datetime(2040, 1, 15, 14, 0, tzinfo=UTC)
    taught = make_session(
        course,
        starts_at=start,
        title="Sampling",
        duration_minutes=90,
        external_url="https://meet.example.org/r",
    )
    mentoring = make_session(mentorship, starts_at=start + timedelta(days=1), title="Draft")
    cancelled = make_session(
        project,
        starts_at=start + timedelta(days=2),
        title="Kick-off",
        cancelled_at=timezone.now(),
        sequence=3,
    )
    too_old = make_session(course, starts_at=timezone.now() - timedelta(days=91), title="Old")
    recent = make_session(course, starts_at=timezone.now() - timedelta(days=89), title="Recent")
    # Someone else's engagement, with charlie only.
    other = engagement_create(
        kind=EngagementKind.COURSE, title="Charlie's course", created_by=charlie
    )
    participant_add(engagement=other, user=charlie, role=ParticipantRole.INSTRUCTOR, by=charlie)
    hidden = make_session(other, starts_at=start, title="Not for bob")

    r = Client().get(feed_path(bob))
    assert r.status_code == 200
    assert r["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(r.content)
    assert "X-WR-CALNAME" in calendar
    found = events(r.content)
    uid = f"live-session-{taught.pk}@dkn.example.org"
    assert set(found) == {
        uid,
        f"live-session-{mentoring.pk}@dkn.example.org",
        f"live-session-{cancelled.pk}@dkn.example.org",
        f"live-session-{recent.pk}@dkn.example.org",
    }
    assert f"live-session-{hidden.pk}@dkn.example.org" not in found
    assert f"live-session-{too_old.pk}@dkn.example.org" not in found
    event = found[uid]
    # In UTC whatever bob's zone is.
    assert event.decoded("dtstart") == start
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == start + timedelta(minutes=90)
    assert "DTSTART:20400115T140000Z" in r.content.decode()
    assert "DTSTAMP" in event
    assert str(event["summary"]) == "Research Methods for Public Health — Sampling"
    page = f"https://dkn.example.org/sessions/{taught.pk}/"
    assert str(event["url"]) == page
    assert page in str(event["description"])
    assert "https://meet.example.org/r" in str(event["description"])
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    gone = found[f"live-session-{cancelled.pk}@dkn.example.org"]
    assert str(gone["status"]) == "CANCELLED"
    assert int(gone["sequence"]) == 3
    # charlie's feed has only his own.
    assert set(events(Client().get(feed_path(charlie)).content)) == {
        f"live-session-{hidden.pk}@dkn.example.org"
    }


def test_it_keeps_the_uid_and_raises_the_sequence_when_a_session_moves(
    alice: User, course: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    session = make_session(course, title="Moving")
    before = events(Client().get(feed_path(alice)).content)
    services.live_session_update(
        session=session, by=alice, starts_at=session.starts_at + timedelta(days=1)
    )
    after = events(Client().get(feed_path(alice)).content)
    assert set(before) == set(after)
    (uid,) = after
    assert int(after[uid]["sequence"]) == int(before[uid]["sequence"]) + 1
    assert after[uid].decoded("dtstart") == before[uid].decoded("dtstart") + timedelta(days=1)


def test_it_leaves_a_feed_when_its_owner_leaves_the_engagement(
    alice: User, bob: User, mentorship: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    make_session(mentorship)
    assert len(events(Client().get(feed_path(bob)).content)) == 1
    mentorship.participants.filter(user=bob).update(left_at=timezone.now())
    assert events(Client().get(feed_path(bob)).content) == {}


def test_it_builds_the_feed_in_two_queries(
    alice: User,
    mentorship: Engagement,
    course: Engagement,
    make_session: Callable[..., LiveSession],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    path = feed_path(alice)
    for day in range(1, 6):
        make_session(course, in_minutes=day * 24 * 60)
        make_session(mentorship, in_minutes=day * 24 * 60 + 60)
    client = Client()
    # The feed with its user; the sessions with their engagements.
    with django_assert_num_queries(2):
        assert len(events(client.get(path).content)) == 10

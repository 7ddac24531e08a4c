"""The overlap warning: a session that overlaps another scheduled session of the same
engagement is refused, naming the other, unless the scheduler says to go ahead anyway
("schedule anyway" on the form, `allow_overlap` over the API)."""

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement
from mentoring.scheduling import services
from mentoring.scheduling.models import LiveSession

pytestmark = pytest.mark.django_db

YEAR = timezone.now().year + 1
# The session already there: 14:00 to 15:00 UTC on 15 January next year.
TAKEN = datetime(YEAR, 1, 15, 14, 0, tzinfo=UTC)


@pytest.fixture
def taken(course: Engagement, make_session: Callable[..., LiveSession]) -> LiveSession:
    return make_session(course, starts_at=TAKEN, title="Week 1: study design")


def schedule(engagement: Engagement, by: User, starts_at: datetime, **extra: Any) -> LiveSession:
    values: dict[str, Any] = {"title": "Extra session", "duration_minutes": 60, **extra}
    return services.live_session_schedule(
        engagement=engagement, by=by, starts_at=starts_at, **values
    )


# --- Service ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        (TAKEN, 60),  # the same hour
        (TAKEN + timedelta(minutes=30), 60),  # starts during it
        (TAKEN - timedelta(minutes=30), 45),  # ends during it
        (TAKEN - timedelta(hours=1), 180),  # around it
        (TAKEN + timedelta(minutes=10), 10),  # within it
    ],
)
def test_it_refuses_an_overlap_naming_the_other_session(
    alice: User, course: Engagement, taken: LiveSession, start: datetime, minutes: int
) -> None:
    entries_before = course.timeline.count()
    with pytest.raises(ValidationError) as caught:
        schedule(course, alice, start, duration_minutes=minutes)
    (message,) = caught.value.message_dict["starts_at"]
    assert "overlaps “Week 1: study design”" in message
    assert services.is_overlap_error(caught.value)
    assert LiveSession.objects.count() == 1
    assert course.timeline.count() == entries_before


def test_it_schedules_an_overlap_when_told_to(
    alice: User, course: Engagement, taken: LiveSession
) -> None:
    session = schedule(course, alice, TAKEN + timedelta(minutes=30), allow_overlap=True)
    assert LiveSession.objects.count() == 2
    assert session.starts_at == TAKEN + timedelta(minutes=30)


def test_it_lets_sessions_meet_end_to_start(
    alice: User, course: Engagement, taken: LiveSession
) -> None:
    schedule(course, alice, TAKEN + timedelta(hours=1))
    schedule(course, alice, TAKEN - timedelta(hours=1))
    assert LiveSession.objects.count() == 3


def test_it_ignores_cancelled_sessions_open_rooms_and_other_engagements(
    alice: User,
    course: Engagement,
    mentorship: Engagement,
    taken: LiveSession,
    make_session: Callable[..., LiveSession],
) -> None:
    # Another engagement's session at the same time is no clash.
    schedule(mentorship, alice, TAKEN)
    # A cancelled one frees its time.
    services.live_session_cancel(session=taken, by=alice)
    schedule(course, alice, TAKEN)
    # An open room is open at any time: it clashes with nothing, and nothing with it.
    make_session(
        course, starts_at=TAKEN + timedelta(days=1), always_open=True, duration_minutes=720
    )
    schedule(course, alice, TAKEN + timedelta(days=1, hours=2))
    schedule(course, alice, TAKEN + timedelta(days=1, hours=2), title="Room", always_open=True)
    assert LiveSession.objects.count() == 6


def test_it_refuses_a_whole_series_when_one_of_it_overlaps(
    alice: User, course: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    make_session(course, starts_at=TAKEN + timedelta(weeks=2), title="Guest lecture")
    with pytest.raises(ValidationError) as caught:
        services.live_session_series_schedule(
            engagement=course,
            by=alice,
            title="Week 1",
            starts_at=TAKEN,
            duration_minutes=60,
            weekly_sessions=4,
        )
    (message,) = caught.value.message_dict["starts_at"]
    assert message.startswith("Session 3 of 4")
    assert "overlaps “Guest lecture”" in message
    assert LiveSession.objects.count() == 1
    sessions = services.live_session_series_schedule(
        engagement=course,
        by=alice,
        title="Week 1",
        starts_at=TAKEN,
        duration_minutes=60,
        weekly_sessions=4,
        allow_overlap=True,
    )
    assert len(sessions) == 4


def test_it_refuses_a_change_onto_another_session(
    alice: User, course: Engagement, taken: LiveSession, make_session: Callable[..., LiveSession]
) -> None:
    other = make_session(course, starts_at=TAKEN + timedelta(hours=2), title="Later one")
    with pytest.raises(ValidationError) as caught:
        services.live_session_update(
            session=other, by=alice, starts_at=TAKEN + timedelta(minutes=30)
        )
    assert "overlaps “Week 1: study design”" in caught.value.message_dict["starts_at"][0]
    # Lengthening one into the next is a clash too.
    with pytest.raises(ValidationError) as caught:
        services.live_session_update(session=taken, by=alice, duration_minutes=180)
    assert "overlaps “Later one”" in caught.value.message_dict["starts_at"][0]
    taken.refresh_from_db()
    assert taken.duration_minutes == 60
    other.refresh_from_db()
    assert (other.starts_at, other.sequence) == (TAKEN + timedelta(hours=2), 0)
    # Changes that do not move it are fine, and so is a move when told to.
    services.live_session_update(session=taken, by=alice, title="Week 1, renamed")
    services.live_session_update(
        session=other, by=alice, starts_at=TAKEN + timedelta(minutes=30), allow_overlap=True
    )
    other.refresh_from_db()
    assert other.starts_at == TAKEN + timedelta(minutes=30)


# --- Page ---------------------------------------------------------------------------------


def test_it_warns_on_the_page_then_schedules_anyway_when_ticked(
    login: Callable[[User], Client], alice: User, course: Engagement, taken: LiveSession
) -> None:
    client = login(alice)
    page = reverse("live_session_create", args=[course.pk])
    form = client.get(page).content.decode()
    # Nothing to confirm yet: the box is not shown.
    assert re.search(r'<input type="hidden" name="allow_overlap"', form)
    assert "Schedule anyway" not in form
    typed = {
        "title": "Make-up class",
        "starts_at": f"{YEAR}-01-15T14:30",
        "duration_minutes": "45",
        "agenda": "Questions on week 1",
    }
    r = client.post(page, typed)
    assert r.status_code == 200
    (error,) = r.context["form"].errors["starts_at"]
    assert "overlaps “Week 1: study design”" in error
    body = r.content.decode()
    assert "overlaps “Week 1: study design”" in body
    assert re.search(r'<input type="checkbox" name="allow_overlap"', body)
    assert "Schedule anyway" in body
    # What was typed is all there.
    assert 'value="Make-up class"' in body
    assert f'value="{YEAR}-01-15T14:30"' in body
    assert 'value="45"' in body
    assert "Questions on week 1</textarea>" in body
    assert LiveSession.objects.count() == 1
    r = client.post(page, {**typed, "allow_overlap": "on"})
    assert r.status_code == 302
    made = LiveSession.objects.get(title="Make-up class")
    assert made.starts_at == TAKEN + timedelta(minutes=30)


def test_it_warns_when_a_change_overlaps_on_the_page(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    taken: LiveSession,
    make_session: Callable[..., LiveSession],
) -> None:
    other = make_session(course, starts_at=TAKEN + timedelta(days=1), title="Moving one")
    client = login(alice)
    page = reverse("live_session_edit", args=[other.pk])
    typed = {"title": "Moving one", "starts_at": f"{YEAR}-01-15T14:15", "duration_minutes": "60"}
    r = client.post(page, typed)
    assert r.status_code == 200
    assert "overlaps “Week 1: study design”" in r.context["form"].errors["starts_at"][0]
    assert re.search(r'<input type="checkbox" name="allow_overlap"', r.content.decode())
    other.refresh_from_db()
    assert other.sequence == 0
    assert client.post(page, {**typed, "allow_overlap": "on"}).status_code == 302
    other.refresh_from_db()
    assert other.starts_at == TAKEN + timedelta(minutes=15)


# --- API ----------------------------------------------------------------------------------


def test_it_answers_400_on_an_overlap_unless_allowed(
    login: Callable[[User], Client], alice: User, course: Engagement, taken: LiveSession
) -> None:
    client = login(alice)
    path = f"/api/engagements/{course.pk}/sessions"
    body = {"title": "Make-up", "starts_at": f"{YEAR}-01-15T14:30:00Z", "duration_minutes": 60}
    r = client.post(path, data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400
    error = r.json()["error"]
    assert "overlaps “Week 1: study design”" in error["fields"]["starts_at"][0]
    assert "overlaps “Week 1: study design”" in error["message"]
    assert LiveSession.objects.count() == 1
    r = client.post(
        path, data=json.dumps({**body, "allow_overlap": True}), content_type="application/json"
    )
    assert r.status_code == 201
    made = r.json()["id"]
    # Moving a session onto another over PATCH is refused the same way.
    patch = f"/api/sessions/{taken.pk}"
    later = {"starts_at": f"{YEAR}-01-15T15:00:00Z"}
    r = client.patch(patch, data=json.dumps(later), content_type="application/json")
    assert r.status_code == 400
    assert "Make-up" in r.json()["error"]["fields"]["starts_at"][0]
    r = client.patch(
        patch, data=json.dumps({**later, "allow_overlap": True}), content_type="application/json"
    )
    assert r.status_code == 200
    assert r.json()["starts_at"].startswith(f"{YEAR}-01-15T15:00:00")
    assert made != taken.pk

"""Bounds on a live session's start: refused with an error on `starts_at`, in the service,
on the pages and over the API, never a server error, even for years 1 and 9999."""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements import dates
from mentoring.engagements.models import Engagement
from mentoring.scheduling import services
from mentoring.scheduling.models import LiveSession

pytestmark = pytest.mark.django_db

EXTREMES = ["9999-12-31T23:59", "0001-01-01T00:00"]


def schedule(course: Engagement, by: User, starts_at: datetime) -> LiveSession:
    return services.live_session_schedule(
        engagement=course, by=by, title="Week 3", starts_at=starts_at, duration_minutes=60
    )


def in_paris(user: User) -> None:
    user.timezone = "Europe/Paris"
    user.save()


# --- The shared checks --------------------------------------------------------------------


def test_it_keeps_due_dates_between_2000_and_ten_years_ahead() -> None:
    today = date(2026, 11, 26)
    dates.check_due_date(None, field="due_date", today=today)
    dates.check_due_date(date(2000, 1, 1), field="due_date", today=today)
    dates.check_due_date(date(2036, 11, 26), field="due_date", today=today)
    for bad in (date(1999, 12, 31), date(2036, 11, 27), date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(ValidationError) as caught:
            dates.check_due_date(bad, field="due_date", today=today)
        assert list(caught.value.message_dict) == ["due_date"]


def test_it_counts_ten_years_from_a_leap_day() -> None:
    assert dates.latest_due_date(date(2028, 2, 29)) == date(2038, 2, 28)


def test_it_keeps_report_periods_between_2000_and_today() -> None:
    today = date(2026, 11, 26)
    assert dates.check_report_period(date(2000, 1, 1), today, today=today) == {}
    errors = dates.check_report_period(date(1, 1, 1), date(9999, 12, 31), today=today)
    assert set(errors) == {"period_start", "period_end"}
    assert "ends today at the latest" in errors["period_end"][0]


# --- Service ------------------------------------------------------------------------------


def test_it_schedules_up_to_two_years_ahead_and_no_further(alice: User, course: Engagement) -> None:
    now = timezone.now().replace(microsecond=0)
    assert schedule(course, alice, now + timedelta(days=700)).pk
    with pytest.raises(ValidationError) as caught:
        schedule(course, alice, now + timedelta(days=2 * 366 + 1))
    assert "two years ahead" in caught.value.message_dict["starts_at"][0]
    assert LiveSession.objects.count() == 1


@pytest.mark.parametrize(
    "starts_at",
    [
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone.get_fixed_timezone(-600)),
        datetime(1, 1, 1, 0, 0, tzinfo=timezone.get_fixed_timezone(60)),
    ],
)
def test_it_refuses_extreme_starts_on_the_field(
    alice: User, course: Engagement, starts_at: datetime, session: LiveSession
) -> None:
    with pytest.raises(ValidationError) as caught:
        schedule(course, alice, starts_at)
    assert "starts_at" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.live_session_update(session=session, by=alice, starts_at=starts_at)
    assert "starts_at" in caught.value.message_dict
    session.refresh_from_db()
    assert session.sequence == 0


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", EXTREMES)
def test_it_shows_an_extreme_start_as_an_error_beside_the_field(
    login: Callable[[User], Client], alice: User, course: Engagement, typed: str
) -> None:
    in_paris(alice)
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {"title": "Far away", "starts_at": typed, "duration_minutes": "60"},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["starts_at"]
    assert 'value="Far away"' in r.content.decode()
    assert not LiveSession.objects.exists()


def test_it_refuses_an_extreme_start_when_editing(
    login: Callable[[User], Client], alice: User, session: LiveSession
) -> None:
    in_paris(alice)
    r = login(alice).post(
        reverse("live_session_edit", args=[session.pk]),
        {"title": session.title, "starts_at": "9999-12-31T23:30", "duration_minutes": "90"},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["starts_at"]
    session.refresh_from_db()
    assert session.sequence == 0


# --- API ----------------------------------------------------------------------------------


def post_json(client: Client, path: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "starts_at", ["9999-12-31T23:30:00Z", "9999-12-31T23:59:00+01:00", "0001-01-01T00:00:00+01:00"]
)
def test_it_answers_400_on_the_field_for_an_extreme_start(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    session: LiveSession,
    starts_at: str,
) -> None:
    client = login(alice)
    body = {"title": "Far away", "starts_at": starts_at, "duration_minutes": 60}
    r = post_json(client, f"/api/engagements/{course.pk}/sessions", body)
    assert r.status_code == 400
    assert "starts_at" in r.json()["error"]["fields"]
    r = post_json(client, f"/api/sessions/{session.pk}", {"starts_at": starts_at}, "patch")
    assert r.status_code == 400
    assert "starts_at" in r.json()["error"]["fields"]
    assert LiveSession.objects.count() == 1

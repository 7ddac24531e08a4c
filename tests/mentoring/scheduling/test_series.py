"""Weekly series: "repeat every week for N sessions" makes N sessions one week apart at the
same wall-clock time in the scheduler's zone, numbered, all or nothing, with one timeline
entry and one notification per participant for the whole series."""

import json
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification
from mentoring.engagements import dates
from mentoring.engagements.models import Engagement, ParticipantRole, TimelineVerb
from mentoring.engagements.services import participant_add
from mentoring.scheduling import services
from mentoring.scheduling.models import LiveSession

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Next year: its March and October are still to come, and within two years.
YEAR = timezone.now().year + 1


def last_sunday(year: int, month: int) -> date:
    """The day Europe changes its clocks in March and October (both have 31 days)."""
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def tuesday_before_the_change(month: int) -> date:
    """A Tuesday twelve days before the change: a four-week series spans it."""
    return last_sunday(YEAR, month) - timedelta(days=12)


def in_paris(user: User) -> None:
    user.timezone = "Europe/Paris"
    user.save(update_fields=["timezone"])


def series(engagement: Engagement, by: User, starts_at: datetime, count: int, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Week 2: sampling",
        "duration_minutes": 90,
        **extra,
    }
    return services.live_session_series_schedule(
        engagement=engagement, by=by, starts_at=starts_at, weekly_sessions=count, **values
    )


def send(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


# --- Service ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "utc_hours"),
    [
        (3, [17, 17, 16, 16]),  # CET (UTC+1), then CEST (UTC+2) from the last Sunday of March
        (10, [16, 16, 17, 17]),  # CEST, then CET from the last Sunday of October
    ],
)
def test_it_keeps_the_wall_clock_time_across_the_daylight_saving_change(
    alice: User, course: Engagement, month: int, utc_hours: list[int]
) -> None:
    in_paris(alice)
    first = tuesday_before_the_change(month)
    start = datetime(first.year, first.month, first.day, 18, 0, tzinfo=PARIS)
    sessions = series(course, alice, start, 4)
    stored = list(LiveSession.objects.order_by("starts_at"))
    assert [s.pk for s in stored] == [s.pk for s in sessions]
    assert [timezone.localtime(s.starts_at, PARIS).time().hour for s in stored] == [18] * 4
    assert [timezone.localtime(s.starts_at, PARIS).date() for s in stored] == [
        first + timedelta(weeks=week) for week in range(4)
    ]
    assert [s.starts_at.astimezone(UTC).hour for s in stored] == utc_hours
    # One week apart on the calendar, not 168 hours: the change adds or takes an hour.
    gaps = {b.starts_at - a.starts_at for a, b in pairwise(stored)}
    assert gaps == {timedelta(weeks=1), timedelta(weeks=1, hours=1 if month == 10 else -1)}


def test_it_repeats_in_the_schedulers_zone_whatever_offset_the_start_came_with(
    alice: User, course: Engagement
) -> None:
    in_paris(alice)
    first = tuesday_before_the_change(3)
    # 17:00 UTC is 18:00 in Paris before the change: the series stays at 18:00 Paris.
    start = datetime(first.year, first.month, first.day, 17, 0, tzinfo=UTC)
    sessions = series(course, alice, start, 4)
    assert [timezone.localtime(s.starts_at, PARIS).hour for s in sessions] == [18] * 4
    # Someone whose zone is UTC keeps the same UTC time.
    alice.timezone = "UTC"
    alice.save()
    later = series(course, alice, start + timedelta(days=1), 4, title="UTC class")
    assert [s.starts_at.hour for s in later] == [17] * 4


def test_it_numbers_each_title_and_copies_everything_else(alice: User, course: Engagement) -> None:
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    sessions = series(
        course,
        alice,
        start,
        6,
        title="  Week 2: sampling ",
        external_url="https://meet.example.org/r",
        agenda="**Read** chapter 2",
    )
    assert [s.title for s in sessions] == [f"Week 2: sampling ({n}/6)" for n in range(1, 7)]
    for session in LiveSession.objects.all():
        assert session.duration_minutes == 90
        assert session.external_url == "https://meet.example.org/r"
        assert session.agenda == "**Read** chapter 2"
        assert session.agenda_html == "<p><strong>Read</strong> chapter 2</p>"
        assert session.created_by == alice
    # One session is just that one, with its title as typed.
    (single,) = series(course, alice, start + timedelta(hours=3), 1, title="Office hour")
    assert single.title == "Office hour"


def test_it_records_one_timeline_entry_and_tells_each_participant_once(
    alice: User, bob: User, mentorship: Engagement, make_user: Callable[..., User]
) -> None:
    dora = make_user("dora@example.org", name="Dora Mentee")
    participant_add(engagement=mentorship, user=dora, role=ParticipantRole.MENTEE, by=alice)
    in_paris(alice)
    dora.timezone = "Asia/Tokyo"
    dora.save()
    entries_before = mentorship.timeline.count()
    Notification.objects.all().delete()
    first = tuesday_before_the_change(3)
    start = datetime(first.year, first.month, first.day, 18, 0, tzinfo=PARIS)
    sessions = series(mentorship, alice, start, 4)
    entries = list(mentorship.timeline.order_by("id")[entries_before:])
    assert len(entries) == 1
    (entry,) = entries
    assert entry.verb == TimelineVerb.LIVE_SESSION_SCHEDULED
    assert entry.params["session"] == "Week 2: sampling (1/4)"
    assert entry.url == f"/sessions/{sessions[0].pk}/"
    # The body lists every date, in the scheduler's zone, each linking to its session.
    for session in sessions:
        assert f'href="/sessions/{session.pk}/"' in entry.body_html
    assert entry.body_html.count("(Europe/Paris)") == 4
    assert entry.body_html.count(">Week 2: sampling (") == 4
    notes = list(Notification.objects.order_by("user_id"))
    assert sorted(n.user_id for n in notes) == sorted([bob.pk, dora.pk])
    for note in notes:
        assert note.title.startswith("4 weekly live sessions in")
        assert note.url == f"/sessions/{sessions[0].pk}/"
    assert "Asia/Tokyo" in Notification.objects.get(user=dora).body


def test_it_makes_nothing_when_a_later_session_is_out_of_bounds(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    entries_before = mentorship.timeline.count()
    notes_before = Notification.objects.count()
    latest = dates._years_after(timezone.now(), dates.LIVE_SESSION_YEARS_AHEAD)
    start = latest - timedelta(days=20)  # sessions 1-3 fit, the 4th is past the bound
    with pytest.raises(ValidationError) as caught:
        series(mentorship, alice, start, 6)
    errors = caught.value.message_dict
    assert list(errors) == ["weekly_sessions"]
    assert "Session 4 of 6" in errors["weekly_sessions"][0]
    assert "at most two years ahead" in errors["weekly_sessions"][0]
    assert not LiveSession.objects.exists()
    assert mentorship.timeline.count() == entries_before
    assert Notification.objects.count() == notes_before
    # A bad first start is still the start's fault.
    with pytest.raises(ValidationError) as caught:
        series(mentorship, alice, latest + timedelta(days=1), 2)
    assert list(caught.value.message_dict) == ["starts_at"]


@pytest.mark.parametrize("count", [0, -1, 27])
def test_it_takes_one_to_26_weekly_sessions(alice: User, course: Engagement, count: int) -> None:
    with pytest.raises(ValidationError) as caught:
        series(course, alice, timezone.now() + timedelta(days=1), count)
    assert "weekly_sessions" in caught.value.message_dict
    assert not LiveSession.objects.exists()


def test_it_keeps_numbered_titles_within_their_length(alice: User, course: Engagement) -> None:
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        series(course, alice, start, 12, title="x" * 195)
    assert "title" in caught.value.message_dict
    assert not LiveSession.objects.exists()
    sessions = series(course, alice, start, 12, title="x" * 192)
    assert len(sessions[-1].title) == 200


def test_it_schedules_a_series_in_the_same_number_of_queries_whatever_its_length(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    start = timezone.now() + timedelta(days=1)

    def count(weeks: int, offset: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            series(mentorship, alice, start + timedelta(hours=offset), weeks)
        return len(queries)

    assert count(2, 0) == count(12, 3)


# --- Page ---------------------------------------------------------------------------------


def test_it_schedules_a_series_from_the_form(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    in_paris(alice)
    first = tuesday_before_the_change(10)
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Week 2: sampling",
            "starts_at": f"{first.isoformat()}T18:00",
            "duration_minutes": "90",
            "weekly_sessions": "6",
        },
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("live_session_list", args=[course.pk])
    sessions = list(LiveSession.objects.order_by("starts_at"))
    assert [s.title for s in sessions] == [f"Week 2: sampling ({n}/6)" for n in range(1, 7)]
    assert {timezone.localtime(s.starts_at, PARIS).hour for s in sessions} == {18}
    assert course.timeline.filter(verb=TimelineVerb.LIVE_SESSION_SCHEDULED).count() == 1


def test_it_offers_the_repeat_on_the_form_and_takes_one_when_left_empty(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    client = login(alice)
    page = reverse("live_session_create", args=[course.pk])
    form = client.get(page).content.decode()
    assert 'name="weekly_sessions"' in form
    assert 'value="1"' in form
    start = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        page,
        {"title": "One", "starts_at": start, "duration_minutes": "60", "weekly_sessions": ""},
    )
    assert r.status_code == 302
    assert LiveSession.objects.get().title == "One"


@pytest.mark.parametrize("typed", ["27", "0", "six"])
def test_it_keeps_what_was_typed_when_the_repeat_is_refused(
    login: Callable[[User], Client], alice: User, course: Engagement, typed: str
) -> None:
    start = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Kept title",
            "starts_at": start,
            "duration_minutes": "75",
            "weekly_sessions": typed,
            "agenda": "Kept agenda",
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["weekly_sessions"]
    body = r.content.decode()
    assert 'value="Kept title"' in body
    assert f'value="{start}"' in body
    assert 'value="75"' in body
    assert f'value="{typed}"' in body
    assert "Kept agenda</textarea>" in body
    assert not LiveSession.objects.exists()


def test_it_names_the_repeat_when_a_later_session_is_out_of_bounds_on_the_page(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    latest = dates._years_after(timezone.now(), dates.LIVE_SESSION_YEARS_AHEAD)
    start = (latest - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Far series",
            "starts_at": start,
            "duration_minutes": "60",
            "weekly_sessions": "6",
        },
    )
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert list(errors) == ["weekly_sessions"]
    assert "Session 4 of 6" in errors["weekly_sessions"][0]
    body = r.content.decode()
    assert 'value="Far series"' in body and 'value="6"' in body
    assert not LiveSession.objects.exists()


def test_it_refuses_a_series_to_those_who_do_not_run_it(
    login: Callable[[User], Client], alice: User, bob: User, charlie: User, course: Engagement
) -> None:
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    page = reverse("live_session_create", args=[course.pk])
    start = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"title": "Mine", "starts_at": start, "duration_minutes": "60", "weekly_sessions": "4"}
    assert login(bob).post(page, data).status_code == 403
    assert login(charlie).post(page, data).status_code == 404
    assert not LiveSession.objects.exists()


# --- API ----------------------------------------------------------------------------------


def test_it_schedules_a_series_over_the_api(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    in_paris(alice)
    first = tuesday_before_the_change(3)
    r = send(
        login(alice),
        f"/api/engagements/{course.pk}/sessions",
        {
            "title": "Week 2: sampling",
            "starts_at": f"{first.isoformat()}T18:00:00+01:00",
            "duration_minutes": 90,
            "weekly_sessions": 4,
            "agenda": "Chapter 2",
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["title"] == "Week 2: sampling (1/4)"
    assert body["id"] == body["series"][0]["id"]
    assert [s["title"] for s in body["series"]] == [
        f"Week 2: sampling ({n}/4)" for n in range(1, 5)
    ]
    starts = [datetime.fromisoformat(s["starts_at"]) for s in body["series"]]
    assert [timezone.localtime(s, PARIS).hour for s in starts] == [18] * 4
    assert {s["agenda"] for s in body["series"]} == {"Chapter 2"}
    assert LiveSession.objects.count() == 4
    assert course.timeline.filter(verb=TimelineVerb.LIVE_SESSION_SCHEDULED).count() == 1


def test_it_answers_one_session_with_a_series_of_one(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    r = send(
        login(alice),
        f"/api/engagements/{course.pk}/sessions",
        {"title": "Office hour", "starts_at": start.isoformat(), "duration_minutes": 30},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["title"] == "Office hour"
    assert [s["id"] for s in body["series"]] == [body["id"]]


def test_it_refuses_a_bad_series_over_the_api_and_makes_nothing(
    login: Callable[[User], Client], alice: User, bob: User, course: Engagement
) -> None:
    client = login(alice)
    path = f"/api/engagements/{course.pk}/sessions"
    base = {"title": "Series", "duration_minutes": 60}
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    for count in (0, 27):
        r = send(client, path, {**base, "starts_at": tomorrow, "weekly_sessions": count})
        assert r.status_code == 422
        assert "weekly_sessions" in r.json()["error"]["fields"]
    latest = dates._years_after(timezone.now(), dates.LIVE_SESSION_YEARS_AHEAD)
    far = (latest - timedelta(days=20)).isoformat()
    r = send(client, path, {**base, "starts_at": far, "weekly_sessions": 6})
    assert r.status_code == 400
    assert "Session 4 of 6" in r.json()["error"]["fields"]["weekly_sessions"][0]
    assert not LiveSession.objects.exists()
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    r = send(login(bob), path, {**base, "starts_at": tomorrow, "weekly_sessions": 3})
    assert r.status_code == 403
    assert not LiveSession.objects.exists()

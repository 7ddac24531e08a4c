"""The schedule's pages: who may see and run them, times in the viewer's zone, the panel."""

import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.engagements.models import (
    Engagement,
    EngagementStatus,
    ParticipantRole,
    TimelineVerb,
)
from mentoring.engagements.permissions import access_for
from mentoring.engagements.services import participant_add
from mentoring.scheduling.models import Attendance, LiveSession
from mentoring.scheduling.selectors import sessions_panel_context

# Next year: still to come, and within the two years ahead that a session may be set.
YEAR = timezone.now().year + 1

pytestmark = pytest.mark.django_db


def local(value: datetime, zone: str) -> str:
    return formats.date_format(
        timezone.localtime(value, zoneinfo.ZoneInfo(zone)), "DATETIME_FORMAT"
    )


def session_pages(session: LiveSession) -> dict[str, str]:
    return {
        "detail": reverse("live_session_detail", args=[session.pk]),
        "edit": reverse("live_session_edit", args=[session.pk]),
        "attendance": reverse("live_session_attendance", args=[session.pk]),
        "list": reverse("live_session_list", args=[session.engagement_id]),
        "new": reverse("live_session_create", args=[session.engagement_id]),
    }


MANAGER_PAGES = ("edit", "attendance", "new")


# --- Permissions --------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(session: LiveSession) -> None:
    client = Client()
    pages = [*session_pages(session).values(), reverse("calendar_settings")]
    for page in pages:
        r = client.get(page)
        assert r.status_code == 302, page
        assert r["Location"] == f"/accounts/login/?next={page}"
    for page in (reverse("live_session_cancel", args=[session.pk]), reverse("calendar_reset")):
        r = client.post(page)
        assert r.status_code == 302
        assert r["Location"].startswith("/accounts/login/")


def test_it_hides_every_page_from_outsiders(
    login: Callable[[User], Client], charlie: User, moderator: User, session: LiveSession
) -> None:
    for user in (charlie, moderator):
        client = login(user)
        for name, page in session_pages(session).items():
            assert client.get(page).status_code == 404, name
        assert client.post(reverse("live_session_cancel", args=[session.pk])).status_code == 404
    assert login(charlie).get(reverse("live_session_detail", args=[999999])).status_code == 404


def test_it_lets_participants_read_but_only_managers_run(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    session: LiveSession,
) -> None:
    participant_add(engagement=session.engagement, user=bob, role=ParticipantRole.LEARNER, by=alice)
    learner = login(bob)
    pages = session_pages(session)
    assert learner.get(pages["detail"]).status_code == 200
    assert learner.get(pages["list"]).status_code == 200
    for name in MANAGER_PAGES:
        assert learner.get(pages[name]).status_code == 403, name
    assert learner.post(pages["new"], {"title": "x"}).status_code == 403
    assert learner.post(reverse("live_session_cancel", args=[session.pk])).status_code == 403
    session.refresh_from_db()
    assert session.cancelled_at is None
    instructor = login(alice)
    for name in ("detail", "list", "edit", "new"):
        assert instructor.get(pages[name]).status_code == 200, name


def test_it_lets_a_learner_who_left_see_nothing(
    login: Callable[[User], Client], alice: User, bob: User, session: LiveSession
) -> None:
    participant = participant_add(
        engagement=session.engagement, user=bob, role=ParticipantRole.LEARNER, by=alice
    )
    participant.left_at = timezone.now()
    participant.save()
    assert login(bob).get(session_pages(session)["detail"]).status_code == 404


def test_it_lets_an_overseer_see_and_run_the_schedule(
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    institution: Institution,
    session: LiveSession,
) -> None:
    Engagement.objects.filter(pk=session.engagement_id).update(institution=institution)
    olga = make_user("olga@example.org", name="Olga Overseer")
    Membership.objects.create(institution=institution, user=olga, role=MemberRole.ADMIN)
    client = login(olga)
    pages = session_pages(session)
    for name in ("detail", "list", "edit", "new"):
        assert client.get(pages[name]).status_code == 200, name


# --- Scheduling, editing, cancelling ------------------------------------------------------


def test_it_reads_the_typed_start_in_the_viewers_time_zone(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    alice.timezone = "America/New_York"
    alice.save()
    page = reverse("live_session_create", args=[course.pk])
    form = login(alice).get(page)
    assert "America/New_York" in form.content.decode()
    r = login(alice).post(
        page,
        {
            "title": "Sampling",
            "starts_at": f"{YEAR}-01-15T09:00",
            "duration_minutes": "90",
            "external_url": "https://meet.example.org/room",
            "always_open": "",
        },
    )
    session = LiveSession.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("live_session_detail", args=[session.pk])
    assert session.starts_at == datetime(YEAR, 1, 15, 14, 0, tzinfo=UTC)
    assert session.duration_minutes == 90
    assert not session.always_open
    # Shown back in the same zone when editing.
    edit = login(alice).get(reverse("live_session_edit", args=[session.pk])).content.decode()
    assert f'value="{YEAR}-01-15T09:00"' in edit


def test_it_keeps_what_was_typed_when_the_form_is_refused(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Kept title",
            "starts_at": f"{YEAR}-01-15T09:00",
            "duration_minutes": "60",
            "external_url": "ftp://files.example.org/x",
        },
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "http:// or https://" in body
    assert 'value="Kept title"' in body
    assert not LiveSession.objects.exists()


def test_it_shows_a_service_error_beside_its_field(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    past = timezone.localtime(timezone.now() - timedelta(days=2), zoneinfo.ZoneInfo("UTC"))
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Too late",
            "starts_at": past.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "60",
        },
    )
    assert r.status_code == 200
    assert "would already be over" in r.content.decode()


def test_it_refuses_to_schedule_in_a_completed_engagement(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    Engagement.objects.filter(pk=course.pk).update(status=EngagementStatus.COMPLETED)
    r = login(alice).post(
        reverse("live_session_create", args=[course.pk]),
        {"title": "Late", "starts_at": f"{YEAR}-01-15T09:00", "duration_minutes": "60"},
    )
    assert r.status_code == 200
    assert "takes no new live sessions" in r.content.decode()
    assert not LiveSession.objects.exists()


def test_it_edits_and_cancels(
    login: Callable[[User], Client], alice: User, session: LiveSession
) -> None:
    client = login(alice)
    r = client.post(
        reverse("live_session_edit", args=[session.pk]),
        {"title": "Week 1, moved", "starts_at": f"{YEAR}-02-01T10:00", "duration_minutes": "60"},
    )
    assert r.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.sequence) == ("Week 1, moved", 1)
    assert client.get(reverse("live_session_cancel", args=[session.pk])).status_code == 405
    r = client.post(reverse("live_session_cancel", args=[session.pk]))
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.cancelled_at is not None
    page = client.get(reverse("live_session_detail", args=[session.pk])).content.decode()
    assert "Cancelled" in page
    assert reverse("live_session_edit", args=[session.pk]) not in page


# --- Time zones ---------------------------------------------------------------------------


def test_it_shows_the_same_session_in_each_viewers_time_zone(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    mentorship: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    start = datetime(YEAR, 1, 15, 14, 0, tzinfo=UTC)
    session = make_session(mentorship, starts_at=start, duration_minutes=90)
    alice.timezone = "America/New_York"
    alice.save()
    bob.timezone = "Asia/Tokyo"
    bob.save()
    page = reverse("live_session_detail", args=[session.pk])
    seen_by_alice = login(alice).get(page).content.decode()
    seen_by_bob = login(bob).get(page).content.decode()
    assert local(start, "America/New_York") in seen_by_alice  # 9 a.m. on the 15th
    assert local(start, "Asia/Tokyo") in seen_by_bob  # 11 p.m. on the 15th
    assert local(start + timedelta(minutes=90), "Asia/Tokyo") in seen_by_bob  # 00:30 the 16th
    assert local(start, "Asia/Tokyo") not in seen_by_alice
    assert "America/New_York" in seen_by_alice and "Asia/Tokyo" in seen_by_bob
    # The machine-readable time is the same UTC instant for both.
    assert f'datetime="{YEAR}-01-15T14:00:00+00:00"' in seen_by_alice
    assert f'datetime="{YEAR}-01-15T14:00:00+00:00"' in seen_by_bob


# --- Joining ------------------------------------------------------------------------------


def test_it_says_whether_the_room_is_open(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    soon = make_session(course, in_minutes=5)
    later = make_session(course, in_minutes=3 * 60)
    client = login(alice)
    soon_page = client.get(f"/sessions/{soon.pk}/").content.decode()
    assert "The session is open now." in soon_page
    assert "join now" not in soon_page  # it promises nothing the page cannot do
    assert "Join the video call" not in soon_page  # there is no link to go to
    later_page = client.get(f"/sessions/{later.pk}/").content.decode()
    assert "The session opens at" in later_page
    assert "/ws/live/" not in later_page  # the room's page is the next issue: no dead link


def test_it_offers_the_video_call_while_the_session_is_open(
    login: Callable[[User], Client],
    bob: User,
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    link = "https://meet.example.org/week-1"
    soon = make_session(course, in_minutes=5, external_url=link)
    later = make_session(course, in_minutes=3 * 60, external_url=link)
    soon_page = login(bob).get(f"/sessions/{soon.pk}/").content.decode()
    assert re.search(
        rf'<a class="button[^"]*" href="{link}"[^>]*>Join the video call</a>', soon_page
    )
    assert "Join the video call" not in login(bob).get(f"/sessions/{later.pk}/").content.decode()


def test_it_ends_the_opening_time_with_one_full_stop(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    alice.timezone = "UTC"
    alice.save()
    tomorrow = timezone.now() + timedelta(days=1)
    start = tomorrow.replace(hour=15, minute=0, second=0, microsecond=0)
    later = make_session(course, starts_at=start)
    page = login(alice).get(f"/sessions/{later.pk}/").content.decode()
    assert "p.m. (UTC)." in page
    assert "m.." not in page


def test_it_offers_nothing_to_run_on_a_cancelled_session(
    login: Callable[[User], Client], alice: User, session: LiveSession
) -> None:
    session.cancelled_at = timezone.now()
    session.save()
    page = login(alice).get(f"/sessions/{session.pk}/").content.decode()
    assert "Run it" not in page
    assert "Cancel this session" not in page


# --- Attendance ---------------------------------------------------------------------------


def test_it_says_attendance_waits_for_the_start_instead_of_showing_a_form(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    course: Engagement,
    session: LiveSession,
) -> None:
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    page = reverse("live_session_attendance", args=[session.pk])
    client = login(alice)
    r = client.get(page)
    assert r.status_code == 200
    body = r.content.decode()
    assert "This session has not started yet" in body
    assert "Save attendance" not in body
    r = client.post(page, {f"user_{bob.pk}": "present"})
    assert r.status_code == 200
    assert "This session has not started yet" in r.content.decode()
    assert not Attendance.objects.exists()


def test_it_says_a_cancelled_session_takes_no_attendance(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    past = make_session(
        course, starts_at=timezone.now() - timedelta(hours=2), cancelled_at=timezone.now()
    )
    body = login(alice).get(reverse("live_session_attendance", args=[past.pk])).content.decode()
    assert "there is no attendance to take" in body
    assert "Save attendance" not in body


def test_it_records_attendance_from_the_page(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    past = make_session(course, starts_at=timezone.now() - timedelta(hours=2))
    page = reverse("live_session_attendance", args=[past.pk])
    client = login(alice)
    form = client.get(page).content.decode()
    assert "Bob Mensah" in form
    assert "Alice Ndiaye" not in form  # the instructor is not a learner
    r = client.post(page, {})
    assert r.status_code == 200  # every learner needs an answer
    assert not Attendance.objects.exists()
    r = client.post(page, {f"user_{bob.pk}": "present"})
    assert r.status_code == 302
    assert Attendance.objects.get().status == "present"
    r = client.post(page, {f"user_{bob.pk}": "absent"})
    assert Attendance.objects.get().status == "absent"
    assert course.timeline.filter(verb=TimelineVerb.ATTENDANCE_RECORDED).count() == 2
    checked = re.findall(r'<input[^>]*value="(\w+)"[^>]*checked', client.get(page).content.decode())
    assert checked == ["absent"]


# --- Panel and list -----------------------------------------------------------------------


def test_it_shows_a_sessions_panel_on_every_kind_of_engagement(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    mentorship: Engagement,
    course: Engagement,
    project: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    for engagement in (mentorship, course, project):
        make_session(engagement, title=f"Upcoming of {engagement.kind}")
        make_session(
            engagement,
            title=f"Past of {engagement.kind}",
            starts_at=timezone.now() - timedelta(days=2),
        )
        page = login(alice).get(engagement.get_absolute_url()).content.decode()
        assert f"Upcoming of {engagement.kind}" in page
        assert f"Past of {engagement.kind}" in page
        assert reverse("live_session_create", args=[engagement.pk]) in page
    # bob reads the mentorship's panel but has no schedule link.
    page = login(bob).get(mentorship.get_absolute_url()).content.decode()
    assert "Upcoming of mentorship" in page
    assert reverse("live_session_create", args=[mentorship.pk]) not in page


def test_it_builds_the_panel_in_two_queries(
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for days in (-3, -2, -1, 1, 2, 3):
        make_session(course, starts_at=timezone.now() + timedelta(days=days))
    access = access_for(alice, course)
    assert access is not None
    with django_assert_num_queries(2):
        context = sessions_panel_context(access)
    assert len(context["schedule"].upcoming) == 3
    assert len(context["schedule"].past) == 3
    # Newest past first.
    assert context["schedule"].past[0].starts_at > context["schedule"].past[1].starts_at


def test_it_lists_sessions_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    page = reverse("live_session_list", args=[course.pk])
    make_session(course, title="First one")
    # session, user, engagement, participant, sessions, unread badge
    with django_assert_num_queries(6):
        assert "First one" in client.get(page).content.decode()
    for day in range(2, 12):
        make_session(course, starts_at=timezone.now() + timedelta(days=day), title=f"Day {day}")
    with django_assert_num_queries(6):
        assert "Day 11" in client.get(page).content.decode()


def test_it_leaves_an_untouched_start_alone_when_editing(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    start = datetime(YEAR, 1, 15, 14, 0, 37, tzinfo=UTC)  # seconds, as the API allows
    session = make_session(course, starts_at=start)
    page = reverse("live_session_edit", args=[session.pk])
    r = login(alice).post(
        page, {"title": session.title, "starts_at": f"{YEAR}-01-15T14:00", "duration_minutes": "60"}
    )
    assert r.status_code == 302
    session.refresh_from_db()
    assert (session.starts_at, session.sequence) == (start, 0)

"""Scheduling, changing and cancelling live sessions, and attendance."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification, NotificationKind
from mentoring.engagements.models import (
    Engagement,
    EngagementStatus,
    ParticipantRole,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.services import participant_add
from mentoring.scheduling import services
from mentoring.scheduling.models import Attendance, AttendanceStatus, LiveSession

pytestmark = pytest.mark.django_db

# Next year: still to come, and within the two years ahead that a session may be set.
YEAR = timezone.now().year + 1


def tomorrow() -> datetime:
    return (timezone.now() + timedelta(days=1)).replace(microsecond=0)


def test_it_schedules_a_session_in_utc_with_a_timeline_entry_and_notifies_the_others(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    start = datetime(YEAR, 3, 1, 9, 30, tzinfo=timezone.get_fixed_timezone(120))
    session = services.live_session_schedule(
        engagement=mentorship,
        by=alice,
        title="  Reviewing the first draft ",
        starts_at=start,
        duration_minutes=45,
        external_url="https://meet.example.org/abc",
    )
    session.refresh_from_db()
    assert session.title == "Reviewing the first draft"
    assert session.starts_at == datetime(YEAR, 3, 1, 7, 30, tzinfo=UTC)
    assert session.ends_at == datetime(YEAR, 3, 1, 8, 15, tzinfo=UTC)
    assert session.sequence == 0
    entry = TimelineEntry.objects.filter(engagement=mentorship).latest("id")
    assert entry.verb == TimelineVerb.LIVE_SESSION_SCHEDULED
    assert entry.params["session"] == "Reviewing the first draft"
    assert entry.url == f"/sessions/{session.pk}/"
    assert entry.occurred_at >= timezone.now() - timedelta(minutes=1)
    told = Notification.objects.filter(kind=NotificationKind.ENGAGEMENT, url=entry.url)
    assert [n.user_id for n in told] == [bob.pk]


def test_it_tells_each_participant_the_start_in_their_own_time_zone(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    bob.timezone = "Asia/Tokyo"
    bob.save()
    services.live_session_schedule(
        engagement=mentorship,
        by=alice,
        title="Call",
        starts_at=datetime(YEAR, 3, 1, 22, 0, tzinfo=UTC),
        duration_minutes=30,
    )
    note = Notification.objects.get(user=bob)
    assert "Asia/Tokyo" in note.body
    assert str(YEAR) in note.body and "March 2" in note.body.replace("Mar.", "March")


@pytest.mark.parametrize("status", [EngagementStatus.COMPLETED, EngagementStatus.CANCELLED])
def test_it_refuses_new_sessions_in_an_ended_engagement(
    alice: User, mentorship: Engagement, status: str
) -> None:
    Engagement.objects.filter(pk=mentorship.pk).update(status=status)
    with pytest.raises(ValidationError, match="takes no new live sessions"):
        services.live_session_schedule(
            engagement=mentorship, by=alice, title="Late", starts_at=tomorrow(), duration_minutes=30
        )
    assert not LiveSession.objects.exists()


def test_it_accepts_sessions_in_a_paused_engagement(alice: User, mentorship: Engagement) -> None:
    Engagement.objects.filter(pk=mentorship.pk).update(status=EngagementStatus.PAUSED)
    services.live_session_schedule(
        engagement=mentorship,
        by=alice,
        title="After the break",
        starts_at=tomorrow(),
        duration_minutes=30,
    )
    assert LiveSession.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["ftp://files.example.org/x", "javascript:alert(1)", "mailto:a@example.org"]
)
def test_it_takes_only_http_and_https_video_links(
    alice: User, course: Engagement, url: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.live_session_schedule(
            engagement=course,
            by=alice,
            title="Lecture",
            starts_at=tomorrow(),
            duration_minutes=60,
            external_url=url,
        )
    assert "external_url" in caught.value.message_dict


def test_it_refuses_a_session_that_would_already_be_over(alice: User, course: Engagement) -> None:
    with pytest.raises(ValidationError) as caught:
        services.live_session_schedule(
            engagement=course,
            by=alice,
            title="Yesterday",
            starts_at=timezone.now() - timedelta(hours=2),
            duration_minutes=60,
        )
    assert "starts_at" in caught.value.message_dict


def test_it_refuses_a_naive_start(alice: User, course: Engagement) -> None:
    with pytest.raises(ValidationError):
        services.live_session_schedule(
            engagement=course,
            by=alice,
            title="Lecture",
            starts_at=datetime(YEAR, 1, 1, 10, 0),
            duration_minutes=60,
        )


def test_it_validates_the_duration(alice: User, course: Engagement) -> None:
    with pytest.raises(ValidationError) as caught:
        services.live_session_schedule(
            engagement=course, by=alice, title="Lecture", starts_at=tomorrow(), duration_minutes=2
        )
    assert "duration_minutes" in caught.value.message_dict


def test_it_bumps_the_sequence_on_every_real_change_only(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    session = services.live_session_schedule(
        engagement=mentorship, by=alice, title="Call", starts_at=tomorrow(), duration_minutes=30
    )
    before = TimelineEntry.objects.count()
    same = services.live_session_update(session=session, by=alice, title="Call")
    assert same.sequence == 0
    assert TimelineEntry.objects.count() == before
    later = session.starts_at + timedelta(hours=2)
    changed = services.live_session_update(session=session, by=alice, starts_at=later)
    changed.refresh_from_db()
    assert changed.sequence == 1
    assert changed.starts_at == later
    assert changed.updated_at > session.updated_at
    entry = TimelineEntry.objects.latest("id")
    assert entry.verb == TimelineVerb.LIVE_SESSION_CHANGED
    assert entry.url == f"/sessions/{session.pk}/"
    assert Notification.objects.filter(user=bob, title__startswith="Live session changed").exists()


def test_it_refuses_unknown_fields_and_changes_to_a_cancelled_session(
    alice: User, session: LiveSession
) -> None:
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.live_session_update(session=session, by=alice, engagement_id=1)
    services.live_session_cancel(session=session, by=alice)
    with pytest.raises(ValidationError, match="cancelled"):
        services.live_session_update(session=session, by=alice, title="Again")


def test_it_cancels_once_with_a_timeline_entry(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    session = services.live_session_schedule(
        engagement=mentorship, by=alice, title="Call", starts_at=tomorrow(), duration_minutes=30
    )
    cancelled = services.live_session_cancel(session=session, by=alice)
    assert cancelled.cancelled_at is not None
    assert cancelled.sequence == 1
    again = services.live_session_cancel(session=session, by=alice)
    assert again.cancelled_at == cancelled.cancelled_at
    verbs = list(
        TimelineEntry.objects.filter(verb=TimelineVerb.LIVE_SESSION_CANCELLED).values_list(
            "verb", flat=True
        )
    )
    assert len(verbs) == 1
    assert Notification.objects.filter(user=bob, title__contains="cancelled").count() == 1


# --- Attendance ---------------------------------------------------------------------------


@pytest.fixture
def learners(
    course: Engagement, alice: User, bob: User, make_user: Callable[..., User]
) -> list[User]:
    dora = make_user("dora@example.org", name="Dora Learner")
    for user in (bob, dora):
        participant_add(engagement=course, user=user, role=ParticipantRole.LEARNER, by=alice)
    return [bob, dora]


def test_it_records_attendance_and_dates_the_entry_at_the_session(
    alice: User, course: Engagement, learners: list[User], make_session: Callable[..., LiveSession]
) -> None:
    start = timezone.now() - timedelta(days=3)
    past = make_session(course, starts_at=start)
    bob, dora = learners
    services.attendance_record(
        session=past,
        by=alice,
        statuses={bob.pk: AttendanceStatus.PRESENT, dora.pk: AttendanceStatus.EXCUSED},
    )
    entry = TimelineEntry.objects.filter(verb=TimelineVerb.ATTENDANCE_RECORDED).get()
    assert entry.params["present"] == 1
    assert entry.occurred_at == start
    assert entry.url == f"/sessions/{past.pk}/"
    # Editing changes the record, and writes one more entry with the new count.
    services.attendance_record(session=past, by=alice, statuses={dora.pk: AttendanceStatus.PRESENT})
    assert dict(Attendance.objects.values_list("user_id", "status")) == {
        bob.pk: "present",
        dora.pk: "present",
    }
    entries = TimelineEntry.objects.filter(verb=TimelineVerb.ATTENDANCE_RECORDED).order_by("id")
    assert [e.params["present"] for e in entries] == [1, 2]


def test_it_takes_attendance_only_of_current_attendees(
    alice: User,
    charlie: User,
    course: Engagement,
    learners: list[User],
    make_session: Callable[..., LiveSession],
) -> None:
    past = make_session(course, starts_at=timezone.now() - timedelta(hours=3))
    for someone in (charlie, alice):  # an outsider; the instructor, who runs it
        with pytest.raises(ValidationError) as caught:
            services.attendance_record(
                session=past, by=alice, statuses={someone.pk: AttendanceStatus.PRESENT}
            )
        assert "user" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.attendance_record(session=past, by=alice, statuses={learners[0].pk: "asleep"})
    assert not Attendance.objects.exists()


def test_it_takes_no_attendance_before_the_start_or_for_a_cancelled_session(
    alice: User,
    session: LiveSession,
    learners: list[User],
    make_session: Callable[..., LiveSession],
) -> None:
    with pytest.raises(ValidationError, match="once the session has started"):
        services.attendance_record(
            session=session, by=alice, statuses={learners[0].pk: AttendanceStatus.PRESENT}
        )
    past = make_session(
        session.engagement,
        starts_at=timezone.now() - timedelta(hours=3),
        cancelled_at=timezone.now(),
    )
    with pytest.raises(ValidationError, match="cancelled"):
        services.attendance_record(
            session=past, by=alice, statuses={learners[0].pk: AttendanceStatus.PRESENT}
        )
    assert not Attendance.objects.exists()


def test_it_resets_the_calendar_token(alice: User) -> None:
    first = services.calendar_feed_ensure(user=alice)
    assert services.calendar_feed_ensure(user=alice).token == first.token
    reset = services.calendar_feed_reset(user=alice)
    assert reset.pk == first.pk
    assert reset.token != first.token
    assert len(reset.token) >= 40

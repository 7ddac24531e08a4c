"""Reminders: before a live session, and for overdue tasks and milestones; each fires once."""

import threading
from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference
from mentoring.engagements.models import Engagement, EngagementStatus, ParticipantRole
from mentoring.engagements.services import participant_add
from mentoring.mentorships.models import Goal, Task
from mentoring.projects.models import Milestone, MilestoneStatus
from mentoring.scheduling import services
from mentoring.scheduling.models import LiveSession, ReminderSent

pytestmark = pytest.mark.django_db


def reminded(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind=NotificationKind.REMINDER).values_list(
            "title", flat=True
        )
    )


@pytest.fixture(autouse=True)
def _one_hour(settings: Settings) -> None:
    settings.SESSION_REMINDER_MINUTES = 60


def test_it_reminds_every_participant_once_before_a_session(
    alice: User,
    bob: User,
    mentorship: Engagement,
    make_session: Callable[..., LiveSession],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    session = make_session(mentorship, in_minutes=30, title="Draft review")
    make_session(mentorship, in_minutes=3 * 60, title="Too far ahead")
    make_session(mentorship, in_minutes=-10, title="Already started")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=now) == 2
    assert reminded(alice) == [
        "Starting soon: Draft review (Grant writing for early-career researchers)"
    ]
    assert len(reminded(bob)) == 1
    assert Notification.objects.get(user=bob).url == f"/sessions/{session.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    # Later runs send nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=now + timedelta(minutes=5)) == 0
        assert services.reminders_send(now=now + timedelta(minutes=10)) == 0
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2


def test_it_reminds_again_when_a_session_is_moved(
    alice: User, bob: User, mentorship: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    session = make_session(mentorship, in_minutes=30)
    now = timezone.now()
    assert services.reminders_send(now=now) == 2
    services.live_session_update(
        session=session, by=alice, starts_at=session.starts_at + timedelta(days=1)
    )
    assert services.reminders_send(now=now) == 0
    assert services.reminders_send(now=now + timedelta(days=1)) == 2
    assert len(reminded(bob)) == 2


def test_it_skips_cancelled_sessions_and_closed_engagements(
    alice: User,
    bob: User,
    mentorship: Engagement,
    project: Engagement,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    make_session(mentorship, in_minutes=30, cancelled_at=timezone.now())
    make_session(project, in_minutes=30)
    make_session(course, in_minutes=30)
    Engagement.objects.filter(pk=project.pk).update(status=EngagementStatus.COMPLETED)
    Engagement.objects.filter(pk=course.pk).update(status=EngagementStatus.CANCELLED)
    assert services.reminders_send(now=timezone.now()) == 0
    assert not Notification.objects.filter(kind=NotificationKind.REMINDER).exists()


def test_it_skips_people_who_left_and_respects_the_email_preference(
    alice: User,
    bob: User,
    charlie: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    left = participant_add(engagement=course, user=charlie, role=ParticipantRole.LEARNER, by=alice)
    left.left_at = timezone.now()
    left.save()
    NotificationPreference.objects.create(user=bob, kind=NotificationKind.REMINDER, email=False)
    make_session(course, in_minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=timezone.now()) == 2
    assert reminded(charlie) == []
    assert len(reminded(bob)) == 1  # in the app, not by email
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_it_sends_nothing_twice_when_two_schedulers_race(
    alice: User,
    bob: User,
    mentorship: Engagement,
    make_session: Callable[..., LiveSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_session(mentorship, in_minutes=30)
    now = timezone.now()
    # Both read "not sent yet" before either wrote: only the unique key stops the second.
    monkeypatch.setattr(
        services, "_unsent", lambda candidates: [c for c in candidates if c[1].is_active]
    )
    assert services.reminders_send(now=now) == 2
    assert services.reminders_send(now=now) == 0
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 2


def test_it_reminds_of_overdue_tasks_once(
    alice: User,
    bob: User,
    mentorship: Engagement,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    today = timezone.now().date()
    goal = Goal.objects.create(engagement=mentorship, title="Submit the grant")
    mine = Task.objects.create(
        goal=goal, title="Budget", assignee=bob, due_date=today - timedelta(days=1)
    )
    Task.objects.create(goal=goal, title="Shared", due_date=today - timedelta(days=2))
    Task.objects.create(goal=goal, title="Due today", assignee=bob, due_date=today)
    Task.objects.create(
        goal=goal, title="Done", assignee=bob, due_date=date(2020, 1, 1), done_at=timezone.now()
    )
    Task.objects.create(goal=goal, title="No date", assignee=bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send(now=timezone.now()) == 3
    assert sorted(reminded(bob)) == [
        "Overdue task: Budget (Grant writing for early-career researchers)",
        "Overdue task: Shared (Grant writing for early-career researchers)",
    ]
    assert reminded(alice) == ["Overdue task: Shared (Grant writing for early-career researchers)"]
    assert len(mail.outbox) == 3
    assert services.reminders_send(now=timezone.now() + timedelta(hours=1)) == 0
    # A new due date re-arms it.
    Task.objects.filter(pk=mine.pk).update(due_date=today - timedelta(days=3))
    assert services.reminders_send(now=timezone.now()) == 1


def test_it_sends_no_task_reminder_in_a_closed_mentorship(
    alice: User, bob: User, mentorship: Engagement
) -> None:
    goal = Goal.objects.create(engagement=mentorship, title="Submit the grant")
    Task.objects.create(goal=goal, title="Budget", assignee=bob, due_date=date(2020, 1, 1))
    Engagement.objects.filter(pk=mentorship.pk).update(status=EngagementStatus.COMPLETED)
    assert services.reminders_send(now=timezone.now()) == 0


def test_it_reminds_project_managers_of_overdue_milestones(
    alice: User, bob: User, project: Engagement
) -> None:
    today = timezone.now().date()
    Milestone.objects.create(engagement=project, title="Pilot", due_date=today - timedelta(days=1))
    Milestone.objects.create(
        engagement=project, title="Finished", due_date=date(2020, 1, 1), status=MilestoneStatus.DONE
    )
    Milestone.objects.create(
        engagement=project, title="Next month", due_date=today + timedelta(days=30)
    )
    assert services.reminders_send(now=timezone.now()) == 1
    assert reminded(alice) == ["Overdue milestone: Pilot (Malaria surveillance data platform)"]
    assert reminded(bob) == []  # a member, not a lead
    assert services.reminders_send(now=timezone.now()) == 0


def test_it_has_a_command_for_cron(
    alice: User, bob: User, mentorship: Engagement, make_session: Callable[..., LiveSession]
) -> None:
    make_session(mentorship, in_minutes=20)
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "2 reminder(s) sent."
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue().strip() == "0 reminder(s) sent."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_sends_once_when_two_schedulers_run_at_the_same_moment(
    postgres: None,
    alice: User,
    bob: User,
    mentorship: Engagement,
    make_session: Callable[..., LiveSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_session(mentorship, in_minutes=30)
    now = timezone.now()
    # Neither run sees the other's rows before inserting: the unique key decides.
    monkeypatch.setattr(
        services, "_unsent", lambda candidates: [c for c in candidates if c[1].is_active]
    )
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(services.reminders_send(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 2
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 2
    assert ReminderSent.objects.count() == 2

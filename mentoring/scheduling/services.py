"""Writes of the live-session schedule: scheduling, changing and cancelling sessions,
attendance, the calendar feed's secret, and reminders.

Times come in aware (a form reads them in the viewer's zone) and are stored in UTC. Every
change participants should see goes on the engagement's timeline in the same transaction.
"""

import secrets
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from mentoring.engagements.dates import check_live_session_start
from mentoring.engagements.models import (
    Engagement,
    ParticipantRole,
    TimelineVerb,
)
from mentoring.engagements.services import manager_users, participant_users, timeline_record
from mentoring.scheduling.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    LiveSession,
    ReminderSent,
)
from mentoring.scheduling.selectors import JOINABLE_STATUSES, attendees

# The fields a manager sets; `live_session_update` takes any of them.
EDITABLE_FIELDS = ("title", "starts_at", "duration_minutes", "external_url", "always_open")


def session_path(session: LiveSession) -> str:
    return reverse("live_session_detail", args=[session.pk])


def _check_external_url(url: str) -> None:
    if url and urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError(
            {"external_url": [_("The video link must start with http:// or https://.")]}
        )


def _check_open(engagement: Engagement) -> None:
    if not engagement.is_open:
        raise ValidationError(
            _("This engagement is %(status)s: it takes no new live sessions.")
            % {"status": engagement.get_status_display().lower()}
        )


def _check_not_over(session: LiveSession, now: datetime) -> None:
    try:
        ends_at = session.ends_at
    except OverflowError as exc:  # a start kept from before its bounds were checked
        raise ValidationError({"starts_at": [_("Choose a start nearer to today.")]}) from exc
    if ends_at <= now:
        raise ValidationError({"starts_at": [_("This session would already be over.")]})


def _local_start(session: LiveSession, zone_name: str) -> str:
    """The start as someone in `zone_name` reads it, with the zone's name."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = timezone.localtime(session.starts_at, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone.key})"


def _notify_participants(
    *, session: LiveSession, by: User | None, title: str, body_template: str
) -> None:
    """Tell everyone in the engagement but `by`, each with the start in their own zone:
    one notification batch per time zone."""
    by_zone: dict[str, list[User]] = defaultdict(list)
    for user in participant_users(session.engagement):
        if by is None or user.pk != by.pk:
            by_zone[user.timezone].append(user)
    for zone_name, users in by_zone.items():
        notify_many(
            users=users,
            kind=NotificationKind.ENGAGEMENT,
            title=title,
            body=body_template % {"start": _local_start(session, zone_name)},
            url=session_path(session),
        )


# --- Sessions -----------------------------------------------------------------------------


@transaction.atomic
def live_session_schedule(
    *,
    engagement: Engagement,
    by: User,
    title: str,
    starts_at: datetime,
    duration_minutes: int,
    external_url: str = "",
    always_open: bool = False,
) -> LiveSession:
    """A new live session of an open engagement (not completed or cancelled)."""
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    _check_open(engagement)
    now = timezone.now()
    check_live_session_start(starts_at, now=now)
    session = LiveSession(
        engagement=engagement,
        title=title.strip(),
        starts_at=starts_at.astimezone(UTC),
        duration_minutes=duration_minutes,
        external_url=external_url.strip(),
        always_open=always_open,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    _check_external_url(session.external_url)
    session.full_clean()
    _check_not_over(session, now)
    session.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.LIVE_SESSION_SCHEDULED,
        actor=by,
        params={"session": session.title},
        occurred_at=now,
        url=session_path(session),
    )
    _notify_participants(
        session=session,
        by=by,
        title=_("New live session in “%(engagement)s”: %(session)s")
        % {"engagement": engagement.title, "session": session.title},
        body_template=_("It starts %(start)s."),
    )
    return session


@transaction.atomic
def live_session_update(*, session: LiveSession, by: User, **changes: Any) -> LiveSession:
    """Change a session that is not cancelled, in an open engagement. Each real change
    bumps `sequence`, so calendar clients replace the old event; no change, no entry."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    locked = LiveSession.objects.select_for_update().select_related("engagement").get(pk=session.pk)
    if locked.cancelled_at is not None:
        raise ValidationError(_("This session was cancelled; schedule a new one instead."))
    _check_open(locked.engagement)
    if "title" in changes:
        changes["title"] = str(changes["title"]).strip()
    if "external_url" in changes:
        changes["external_url"] = str(changes["external_url"] or "").strip()
        _check_external_url(changes["external_url"])
    if "starts_at" in changes and changes["starts_at"] != locked.starts_at:
        # Checked before it is converted: a start in year 1 or 9999 cannot be.
        check_live_session_start(changes["starts_at"])
        changes["starts_at"] = changes["starts_at"].astimezone(UTC)
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, changes[name])
    now = timezone.now()
    locked.full_clean()
    if {"starts_at", "duration_minutes"} & set(changed):
        _check_not_over(locked, now)
    locked.sequence += 1
    locked.updated_at = now
    locked.save(update_fields=[*changed, "sequence", "updated_at"])
    timeline_record(
        engagement=locked.engagement,
        verb=TimelineVerb.LIVE_SESSION_CHANGED,
        actor=by,
        params={"session": locked.title},
        occurred_at=now,
        url=session_path(locked),
    )
    _notify_participants(
        session=locked,
        by=by,
        title=_("Live session changed in “%(engagement)s”: %(session)s")
        % {"engagement": locked.engagement.title, "session": locked.title},
        body_template=_("It now starts %(start)s."),
    )
    return locked


@transaction.atomic
def live_session_cancel(*, session: LiveSession, by: User) -> LiveSession:
    """Call a session off. It stays listed (and in calendars, as cancelled); cancelling
    twice changes nothing."""
    locked = LiveSession.objects.select_for_update().select_related("engagement").get(pk=session.pk)
    if locked.cancelled_at is not None:
        return locked
    now = timezone.now()
    locked.cancelled_at = now
    locked.updated_at = now
    locked.sequence += 1
    locked.save(update_fields=["cancelled_at", "updated_at", "sequence"])
    timeline_record(
        engagement=locked.engagement,
        verb=TimelineVerb.LIVE_SESSION_CANCELLED,
        actor=by,
        params={"session": locked.title},
        occurred_at=now,
        url=session_path(locked),
    )
    _notify_participants(
        session=locked,
        by=by,
        title=_("Live session cancelled in “%(engagement)s”: %(session)s")
        % {"engagement": locked.engagement.title, "session": locked.title},
        body_template=_("It was to start %(start)s."),
    )
    return locked


# --- Attendance ---------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, session: LiveSession, by: User, statuses: Mapping[int, str]
) -> list[Attendance]:
    """Record present / absent / excused for current learners, mentees or members (by user
    id); recording again changes the earlier record. One timeline entry per save, dated at
    the session's start so that the feed stays in order."""
    locked = LiveSession.objects.select_for_update().select_related("engagement").get(pk=session.pk)
    if locked.cancelled_at is not None:
        raise ValidationError(_("This session was cancelled: there is no attendance to take."))
    now = timezone.now()
    if locked.starts_at > now:
        raise ValidationError(_("Attendance can be taken once the session has started."))
    if not statuses:
        raise ValidationError(_("Say who was there."))
    bad = sorted({status for status in statuses.values() if status not in AttendanceStatus})
    if bad:
        raise ValidationError(
            {"status": [_("Unknown attendance: %(status)s") % {"status": ", ".join(bad)}]}
        )
    allowed = {p.user_id: p for p in attendees(locked.engagement)}
    strangers = sorted(set(statuses) - set(allowed))
    if strangers:
        raise ValidationError(
            {"user": [_("Attendance is taken for current learners, mentees and members only.")]}
        )
    existing = {
        record.user_id: record
        for record in Attendance.objects.select_for_update().filter(
            live_session=locked, user_id__in=list(statuses)
        )
    }
    saved: list[Attendance] = []
    for user_id, status in statuses.items():
        record = existing.get(user_id)
        if record is None:
            record = Attendance.objects.create(
                live_session=locked, user_id=user_id, status=status, recorded_by=by, recorded_at=now
            )
        elif record.status != status:
            record.status = status
            record.recorded_by = by
            record.recorded_at = now
            record.save(update_fields=["status", "recorded_by", "recorded_at"])
        saved.append(record)
    present = Attendance.objects.filter(
        live_session=locked, user_id__in=list(allowed), status=AttendanceStatus.PRESENT
    ).count()
    timeline_record(
        engagement=locked.engagement,
        verb=TimelineVerb.ATTENDANCE_RECORDED,
        actor=by,
        params={"session": locked.title, "present": present},
        occurred_at=locked.starts_at,
        url=session_path(locked),
    )
    return saved


# --- Calendar feed ------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_ensure(*, user: User) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret: the old URL stops working at once."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


# --- Reminders ----------------------------------------------------------------------------


def _send_once(*, key: str, user: User, now: datetime, title: str, body: str, url: str) -> bool:
    """Record the reminder, then notify, in one transaction. The unique key makes a second
    scheduler (or a second run) fail the insert, and then nothing is sent."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(key=key, user=user, sent_at=now)
            notify_many(
                users=[user], kind=NotificationKind.REMINDER, title=title, body=body, url=url
            )
    except IntegrityError:
        return False
    return True


def _unsent(candidates: Iterable[tuple[str, User]]) -> list[tuple[str, User]]:
    """Leave out what was already sent (one query), and inactive accounts."""
    rows = [(key, user) for key, user in candidates if user.is_active]
    done = set(
        ReminderSent.objects.filter(key__in=[key for key, _user in rows]).values_list(
            "key", flat=True
        )
    )
    return [(key, user) for key, user in rows if key not in done]


def _session_reminders(now: datetime) -> int:
    horizon = now + timedelta(minutes=settings.SESSION_REMINDER_MINUTES)
    sessions = (
        LiveSession.objects.scheduled()
        .filter(
            starts_at__gte=now,
            starts_at__lte=horizon,
            engagement__status__in=JOINABLE_STATUSES,
        )
        .select_related("engagement")
        .prefetch_related("engagement__participants__user")
    )
    candidates: list[tuple[str, User]] = []
    by_key: dict[str, LiveSession] = {}
    for session in sessions:
        stamp = session.starts_at.astimezone(UTC).isoformat()
        for participant in session.engagement.participants.all():
            if participant.left_at is not None:
                continue
            key = f"session:{session.pk}:{participant.user_id}:{stamp}"
            candidates.append((key, participant.user))
            by_key[key] = session
    sent = 0
    for key, user in _unsent(candidates):
        session = by_key[key]
        sent += _send_once(
            key=key,
            user=user,
            now=now,
            title=_("Starting soon: %(session)s (%(engagement)s)")
            % {"session": session.title, "engagement": session.engagement.title},
            body=_("The live session starts %(start)s.")
            % {"start": _local_start(session, user.timezone)},
            url=session_path(session),
        )
    return sent


def _task_reminders(now: datetime) -> int:
    from mentoring.mentorships.models import Task

    today = now.astimezone(UTC).date()
    tasks = (
        Task.objects.filter(
            done_at__isnull=True,
            due_date__lt=today,
            goal__engagement__status__in=JOINABLE_STATUSES,
        )
        .select_related("goal__engagement", "assignee")
        .prefetch_related("goal__engagement__participants__user")
    )
    candidates: list[tuple[str, User]] = []
    by_key: dict[str, Any] = {}
    for task in tasks:
        engagement = task.goal.engagement
        current = [p for p in engagement.participants.all() if p.left_at is None]
        if task.assignee is not None and any(p.user_id == task.assignee_id for p in current):
            users = [task.assignee]
        else:
            users = [
                p.user
                for p in current
                if p.role in (ParticipantRole.MENTOR, ParticipantRole.MENTEE)
            ]
        due = task.due_date
        if due is None:  # the query asked for a date; this keeps the type checker sure
            continue
        for user in users:
            key = f"task:{task.pk}:{user.pk}:{due.isoformat()}"
            candidates.append((key, user))
            by_key[key] = task
    sent = 0
    for key, user in _unsent(candidates):
        task = by_key[key]
        sent += _send_once(
            key=key,
            user=user,
            now=now,
            title=_("Overdue task: %(task)s (%(engagement)s)")
            % {"task": task.title, "engagement": task.goal.engagement.title},
            body=_("It was due on %(date)s.")
            % {"date": formats.date_format(task.due_date, "DATE_FORMAT")},
            url=task.goal.engagement.get_absolute_url(),
        )
    return sent


def _milestone_reminders(now: datetime) -> int:
    from mentoring.projects.models import OPEN_MILESTONE_STATUSES, Milestone

    today = now.astimezone(UTC).date()
    milestones = Milestone.objects.filter(
        status__in=OPEN_MILESTONE_STATUSES,
        due_date__lt=today,
        engagement__status__in=JOINABLE_STATUSES,
    ).select_related("engagement")
    candidates: list[tuple[str, User]] = []
    by_key: dict[str, Any] = {}
    managers: dict[int, list[User]] = {}
    for milestone in milestones:
        if milestone.engagement_id not in managers:
            managers[milestone.engagement_id] = manager_users(milestone.engagement)
        for user in managers[milestone.engagement_id]:
            key = f"milestone:{milestone.pk}:{user.pk}:{milestone.due_date.isoformat()}"
            candidates.append((key, user))
            by_key[key] = milestone
    sent = 0
    for key, user in _unsent(candidates):
        milestone = by_key[key]
        sent += _send_once(
            key=key,
            user=user,
            now=now,
            title=_("Overdue milestone: %(milestone)s (%(engagement)s)")
            % {"milestone": milestone.title, "engagement": milestone.engagement.title},
            body=_("It was due on %(date)s.")
            % {"date": formats.date_format(milestone.due_date, "DATE_FORMAT")},
            url=milestone.engagement.get_absolute_url(),
        )
    return sent


def reminders_send(*, now: datetime) -> int:
    """Send what is due at `now`, each reminder once: sessions starting within
    SESSION_REMINDER_MINUTES to their participants, overdue mentorship tasks to their
    assignee (or the mentor and mentees), overdue project milestones to the project's
    managers. Returns how many were sent.

    Not one transaction: each reminder commits on its own (with its email after commit),
    so one failure does not take back the others, and two schedulers running at once meet
    at the unique key instead of waiting on each other's whole run."""
    return _session_reminders(now) + _task_reminders(now) + _milestone_reminders(now)

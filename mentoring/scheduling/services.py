"""Writes of the live-session schedule: scheduling (one session or a weekly series) and
changing and cancelling sessions, attendance, the calendar feed's secret, and reminders.
A session that would overlap another of its engagement is refused unless the scheduler
says to go ahead anyway (`allow_overlap`).

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
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    AGENDA_MAX_LENGTH,
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    LiveSession,
    ReminderSent,
)
from mentoring.scheduling.selectors import JOINABLE_STATUSES, attendees, with_end

# The fields a manager sets; `live_session_update` takes any of them.
EDITABLE_FIELDS = (
    "title",
    "starts_at",
    "duration_minutes",
    "external_url",
    "always_open",
    "agenda",
)
# A weekly series: at most half a year of sessions at once.
MAX_WEEKLY_SESSIONS = 26
TITLE_MAX_LENGTH = LiveSession._meta.get_field("title").max_length or 200


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


def _zone(zone_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(zone_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _local_start(session: LiveSession, zone_name: str) -> str:
    """The start as someone in `zone_name` reads it, with the zone's name."""
    zone = _zone(zone_name)
    local = timezone.localtime(session.starts_at, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone.key})"


def _notify_participants(
    *,
    session: LiveSession,
    by: User | None,
    title: str,
    body_template: str,
    last: LiveSession | None = None,
) -> None:
    """Tell everyone in the engagement but `by`, each with the start (and, for a series,
    the `last` session's start) in their own zone: one notification batch per time zone."""
    by_zone: dict[str, list[User]] = defaultdict(list)
    for user in participant_users(session.engagement):
        if by is None or user.pk != by.pk:
            by_zone[user.timezone].append(user)
    for zone_name, users in by_zone.items():
        values = {"start": _local_start(session, zone_name)}
        if last is not None:
            values["last"] = _local_start(last, zone_name)
        notify_many(
            users=users,
            kind=NotificationKind.ENGAGEMENT,
            title=title,
            body=body_template % values,
            url=session_path(session),
        )


def _set_agenda(session: LiveSession, agenda: str) -> None:
    """Store the agenda and its HTML; a text too long, or one Markdown cannot take, is
    refused on `agenda` (a TextField's max_length is not checked by `full_clean`)."""
    if len(agenda) > AGENDA_MAX_LENGTH:
        raise ValidationError(
            {
                "agenda": [
                    _("Keep the agenda to %(max)s characters; it has %(length)s.")
                    % {"max": f"{AGENDA_MAX_LENGTH:,}", "length": f"{len(agenda):,}"}
                ]
            }
        )
    try:
        session.set_agenda(agenda)
    except ValidationError as exc:
        raise ValidationError({"agenda": exc.messages}) from exc


def _show_time(value: datetime) -> str:
    """A time in the active zone (the viewer's, on pages), with the zone's name."""
    local = timezone.localtime(value)
    return (
        f"{formats.date_format(local, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"
    )


def _check_no_overlap(
    engagement: Engagement, sessions: list[LiveSession], *, exclude_pk: int | None = None
) -> None:
    """Refuse sessions that overlap a scheduled (not cancelled) session of the same
    engagement, naming it. Open rooms are left out on both sides: they are open at any
    time, so their nominal hours clash with nothing. One query."""
    timed = [s for s in sessions if not s.always_open]
    if not timed:
        return
    first = min(s.starts_at for s in timed)
    last = max(s.ends_at for s in timed)
    others = (
        with_end(LiveSession.objects.scheduled())
        .filter(Q(end__gt=first), engagement=engagement, always_open=False, starts_at__lt=last)
        .order_by("starts_at", "id")
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = list(others)
    for number, session in enumerate(timed, start=1):
        for other in existing:
            if other.starts_at < session.ends_at and session.starts_at < other.ends_at:
                ends = timezone.localtime(other.ends_at)
                same_day = ends.date() == timezone.localtime(other.starts_at).date()
                values: dict[str, Any] = {
                    "session": other.title,
                    "start": _show_time(other.starts_at),
                    "end": formats.time_format(ends, "TIME_FORMAT")
                    if same_day
                    else formats.date_format(ends, "DATETIME_FORMAT"),
                }
                if len(timed) > 1:
                    values.update(
                        number=number, count=len(timed), own=_show_time(session.starts_at)
                    )
                    message = (
                        _(
                            "Session %(number)d of %(count)d, %(own)s, overlaps “%(session)s” "
                            "(%(start)s to %(end)s): choose another time, or schedule it anyway."
                        )
                        % values
                    )
                else:
                    message = (
                        _(
                            "This overlaps “%(session)s” (%(start)s to %(end)s): "
                            "choose another time, or schedule it anyway."
                        )
                        % values
                    )
                raise ValidationError({"starts_at": [ValidationError(message, code="overlap")]})


def is_overlap_error(error: ValidationError) -> bool:
    """Whether a service refused a session only for overlapping another one (a form then
    offers to schedule it anyway)."""
    if not hasattr(error, "error_dict"):
        return False
    return any(item.code == "overlap" for items in error.error_dict.values() for item in items)


def _weekly_starts(starts_at: datetime, count: int, zone_name: str) -> list[datetime]:
    """`count` starts one week apart at the same wall-clock time in the scheduler's zone
    (18:00 in Paris stays 18:00 across a daylight-saving change), in UTC. A wall-clock
    time that a change skips (02:30 on the spring-forward night) moves forward an hour."""
    zone = _zone(zone_name)
    local = starts_at.astimezone(zone).replace(tzinfo=None)
    # The first is the instant given (an ambiguous 02:30 keeps the offset it was sent with).
    return [starts_at.astimezone(UTC)] + [
        (local + timedelta(weeks=week)).replace(tzinfo=zone).astimezone(UTC)
        for week in range(1, count)
    ]


def _escape_markdown(text: str) -> str:
    """A title as literal text inside a Markdown body."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"\\{char}" if char in "\\`*_{}[]()#+-.!|" else char for char in text)


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
    agenda: str = "",
    allow_overlap: bool = False,
) -> LiveSession:
    """A new live session of an open engagement (not completed or cancelled): a series of
    one (see `live_session_series_schedule`)."""
    return live_session_series_schedule(
        engagement=engagement,
        by=by,
        title=title,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        external_url=external_url,
        always_open=always_open,
        agenda=agenda,
        allow_overlap=allow_overlap,
    )[0]


@transaction.atomic
def live_session_series_schedule(
    *,
    engagement: Engagement,
    by: User,
    title: str,
    starts_at: datetime,
    duration_minutes: int,
    external_url: str = "",
    always_open: bool = False,
    agenda: str = "",
    weekly_sessions: int = 1,
    allow_overlap: bool = False,
) -> list[LiveSession]:
    """`weekly_sessions` new sessions (1 to MAX_WEEKLY_SESSIONS) of an open engagement,
    one week apart at the same wall-clock time in `by`'s time zone; with more than one,
    each title ends with its number, "(2/6)". All or nothing: one start out of bounds, or
    one overlap with another session (unless `allow_overlap`), and none is made. One
    timeline entry (listing the dates) and one notification per participant for all."""
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    _check_open(engagement)
    if not 1 <= weekly_sessions <= MAX_WEEKLY_SESSIONS:
        raise ValidationError(
            {
                "weekly_sessions": [
                    _("Choose between 1 and %(max)d weekly sessions.")
                    % {"max": MAX_WEEKLY_SESSIONS}
                ]
            }
        )
    now = timezone.now()
    check_live_session_start(starts_at, now=now)
    starts = _weekly_starts(starts_at, weekly_sessions, by.timezone)
    for number, start in enumerate(starts[1:], start=2):
        try:
            check_live_session_start(start, field="weekly_sessions", now=now)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "weekly_sessions": [
                        _("Session %(number)d of %(count)d would start %(start)s. %(reason)s")
                        % {
                            "number": number,
                            "count": weekly_sessions,
                            "start": _show_time(start),
                            "reason": " ".join(exc.messages),
                        }
                    ]
                }
            ) from exc
    title = title.strip()
    if not title:
        raise ValidationError({"title": [_("Give the session a title.")]})
    titles = [title]
    if weekly_sessions > 1:
        titles = [f"{title} ({n}/{weekly_sessions})" for n in range(1, weekly_sessions + 1)]
        room = TITLE_MAX_LENGTH - len(titles[-1]) + len(title)
        if len(title) > room:
            raise ValidationError(
                {
                    "title": [
                        _(
                            "Keep the title to %(max)d characters: each session of the series "
                            "adds its number to it."
                        )
                        % {"max": room}
                    ]
                }
            )
    sessions = [
        LiveSession(
            engagement=engagement,
            title=session_title,
            starts_at=start,
            duration_minutes=duration_minutes,
            external_url=external_url.strip(),
            always_open=always_open,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        for session_title, start in zip(titles, starts, strict=True)
    ]
    first = sessions[0]
    _check_external_url(first.external_url)
    _set_agenda(first, agenda)
    first.full_clean()
    for session in sessions[1:]:
        session.agenda, session.agenda_html = first.agenda, first.agenda_html
    _check_not_over(first, now)
    if not allow_overlap:
        _check_no_overlap(engagement, sessions)
    if len(sessions) == 1:
        first.save()
    else:
        LiveSession.objects.bulk_create(sessions)
    last = sessions[-1]
    body = ""
    if len(sessions) > 1:
        lines = [
            ngettext("%(count)d session:", "%(count)d sessions, one a week:", len(sessions))
            % {"count": len(sessions)},
            "",
            *(
                f"- [{_escape_markdown(session.title)}]({session_path(session)}): "
                f"{_escape_markdown(_local_start(session, by.timezone))}"
                for session in sessions
            ),
        ]
        body = "\n".join(lines)
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.LIVE_SESSION_SCHEDULED,
        actor=by,
        params={"session": first.title},
        occurred_at=now,
        body=body,
        url=session_path(first),
    )
    if len(sessions) == 1:
        _notify_participants(
            session=first,
            by=by,
            title=_("New live session in “%(engagement)s”: %(session)s")
            % {"engagement": engagement.title, "session": first.title},
            body_template=_("It starts %(start)s."),
        )
    else:
        _notify_participants(
            session=first,
            by=by,
            last=last,
            title=ngettext(
                "%(count)d weekly live session in “%(engagement)s”: %(session)s",
                "%(count)d weekly live sessions in “%(engagement)s”: %(session)s",
                len(sessions),
            )
            % {"count": len(sessions), "engagement": engagement.title, "session": title},
            body_template=_("The first starts %(start)s, the last %(last)s."),
        )
    return sessions


@transaction.atomic
def live_session_update(
    *, session: LiveSession, by: User, allow_overlap: bool = False, **changes: Any
) -> LiveSession:
    """Change a session that is not cancelled, in an open engagement. Each real change
    bumps `sequence`, so calendar clients replace the old event; no change, no entry.
    A new time that overlaps another session is refused unless `allow_overlap`."""
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
    if "agenda" in changes:
        changes["agenda"] = str(changes["agenda"] or "")
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        if name == "agenda":
            _set_agenda(locked, changes[name])
        else:
            setattr(locked, name, changes[name])
    now = timezone.now()
    locked.full_clean()
    timing = {"starts_at", "duration_minutes", "always_open"} & set(changed)
    if {"starts_at", "duration_minutes"} & set(changed):
        _check_not_over(locked, now)
    if timing and not allow_overlap:
        # Under the engagement's lock, like scheduling, so that two changes cannot both
        # pass the check and then clash.
        Engagement.objects.select_for_update().filter(pk=locked.engagement_id).first()
        _check_no_overlap(locked.engagement, [locked], exclude_pk=locked.pk)
    extra = ["agenda_html"] if "agenda" in changed else []
    locked.sequence += 1
    locked.updated_at = now
    locked.save(update_fields=[*changed, *extra, "sequence", "updated_at"])
    _announce(
        locked,
        by=by,
        now=now,
        verb=TimelineVerb.LIVE_SESSION_CHANGED,
        title=_("Live session changed in “%(engagement)s”: %(session)s"),
        body_template=_("It now starts %(start)s."),
    )
    return locked


def _announce(
    session: LiveSession, *, by: User, now: datetime, verb: str, title: str, body_template: str
) -> None:
    """A change to one session: a timeline entry and a word to the other participants."""
    timeline_record(
        engagement=session.engagement,
        verb=verb,
        actor=by,
        params={"session": session.title},
        occurred_at=now,
        url=session_path(session),
    )
    _notify_participants(
        session=session,
        by=by,
        title=title % {"engagement": session.engagement.title, "session": session.title},
        body_template=body_template,
    )


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
    _announce(
        locked,
        by=by,
        now=now,
        verb=TimelineVerb.LIVE_SESSION_CANCELLED,
        title=_("Live session cancelled in “%(engagement)s”: %(session)s"),
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

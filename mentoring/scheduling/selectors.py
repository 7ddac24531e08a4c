"""Reads of the live-session schedule: who may see and join what, and when.

`joinable_now` and `live_session_ws_path` are the one place that says when a live room is
open and where its websocket lives; the live room (a later issue) uses them too.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast

from diaspora.institutions.models import MemberRole, Membership
from mentoring.engagements.models import (
    Engagement,
    EngagementStatus,
    Participant,
    ParticipantRole,
)
from mentoring.engagements.permissions import Access
from mentoring.scheduling.models import Attendance, LiveSession

# A live room opens only while its engagement is under way (or about to be): not when it
# is paused, completed or cancelled. Reminders follow the same rule.
JOINABLE_STATUSES = frozenset({EngagementStatus.PROPOSED, EngagementStatus.ACTIVE})
# Whose attendance is taken: the people a session is for, not those who run it.
ATTENDEE_ROLES = frozenset(
    {ParticipantRole.LEARNER, ParticipantRole.MENTEE, ParticipantRole.MEMBER}
)
# The calendar feed starts this far back, so last month's sessions stay in the calendar.
FEED_DAYS_BACK = 90
PANEL_UPCOMING = 10
PANEL_PAST = 5


def live_session_ws_path(session_id: int) -> str:
    """The websocket path of a session's live room."""
    return f"/ws/live/{session_id}/"


def join_opens_at(session: LiveSession) -> datetime:
    return session.starts_at - timedelta(minutes=settings.LIVE_SESSION_JOIN_EARLY_MINUTES)


def room_state(session: LiveSession) -> str | None:
    """The live room's state ("lobby", "open", "ended"), None before anyone entered it.
    Lists select_related("room") so that this costs no query."""
    try:
        return str(session.room.state)
    except ObjectDoesNotExist:
        return None


def joinable_now(session: LiveSession, now: datetime) -> bool:
    """Whether participants may enter the live room at `now`: an open room at any time, any
    other from LIVE_SESSION_JOIN_EARLY_MINUTES before its start until its end, or earlier if
    the host has opened it; never once the host ended it, when cancelled, or when the
    engagement is not proposed or active."""
    if session.cancelled_at is not None:
        return False
    if session.engagement.status not in JOINABLE_STATUSES:
        return False
    state = room_state(session)
    if state == "ended":
        return False
    if session.always_open or state == "open":
        return True
    return join_opens_at(session) <= now < session.ends_at


def with_end(qs: QuerySet[LiveSession]) -> QuerySet[LiveSession]:
    """Annotate `end` (start + duration) so that the database can filter on it."""
    return qs.annotate(
        end=ExpressionWrapper(
            F("starts_at")
            + ExpressionWrapper(
                # Cast: SQLite multiplies a duration only by a plain integer field.
                Cast("duration_minutes", IntegerField()) * Value(timedelta(minutes=1)),
                output_field=DurationField(),
            ),
            output_field=DateTimeField(),
        )
    )


# --- An engagement's schedule -------------------------------------------------------------


def engagement_sessions(engagement: Engagement) -> QuerySet[LiveSession]:
    return (
        LiveSession.objects.filter(engagement=engagement)
        .select_related("room")
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class Schedule:
    upcoming: list[LiveSession]
    past: list[LiveSession]
    more_upcoming: bool
    more_past: bool


def engagement_schedule(
    engagement: Engagement, now: datetime, *, upcoming: int, past: int
) -> Schedule:
    """The next sessions (not ended yet, cancelled ones included so people see the change)
    and the most recent past ones, newest first; two queries."""
    qs = with_end(engagement_sessions(engagement))
    coming = list(qs.filter(Q(end__gt=now)).order_by("starts_at", "id")[: upcoming + 1])
    gone = list(qs.filter(Q(end__lte=now)).order_by("-starts_at", "-id")[: past + 1])
    for session in coming + gone:
        session.engagement = engagement
    return Schedule(
        upcoming=coming[:upcoming],
        past=gone[:past],
        more_upcoming=len(coming) > upcoming,
        more_past=len(gone) > past,
    )


def sessions_panel_context(access: Access) -> dict[str, Any]:
    """The engagement page's "Live sessions" section."""
    from django.utils import timezone

    now = timezone.now()
    schedule = engagement_schedule(access.engagement, now, upcoming=PANEL_UPCOMING, past=PANEL_PAST)
    return {
        "schedule": schedule,
        "joinable": {s.pk for s in schedule.upcoming if joinable_now(s, now)},
        "can_schedule": access.is_manager and access.engagement.is_open,
        "is_manager": access.is_manager,
    }


# --- Attendance ---------------------------------------------------------------------------


def attendees(engagement: Engagement) -> QuerySet[Participant]:
    """The current learners, mentees or members: whose attendance is taken."""
    return (
        engagement.participants.current()
        .filter(role__in=ATTENDEE_ROLES)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


@dataclass(frozen=True)
class AttendanceRow:
    participant: Participant
    record: Attendance | None

    @property
    def status(self) -> str:
        return self.record.status if self.record else ""


def attendance_rows(session: LiveSession) -> list[AttendanceRow]:
    """One row per current attendee with what was recorded for them, if anything."""
    people = list(attendees(session.engagement))
    records = {
        record.user_id: record
        for record in Attendance.objects.filter(
            live_session=session, user_id__in=[p.user_id for p in people]
        )
    }
    return [AttendanceRow(participant=p, record=records.get(p.user_id)) for p in people]


# --- A person's sessions ------------------------------------------------------------------


def _participating_engagements(user_id: int) -> QuerySet[Participant]:
    return Participant.objects.filter(user_id=user_id, left_at__isnull=True)


def feed_sessions(user: Any, now: datetime) -> QuerySet[LiveSession]:
    """The calendar feed: every session of every engagement the user takes part in now
    (teaching or attending), from FEED_DAYS_BACK days ago on, cancelled ones included."""
    engagement_ids = _participating_engagements(user.pk).values("engagement_id")
    return (
        LiveSession.objects.filter(
            engagement_id__in=engagement_ids,
            starts_at__gte=now - timedelta(days=FEED_DAYS_BACK),
        )
        .select_related("engagement")
        .order_by("starts_at", "id")
    )


def joinable_sessions(user: Any, now: datetime) -> QuerySet[LiveSession]:
    """The live sessions the user may join now or later: of an engagement they take part in
    or oversee (an admin of its institution), proposed or active, not cancelled, and not
    ended yet unless it is an open room; not one whose room they were removed from."""
    participating = _participating_engagements(user.pk).values("engagement_id")
    administered = Membership.objects.filter(user_id=user.pk, role=MemberRole.ADMIN).values(
        "institution_id"
    )
    return (
        with_end(LiveSession.objects.scheduled())
        .filter(
            Q(engagement_id__in=participating) | Q(engagement__institution_id__in=administered),
            engagement__status__in=JOINABLE_STATUSES,
        )
        .filter(Q(always_open=True) | Q(end__gt=now))
        .exclude(room__removals__user_id=user.pk)
        .exclude(room__state="ended")
        .select_related("engagement", "room")
        .order_by("starts_at", "id")
    )


def upcoming_sessions(user: Any, now: datetime, *, limit: int = 10) -> list[LiveSession]:
    """For dashboards: the next sessions the user may join, soonest first."""
    return list(joinable_sessions(user, now)[:limit])

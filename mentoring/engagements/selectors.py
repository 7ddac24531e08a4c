"""Reads for the engagement pages, the dashboards and the API.

Other apps' models (live sessions, enrolments, tasks, milestones, proposals) are only read
here, never written.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from diaspora.institutions.models import MemberRole, Membership
from mentoring.engagements.models import (
    ENGAGEMENT_TRANSITIONS,
    KIND_ROLES,
    MANAGER_ROLES,
    OPEN_STATUSES,
    Engagement,
    EngagementInvitation,
    EngagementKind,
    EngagementStatus,
    InvitationStatus,
    Participant,
    ParticipantRole,
    StatusChange,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.permissions import Access
from mentoring.engagements.timeline import visible_entries

# "open" in a status filter: proposed, active or paused.
OPEN_FILTER = "open"
TIMELINE_PAGE_SIZE = 50
LATEST_ENTRIES = 10
# On the engagement page, each role lists at most this many people (a course may have
# hundreds of learners; the course's own pages list them all).
PEOPLE_PER_ROLE = 30
DASHBOARD_LIMIT = 10
# Live sessions last at most 12 hours, so one that started earlier has ended.
_LONGEST_SESSION = timedelta(hours=12)

# The order roles are shown in, those who run it first.
ROLE_ORDER = [
    ParticipantRole.MENTOR,
    ParticipantRole.INSTRUCTOR,
    ParticipantRole.LEAD,
    ParticipantRole.COORDINATOR,
    ParticipantRole.MENTEE,
    ParticipantRole.MEMBER,
    ParticipantRole.LEARNER,
]
STATUS_ORDER = [
    EngagementStatus.PROPOSED,
    EngagementStatus.ACTIVE,
    EngagementStatus.PAUSED,
    EngagementStatus.COMPLETED,
    EngagementStatus.CANCELLED,
]


# --- Timeline types -----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineType:
    code: str
    label: Promise
    verbs: frozenset[str]


V = TimelineVerb
TIMELINE_TYPES: list[TimelineType] = [
    TimelineType(
        "status", _("Status"), frozenset({V.OPENED, V.OPENED_FROM_MATCH, V.STATUS_CHANGED})
    ),
    TimelineType(
        "people",
        _("People"),
        frozenset(
            {
                V.JOINED,
                V.LEFT,
                V.INVITED,
                V.ENROLLED,
                V.WAITLISTED,
                V.PROMOTED,
                V.UNENROLLED,
                V.CERTIFICATE_GRANTED,
            }
        ),
    ),
    TimelineType("notes", _("Notes"), frozenset({V.NOTE, V.PRIVATE_NOTE})),
    TimelineType(
        "sessions",
        _("Sessions and attendance"),
        frozenset(
            {
                V.SESSION_LOGGED,
                V.FEEDBACK_GIVEN,
                V.LIVE_SESSION_SCHEDULED,
                V.LIVE_SESSION_CHANGED,
                V.LIVE_SESSION_CANCELLED,
                V.ATTENDANCE_RECORDED,
            }
        ),
    ),
    TimelineType(
        "goals",
        _("Agreement, goals and tasks"),
        frozenset(
            {
                V.AGREEMENT_UPDATED,
                V.AGREEMENT_CONFIRMED,
                V.GOAL_ADDED,
                V.GOAL_CHANGED,
                V.GOAL_CLOSED,
                V.TASK_ADDED,
                V.TASK_DONE,
            }
        ),
    ),
    TimelineType("materials", _("Materials"), frozenset({V.MATERIAL_ADDED})),
    TimelineType(
        "plans",
        _("Plans, milestones and outputs"),
        frozenset(
            {
                V.WORK_PLAN_UPDATED,
                V.WORK_PLAN_APPROVED,
                V.MILESTONE_ADDED,
                V.MILESTONE_CHANGED,
                V.OUTPUT_ADDED,
                V.IMPACT_PLAN_UPDATED,
                V.IMPACT_REPORT_SUBMITTED,
            }
        ),
    ),
]
TIMELINE_TYPE_VERBS: dict[str, frozenset[str]] = {t.code: t.verbs for t in TIMELINE_TYPES}


def timeline_for(access: Access, *, type: str = "") -> QuerySet[TimelineEntry]:
    """What the viewer may see, oldest first, optionally of one type (see TIMELINE_TYPES)."""
    entries = visible_entries(access).select_related("actor")
    verbs = TIMELINE_TYPE_VERBS.get(type)
    if verbs is not None:
        entries = entries.filter(verb__in=sorted(verbs))
    return entries


def latest_entries(access: Access, *, limit: int = LATEST_ENTRIES) -> list[TimelineEntry]:
    """The last `limit` entries, in chronological order."""
    newest = list(
        visible_entries(access).select_related("actor").order_by("-occurred_at", "-id")[:limit]
    )
    newest.reverse()
    return newest


# --- One engagement -----------------------------------------------------------------------


@dataclass
class RoleGroup:
    role: str
    label: str
    count: int
    people: list[Participant] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.people)


def people_by_role(engagement: Engagement, *, limit: int = PEOPLE_PER_ROLE) -> list[RoleGroup]:
    """Current participants grouped by role, those who run it first; each role lists at most
    `limit` people (the count is exact). Two queries, whatever the number of people."""
    counts = dict(
        engagement.participants.current()
        .order_by()
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    many = {role for role, n in counts.items() if n > limit}
    people = list(
        engagement.participants.current()
        .exclude(role__in=sorted(many))
        .select_related("user")
        .order_by("joined_at", "id")
    )
    for role in sorted(many):
        people.extend(
            engagement.participants.current()
            .filter(role=role)
            .select_related("user")
            .order_by("joined_at", "id")[:limit]
        )
    groups = []
    for role in ROLE_ORDER:
        if role in counts:
            groups.append(
                RoleGroup(
                    role=role,
                    label=str(ParticipantRole(role).label),
                    count=counts[role],
                    people=[p for p in people if p.role == role],
                )
            )
    return groups


def current_participants(engagement: Engagement) -> QuerySet[Participant]:
    return engagement.participants.current().select_related("user").order_by("joined_at", "id")


def status_history(engagement: Engagement) -> QuerySet[StatusChange]:
    return engagement.status_changes.select_related("changed_by").order_by("changed_at", "id")


def next_statuses(engagement: Engagement) -> list[str]:
    """The statuses the engagement may move to now, in the machine's order."""
    allowed = ENGAGEMENT_TRANSITIONS[engagement.status]
    return [status for status in STATUS_ORDER if status in allowed]


def invitable_roles(engagement: Engagement) -> list[str]:
    """The roles an invitation may offer: the kind's roles, learners excepted (a course's
    learners enrol, because seats count)."""
    roles = KIND_ROLES[engagement.kind]
    return [r for r in ROLE_ORDER if r in roles and r != ParticipantRole.LEARNER]


def pending_invitations(engagement: Engagement) -> QuerySet[EngagementInvitation]:
    """Invitations still waiting for an answer (expired ones included: they can be
    revoked, and the page says they expired)."""
    return (
        engagement.invitations.filter(status=InvitationStatus.PENDING)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def engagement_invitations(
    engagement: Engagement, *, status: str = ""
) -> QuerySet[EngagementInvitation]:
    qs = engagement.invitations.select_related("invited_by").order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


# --- Lists of engagements -----------------------------------------------------------------


def _current_participants_of_row() -> QuerySet[Participant]:
    return Participant.objects.filter(engagement_id=OuterRef("pk"), left_at__isnull=True)


def with_participants_count(qs: QuerySet[Engagement]) -> QuerySet[Engagement]:
    counted = (
        _current_participants_of_row()
        .order_by()
        .values("engagement_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        participants_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )


def _filtered(
    qs: QuerySet[Engagement], *, kind: str = "", status: str = ""
) -> QuerySet[Engagement]:
    if kind:
        qs = qs.filter(kind=kind)
    if status == OPEN_FILTER:
        qs = qs.filter(status__in=sorted(OPEN_STATUSES))
    elif status:
        qs = qs.filter(status=status)
    return qs


def engagements_of_user(*, user: Any, kind: str = "", status: str = "") -> QuerySet[Engagement]:
    """The engagements the user takes part in now, most recently active first, each with
    `participants_count`, `my_role` and `oversees` (the user is an admin of its
    institution)."""
    if not user.is_authenticated:
        return Engagement.objects.none()
    mine = _current_participants_of_row().filter(user_id=user.pk)
    admin_of = Membership.objects.filter(
        user_id=user.pk, institution_id=OuterRef("institution_id"), role=MemberRole.ADMIN
    )
    qs = (
        Engagement.objects.filter(Exists(mine))
        .annotate(my_role=Subquery(mine.values("role")[:1]), oversees=Exists(admin_of))
        .select_related("institution")
        .order_by("-last_activity_at", "-id")
    )
    return with_participants_count(_filtered(qs, kind=kind, status=status))


def engagements_of_institution(
    *, institution_id: int, viewer: Any, kind: str = "", status: str = ""
) -> QuerySet[Engagement]:
    """Every engagement of an institution, with `participants_count` and `takes_part`
    (whether the viewer is in it, so may open it)."""
    mine = _current_participants_of_row().filter(user_id=viewer.pk)
    qs = (
        Engagement.objects.filter(institution_id=institution_id)
        .annotate(takes_part=Exists(mine))
        .order_by("-last_activity_at", "-id")
    )
    return with_participants_count(_filtered(qs, kind=kind, status=status))


def is_institution_admin(user: Any, institution_id: int) -> bool:
    return Membership.objects.filter(
        user_id=user.pk, institution_id=institution_id, role=MemberRole.ADMIN
    ).exists()


# --- Dashboard ----------------------------------------------------------------------------


def optional_url(name: str, pk: int, fallback: str) -> str:
    """The URL of another app's page, or `fallback` while that page does not exist."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback


def upcoming_sessions(*, user: Any, now: datetime, limit: int = DASHBOARD_LIMIT) -> list[Any]:
    """Live sessions not yet over in open engagements the user takes part in, soonest first."""
    from mentoring.scheduling.models import LiveSession

    mine = Participant.objects.filter(
        engagement_id=OuterRef("engagement_id"), user_id=user.pk, left_at__isnull=True
    )
    candidates = (
        LiveSession.objects.scheduled()
        .filter(Exists(mine), engagement__status__in=sorted(OPEN_STATUSES))
        .filter(starts_at__gte=now - _LONGEST_SESSION)
        .select_related("engagement")
        .order_by("starts_at", "id")
    )
    sessions = []
    # Those that started up to 12 hours ago and have ended are dropped here; looking a few
    # rows further is enough, since one person rarely has many sessions in 12 hours.
    for session in candidates[: limit + 20]:
        if session.ends_at > now:
            session.link = optional_url(  # type: ignore[attr-defined]
                "live_session_detail", session.pk, session.engagement.get_absolute_url()
            )
            sessions.append(session)
        if len(sessions) == limit:
            break
    return sessions


def invitations_for_user(*, user: Any, now: datetime) -> QuerySet[EngagementInvitation]:
    """Pending, unexpired invitations sent to any of the user's verified addresses."""
    from allauth.account.models import EmailAddress

    addresses = (
        EmailAddress.objects.filter(user_id=user.pk, verified=True)
        .annotate(lower=Lower("email"))
        .values("lower")
    )
    return (
        EngagementInvitation.objects.filter(
            status=InvitationStatus.PENDING, expires_at__gt=now, email__in=addresses
        )
        .select_related("engagement", "invited_by")
        .order_by("expires_at", "id")
    )


def course_invitations_for_user(*, user: Any) -> list[Any]:
    from mentoring.courses.models import Enrolment, EnrolmentStatus

    rows = list(
        Enrolment.objects.filter(
            user_id=user.pk,
            status=EnrolmentStatus.INVITED,
            course__engagement__status__in=sorted(OPEN_STATUSES),
        )
        .select_related("course__engagement")
        .order_by("created_at", "id")[:DASHBOARD_LIMIT]
    )
    for row in rows:
        row.link = optional_url(  # type: ignore[attr-defined]
            "course_detail", row.course_id, row.course.engagement.get_absolute_url()
        )
    return rows


def proposals_to_answer(*, user: Any, now: datetime) -> list[Any]:
    from diaspora.matches.models import ProposalStatus
    from diaspora.matches.selectors import proposals_incoming

    return list(
        proposals_incoming(user=user, status=ProposalStatus.PENDING).filter(deadline__gt=now)[
            :DASHBOARD_LIMIT
        ]
    )


def _managed_by(user: Any, *, kind: str | None = None) -> QuerySet[Participant]:
    qs = Participant.objects.filter(
        user_id=user.pk, left_at__isnull=True, role__in=sorted(MANAGER_ROLES)
    )
    if kind is not None:
        qs = qs.filter(engagement__kind=kind)
    return qs


def enrolment_requests_to_decide(*, user: Any) -> list[Any]:
    """Requests to enrol in open courses the user runs."""
    from mentoring.courses.models import Enrolment, EnrolmentStatus

    courses = _managed_by(user, kind=EngagementKind.COURSE).values("engagement_id")
    rows = list(
        Enrolment.objects.filter(
            status=EnrolmentStatus.REQUESTED,
            course_id__in=courses,
            course__engagement__status__in=sorted(OPEN_STATUSES),
        )
        .select_related("user", "course__engagement")
        .order_by("created_at", "id")[:DASHBOARD_LIMIT]
    )
    for row in rows:
        row.link = optional_url(  # type: ignore[attr-defined]
            "course_detail", row.course_id, row.course.engagement.get_absolute_url()
        )
    return rows


def overdue_tasks(*, user: Any, today: date) -> list[Any]:
    """Open tasks past due, assigned to the user or in mentorships the user runs."""
    from mentoring.mentorships.models import GoalStatus, Task

    run = _managed_by(user, kind=EngagementKind.MENTORSHIP).values("engagement_id")
    return list(
        Task.objects.filter(
            done_at__isnull=True,
            due_date__lt=today,
            goal__status=GoalStatus.OPEN,
            goal__engagement__status__in=sorted(OPEN_STATUSES),
        )
        .filter(Q(assignee_id=user.pk) | Q(goal__engagement_id__in=run))
        .select_related("goal__engagement", "assignee")
        .order_by("due_date", "id")[:DASHBOARD_LIMIT]
    )


def overdue_milestones(*, user: Any, today: date) -> list[Any]:
    """Planned or started milestones past due, in projects the user runs."""
    from mentoring.projects.models import OPEN_MILESTONE_STATUSES, Milestone

    run = _managed_by(user, kind=EngagementKind.PROJECT).values("engagement_id")
    return list(
        Milestone.objects.filter(
            status__in=sorted(OPEN_MILESTONE_STATUSES),
            due_date__lt=today,
            engagement_id__in=run,
            engagement__status__in=sorted(OPEN_STATUSES),
        )
        .select_related("engagement")
        .order_by("due_date", "id")[:DASHBOARD_LIMIT]
    )


# --- Programme health ---------------------------------------------------------------------


def stalled_before(now: datetime) -> datetime:
    return now - timedelta(days=settings.ENGAGEMENT_STALLED_DAYS)


def stalled_q(now: datetime) -> Q:
    """Open, and nothing happened for ENGAGEMENT_STALLED_DAYS."""
    return Q(status__in=sorted(OPEN_STATUSES), last_activity_at__lt=stalled_before(now))


@dataclass(frozen=True)
class KindHealth:
    kind: str
    label: str
    # In STATUS_ORDER.
    counts: list[int]
    stalled: int
    total: int


@dataclass(frozen=True)
class ProgrammeHealth:
    rows: list[KindHealth]
    totals: list[int]
    stalled: int
    total: int
    stalled_days: int


def programme_health(*, now: datetime) -> ProgrammeHealth:
    """Counts by kind and status, and how many open ones stalled: one query."""
    grouped = (
        Engagement.objects.order_by()
        .values("kind", "status")
        .annotate(n=Count("id"), stalled=Count("id", filter=stalled_q(now)))
    )
    counts: dict[tuple[str, str], int] = {}
    stalled: dict[str, int] = {}
    for row in grouped:
        counts[(row["kind"], row["status"])] = row["n"]
        stalled[row["kind"]] = stalled.get(row["kind"], 0) + row["stalled"]
    rows = []
    for kind in EngagementKind:
        values = [counts.get((kind.value, status), 0) for status in STATUS_ORDER]
        rows.append(
            KindHealth(
                kind=kind.value,
                label=str(kind.label),
                counts=values,
                stalled=stalled.get(kind.value, 0),
                total=sum(values),
            )
        )
    totals = [sum(row.counts[i] for row in rows) for i in range(len(STATUS_ORDER))]
    return ProgrammeHealth(
        rows=rows,
        totals=totals,
        stalled=sum(row.stalled for row in rows),
        total=sum(totals),
        stalled_days=settings.ENGAGEMENT_STALLED_DAYS,
    )


def stalled_engagements(*, now: datetime) -> QuerySet[Engagement]:
    """Stalled engagements, longest idle first."""
    return (
        Engagement.objects.filter(stalled_q(now))
        .select_related("institution")
        .order_by("last_activity_at", "id")
    )


def days_idle(engagement: Engagement, now: datetime) -> int:
    return (now - engagement.last_activity_at).days


def programme_export() -> Iterator[Engagement]:
    """Every engagement for the CSV export, with `participants_count`, read in chunks."""
    qs = (
        with_participants_count(Engagement.objects.all())
        .select_related("institution")
        .order_by("id")
    )
    return qs.iterator(chunk_size=2000)


def is_stalled(engagement: Engagement, now: datetime) -> bool:
    return engagement.is_open and engagement.last_activity_at < stalled_before(now)


def invitation_address_state(invitation: EngagementInvitation, user: Any) -> str:
    """Whether the signed-in user may answer: "open" (a verified address of theirs),
    "verify" (their address, not verified yet) or "wrong_account"."""
    from allauth.account.models import EmailAddress

    verified = (
        EmailAddress.objects.filter(user_id=user.pk, email__iexact=invitation.email)
        .values_list("verified", flat=True)
        .first()
    )
    if verified is None:
        return "wrong_account"
    return "open" if verified else "verify"

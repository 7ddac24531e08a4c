"""Reads for mentorships: the agreement and who confirmed it, goals with their tasks, the
session log as one viewer may read it, fit checks and the next-ranked mentors."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.institutions.models import MemberRole, Membership
from diaspora.matches.selectors import ReasonRow, institution_levels, reason_rows
from diaspora.people.models import ExpertProfile
from mentoring.engagements.models import Engagement, Participant, ParticipantRole
from mentoring.engagements.permissions import Access
from mentoring.mentorships.models import (
    Agreement,
    AgreementConfirmation,
    FitCheck,
    Goal,
    MentoringSession,
    PrivateNote,
    SessionFeedback,
    Task,
)
from mentoring.mentorships.permissions import MEMBER_ROLES, may_read_feedback

NEXT_MENTORS_LIMIT = 10


# --- People -------------------------------------------------------------------------------


def member_participants(engagement: Engagement) -> list[Participant]:
    """Current mentors and mentees, mentors first."""
    participants = (
        engagement.participants.current().filter(role__in=MEMBER_ROLES).select_related("user")
    )
    return sorted(participants, key=lambda p: (p.role != ParticipantRole.MENTOR, p.joined_at))


def member_users(engagement: Engagement) -> list[User]:
    return [participant.user for participant in member_participants(engagement)]


def coordinator_users(engagement: Engagement) -> list[User]:
    """Who follows the mentorship from above: its coordinators and its institution's admins."""
    users = {
        p.user_id: p.user
        for p in engagement.participants.current()
        .filter(role=ParticipantRole.COORDINATOR)
        .select_related("user")
    }
    if engagement.institution_id:
        for membership in Membership.objects.filter(
            institution_id=engagement.institution_id, role=MemberRole.ADMIN
        ).select_related("user"):
            users.setdefault(membership.user_id, membership.user)
    return [user for user in users.values() if user.is_active]


# --- Agreement ----------------------------------------------------------------------------


@dataclass
class AgreementState:
    """The agreement (None if it was never created) and where its current version stands."""

    agreement: Agreement | None
    mentors: list[User]
    mentees: list[User]
    confirmations: list[AgreementConfirmation]  # of the current version, by current members

    @property
    def version(self) -> int:
        return self.agreement.version if self.agreement else 1

    @property
    def is_written(self) -> bool:
        return bool(self.agreement and self.agreement.goals.strip())

    @property
    def confirmed_ids(self) -> set[int]:
        return {c.user_id for c in self.confirmations}

    @property
    def pending(self) -> list[User]:
        confirmed = self.confirmed_ids
        return [user for user in self.mentors + self.mentees if user.pk not in confirmed]

    @property
    def is_confirmed(self) -> bool:
        return self.is_written and bool(self.mentors and self.mentees) and not self.pending


def agreement_state(engagement: Engagement) -> AgreementState:
    agreement = Agreement.objects.select_related("updated_by").filter(engagement=engagement).first()
    members = member_participants(engagement)
    confirmations: list[AgreementConfirmation] = []
    if agreement is not None:
        member_ids = [p.user_id for p in members]
        confirmations = list(
            AgreementConfirmation.objects.filter(
                agreement=agreement, version=agreement.version, user_id__in=member_ids
            )
            .select_related("user")
            .order_by("confirmed_at", "id")
        )
    return AgreementState(
        agreement=agreement,
        mentors=[p.user for p in members if p.role == ParticipantRole.MENTOR],
        mentees=[p.user for p in members if p.role == ParticipantRole.MENTEE],
        confirmations=confirmations,
    )


def mentorship_start_problems(engagement: Engagement) -> list[str]:
    """The start check: why the mentorship may not become active yet, translated."""
    state = agreement_state(engagement)
    problems = []
    if not state.mentors:
        problems.append(_("A mentorship needs a mentor before it starts."))
    if not state.mentees:
        problems.append(_("A mentorship needs at least one mentee before it starts."))
    if not state.is_written:
        problems.append(_("Write the goals of the agreement before the mentorship starts."))
    pending = state.pending
    if pending:
        problems.append(
            _("Not everyone has confirmed version %(version)s of the agreement yet: %(names)s.")
            % {
                "version": state.version,
                "names": ", ".join(user.display_name for user in pending),
            }
        )
    return problems


# --- Goals and tasks ----------------------------------------------------------------------


def goals_with_tasks(engagement: Engagement) -> QuerySet[Goal]:
    """Goals, oldest first, each with its tasks (open first by due date) and assignees."""
    tasks = Task.objects.select_related("assignee").order_by(
        "done_at", "due_date", "created_at", "id"
    )
    return (
        Goal.objects.filter(engagement=engagement)
        .select_related("created_by")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
        .order_by("created_at", "id")
    )


# --- Sessions -----------------------------------------------------------------------------


def sessions_of(engagement: Engagement) -> QuerySet[MentoringSession]:
    """The session log, latest first, with who logged and who attended."""
    return (
        MentoringSession.objects.filter(engagement=engagement)
        .select_related("logged_by")
        .prefetch_related("attendees")
        .order_by("-held_at", "-id")
    )


@dataclass
class SessionView:
    """One session as one viewer may read it: the shared notes, only the viewer's own
    private note, and only the feedback the viewer may read."""

    session: MentoringSession
    private_note: PrivateNote | None
    feedback: list[SessionFeedback]
    my_feedback: SessionFeedback | None
    attended: bool
    can_give_feedback: bool
    attendee_names: list[str] = field(default_factory=list)


def session_views(access: Access, sessions: Sequence[MentoringSession]) -> list[SessionView]:
    """Two queries for any number of sessions (sessions come with their attendees)."""
    ids = [session.pk for session in sessions]
    notes = {
        note.session_id: note
        for note in PrivateNote.objects.filter(session_id__in=ids, author_id=access.user_id)
    }
    feedback_rows = (
        SessionFeedback.objects.filter(session_id__in=ids)
        .select_related("author")
        .order_by("created_at", "id")
    )
    if not access.is_manager:
        # Not even read: a mentee's query never returns another person's feedback.
        feedback_rows = feedback_rows.filter(author_id=access.user_id)
    by_session: dict[int, list[SessionFeedback]] = {}
    for row in feedback_rows:
        if may_read_feedback(access, row):
            by_session.setdefault(row.session_id, []).append(row)
    member = access.participant is not None and access.participant.role in MEMBER_ROLES
    views = []
    for session in sessions:
        feedback = by_session.get(session.pk, [])
        mine = next((f for f in feedback if f.author_id == access.user_id), None)
        attendees = list(session.attendees.all())
        attended = any(user.pk == access.user_id for user in attendees)
        views.append(
            SessionView(
                session=session,
                private_note=notes.get(session.pk),
                feedback=feedback,
                my_feedback=mine,
                attended=attended,
                can_give_feedback=member and attended and mine is None,
                attendee_names=[user.display_name for user in attendees],
            )
        )
    return views


# --- Fit checks ---------------------------------------------------------------------------


def own_fit_check(access: Access) -> FitCheck | None:
    return FitCheck.objects.filter(engagement=access.engagement, user_id=access.user_id).first()


def fit_checks_of(engagement: Engagement) -> list[FitCheck]:
    """Every fit check, for coordinators and overseers only."""
    return list(
        FitCheck.objects.filter(engagement=engagement)
        .select_related("user")
        .order_by("asked_at", "id")
    )


# --- The next-ranked mentors --------------------------------------------------------------


@dataclass(frozen=True)
class MentorRow:
    expert: ExpertProfile
    score: float
    reasons: list[ReasonRow]


def mentor_expert_ids(engagement: Engagement) -> list[int]:
    """Expert profiles of everyone who has been a mentor here, whether or not they left."""
    users = Participant.objects.filter(engagement=engagement, role=ParticipantRole.MENTOR)
    return list(
        ExpertProfile.objects.filter(user_id__in=users.values("user_id")).values_list(
            "pk", flat=True
        )
    )


def next_mentor_rows(
    *, engagement: Engagement, viewer: Any, limit: int = NEXT_MENTORS_LIMIT
) -> list[MentorRow]:
    """The best experts for the engagement's need other than its current and past mentors,
    ranked and explained with what the viewer may read (and never more than the need's
    institution may). Empty when the engagement came from no need."""
    from diaspora.matching.selectors import expert_matches, levels_for

    need = engagement.need
    if need is None:
        return []
    levels = levels_for(viewer) & institution_levels(need)
    matches = expert_matches(
        need=need, levels=levels, limit=limit, exclude=mentor_expert_ids(engagement)
    )
    return [
        MentorRow(
            expert=match.profile,
            score=float(match.ranked.score),
            reasons=reason_rows(match.ranked.reasons),
        )
        for match in matches
    ]

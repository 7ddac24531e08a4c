"""Who may do what in a mentorship. Pages and the API call the same helpers.

Seeing a mentorship follows `mentoring.engagements.permissions`: its participants and the
admins of its institution (overseers); anyone else gets 404, as for a missing one, and so
does a sub-object (goal, task, session) of another engagement.

- The agreement is edited by those who run the mentorship (mentor, coordinator, overseer)
  and confirmed by each current mentor and mentee.
- Goals and tasks: everyone who sees the mentorship adds and updates them.
- Sessions are logged by the mentor and the mentees, who attended them.
- Private notes: each person writes and reads only their own.
- Feedback: each attendee (mentor or mentee) gives it once per session. Its content is read
  by its author and by those who run the mentorship (mentor, coordinator, overseer): the
  mentor learns from the mentees, and coordinators follow how it goes, but mentees never
  read one another's feedback, nor the mentor's.
- Fit checks: each person answers their own; the answers are read by that person and by
  coordinators and overseers, never by the other side.
- The next-ranked mentors are shown to coordinators and overseers, and to whoever answered
  "no" to their fit check.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from mentoring.engagements.models import EngagementKind, ParticipantRole
from mentoring.engagements.permissions import Access, get_engagement_access
from mentoring.mentorships.models import FitCheck, Goal, MentoringSession, SessionFeedback, Task

# The people a mentorship is about: they confirm the agreement, log sessions, give feedback.
MEMBER_ROLES = frozenset({ParticipantRole.MENTOR, ParticipantRole.MENTEE})


def get_mentorship_access(user: Any, pk: int, *, for_write: bool = False) -> Access:
    """The viewer's access to a mentorship: Http404 when it is missing, not a mentorship or
    not visible; with `for_write`, PermissionDenied unless the viewer runs it."""
    access = get_engagement_access(user, pk)
    if access.engagement.kind != EngagementKind.MENTORSHIP:
        raise Http404
    if for_write and not access.is_manager:
        raise PermissionDenied
    return access


def is_member(access: Access) -> bool:
    """A current mentor or mentee."""
    return access.participant is not None and access.participant.role in MEMBER_ROLES


def is_coordinator(access: Access) -> bool:
    """A coordinator of the mentorship or an admin of its institution."""
    return access.overseer or access.role == ParticipantRole.COORDINATOR


def require_member(access: Access) -> None:
    if not is_member(access):
        raise PermissionDenied


def may_read_feedback(access: Access, feedback: SessionFeedback) -> bool:
    return access.is_manager or feedback.author_id == access.user_id


def may_see_next_mentors(access: Access) -> bool:
    if is_coordinator(access):
        return True
    return FitCheck.objects.filter(
        engagement=access.engagement, user_id=access.user_id, fits=False
    ).exists()


def require_next_mentors(access: Access) -> None:
    if not may_see_next_mentors(access):
        raise PermissionDenied


def get_goal(access: Access, goal_id: int) -> Goal:
    goal = Goal.objects.filter(pk=goal_id, engagement=access.engagement).first()
    if goal is None:
        raise Http404
    return goal


def get_task(access: Access, task_id: int) -> Task:
    task = (
        Task.objects.select_related("goal", "assignee")
        .filter(pk=task_id, goal__engagement=access.engagement)
        .first()
    )
    if task is None:
        raise Http404
    return task


def get_session(access: Access, session_id: int) -> MentoringSession:
    session = (
        MentoringSession.objects.select_related("logged_by")
        .filter(pk=session_id, engagement=access.engagement)
        .first()
    )
    if session is None:
        raise Http404
    return session


def get_own_fit_check(access: Access) -> FitCheck:
    """The viewer's own fit check: 404 when they were not asked."""
    fit_check = FitCheck.objects.filter(
        engagement=access.engagement, user_id=access.user_id
    ).first()
    if fit_check is None:
        raise Http404
    return fit_check

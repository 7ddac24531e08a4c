"""Who may see and do what in a joint project. Pages and the API call the same helpers.

A project is an engagement, so `get_engagement_access` decides who sees it (participants and
admins of its institution; everyone else gets 404) and who runs it (managers and those
admins; a participant who may only read gets PermissionDenied). On top of that:

- any current participant (and an overseer) adds outputs and moves a milestone's status;
- the expert side approves the work plan through a participant on the expert side, the
  institution side through a participant on the institution side or an overseer;
- an output is removed by whoever added it or by a manager.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.institutions.models import Institution, Membership
from mentoring.engagements.models import EngagementKind, Participant, Side
from mentoring.engagements.permissions import Access, get_engagement_access
from mentoring.projects.models import ImpactReport, Milestone, Output, Project


def get_project_access(user: Any, pk: int, *, for_write: bool = False) -> Access:
    """The access to a joint project; any other kind of engagement is not found here."""
    access = get_engagement_access(user, pk)
    if access.engagement.kind != EngagementKind.PROJECT:
        raise Http404
    if for_write and not access.is_manager:
        raise PermissionDenied
    return access


def get_project(access: Access) -> Project:
    project = Project.objects.filter(engagement=access.engagement).first()
    if project is None:  # a project engagement always has one; an old row might not
        raise Http404
    return project


def get_member_institution(user: Any, pk: int) -> Institution:
    """An institution the user acts for: creating a project. Institutions are public, so
    a non-member is refused (403), not told it is missing."""
    institution = Institution.objects.filter(pk=pk).first()
    if institution is None:
        raise Http404
    if not (
        user.is_authenticated
        and Membership.objects.filter(user=user, institution=institution).exists()
    ):
        raise PermissionDenied
    return institution


def approvable_sides(access: Access) -> list[str]:
    """The sides this viewer may approve the work plan for, in a fixed order."""
    sides: list[str] = []
    participant_side = access.participant.side if access.participant else ""
    if participant_side == Side.EXPERT:
        sides.append(Side.EXPERT)
    if participant_side == Side.INSTITUTION or access.overseer:
        sides.append(Side.INSTITUTION)
    return sides


def require_approver(access: Access) -> list[str]:
    sides = approvable_sides(access)
    if not sides:
        raise PermissionDenied
    return sides


def get_milestone(access: Access, pk: int) -> Milestone:
    milestone = Milestone.objects.filter(engagement=access.engagement, pk=pk).first()
    if milestone is None:
        raise Http404
    return milestone


def get_output(access: Access, pk: int, *, for_removal: bool = False) -> Output:
    output = (
        Output.objects.select_related("added_by")
        .filter(engagement=access.engagement, pk=pk)
        .first()
    )
    if output is None:
        raise Http404
    if for_removal and not may_remove_output(access, output):
        raise PermissionDenied
    return output


def may_remove_output(access: Access, output: Output) -> bool:
    return access.is_manager or output.added_by_id == access.user_id


def get_impact_report(access: Access, pk: int) -> ImpactReport:
    report = (
        ImpactReport.objects.select_related("submitted_by")
        .filter(engagement=access.engagement, pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def get_member(access: Access, pk: int) -> Participant:
    """A current participant of this project, for a manager to change or remove."""
    participant = (
        access.engagement.participants.current().select_related("user").filter(pk=pk).first()
    )
    if participant is None:
        raise Http404
    return participant

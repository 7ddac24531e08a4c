"""Reads of joint projects: members by side, approval state, milestones with overdue marks,
outputs, impact reports, the start check and the engagement page's project panel."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.engagements.models import (
    Engagement,
    EngagementInvitation,
    EngagementStatus,
    InvitationStatus,
    Participant,
    Side,
)
from mentoring.engagements.permissions import Access
from mentoring.projects.models import (
    ImpactReport,
    Milestone,
    MilestoneStatus,
    Output,
    Project,
    WorkPlanApproval,
)
from mentoring.projects.permissions import approvable_sides, may_remove_output

SIDE_ORDER = (Side.EXPERT, Side.INSTITUTION)


def viewer_today(user: Any) -> date:
    """Today in the viewer's own time zone, also for an API call made with a token (the
    time-zone middleware only knows session users)."""
    name = getattr(user, "timezone", "") if getattr(user, "is_authenticated", False) else ""
    try:
        zone = zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localdate(timezone=zone)


# --- Members ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideGroup:
    side: str
    label: str
    members: list[Participant]


def project_members(engagement: Engagement) -> list[Participant]:
    return list(
        engagement.participants.current().select_related("user").order_by("joined_at", "id")
    )


def members_by_side(members: list[Participant]) -> list[SideGroup]:
    """Expert side, institution side, then anyone with no side; empty groups left out."""
    groups: list[SideGroup] = []
    for side in SIDE_ORDER:
        chosen = [m for m in members if m.side == side]
        if chosen:
            groups.append(SideGroup(side=side, label=str(Side(side).label), members=chosen))
    others = [m for m in members if m.side not in SIDE_ORDER]
    if others:
        groups.append(SideGroup(side="", label=_("No side"), members=others))
    return groups


def pending_invitations(engagement: Engagement) -> list[EngagementInvitation]:
    return [
        invitation
        for invitation in engagement.invitations.filter(status=InvitationStatus.PENDING)
        .select_related("invited_by")
        .order_by("created_at", "id")
        if invitation.is_pending
    ]


# --- Work plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SideApproval:
    side: str
    label: str
    approval: WorkPlanApproval | None

    @property
    def approved(self) -> bool:
        return self.approval is not None


def approval_state(project: Project) -> list[SideApproval]:
    """For each side, its approval of the current version, or None."""
    current = {
        approval.side: approval
        for approval in WorkPlanApproval.objects.filter(
            project=project, version=project.work_plan_version
        ).select_related("approved_by")
    }
    return [
        SideApproval(side=side, label=str(Side(side).label), approval=current.get(side))
        for side in SIDE_ORDER
    ]


def project_start_problems(engagement: Engagement) -> list[str]:
    """Why a project cannot start yet, translated; empty when it can. Registered as the
    start check of the kind: the status machine refuses `active` while this has reasons."""
    project = Project.objects.filter(engagement=engagement).first()
    if project is None:
        return [_("This project has no work plan yet.")]
    problems: list[str] = []
    if not project.work_plan.strip():
        problems.append(_("Write the work plan first."))
    if not engagement.participants.current().filter(side=Side.EXPERT).exists():
        problems.append(_("No one takes part on the expert side yet: invite at least one expert."))
    approved = set(
        project.approvals.filter(version=project.work_plan_version).values_list("side", flat=True)
    )
    for side in SIDE_ORDER:
        if side not in approved:
            problems.append(
                _("The %(side)s has not approved the current work plan (version %(version)s).")
                % {"side": str(Side(side).label).lower(), "version": project.work_plan_version}
            )
    return problems


# --- Milestones, outputs, reports ---------------------------------------------------------


def project_milestones(engagement: Engagement) -> QuerySet[Milestone]:
    return Milestone.objects.filter(engagement=engagement).order_by("due_date", "id")


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    overdue: bool
    next_statuses: list[tuple[str, str]]


def milestone_rows(
    milestones: QuerySet[Milestone] | list[Milestone], today: date
) -> list[MilestoneRow]:
    return [
        MilestoneRow(
            milestone=m,
            overdue=m.is_overdue_on(today),
            next_statuses=[(s, str(MilestoneStatus(s).label)) for s in m.next_statuses],
        )
        for m in milestones
    ]


def project_outputs(engagement: Engagement) -> QuerySet[Output]:
    return (
        Output.objects.filter(engagement=engagement)
        .select_related("added_by")
        .order_by("-created_at", "-id")
    )


def project_reports(engagement: Engagement) -> QuerySet[ImpactReport]:
    return (
        ImpactReport.objects.filter(engagement=engagement)
        .select_related("submitted_by")
        .order_by("submitted_at", "id")
    )


# --- The panel on the engagement page ----------------------------------------------------


@dataclass(frozen=True)
class OutputRow:
    output: Output
    can_remove: bool


def output_rows(outputs: QuerySet[Output] | list[Output], access: Access) -> list[OutputRow]:
    return [OutputRow(output=o, can_remove=may_remove_output(access, o)) for o in outputs]


@dataclass(frozen=True)
class ReportRow:
    id: int
    title: str
    period_start: date | None
    period_end: date | None
    submitted_at: datetime
    submitted_by: str


def project_panel(access: Access) -> dict[str, Any]:
    """The project's section of the engagement page, for one viewer."""
    engagement = access.engagement
    project = Project.objects.filter(engagement=engagement).first()
    if project is None:
        return {"project": None}
    today = timezone.localdate()  # the middleware made it the viewer's zone
    sides = approval_state(project)
    approved_by_me = {
        s.side for s in sides if s.approval and s.approval.approved_by_id == access.user_id
    }
    may_approve = [
        s
        for s in sides
        if s.side in approvable_sides(access) and not s.approved and not approved_by_me
    ]
    reports = [
        ReportRow(
            id=r.pk,
            title=r.title,
            period_start=r.period_start,
            period_end=r.period_end,
            submitted_at=r.submitted_at,
            submitted_by=r.submitted_by.display_name if r.submitted_by else "",
        )
        for r in project_reports(engagement)
    ]
    return {
        "project": project,
        "is_open": engagement.is_open,
        "can_manage": access.is_manager,
        "approvals": sides,
        "may_approve": may_approve if engagement.is_open and project.work_plan.strip() else [],
        "start_problems": project_start_problems(engagement)
        if engagement.status == EngagementStatus.PROPOSED
        else [],
        "milestones": milestone_rows(project_milestones(engagement), today),
        "outputs": output_rows(project_outputs(engagement), access),
        "reports": reports,
    }

"""Joint projects over the API: creation by an institution, the work plan and its approval,
milestones, outputs, the impact plan and impact reports. The pages' permission helpers decide
here too: an engagement you cannot see is a 404, a manager's action a 403 for the others."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from mentoring.engagements.models import Engagement, EngagementInvitation
from mentoring.engagements.permissions import Access
from mentoring.projects import services
from mentoring.projects.models import ImpactReport, Milestone, Output, Project
from mentoring.projects.permissions import (
    approvable_sides,
    get_impact_report,
    get_member_institution,
    get_milestone,
    get_output,
    get_project,
    get_project_access,
    may_remove_output,
    require_approver,
)
from mentoring.projects.selectors import (
    approval_state,
    project_milestones,
    project_outputs,
    project_reports,
    project_start_problems,
    viewer_today,
)

router = Router()


# -- schemas --------------------------------------------------------------------------------


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field("member", description="lead or member")
    side: str = Field("expert", description="expert or institution")
    role_title: str = Field("", max_length=100, description="For example “data analyst”.")


class ProjectIn(Schema):
    title: str = Field(max_length=200)
    summary: str = Field("", max_length=10_000, description="Markdown")
    work_plan: str = Field("", max_length=50_000, description="Markdown")
    impact_plan: str = Field("", max_length=50_000, description="Markdown")
    message: str = Field("", max_length=2000, description="Sent with every invitation.")
    invitations: list[InvitationIn] = Field(
        description="At least one. All are sent, or none and nothing is created."
    )


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    side: str
    role_title: str
    status: str
    expires_at: datetime


class ProjectOut(Schema):
    id: int = Field(description="The engagement's id.")
    url: str
    title: str
    status: str
    institution_id: int | None
    work_plan_version: int
    invitations: list[InvitationOut]


class ApprovalOut(Schema):
    side: str
    approved: bool
    approved_by: str | None
    approved_at: datetime | None


class WorkPlanOut(Schema):
    engagement_id: int
    version: int
    work_plan: str
    work_plan_html: str
    approvals: list[ApprovalOut] = Field(description="Of the current version, one per side.")
    can_edit: bool
    can_approve: list[str] = Field(description="The sides you may approve for.")
    start_problems: list[str] = Field(description="Why it cannot start yet; empty when it can.")


class WorkPlanIn(Schema):
    work_plan: str = Field(max_length=50_000, description="Markdown; a change is a new version.")


class ApproveIn(Schema):
    version: int = Field(description="The version you read; refused if it changed since.")
    side: str | None = Field(
        None, description="expert or institution; may be left out when you may approve only one."
    )


class ImpactPlanOut(Schema):
    engagement_id: int
    impact_plan: str
    impact_plan_html: str
    can_edit: bool


class ImpactPlanIn(Schema):
    impact_plan: str = Field(max_length=50_000, description="Markdown")


class MilestoneOut(Schema):
    id: int
    title: str
    description: str
    due_date: date
    status: str
    completed_at: datetime | None
    overdue: bool = Field(description="Open and past due in your time zone.")
    next_statuses: list[str]
    created_at: datetime


class MilestonePage(Schema):
    meta: PageMeta
    results: list[MilestoneOut]


class MilestoneIn(Schema):
    title: str = Field(max_length=200)
    due_date: date
    description: str = Field("", max_length=5000)


class MilestonePatch(Schema):
    title: str | None = Field(None, max_length=200)
    due_date: date | None = None
    description: str | None = Field(None, max_length=5000)
    status: str | None = Field(
        None, description="planned → in_progress → done; dropped from either open state"
    )


class OutputOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    description: str
    published_on: date | None
    added_by: str | None
    created_at: datetime
    can_remove: bool


class OutputPage(Schema):
    meta: PageMeta
    results: list[OutputOut]


class OutputIn(Schema):
    kind: str = Field(description="publication, curriculum, dataset, software, link or other")
    title: str = Field(max_length=300)
    url: str = Field("", max_length=500, description="http or https only")
    description: str = Field("", max_length=5000)
    published_on: date | None = None


class ImpactReportOut(Schema):
    id: int
    url: str
    title: str
    period_start: date | None
    period_end: date | None
    body: str
    body_html: str
    submitted_by: str | None
    submitted_at: datetime


class ImpactReportPage(Schema):
    meta: PageMeta
    results: list[ImpactReportOut]


class ImpactReportIn(Schema):
    title: str = Field(max_length=200)
    period_start: date
    period_end: date
    body: str = Field(max_length=50_000, description="Markdown")


# -- serialisers ----------------------------------------------------------------------------


def invitation_out(invitation: EngagementInvitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "side": invitation.side,
        "role_title": invitation.role_title,
        "status": invitation.status,
        "expires_at": invitation.expires_at,
    }


def project_out(engagement: Engagement, project: Project) -> dict[str, Any]:
    return {
        "id": engagement.pk,
        "url": engagement.get_absolute_url(),
        "title": engagement.title,
        "status": engagement.status,
        "institution_id": engagement.institution_id,
        "work_plan_version": project.work_plan_version,
        "invitations": [
            invitation_out(i) for i in engagement.invitations.order_by("created_at", "id")
        ],
    }


def work_plan_out(access: Access, project: Project) -> dict[str, Any]:
    engagement = access.engagement
    return {
        "engagement_id": engagement.pk,
        "version": project.work_plan_version,
        "work_plan": project.work_plan,
        "work_plan_html": project.work_plan_html,
        "approvals": [
            {
                "side": state.side,
                "approved": state.approved,
                "approved_by": state.approval.approved_by.display_name
                if state.approval and state.approval.approved_by
                else None,
                "approved_at": state.approval.approved_at if state.approval else None,
            }
            for state in approval_state(project)
        ],
        "can_edit": access.is_manager and engagement.is_open,
        "can_approve": approvable_sides(access) if engagement.is_open else [],
        "start_problems": project_start_problems(engagement)
        if engagement.started_at is None
        else [],
    }


def impact_plan_out(access: Access, project: Project) -> dict[str, Any]:
    return {
        "engagement_id": access.engagement.pk,
        "impact_plan": project.impact_plan,
        "impact_plan_html": project.impact_plan_html,
        "can_edit": access.is_manager,
    }


def milestone_out(milestone: Milestone, today: date) -> dict[str, Any]:
    return {
        "id": milestone.pk,
        "title": milestone.title,
        "description": milestone.description,
        "due_date": milestone.due_date,
        "status": milestone.status,
        "completed_at": milestone.completed_at,
        "overdue": milestone.is_overdue_on(today),
        "next_statuses": milestone.next_statuses,
        "created_at": milestone.created_at,
    }


def output_out(output: Output, access: Access) -> dict[str, Any]:
    return {
        "id": output.pk,
        "kind": output.kind,
        "title": output.title,
        "url": output.url,
        "description": output.description,
        "published_on": output.published_on,
        "added_by": output.added_by.display_name if output.added_by else None,
        "created_at": output.created_at,
        "can_remove": may_remove_output(access, output),
    }


def report_out(report: ImpactReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "url": reverse("project_impact_report", args=[report.engagement_id, report.pk]),
        "title": report.title,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "body": report.body,
        "body_html": report.body_html,
        "submitted_by": report.submitted_by.display_name if report.submitted_by else None,
        "submitted_at": report.submitted_at,
    }


# -- creation -------------------------------------------------------------------------------


@router.post(
    "/institutions/{int:institution_id}/projects",
    response={201: ProjectOut},
    summary="Propose a joint project for your institution and invite its people",
)
def create_project(request: HttpRequest, institution_id: int, payload: ProjectIn) -> Status:
    user = signed_in_user(request)
    institution = get_member_institution(user, institution_id)
    engagement = services.project_create(
        institution=institution,
        created_by=user,
        title=payload.title,
        summary=payload.summary,
        work_plan=payload.work_plan,
        impact_plan=payload.impact_plan,
        message=payload.message,
        invitations=[
            services.InvitationLine(
                email=line.email, role=line.role, side=line.side, role_title=line.role_title
            )
            for line in payload.invitations
        ],
    )
    return Status(201, project_out(engagement, engagement.project))


# -- work plan ------------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/work-plan",
    response=WorkPlanOut,
    summary="A project's work plan and each side's approval of the current version",
)
def get_work_plan(request: HttpRequest, engagement_id: int) -> dict[str, Any]:
    access = get_project_access(signed_in_user(request), engagement_id)
    return work_plan_out(access, get_project(access))


@router.put(
    "/engagements/{int:engagement_id}/work-plan",
    response=WorkPlanOut,
    summary="Change the work plan (managers); a change voids earlier approvals",
)
def put_work_plan(request: HttpRequest, engagement_id: int, payload: WorkPlanIn) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id, for_write=True)
    project = services.project_work_plan_update(
        engagement=access.engagement, by=user, work_plan=payload.work_plan
    )
    return work_plan_out(access, project)


@router.post(
    "/engagements/{int:engagement_id}/work-plan/approve",
    response=WorkPlanOut,
    summary="Approve the current version for your side",
)
def approve_work_plan(
    request: HttpRequest, engagement_id: int, payload: ApproveIn
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id)
    sides = require_approver(access)
    side = payload.side
    if side is None:
        if len(sides) > 1:
            raise ValidationError({"side": [_("Say which side you approve for.")]})
        side = sides[0]
    services.project_work_plan_approve(
        engagement=access.engagement, by=user, side=side, version=payload.version
    )
    return work_plan_out(access, get_project(access))


# -- impact plan ----------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/impact-plan",
    response=ImpactPlanOut,
    summary="A project's impact plan",
)
def get_impact_plan(request: HttpRequest, engagement_id: int) -> dict[str, Any]:
    access = get_project_access(signed_in_user(request), engagement_id)
    return impact_plan_out(access, get_project(access))


@router.put(
    "/engagements/{int:engagement_id}/impact-plan",
    response=ImpactPlanOut,
    summary="Change the impact plan (managers)",
)
def put_impact_plan(
    request: HttpRequest, engagement_id: int, payload: ImpactPlanIn
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id, for_write=True)
    project = services.project_impact_plan_update(
        engagement=access.engagement, by=user, impact_plan=payload.impact_plan
    )
    return impact_plan_out(access, project)


# -- milestones -----------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/milestones",
    response=MilestonePage,
    summary="A project's milestones by due date",
)
def list_milestones(
    request: HttpRequest, engagement_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id)
    today = viewer_today(user)
    return paginated(
        project_milestones(access.engagement), query, lambda m: milestone_out(m, today)
    )


@router.post(
    "/engagements/{int:engagement_id}/milestones",
    response={201: MilestoneOut},
    summary="Add a milestone (managers)",
)
def create_milestone(request: HttpRequest, engagement_id: int, payload: MilestoneIn) -> Status:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id, for_write=True)
    milestone = services.milestone_add(
        engagement=access.engagement,
        by=user,
        title=payload.title,
        due_date=payload.due_date,
        description=payload.description,
    )
    return Status(201, milestone_out(milestone, viewer_today(user)))


def _given(details: dict[str, Any], key: str, current: Any) -> Any:
    """A PATCH field: the value sent, or what it was when left out or null."""
    value = details.get(key)
    return current if value is None else value


@router.patch(
    "/engagements/{int:engagement_id}/milestones/{int:milestone_id}",
    response=MilestoneOut,
    summary="Change a milestone: its status (anyone taking part), its details (managers)",
)
def update_milestone(
    request: HttpRequest, engagement_id: int, milestone_id: int, payload: MilestonePatch
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id)
    milestone = get_milestone(access, milestone_id)
    given = payload.dict(exclude_unset=True)
    details = {k: v for k, v in given.items() if k in ("title", "due_date", "description")}
    if details:
        if not access.is_manager:
            raise PermissionDenied
        milestone = services.milestone_update(
            milestone=milestone,
            by=user,
            title=_given(details, "title", milestone.title),
            due_date=_given(details, "due_date", milestone.due_date),
            description=_given(details, "description", milestone.description),
        )
    if given.get("status") is not None and given["status"] != milestone.status:
        milestone = services.milestone_set_status(
            milestone=milestone, by=user, status=given["status"]
        )
    return milestone_out(milestone, viewer_today(user))


# -- outputs --------------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/outputs",
    response=OutputPage,
    summary="What a project produced, newest first",
)
def list_outputs(
    request: HttpRequest, engagement_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    access = get_project_access(signed_in_user(request), engagement_id)
    return paginated(project_outputs(access.engagement), query, lambda o: output_out(o, access))


@router.post(
    "/engagements/{int:engagement_id}/outputs",
    response={201: OutputOut},
    summary="Add an output (anyone taking part)",
)
def create_output(request: HttpRequest, engagement_id: int, payload: OutputIn) -> Status:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id)
    output = services.output_add(
        engagement=access.engagement,
        by=user,
        kind=payload.kind,
        title=payload.title,
        url=payload.url,
        description=payload.description,
        published_on=payload.published_on,
    )
    return Status(201, output_out(output, access))


@router.delete(
    "/engagements/{int:engagement_id}/outputs/{int:output_id}",
    response={204: None},
    summary="Remove an output (whoever added it, or a manager)",
)
def delete_output(request: HttpRequest, engagement_id: int, output_id: int) -> Status:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id)
    output = get_output(access, output_id, for_removal=True)
    services.output_remove(output=output, by=user)
    return Status(204, None)


# -- impact reports -------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/impact-reports",
    response=ImpactReportPage,
    summary="A project's impact reports in the order they were submitted",
)
def list_impact_reports(
    request: HttpRequest, engagement_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    access = get_project_access(signed_in_user(request), engagement_id)
    return paginated(project_reports(access.engagement), query, report_out)


@router.post(
    "/engagements/{int:engagement_id}/impact-reports",
    response={201: ImpactReportOut},
    summary="Submit an impact report (managers)",
)
def create_impact_report(
    request: HttpRequest, engagement_id: int, payload: ImpactReportIn
) -> Status:
    user = signed_in_user(request)
    access = get_project_access(user, engagement_id, for_write=True)
    report = services.impact_report_submit(
        engagement=access.engagement,
        by=user,
        title=payload.title,
        period_start=payload.period_start,
        period_end=payload.period_end,
        body=payload.body,
    )
    return Status(201, report_out(report))


@router.get(
    "/engagements/{int:engagement_id}/impact-reports/{int:report_id}",
    response=ImpactReportOut,
    summary="One impact report",
)
def get_impact_report_one(
    request: HttpRequest, engagement_id: int, report_id: int
) -> dict[str, Any]:
    access = get_project_access(signed_in_user(request), engagement_id)
    return report_out(get_impact_report(access, report_id))

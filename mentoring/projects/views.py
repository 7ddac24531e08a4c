"""Pages of joint projects: creation by an institution, members, the work plan and its
approval, milestones, outputs, the impact plan and impact reports.

Each view: permission helper → form → service → redirect, or the form again with its errors
and everything the user typed.
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from mentoring.engagements.permissions import Access
from mentoring.engagements.services import engagement_invitation_send
from mentoring.projects import services
from mentoring.projects.forms import (
    ApproveForm,
    BaseInvitationFormSet,
    ImpactPlanForm,
    ImpactReportForm,
    InvitationFormSet,
    InviteForm,
    MemberForm,
    MilestoneForm,
    MilestoneStatusForm,
    OutputForm,
    ProjectForm,
    WorkPlanForm,
)
from mentoring.projects.permissions import (
    get_impact_report,
    get_member,
    get_member_institution,
    get_milestone,
    get_output,
    get_project,
    get_project_access,
    require_approver,
)
from mentoring.projects.selectors import (
    approval_state,
    members_by_side,
    milestone_rows,
    output_rows,
    pending_invitations,
    project_members,
    project_milestones,
    project_outputs,
    project_reports,
)


def _back(request: AuthedRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (a path on this site), or to `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _engagement_url(access: Access, anchor: str = "") -> str:
    url = access.engagement.get_absolute_url()
    return f"{url}#{anchor}" if anchor else url


# --- Creation -----------------------------------------------------------------------------


def _place_create_errors(
    form: ProjectForm,
    lines: list[tuple[int, Any]],
    error: ValidationError,
) -> None:
    """`invitations.<k>.<field>` names the k-th line sent, which is the form at lines[k]."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, errors in error.message_dict.items():
        parts = key.split(".")
        if parts[0] == "invitations" and len(parts) >= 2 and parts[1].isdigit():
            sent = int(parts[1])
            field = parts[2] if len(parts) > 2 else None
            if sent < len(lines):
                line_form = lines[sent][1]
                line_form.add_error(field if field in line_form.fields else None, errors)
                continue
        form.add_error(key if key in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: AuthedRequest, pk: int) -> HttpResponse:
    """A member of an institution proposes a joint project and invites its people."""
    institution = get_member_institution(request.user, pk)
    data = request.POST if request.method == "POST" else None
    form = ProjectForm(data)
    formset = cast(BaseInvitationFormSet, InvitationFormSet(data, prefix="invitations"))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        lines = formset.filled()
        try:
            engagement = services.project_create(
                institution=institution,
                created_by=request.user,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                work_plan=form.cleaned_data["work_plan"],
                impact_plan=form.cleaned_data["impact_plan"],
                message=form.cleaned_data["message"],
                invitations=[line_form.line() for _index, line_form in lines],
            )
        except ValidationError as error:
            _place_create_errors(form, lines, error)
        else:
            messages.success(
                request,
                ngettext(
                    "The project is proposed and %(count)s invitation is sent.",
                    "The project is proposed and %(count)s invitations are sent.",
                    len(lines),
                )
                % {"count": len(lines)},
            )
            return redirect(engagement)
    return render(
        request,
        "projects/project_form.html",
        {"institution": institution, "form": form, "formset": formset},
    )


# --- Members ------------------------------------------------------------------------------


def _render_members(
    request: AuthedRequest,
    access: Access,
    *,
    bound: tuple[int, MemberForm] | None = None,
    invite_form: InviteForm | None = None,
) -> HttpResponse:
    members = project_members(access.engagement)
    rows = []
    for member in members:
        if bound is not None and bound[0] == member.pk:
            member_form = bound[1]
        else:
            member_form = MemberForm(
                initial={"role": member.role, "role_title": member.role_title},
                auto_id=f"id_m{member.pk}_%s",
            )
        rows.append((member, member_form))
    forms_by_id = {member.pk: f for member, f in rows}
    groups = [
        (group, [(m, forms_by_id[m.pk]) for m in group.members])
        for group in members_by_side(members)
    ]
    return render(
        request,
        "projects/members.html",
        {
            "engagement": access.engagement,
            "access": access,
            "groups": groups,
            "invitations": pending_invitations(access.engagement) if access.is_manager else [],
            "invite_form": invite_form or InviteForm(),
        },
    )


@login_required
def project_members_page(request: AuthedRequest, pk: int) -> HttpResponse:
    return _render_members(request, get_project_access(request.user, pk))


@login_required
@require_POST
def project_member_update(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk, for_write=True)
    participant = get_member(access, member_pk)
    form = MemberForm(request.POST, auto_id=f"id_m{participant.pk}_%s")
    if form.is_valid():
        try:
            services.project_member_update(
                participant=participant,
                by=request.user,
                role=form.cleaned_data["role"],
                role_title=form.cleaned_data["role_title"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s's role is saved.") % {"name": participant.user.display_name}
            )
            return redirect("project_members", pk=pk)
    return _render_members(request, access, bound=(participant.pk, form))


@login_required
@require_POST
def project_member_remove(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk, for_write=True)
    participant = get_member(access, member_pk)
    try:
        services.project_member_remove(participant=participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s no longer takes part.") % {"name": participant.user.display_name},
        )
    return redirect("project_members", pk=pk)


@login_required
@require_POST
def project_leave(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk)
    if access.participant is None:  # an overseer who does not take part has nothing to leave
        raise PermissionDenied
    try:
        services.project_member_remove(participant=access.participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("project_members", pk=pk)
    messages.success(request, _("You left %(title)s.") % {"title": access.engagement.title})
    if access.overseer:
        return redirect(access.engagement)
    return redirect("dashboard")


@login_required
@require_POST
def project_member_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk, for_write=True)
    form = InviteForm(request.POST)
    if form.is_valid():
        line = form.line()
        try:
            engagement_invitation_send(
                engagement=access.engagement,
                email=line.email,
                role=line.role,
                side=line.side,
                role_title=line.role_title,
                message=form.cleaned_data["message"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": line.email})
            return redirect("project_members", pk=pk)
    return _render_members(request, access, invite_form=form)


# --- Work plan ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_work_plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk, for_write=True)
    project = get_project(access)
    if request.method == "POST":
        form = WorkPlanForm(request.POST)
        if form.is_valid():
            before = project.work_plan_version
            try:
                project = services.project_work_plan_update(
                    engagement=access.engagement,
                    by=request.user,
                    work_plan=form.cleaned_data["work_plan"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if project.work_plan_version == before:
                    messages.info(request, _("Nothing changed in the work plan."))
                else:
                    messages.success(
                        request,
                        _("The work plan is saved as version %(version)s.")
                        % {"version": project.work_plan_version},
                    )
                return redirect(_engagement_url(access, "project-work-plan"))
    else:
        form = WorkPlanForm(initial={"work_plan": project.work_plan})
    return render(
        request,
        "projects/plan_form.html",
        {
            "engagement": access.engagement,
            "form": form,
            "heading": _("Work plan"),
            "action": reverse("project_work_plan_edit", args=[pk]),
            "approvals": approval_state(project),
            "version": project.work_plan_version,
        },
    )


@login_required
@require_POST
def project_work_plan_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk)
    require_approver(access)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the side you approve for."))
    else:
        try:
            services.project_work_plan_approve(
                engagement=access.engagement,
                by=request.user,
                side=form.cleaned_data["side"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("You approved the work plan."))
    return redirect(_engagement_url(access, "project-work-plan"))


# --- Milestones ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_milestones_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every milestone, overdue ones marked; managers add new ones here."""
    access = get_project_access(request.user, pk)
    form = MilestoneForm()
    if request.method == "POST":
        if not access.is_manager:
            raise PermissionDenied
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.milestone_add(
                    engagement=access.engagement,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    due_date=form.cleaned_data["due_date"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Milestone added."))
                return redirect("project_milestones", pk=pk)
    # The viewer's day: the middleware activated their time zone.
    rows = milestone_rows(project_milestones(access.engagement), timezone.localdate())
    return render(
        request,
        "projects/milestones.html",
        {
            "engagement": access.engagement,
            "access": access,
            "rows": rows,
            "form": form,
            "can_edit": access.is_manager and access.engagement.is_open,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_milestone_edit(request: AuthedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk, for_write=True)
    milestone = get_milestone(access, milestone_pk)
    if request.method == "POST":
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                services.milestone_update(
                    milestone=milestone,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    due_date=form.cleaned_data["due_date"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Milestone saved."))
                return redirect("project_milestones", pk=pk)
    else:
        form = MilestoneForm(
            initial={
                "title": milestone.title,
                "due_date": milestone.due_date,
                "description": milestone.description,
            }
        )
    return render(
        request,
        "projects/milestone_form.html",
        {"engagement": access.engagement, "milestone": milestone, "form": form},
    )


@login_required
@require_POST
def project_milestone_status(request: AuthedRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """Anyone taking part moves a milestone along."""
    access = get_project_access(request.user, pk)
    milestone = get_milestone(access, milestone_pk)
    form = MilestoneStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
    else:
        try:
            milestone = services.milestone_set_status(
                milestone=milestone, by=request.user, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("“%(milestone)s” is now %(status)s.")
                % {
                    "milestone": milestone.title,
                    "status": milestone.get_status_display().lower(),
                },
            )
    return _back(request, reverse("project_milestones", args=[pk]))


# --- Outputs ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_outputs_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """What the project produced; anyone taking part adds to it."""
    access = get_project_access(request.user, pk)
    form = OutputForm()
    if request.method == "POST":
        form = OutputForm(request.POST)
        if form.is_valid():
            try:
                services.output_add(
                    engagement=access.engagement,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    url=form.cleaned_data["url"],
                    description=form.cleaned_data["description"],
                    published_on=form.cleaned_data["published_on"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Output added."))
                return redirect("project_outputs", pk=pk)
    rows = output_rows(project_outputs(access.engagement), access)
    return render(
        request,
        "projects/outputs.html",
        {"engagement": access.engagement, "access": access, "rows": rows, "form": form},
    )


@login_required
@require_POST
def project_output_remove(request: AuthedRequest, pk: int, output_pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk)
    output = get_output(access, output_pk, for_removal=True)
    services.output_remove(output=output, by=request.user)
    messages.success(request, _("“%(title)s” is removed.") % {"title": output.title})
    return _back(request, reverse("project_outputs", args=[pk]))


# --- Impact -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def project_impact_plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk, for_write=True)
    project = get_project(access)
    if request.method == "POST":
        form = ImpactPlanForm(request.POST)
        if form.is_valid():
            try:
                services.project_impact_plan_update(
                    engagement=access.engagement,
                    by=request.user,
                    impact_plan=form.cleaned_data["impact_plan"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The impact plan is saved."))
                return redirect(_engagement_url(access, "project-impact"))
    else:
        form = ImpactPlanForm(initial={"impact_plan": project.impact_plan})
    return render(
        request,
        "projects/plan_form.html",
        {
            "engagement": access.engagement,
            "form": form,
            "heading": _("Impact plan"),
            "action": reverse("project_impact_plan_edit", args=[pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_impact_reports_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The reports in the order they came; managers submit a new one here."""
    access = get_project_access(request.user, pk)
    form = ImpactReportForm()
    if request.method == "POST":
        if not access.is_manager:
            raise PermissionDenied
        form = ImpactReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.impact_report_submit(
                    engagement=access.engagement,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The impact report is submitted."))
                return redirect("project_impact_report", pk=pk, report_pk=report.pk)
    return render(
        request,
        "projects/impact_reports.html",
        {
            "engagement": access.engagement,
            "access": access,
            "reports": project_reports(access.engagement),
            "form": form,
        },
    )


@login_required
def project_impact_report(request: AuthedRequest, pk: int, report_pk: int) -> HttpResponse:
    access = get_project_access(request.user, pk)
    report = get_impact_report(access, report_pk)
    return render(
        request,
        "projects/impact_report_detail.html",
        {"engagement": access.engagement, "report": report},
    )

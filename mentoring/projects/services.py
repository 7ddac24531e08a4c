"""Writes of joint projects: creation by an institution with its invitations, members, the
work plan and its approval by both sides, milestones, outputs, the impact plan and reports.

Every change participants should see goes on the engagement's timeline in the same
transaction (`timeline_record`). Permission is the caller's job (`permissions.py`); these
functions check what the data must satisfy.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from mentoring.engagements.dates import check_due_date, check_report_period
from mentoring.engagements.models import (
    KIND_ROLES,
    MANAGER_ROLES,
    Engagement,
    EngagementInvitation,
    EngagementKind,
    EngagementStatus,
    Participant,
    ParticipantRole,
    Side,
    TimelineVerb,
)
from mentoring.engagements.permissions import access_for
from mentoring.engagements.services import (
    engagement_create,
    engagement_invitation_send,
    manager_users,
    participant_add,
    participant_remove,
    participant_users,
    timeline_record,
)
from mentoring.projects.models import (
    MILESTONE_TRANSITIONS,
    ImpactReport,
    Milestone,
    MilestoneStatus,
    Output,
    Project,
    WorkPlanApproval,
)
from mentoring.projects.permissions import approvable_sides

# The roles an invitation to a project offers; coordinators come from the institution.
INVITABLE_ROLES = (ParticipantRole.LEAD, ParticipantRole.MEMBER)
MAX_INVITATIONS = 20
WEB_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class InvitationLine:
    """One person to invite when a project is created."""

    email: str
    role: str = ParticipantRole.MEMBER
    side: str = Side.EXPERT
    role_title: str = ""


# --- Helpers ------------------------------------------------------------------------------


def _side_label(side: str) -> str:
    return str(Side(side).label).lower()


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _render_into(field: str, setter: Callable[[str], None], text: str) -> None:
    """Run a Markdown setter; its "too long" or "too complex" error names the field."""
    try:
        setter(text)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _require_open(engagement: Engagement, field: str) -> None:
    if not engagement.is_open:
        raise ValidationError(
            {field: [_("This project has ended: its plans and milestones can no longer change.")]}
        )


def _notify_participants(engagement: Engagement, *, title: str, skip: User, url: str) -> None:
    users = [user for user in participant_users(engagement) if user.pk != skip.pk]
    if users:
        notify_many(users=users, kind=NotificationKind.ENGAGEMENT, title=title, url=url)


def _lock_project(engagement: Engagement) -> Project:
    project = Project.objects.select_for_update().filter(engagement=engagement).first()
    if project is None:
        # An engagement of kind project opened before its row existed: give it one.
        project = Project(engagement=engagement)
        project.save()
        project = Project.objects.select_for_update().get(pk=project.pk)
    return project


def work_plan_url(engagement: Engagement) -> str:
    return reverse("engagement_detail", args=[engagement.pk]) + "#project-work-plan"


def impact_plan_url(engagement: Engagement) -> str:
    return reverse("engagement_detail", args=[engagement.pk]) + "#project-impact"


# --- Creation -----------------------------------------------------------------------------


def _check_lines(lines: Sequence[InvitationLine], *, creator: User) -> dict[str, list[str]]:
    """Errors of the invitation lines, keyed `invitations.<index>.<field>`."""
    errors: dict[str, list[str]] = {}
    if not lines:
        return {"invitations": [_("Invite at least one person to the project.")]}
    if len(lines) > MAX_INVITATIONS:
        return {
            "invitations": [
                _("Invite at most %(count)s people at once; add the others later.")
                % {"count": MAX_INVITATIONS}
            ]
        }
    seen: dict[str, int] = {}
    for index, line in enumerate(lines):
        key = f"invitations.{index}"
        email = line.email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            errors[f"{key}.email"] = [_("Enter a valid email address.")]
        else:
            if email == creator.email.lower():
                errors[f"{key}.email"] = [_("You take part already, as the project's coordinator.")]
            elif email in seen:
                errors[f"{key}.email"] = [
                    _("%(email)s is already on line %(line)s.")
                    % {"email": email, "line": seen[email] + 1}
                ]
            seen.setdefault(email, index)
        if line.role not in INVITABLE_ROLES:
            errors[f"{key}.role"] = [_("Choose project lead or project member.")]
        if line.side not in Side.values:
            errors[f"{key}.side"] = [_("Choose the expert side or the institution side.")]
        max_title = EngagementInvitation._meta.get_field("role_title").max_length or 0
        if len(line.role_title.strip()) > max_title:
            errors[f"{key}.role_title"] = [
                _("Keep the role to %(count)s characters.") % {"count": max_title}
            ]
    return errors


def _line_errors(index: int, exc: ValidationError) -> dict[str, list[str]]:
    key = f"invitations.{index}"
    if not hasattr(exc, "error_dict"):
        return {key: exc.messages}
    errors: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        if field in ("email", "role", "side", "role_title"):
            errors.setdefault(f"{key}.{field}", []).extend(messages)
        elif field == "message":
            errors.setdefault("message", []).extend(messages)
        else:
            errors.setdefault(key, []).extend(messages)
    return errors


@transaction.atomic
def project_create(
    *,
    institution: Institution,
    created_by: User,
    title: str,
    invitations: Sequence[InvitationLine],
    summary: str = "",
    work_plan: str = "",
    impact_plan: str = "",
    message: str = "",
) -> Engagement:
    """An institution's joint project, proposed: the engagement, its plans, the creator as
    coordinator on the institution side, and an invitation for each line.

    All or nothing: if any line cannot be sent, nothing is created and the error names the
    line (`invitations.<index>.<field>`, the index counting from 0).
    """
    errors = _check_lines(invitations, creator=created_by)
    if errors:
        raise ValidationError(errors)
    try:
        engagement = engagement_create(
            kind=EngagementKind.PROJECT,
            title=title,
            created_by=created_by,
            summary=_normalise(summary),
            institution=institution,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"summary": exc.messages}) from exc
    project = Project(engagement=engagement)
    _render_into("work_plan", project.set_work_plan, _normalise(work_plan))
    _render_into("impact_plan", project.set_impact_plan, _normalise(impact_plan))
    project.full_clean()
    project.save()
    participant_add(
        engagement=engagement,
        user=created_by,
        role=ParticipantRole.COORDINATOR,
        side=Side.INSTITUTION,
        by=created_by,
    )
    for index, line in enumerate(invitations):
        try:
            engagement_invitation_send(
                engagement=engagement,
                email=line.email,
                role=line.role,
                side=line.side,
                role_title=line.role_title,
                message=message,
                by=created_by,
            )
        except ValidationError as exc:  # rolled back to its own savepoint; keep checking
            for key, messages in _line_errors(index, exc).items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)  # undoes the whole project
    return engagement


# --- Members ------------------------------------------------------------------------------


def _lock_engagement(engagement_id: int) -> Engagement:
    """Member changes of one engagement happen one at a time, so two managers cannot
    demote or remove each other at once and leave it with none."""
    return Engagement.objects.select_for_update().get(pk=engagement_id)


@transaction.atomic
def project_member_update(
    *, participant: Participant, by: User, role: str, role_title: str = ""
) -> Participant:
    """A manager changes someone's role or role title. The last manager stays one."""
    engagement = _lock_engagement(participant.engagement_id)
    locked = Participant.objects.select_for_update().select_related("user").get(pk=participant.pk)
    if locked.left_at is not None:
        raise ValidationError(
            _("%(name)s no longer takes part.") % {"name": locked.user.display_name}
        )
    if role not in KIND_ROLES[engagement.kind]:
        raise ValidationError({"role": [_("Choose one of the roles a project has.")]})
    if locked.role in MANAGER_ROLES and role not in MANAGER_ROLES:
        others = Participant.objects.managers().filter(engagement=engagement).exclude(pk=locked.pk)
        if not others.exists():
            raise ValidationError(
                {
                    "role": [
                        _(
                            "Someone else must run this project before its last manager becomes a plain member."
                        )
                    ]
                }
            )
    changed = locked.role != role
    locked.role = role
    locked.role_title = role_title.strip()
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["role", "role_title"])
    if changed:
        timeline_record(
            engagement=engagement,
            verb=TimelineVerb.ROLE_CHANGED,
            actor=by,
            params={"name": locked.user.display_name, "role": role},
        )
    return locked


@transaction.atomic
def project_member_remove(*, participant: Participant, by: User) -> Participant:
    """A manager takes someone off the project, or someone leaves it (`by` is them)."""
    engagement = _lock_engagement(participant.engagement_id)
    removed = participant_remove(participant=participant, by=by)
    if removed.user_id != by.pk:
        notify_many(
            users=[removed.user],
            kind=NotificationKind.ENGAGEMENT,
            title=_("%(name)s took you off “%(title)s”")
            % {"name": by.display_name, "title": engagement.title},
        )
    return removed


# --- Work plan ----------------------------------------------------------------------------


@transaction.atomic
def project_work_plan_update(*, engagement: Engagement, by: User, work_plan: str) -> Project:
    """A new version of the work plan: earlier approvals no longer count. It cannot be
    emptied: a plan both sides approved is not wiped by saving nothing."""
    _require_open(engagement, "work_plan")
    text = _normalise(work_plan)
    if not text:
        raise ValidationError({"work_plan": [_("Write the work plan.")]})
    project = _lock_project(engagement)
    if text == _normalise(project.work_plan):
        return project
    _render_into("work_plan", project.set_work_plan, text)
    project.work_plan_version += 1
    project.full_clean()
    project.save()
    url = work_plan_url(engagement)
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.WORK_PLAN_UPDATED,
        actor=by,
        params={"version": project.work_plan_version},
        url=url,
    )
    _notify_participants(
        engagement,
        title=_(
            "The work plan of “%(title)s” changed: version %(version)s needs approval from both sides."
        )
        % {"title": engagement.title, "version": project.work_plan_version},
        skip=by,
        url=url,
    )
    return project


@transaction.atomic
def project_work_plan_approve(
    *, engagement: Engagement, by: User, side: str, version: int
) -> WorkPlanApproval:
    """`by` approves the current version for one side: the expert side as a participant on
    it, the institution side as a participant on it or an admin of the institution. One
    person cannot approve the same version for both sides."""
    if side not in Side.values:
        raise ValidationError({"side": [_("Choose the expert side or the institution side.")]})
    access = access_for(by, engagement)
    if access is None or side not in approvable_sides(access):
        raise ValidationError(
            {"side": [_("You cannot approve for the %(side)s.") % {"side": _side_label(side)}]}
        )
    _require_open(engagement, "work_plan")
    project = _lock_project(engagement)
    if version != project.work_plan_version:
        raise ValidationError(
            {
                "version": [
                    _(
                        "The work plan changed since you read it (it is now version %(version)s). Read it again before approving."
                    )
                    % {"version": project.work_plan_version}
                ]
            }
        )
    if not project.work_plan.strip():
        raise ValidationError(
            {"work_plan": [_("There is nothing to approve yet: the work plan is empty.")]}
        )
    current = {a.side: a for a in project.approvals.filter(version=version)}
    if side in current:
        raise ValidationError(
            {
                "side": [
                    _("The %(side)s already approved version %(version)s.")
                    % {"side": _side_label(side), "version": version}
                ]
            }
        )
    if any(approval.approved_by_id == by.pk for approval in current.values()):
        raise ValidationError(
            {
                "side": [
                    _(
                        "You approved this version for the other side; someone else must approve it for the %(side)s."
                    )
                    % {"side": _side_label(side)}
                ]
            }
        )
    approval = WorkPlanApproval.objects.create(
        project=project, side=side, version=version, approved_by=by, approved_at=timezone.now()
    )
    url = work_plan_url(engagement)
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.WORK_PLAN_APPROVED,
        actor=by,
        params={"side": side, "version": version},
        url=url,
    )
    if len(current) + 1 == len(Side.values) and engagement.status == EngagementStatus.PROPOSED:
        users = [user for user in manager_users(engagement) if user.pk != by.pk]
        if users:
            notify_many(
                users=users,
                kind=NotificationKind.ENGAGEMENT,
                title=_("Both sides approved the work plan of “%(title)s”.")
                % {"title": engagement.title},
                url=url,
            )
    return approval


# --- Milestones ---------------------------------------------------------------------------


def milestone_url(milestone: Milestone) -> str:
    return reverse("project_milestones", args=[milestone.engagement_id]) + (
        f"#milestone-{milestone.pk}"
    )


@transaction.atomic
def milestone_add(
    *, engagement: Engagement, by: User, title: str, due_date: date | None, description: str = ""
) -> Milestone:
    _require_open(engagement, "title")
    if due_date is None:
        raise ValidationError({"due_date": [_("Give the date it is due.")]})
    check_due_date(due_date, field="due_date")
    milestone = Milestone(
        engagement=engagement,
        title=title.strip(),
        description=_normalise(description),
        due_date=due_date,
        created_by=by,
    )
    milestone.full_clean()
    milestone.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.MILESTONE_ADDED,
        actor=by,
        params={"milestone": milestone.title, "due": milestone.due_date.isoformat()},
        url=milestone_url(milestone),
    )
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, by: User, title: str, due_date: date | None, description: str = ""
) -> Milestone:
    """A manager renames, re-describes or moves the due date of a milestone."""
    locked = Milestone.objects.select_for_update().select_related("engagement").get(pk=milestone.pk)
    _require_open(locked.engagement, "title")
    if due_date is None:
        raise ValidationError({"due_date": [_("Give the date it is due.")]})
    changes: list[str] = []
    title = title.strip()
    description = _normalise(description)
    if title != locked.title:
        changes.append(_("Title: “%(old)s” → “%(new)s”") % {"old": locked.title, "new": title})
    if due_date != locked.due_date:
        check_due_date(due_date, field="due_date")
        changes.append(
            _("Due: %(old)s → %(new)s")
            % {"old": locked.due_date.isoformat(), "new": due_date.isoformat()}
        )
    if description != locked.description:
        changes.append(_("Description changed"))
    if not changes:
        return locked
    locked.title = title
    locked.description = description
    locked.due_date = due_date
    locked.full_clean()
    locked.save(update_fields=["title", "description", "due_date"])
    timeline_record(
        engagement=locked.engagement,
        verb=TimelineVerb.MILESTONE_EDITED,
        actor=by,
        params={"milestone": locked.title},
        body="\n".join(f"- {change}" for change in changes),
        url=milestone_url(locked),
    )
    return locked


@transaction.atomic
def milestone_set_status(*, milestone: Milestone, by: User, status: str) -> Milestone:
    """planned → in progress → done, or dropped while open; done and dropped are final."""
    locked = Milestone.objects.select_for_update().select_related("engagement").get(pk=milestone.pk)
    _require_open(locked.engagement, "status")
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if status not in MILESTONE_TRANSITIONS[locked.status]:
        raise ValidationError(
            {
                "status": [
                    _("A milestone that is %(old)s cannot become %(new)s.")
                    % {
                        "old": str(MilestoneStatus(locked.status).label).lower(),
                        "new": str(MilestoneStatus(status).label).lower(),
                    }
                ]
            }
        )
    locked.status = status
    locked.completed_at = timezone.now() if status == MilestoneStatus.DONE else None
    locked.save(update_fields=["status", "completed_at"])
    timeline_record(
        engagement=locked.engagement,
        verb=TimelineVerb.MILESTONE_CHANGED,
        actor=by,
        params={"milestone": locked.title, "milestone_status": status},
        url=milestone_url(locked),
    )
    return locked


# --- Outputs ------------------------------------------------------------------------------


@transaction.atomic
def output_add(
    *,
    engagement: Engagement,
    by: User,
    kind: str,
    title: str,
    url: str = "",
    description: str = "",
    published_on: date | None = None,
) -> Output:
    """A publication, curriculum, data set, program or link the project produced. Allowed
    after the project ended too: results often come later."""
    url = url.strip()
    if url and not url.lower().startswith(WEB_SCHEMES):
        raise ValidationError(
            {"url": [_("Enter a web address starting with http:// or https://.")]}
        )
    output = Output(
        engagement=engagement,
        kind=kind,
        title=title.strip(),
        url=url,
        description=_normalise(description),
        published_on=published_on,
        added_by=by,
    )
    output.full_clean()
    output.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.OUTPUT_ADDED,
        actor=by,
        params={"output": output.title, "kind": output.kind},
        url=reverse("project_outputs", args=[engagement.pk]) + f"#output-{output.pk}",
    )
    return output


@transaction.atomic
def output_remove(*, output: Output, by: User) -> None:
    """Its adder or a manager takes an output off (the caller checks which)."""
    timeline_record(
        engagement=output.engagement,
        verb=TimelineVerb.OUTPUT_REMOVED,
        actor=by,
        params={"output": output.title},
    )
    Output.objects.filter(pk=output.pk).delete()


# --- Impact -------------------------------------------------------------------------------


@transaction.atomic
def project_impact_plan_update(*, engagement: Engagement, by: User, impact_plan: str) -> Project:
    project = _lock_project(engagement)
    text = _normalise(impact_plan)
    if text == _normalise(project.impact_plan):
        return project
    _render_into("impact_plan", project.set_impact_plan, text)
    project.full_clean()
    project.save(update_fields=["impact_plan", "impact_plan_html"])
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.IMPACT_PLAN_UPDATED,
        actor=by,
        url=impact_plan_url(engagement),
    )
    return project


@transaction.atomic
def impact_report_submit(
    *,
    engagement: Engagement,
    by: User,
    title: str,
    period_start: date | None,
    period_end: date | None,
    body: str,
) -> ImpactReport:
    """A report on the impact over a period, as the fellowships require. Allowed after the
    project ended: the final report comes then."""
    errors: dict[str, list[str]] = {}
    if period_start is None:
        errors["period_start"] = [_("Give the first day the report covers.")]
    if period_end is None:
        errors["period_end"] = [_("Give the last day the report covers.")]
    errors.update(check_report_period(period_start, period_end))
    body = _normalise(body)
    if not body:
        errors["body"] = [_("Write the report.")]
    if errors:
        raise ValidationError(errors)
    report = ImpactReport(
        engagement=engagement,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        submitted_by=by,
        submitted_at=timezone.now(),
    )
    _render_into("body", report.set_body, body)
    report.full_clean()
    report.save()
    url = reverse("project_impact_report", args=[engagement.pk, report.pk])
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.IMPACT_REPORT_SUBMITTED,
        actor=by,
        params={"report": report.title},
        url=url,
    )
    _notify_participants(
        engagement,
        title=_("%(name)s submitted the impact report “%(report)s” of “%(title)s”.")
        % {"name": by.display_name, "report": report.title, "title": engagement.title},
        skip=by,
        url=url,
    )
    return report

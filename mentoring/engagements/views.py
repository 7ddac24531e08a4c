"""Pages shared by every kind of engagement: the engagement itself, its people, invitations
and timeline; my engagements; an institution's engagements; programme health."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.csv_export import csv_cell, csv_response, utc_iso
from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.pagination import paginate, querystring_without_page
from mentoring.engagements import selectors, services
from mentoring.engagements.forms import (
    EngagementFilterForm,
    InvitationForm,
    NoteForm,
    StatusForm,
    TimelineFilterForm,
)
from mentoring.engagements.models import (
    EngagementInvitation,
    EngagementStatus,
    InvitationStatus,
    ParticipantRole,
)
from mentoring.engagements.panels import panels_for
from mentoring.engagements.permissions import (
    Access,
    get_engagement_access,
    get_institution_for_member,
    get_invitation_for_manager,
    get_participant_for_removal,
    require_moderator,
)
from mentoring.engagements.timeline import timeline_item

# --- One engagement -----------------------------------------------------------------------


def _status_form(access: Access, data: Any = None) -> StatusForm | None:
    if not access.is_manager or not selectors.next_statuses(access.engagement):
        return None
    return StatusForm(data, engagement=access.engagement)


def _render_detail(
    request: AuthedRequest,
    access: Access,
    *,
    status_form: StatusForm | None = None,
    note_form: NoteForm | None = None,
) -> HttpResponse:
    engagement = access.engagement
    participant = access.participant
    context = {
        "engagement": engagement,
        "access": access,
        "groups": selectors.people_by_role(engagement),
        "status_form": status_form or _status_form(access),
        "history": selectors.status_history(engagement),
        "panels": panels_for(access),
        "note_form": note_form or NoteForm(),
        "timeline": [timeline_item(entry) for entry in selectors.latest_entries(access)],
        "can_leave": participant is not None and participant.role != ParticipantRole.LEARNER,
        "pending_invitations": (
            selectors.pending_invitations(engagement).count() if access.is_manager else 0
        ),
    }
    return render(request, "engagements/engagement_detail.html", context)


@login_required
def engagement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_engagement_access(request.user, pk))


@login_required
@require_POST
def engagement_status(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk, for_write=True)
    form = _status_form(access, request.POST)
    if form is None:
        messages.error(
            request,
            _("This engagement is %(status)s: its status can no longer change.")
            % {"status": access.engagement.get_status_display().lower()},
        )
        return redirect(access.engagement)
    if form.is_valid():
        try:
            services.engagement_transition(
                engagement=access.engagement,
                to_status=form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The engagement is now %(status)s.")
                % {"status": EngagementStatus(form.cleaned_data["status"]).label.lower()},
            )
            return redirect(access.engagement.get_absolute_url() + "#status")
    return _render_detail(request, access, status_form=form)


@login_required
@require_POST
def engagement_note(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.engagement_note_add(
                engagement=access.engagement,
                author=request.user,
                body=form.cleaned_data["body"],
                private=form.cleaned_data["private"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your private note is saved.")
                if form.cleaned_data["private"]
                else _("Your note is on the timeline."),
            )
            return redirect(access.engagement.get_absolute_url() + "#timeline")
    return _render_detail(request, access, note_form=form)


@login_required
@require_POST
def engagement_leave(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk)
    if access.participant is None:
        raise Http404
    try:
        services.participant_withdraw(participant=access.participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(access.engagement)
    messages.success(request, _("You left “%(title)s”.") % {"title": access.engagement.title})
    if access.overseer:
        return redirect(access.engagement)
    return redirect("engagement_list")


@login_required
def engagement_timeline(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk)
    form = TimelineFilterForm(request.GET or None)
    page = paginate(
        request,
        selectors.timeline_for(access, type=form.value()),
        per_page=selectors.TIMELINE_PAGE_SIZE,
    )
    return render(
        request,
        "engagements/timeline.html",
        {
            "engagement": access.engagement,
            "access": access,
            "form": form,
            "page": page,
            "items": [timeline_item(entry) for entry in page.object_list],
            "query": querystring_without_page(request),
        },
    )


# --- People and invitations ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def engagement_people(request: AuthedRequest, pk: int) -> HttpResponse:
    """Those who run it: who takes part, pending invitations, and a form to invite."""
    access = get_engagement_access(request.user, pk, for_write=True)
    engagement = access.engagement
    form = InvitationForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.engagement_invitation_send(
                engagement=engagement,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("engagement_people", pk=engagement.pk)
    return render(
        request,
        "engagements/people.html",
        {
            "engagement": engagement,
            "access": access,
            # A course's learners are listed and managed on the course's pages.
            "participants": selectors.current_participants(engagement).exclude(
                role=ParticipantRole.LEARNER
            ),
            "learners": engagement.participants.current()
            .filter(role=ParticipantRole.LEARNER)
            .count(),
            "invitations": selectors.pending_invitations(engagement),
            "form": form,
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def engagement_participant_remove(
    request: AuthedRequest, pk: int, participant_pk: int
) -> HttpResponse:
    access = get_engagement_access(request.user, pk, for_write=True)
    participant = get_participant_for_removal(access, participant_pk)
    try:
        services.participant_withdraw(participant=participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if participant.user_id == request.user.pk:
            messages.success(
                request, _("You left “%(title)s”.") % {"title": access.engagement.title}
            )
            return redirect(access.engagement if access.overseer else "engagement_list")
        messages.success(
            request,
            _("%(name)s no longer takes part.") % {"name": participant.user.display_name},
        )
    return redirect("engagement_people", pk=access.engagement.pk)


@login_required
@require_POST
def engagement_invitation_revoke(
    request: AuthedRequest, pk: int, invitation_pk: int
) -> HttpResponse:
    access = get_engagement_access(request.user, pk, for_write=True)
    invitation = get_invitation_for_manager(access, invitation_pk)
    try:
        services.engagement_invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
        )
    return redirect("engagement_people", pk=access.engagement.pk)


def _invitation_state(invitation: EngagementInvitation, user: Any) -> str:
    """What the page says: answered, revoked, expired, sign_in, verify, wrong_account, open."""
    if invitation.status == InvitationStatus.ACCEPTED:
        return "accepted"
    if invitation.status == InvitationStatus.DECLINED:
        return "declined"
    if invitation.status == InvitationStatus.REVOKED:
        return "revoked"
    if not invitation.is_pending:
        return "expired"
    if not user.is_authenticated:
        return "sign_in"
    return selectors.invitation_address_state(invitation, user)


@require_http_methods(["GET", "POST"])
def engagement_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to an invitee. Anyone holding it sees what it is for; answering
    takes being signed in with the verified address it was sent to."""
    invitation = (
        EngagementInvitation.objects.select_related("engagement", "invited_by")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Http404
    user: Any = request.user
    if request.method == "POST" and not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "decline":
                services.engagement_invitation_decline(invitation=invitation, user=user)
                messages.success(request, _("You declined the invitation."))
                return redirect("engagement_list")
            participant = services.engagement_invitation_accept(invitation=invitation, user=user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            invitation.refresh_from_db()
        else:
            messages.success(
                request,
                _("You now take part in “%(title)s”.") % {"title": participant.engagement.title},
            )
            return redirect(participant.engagement)
    return render(
        request,
        "engagements/invitation.html",
        {
            "invitation": invitation,
            "state": _invitation_state(invitation, user),
            "error": error,
            "next": request.get_full_path(),
        },
    )


# --- Lists --------------------------------------------------------------------------------


@login_required
def engagement_list(request: AuthedRequest) -> HttpResponse:
    """My engagements, and what waits for me: sessions, invitations, requests, overdue items."""
    user = request.user
    now = timezone.now()
    today = timezone.localdate()
    form = EngagementFilterForm(request.GET or None)
    page = paginate(request, selectors.engagements_of_user(user=user, **form.values()))
    page.object_list = list(page.object_list)
    for engagement in page.object_list:
        engagement.my_role_label = ParticipantRole(engagement.my_role).label
    context = {
        "form": form,
        "page": page,
        "query": querystring_without_page(request),
        "sessions": selectors.upcoming_sessions(user=user, now=now),
        "invitations": list(selectors.invitations_for_user(user=user, now=now)),
        "course_invitations": selectors.course_invitations_for_user(user=user),
        "proposals": selectors.proposals_to_answer(user=user, now=now),
        "enrolment_requests": selectors.enrolment_requests_to_decide(user=user),
        "overdue_tasks": selectors.overdue_tasks(user=user, today=today),
        "overdue_milestones": selectors.overdue_milestones(user=user, today=today),
    }
    return render(request, "engagements/engagement_list.html", context)


@login_required
def institution_engagements(request: AuthedRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_member(request.user, pk)
    form = EngagementFilterForm(request.GET or None)
    page = paginate(
        request,
        selectors.engagements_of_institution(
            institution_id=institution.pk, viewer=request.user, **form.values()
        ),
    )
    return render(
        request,
        "engagements/institution_engagements.html",
        {
            "institution": institution,
            "is_admin": selectors.is_institution_admin(request.user, institution.pk),
            "form": form,
            "page": page,
            "query": querystring_without_page(request),
        },
    )


# --- Programme health ---------------------------------------------------------------------

STALLED_PAGE_SIZE = 50


@login_required
def programme_health(request: AuthedRequest) -> HttpResponse:
    require_moderator(request.user)
    now = timezone.now()
    page = Paginator(selectors.stalled_engagements(now=now), STALLED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "engagements/programme.html",
        {
            "health": selectors.programme_health(now=now),
            "statuses": [EngagementStatus(s).label for s in selectors.STATUS_ORDER],
            "page": page,
            "stalled": [(e, selectors.days_idle(e, now)) for e in page.object_list],
            "query": querystring_without_page(request),
        },
    )


CSV_HEADER = [
    "id",
    "kind",
    "title",
    "institution",
    "status",
    "stalled",
    "created",
    "started",
    "ended",
    "last_activity",
    "participants",
]


def _programme_rows(now: datetime) -> Iterator[list[Any]]:
    for engagement in selectors.programme_export():
        yield [
            engagement.pk,
            engagement.kind,
            csv_cell(engagement.title),
            csv_cell(engagement.institution.name) if engagement.institution else "",
            engagement.status,
            "yes" if selectors.is_stalled(engagement, now) else "no",
            utc_iso(engagement.created_at),
            utc_iso(engagement.started_at),
            utc_iso(engagement.ended_at),
            utc_iso(engagement.last_activity_at),
            engagement.participants_count,  # type: ignore[attr-defined]
        ]


@login_required
def programme_csv(request: AuthedRequest) -> HttpResponse:
    """One row per engagement, times in UTC (ISO 8601); no content of the engagements."""
    require_moderator(request.user)
    now = timezone.now()
    return csv_response(
        f"programme-{now.strftime('%Y-%m-%d')}.csv", CSV_HEADER, _programme_rows(now)
    )

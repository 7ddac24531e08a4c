"""Pages for invitations and interest: a need's ranked list (invite from it), an expert's
best-fitting needs and the interest form, the boxes of proposals, one proposal."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.matches import services
from diaspora.matches.forms import AnswerForm, InterestForm, InviteForm, RankedListForm
from diaspora.matches.models import Proposal, ProposalStatus
from diaspora.matches.permissions import (
    Action,
    Side,
    get_expert_for_invitation,
    get_need_for_inviting,
    get_own_expert_profile,
    get_proposal_for_user,
    is_member,
    is_moderator,
    may_answer,
    may_withdraw,
    proposal_sides,
)
from diaspora.matches.selectors import (
    missing_required_languages,
    need_matches_page,
    need_proposals,
    needs_for_expert_rows,
    overdue_among,
    proposal_snapshot,
    proposals_incoming,
    proposals_of_user,
    proposals_outgoing,
    reason_rows,
)
from diaspora.needs.models import Need, NeedStatus
from diaspora.needs.permissions import get_need_for_user
from diaspora.pagination import paginate

NEEDS_FOR_ME_LIMIT = 20


def _expire_overdue(proposals: list[Proposal]) -> bool:
    """Lazy expiry of what a page has just read; True when something expired."""
    return bool(services.proposals_expire_ids(overdue_among(proposals, timezone.now())))


# --- A need's ranked list -----------------------------------------------------------------


def _invite_form(expert_id: object, data: Any = None) -> InviteForm:
    """One row's form; ids carry the expert so that the rows' fields stay distinct."""
    key = str(expert_id) if str(expert_id).isdigit() else "x"
    return InviteForm(data, initial={"expert": expert_id}, auto_id=f"id_{key}_%s")


def _invite(request: AuthedRequest, need: Need) -> tuple[InviteForm, bool]:
    """Send the invitation a row's form posted: (the form, whether it was sent)."""
    form = _invite_form(request.POST.get("expert"), request.POST)
    if not form.is_valid():
        return form, False
    expert = get_expert_for_invitation(form.cleaned_data["expert"])
    try:
        services.proposal_invite(
            need=need, expert=expert, sent_by=request.user, message=form.cleaned_data["message"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return form, False
    messages.success(
        request, _("Invitation sent to %(name)s.") % {"name": expert.user.display_name}
    )
    return form, True


@login_required
@require_http_methods(["GET", "POST"])
def need_matches(request: AuthedRequest, pk: int) -> HttpResponse:
    """The best experts for a need, with why; members invite from here (POST)."""
    need = get_need_for_inviting(request.user, pk)
    # The helper let in members and moderators: only a moderator needs asking.
    member = not is_moderator(request.user) or is_member(request.user, need.institution_id)
    bound = None
    if request.method == "POST":
        if not member:
            raise PermissionDenied
        bound, sent = _invite(request, need)
        if sent:
            return redirect("need_matches", pk=need.pk)
    proposals = need_proposals(need=need)
    if _expire_overdue(proposals):
        proposals = need_proposals(need=need)
    list_form = RankedListForm(request.GET or None)
    page = need_matches_page(
        need=need, viewer=request.user, limit=list_form.limit_or_default(), proposals=proposals
    )
    can_invite = member and need.status == NeedStatus.OPEN
    posted = bound.data.get("expert") if bound is not None else None
    rows = [
        (row, bound if str(row.expert.pk) == posted else _invite_form(row.expert.pk))
        for row in page.rows
    ]
    # Errors of a POST whose row shows no form (the expert left the list, the need is not
    # open) are shown above the list.
    shown_in_row = can_invite and any(form is bound for _row, form in rows)
    context = {
        "need": need,
        "page": page,
        "rows": rows,
        "can_invite": can_invite,
        "is_member": member,
        "list_form": list_form,
        "orphan_form": bound if bound is not None and not shown_in_row else None,
    }
    return render(request, "matches/need_matches.html", context)


# --- An expert's side ---------------------------------------------------------------------


@login_required
def needs_for_me(request: AuthedRequest) -> HttpResponse:
    """The open needs that fit the signed-in expert best."""
    expert = get_own_expert_profile(request.user)
    rows = (
        needs_for_expert_rows(expert=expert, viewer=request.user, limit=NEEDS_FOR_ME_LIMIT)
        if expert is not None
        else []
    )
    if _expire_overdue([row.proposal for row in rows if row.proposal is not None]):
        for row in rows:
            if row.proposal is not None and row.proposal.deadline <= timezone.now():
                row.proposal = None
    return render(request, "matches/needs_for_me.html", {"expert": expert, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_interest(request: AuthedRequest, pk: int) -> HttpResponse:
    """An expert tells a need's institution they are interested, seeing first how they fit."""
    need = get_need_for_user(request.user, pk)
    expert = get_own_expert_profile(request.user)
    form = InterestForm(request.POST or None)
    if request.method == "POST":
        if expert is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                proposal = services.proposal_express_interest(
                    need=need,
                    expert=expert,
                    sent_by=request.user,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your interest is sent to the institution."))
                return redirect("proposal_detail", pk=proposal.pk)
    context: dict[str, Any] = {"need": need, "expert": expert, "form": form}
    if expert is not None:
        current = (
            Proposal.objects.filter(
                need=need,
                expert=expert,
                status__in=[ProposalStatus.PENDING, ProposalStatus.ACCEPTED],
            )
            .order_by("-created_at")
            .first()
        )
        if current is not None and _expire_overdue([current]):
            current = None
        score, reasons = proposal_snapshot(need=need, expert=expert)
        context.update(
            {
                "current": current,
                "score": score,
                "reasons": reason_rows(reasons),
                "is_open": need.status == NeedStatus.OPEN,
                "missing_languages": missing_required_languages(need=need, expert=expert)
                if not reasons
                else [],
            }
        )
    return render(request, "matches/proposal_interest.html", context)


# --- Proposals ----------------------------------------------------------------------------


@login_required
def proposal_list(request: AuthedRequest) -> HttpResponse:
    """Waiting for my answer, waiting for theirs, and what happened earlier."""
    incoming = list(proposals_incoming(user=request.user, status=ProposalStatus.PENDING))
    outgoing = list(proposals_outgoing(user=request.user, status=ProposalStatus.PENDING))
    if _expire_overdue(incoming + outgoing):
        incoming = list(proposals_incoming(user=request.user, status=ProposalStatus.PENDING))
        outgoing = list(proposals_outgoing(user=request.user, status=ProposalStatus.PENDING))
    earlier = paginate(
        request,
        proposals_of_user(user=request.user).exclude(status=ProposalStatus.PENDING),
    )
    return render(
        request,
        "matches/proposal_list.html",
        {
            "incoming": incoming,
            "outgoing": outgoing,
            "page": earlier,
            "answer_form": AnswerForm(),
        },
    )


def _render_detail(
    request: AuthedRequest,
    proposal: Proposal,
    *,
    answer_form: AnswerForm | None = None,
) -> HttpResponse:
    sides = proposal_sides(request.user, proposal)
    pending = proposal.status == ProposalStatus.PENDING
    can_answer = pending and may_answer(request.user, proposal, sides)
    return render(
        request,
        "matches/proposal_detail.html",
        {
            "proposal": proposal,
            "reasons": reason_rows(proposal.reasons),
            "can_answer": can_answer,
            "can_withdraw": pending and may_withdraw(request.user, proposal, sides),
            "answer_form": answer_form or AnswerForm(),
            "match_count": proposal.need.matches.count(),
            "is_institution_side": Side.INSTITUTION in sides,
        },
    )


def _read_proposal(request: AuthedRequest, pk: int, action: Action | None = None) -> Proposal:
    proposal = get_proposal_for_user(request.user, pk, action=action)
    if _expire_overdue([proposal]):
        proposal = get_proposal_for_user(request.user, pk)
    return proposal


@login_required
def proposal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _read_proposal(request, pk))


@login_required
@require_POST
def proposal_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk, action=Action.ANSWER)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_answer(
                proposal=proposal,
                by=request.user,
                accept=form.accept,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Accepted.") if form.accept else _("Declined."))
            return redirect("proposal_detail", pk=proposal.pk)
    proposal = get_proposal_for_user(request.user, pk)
    return _render_detail(request, proposal, answer_form=form)


@login_required
@require_POST
def proposal_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk, action=Action.WITHDRAW)
    try:
        services.proposal_withdraw(proposal=proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Withdrawn."))
    return redirect("proposal_detail", pk=proposal.pk)

"""Invitations and interest over the API: send, list, read, answer, withdraw."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from diaspora.matches import services
from diaspora.matches.forms import MESSAGE_MAX, REASON_MAX
from diaspora.matches.models import Proposal, ProposalStatus
from diaspora.matches.permissions import (
    Action,
    get_expert_for_invitation,
    get_need_for_inviting,
    get_own_expert_profile,
    get_proposal_for_user,
    may_answer,
    may_withdraw,
    proposal_sides,
    require_member,
)
from diaspora.matches.selectors import (
    member_institution_ids,
    overdue_among,
    proposals_of_user,
    reason_rows,
)
from diaspora.needs.permissions import get_need_for_user

router = Router()


class ReasonOut(Schema):
    code: str
    text: str
    contribution: float


class NeedRef(Schema):
    id: int
    title: str
    status: str
    institution_id: int
    institution_name: str


class ExpertRef(Schema):
    id: int
    name: str
    headline: str


class ProposalOut(Schema):
    id: int
    kind: str = Field(description="invitation (from the institution) or interest (from the expert)")
    status: str
    need: NeedRef
    expert: ExpertRef
    sent_by: str
    message: str
    created_at: datetime
    deadline: datetime
    score: float = Field(description="As computed when the proposal was sent.")
    reasons: list[ReasonOut]
    answered_at: datetime | None
    answered_by: str | None
    answer_reason: str
    match_id: int | None
    direction: Literal["incoming", "outgoing"] | None = Field(
        description="incoming: yours to answer; outgoing: your side sent it; null for a moderator."
    )
    can_answer: bool
    can_withdraw: bool


class ProposalPage(Schema):
    meta: PageMeta
    results: list[ProposalOut]


def proposal_out(
    proposal: Proposal, user: Any, member_of: set[int] | None = None
) -> dict[str, Any]:
    """`member_of`: the user's institution ids, when serialising many at once."""
    member = None if member_of is None else proposal.need.institution_id in member_of
    sides = proposal_sides(user, proposal, member=member)
    pending = proposal.status == ProposalStatus.PENDING
    answerer = may_answer(user, proposal, sides)
    sender = may_withdraw(user, proposal, sides)
    match = getattr(proposal, "match", None) if proposal.status == ProposalStatus.ACCEPTED else None
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "status": proposal.status,
        "need": {
            "id": proposal.need.pk,
            "title": proposal.need.title,
            "status": proposal.need.status,
            "institution_id": proposal.need.institution_id,
            "institution_name": proposal.need.institution.name,
        },
        "expert": {
            "id": proposal.expert.pk,
            "name": proposal.expert.user.display_name,
            "headline": proposal.expert.headline,
        },
        "sent_by": proposal.sent_by.display_name,
        "message": proposal.message,
        "created_at": proposal.created_at,
        "deadline": proposal.deadline,
        "score": proposal.score,
        "reasons": [asdict(r) for r in reason_rows(proposal.reasons)],
        "answered_at": proposal.answered_at,
        "answered_by": proposal.answered_by.display_name if proposal.answered_by else None,
        "answer_reason": proposal.answer_reason,
        "match_id": match.pk if match is not None else None,
        "direction": "incoming" if answerer else "outgoing" if sender else None,
        "can_answer": pending and answerer,
        "can_withdraw": pending and sender,
    }


def _fresh(user: Any, pk: int) -> Proposal:
    """The proposal, expired first if it is past its deadline."""
    proposal = get_proposal_for_user(user, pk)
    if services.proposals_expire_ids(overdue_among([proposal], timezone.now())):
        proposal = get_proposal_for_user(user, pk)
    return proposal


class InvitationIn(Schema):
    expert_id: int
    message: str = Field(max_length=MESSAGE_MAX)


class InterestIn(Schema):
    message: str = Field(max_length=MESSAGE_MAX)


class AnswerIn(Schema):
    accept: bool
    reason: str = Field("", max_length=REASON_MAX)


class ProposalQuery(PageQuery):
    box: Literal["", "incoming", "outgoing"] = Field(
        "", description="incoming: yours to answer; outgoing: sent by your side; empty: both"
    )
    status: Literal["", "pending", "accepted", "declined", "expired", "withdrawn"] = ""


@router.post(
    "/needs/{int:need_id}/invitations",
    response={201: ProposalOut},
    summary="Invite an expert to a need (members of the need's institution)",
)
def invite(request: HttpRequest, need_id: int, payload: InvitationIn) -> Status:
    user = signed_in_user(request)
    need = get_need_for_inviting(user, need_id)
    require_member(user, need)
    expert = get_expert_for_invitation(payload.expert_id)
    proposal = services.proposal_invite(
        need=need, expert=expert, sent_by=user, message=payload.message
    )
    return Status(201, proposal_out(get_proposal_for_user(user, proposal.pk), user))


@router.post(
    "/needs/{int:need_id}/interest",
    response={201: ProposalOut},
    summary="Tell a need's institution you are interested (experts)",
)
def express_interest(request: HttpRequest, need_id: int, payload: InterestIn) -> Status:
    user = signed_in_user(request)
    need = get_need_for_user(user, need_id)
    expert = get_own_expert_profile(user)
    if expert is None:
        raise PermissionDenied
    proposal = services.proposal_express_interest(
        need=need, expert=expert, sent_by=user, message=payload.message
    )
    return Status(201, proposal_out(get_proposal_for_user(user, proposal.pk), user))


@router.get("/proposals/", response=ProposalPage, summary="My invitations and interest")
def list_proposals(request: HttpRequest, query: Query[ProposalQuery]) -> dict[str, Any]:
    user = signed_in_user(request)
    qs = proposals_of_user(user=user, box=query.box, status=query.status)
    result = paginated(qs, query, lambda p: p)
    rows = result["results"]
    if services.proposals_expire_ids(overdue_among(rows, timezone.now())):
        result = paginated(qs, query, lambda p: p)
        rows = result["results"]
    member_of = member_institution_ids(user=user)
    result["results"] = [proposal_out(p, user, member_of) for p in rows]
    return result


@router.get("/proposals/{int:proposal_id}", response=ProposalOut, summary="One proposal")
def get_proposal(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    return proposal_out(_fresh(user, proposal_id), user)


@router.post(
    "/proposals/{int:proposal_id}/answer",
    response=ProposalOut,
    summary="Accept or decline (the side that did not send it)",
)
def answer(request: HttpRequest, proposal_id: int, payload: AnswerIn) -> dict[str, Any]:
    user = signed_in_user(request)
    proposal = get_proposal_for_user(user, proposal_id, action=Action.ANSWER)
    services.proposal_answer(
        proposal=proposal, by=user, accept=payload.accept, reason=payload.reason
    )
    return proposal_out(get_proposal_for_user(user, proposal_id), user)


@router.post(
    "/proposals/{int:proposal_id}/withdraw",
    response=ProposalOut,
    summary="Take back a pending proposal (the side that sent it)",
)
def withdraw(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    proposal = get_proposal_for_user(user, proposal_id, action=Action.WITHDRAW)
    services.proposal_withdraw(proposal=proposal, by=user)
    return proposal_out(get_proposal_for_user(user, proposal_id), user)

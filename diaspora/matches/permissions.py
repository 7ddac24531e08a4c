"""Who may see and act on invitations and expressions of interest.

A proposal has two sides: the expert, and the members of the need's institution. Both sides
and moderators see it; anyone else gets 404. The side that did not send it answers
(an invitation: the expert; an interest: a member of the institution other than the expert),
the side that sent it may withdraw it: anyone else who can see it gets PermissionDenied.
"""

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.institutions.models import Membership
from diaspora.matches.models import Proposal, ProposalKind
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile


class Side(StrEnum):
    EXPERT = "expert"
    INSTITUTION = "institution"


class Action(StrEnum):
    ANSWER = "answer"
    WITHDRAW = "withdraw"


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_moderator or user.is_staff))


def is_member(user: Any, institution_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, institution_id=institution_id).exists()


def proposal_sides(user: Any, proposal: Proposal, *, member: bool | None = None) -> set[Side]:
    sides: set[Side] = set()
    if not user.is_authenticated:
        return sides
    if proposal.expert.user_id == user.pk:
        sides.add(Side.EXPERT)
    if member is None:
        member = is_member(user, proposal.need.institution_id)
    if member:
        sides.add(Side.INSTITUTION)
    return sides


def answering_side(proposal: Proposal) -> Side:
    return Side.EXPERT if proposal.kind == ProposalKind.INVITATION else Side.INSTITUTION


def sending_side(proposal: Proposal) -> Side:
    return Side.INSTITUTION if proposal.kind == ProposalKind.INVITATION else Side.EXPERT


def may_answer(user: Any, proposal: Proposal, sides: set[Side] | None = None) -> bool:
    sides = proposal_sides(user, proposal) if sides is None else sides
    if answering_side(proposal) not in sides:
        return False
    # An expert who also represents the institution does not accept their own interest.
    return not (proposal.kind == ProposalKind.INTEREST and proposal.expert.user_id == user.pk)


def may_withdraw(user: Any, proposal: Proposal, sides: set[Side] | None = None) -> bool:
    sides = proposal_sides(user, proposal) if sides is None else sides
    return sending_side(proposal) in sides


def get_proposal_for_user(user: Any, pk: int, *, action: Action | None = None) -> Proposal:
    """The proposal if the user is on one of its sides or a moderator (else 404); with an
    `action`, PermissionDenied unless the user may take it."""
    proposal = (
        Proposal.objects.select_related(
            "need__institution",
            "need__engagement_type",
            "need__mode",
            "expert__user",
            "sent_by",
            "answered_by",
            "match",
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not user.is_authenticated:
        raise Http404
    sides = proposal_sides(user, proposal)
    if not sides and not is_moderator(user):
        raise Http404
    if action == Action.ANSWER and not may_answer(user, proposal, sides):
        raise PermissionDenied
    if action == Action.WITHDRAW and not may_withdraw(user, proposal, sides):
        raise PermissionDenied
    return proposal


def get_need_for_inviting(user: Any, pk: int) -> Need:
    """A need whose ranked list the user may see: members of its institution and moderators;
    anyone else gets 404, as for a missing need."""
    need = (
        Need.objects.select_related("institution", "engagement_type", "mode").filter(pk=pk).first()
    )
    if need is None or not user.is_authenticated:
        raise Http404
    if not (is_member(user, need.institution_id) or is_moderator(user)):
        raise Http404
    return need


def require_member(user: Any, need: Need) -> None:
    """Inviting is the institution's: a moderator who may look at the list may not."""
    if not is_member(user, need.institution_id):
        raise PermissionDenied


def get_expert_for_invitation(pk: int) -> ExpertProfile:
    """Only listed experts with an active account can be invited; others do not exist here."""
    expert = (
        ExpertProfile.objects.select_related("user")
        .filter(pk=pk, is_listed=True, user__is_active=True)
        .first()
    )
    if expert is None:
        raise Http404
    return expert


def get_own_expert_profile(user: Any) -> ExpertProfile | None:
    if not user.is_authenticated:
        return None
    return ExpertProfile.objects.select_related("user").filter(user=user).first()

"""Who may see and change needs, offers and offer requests.

Pages and the API call the same helpers. `Http404` means "missing or not yours to see",
`PermissionDenied` means "you may see it but not do this".
"""

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.institutions.models import Institution, Membership
from diaspora.needs.models import Need, NeedStatus, Offer, OfferRequest
from diaspora.people.models import ExpertProfile

# Statuses anyone may see; a draft or a withdrawn need stays with its institution.
PUBLIC_NEED_STATUSES = frozenset(
    {NeedStatus.OPEN, NeedStatus.IN_PROGRESS, NeedStatus.FULFILLED, NeedStatus.CLOSED}
)


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_moderator or user.is_staff))


def is_member(user: Any, institution_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, institution_id=institution_id).exists()


def can_see_need(user: Any, need: Need, *, member: bool | None = None) -> bool:
    if need.status in PUBLIC_NEED_STATUSES:
        return True
    if member is None:
        member = is_member(user, need.institution_id)
    return member or is_moderator(user)


def get_need_for_user(user: Any, pk: int, *, for_write: bool = False) -> Need:
    """Open and finished needs are public; drafts and withdrawn ones are seen by the
    institution's members and moderators. Changing a need takes a membership."""
    need = (
        Need.objects.select_related("institution", "engagement_type", "mode", "created_by")
        .filter(pk=pk)
        .first()
    )
    if need is None:
        raise Http404
    member = is_member(user, need.institution_id)
    if not can_see_need(user, need, member=member):
        raise Http404
    if for_write and not member:
        raise PermissionDenied
    return need


def get_member_institution(user: Any, pk: int) -> Institution:
    """An institution the user acts for: posting a need, requesting an offer."""
    institution = Institution.objects.filter(pk=pk).first()
    if institution is None:
        raise Http404
    if not is_member(user, institution.pk):
        raise PermissionDenied
    return institution


def get_offer_for_user(user: Any, pk: int, *, for_write: bool = False) -> Offer:
    """An active offer of a listed expert is public; anything else only its expert sees."""
    offer = Offer.objects.select_related("expert__user", "engagement_type").filter(pk=pk).first()
    if offer is None or not offer.expert.user.is_active:
        raise Http404
    is_own = bool(user.is_authenticated and offer.expert.user_id == user.pk)
    if not is_own and not (offer.is_active and offer.expert.is_listed):
        raise Http404
    if for_write and not is_own:
        raise PermissionDenied
    return offer


def get_own_expert_profile_or_deny(user: Any) -> ExpertProfile:
    """Publishing offers takes an expert profile."""
    profile = ExpertProfile.objects.filter(user=user).first() if user.is_authenticated else None
    if profile is None:
        raise PermissionDenied
    return profile


class RequestSide(StrEnum):
    EXPERT = "expert"  # the expert who made the offer: accepts or declines
    INSTITUTION = "institution"  # members of the requesting institution: may withdraw


def offer_request_sides(user: Any, offer_request: OfferRequest) -> set[RequestSide]:
    sides: set[RequestSide] = set()
    if not user.is_authenticated:
        return sides
    if offer_request.offer.expert.user_id == user.pk:
        sides.add(RequestSide.EXPERT)
    if is_member(user, offer_request.institution_id):
        sides.add(RequestSide.INSTITUTION)
    return sides


def get_offer_request_for_user(
    user: Any, pk: int, *, side: RequestSide | None = None
) -> OfferRequest:
    """Both sides see a request, nobody else. Answering is the expert's, withdrawing the
    institution's: the other side gets PermissionDenied."""
    offer_request = (
        OfferRequest.objects.select_related(
            "offer__expert__user", "offer__engagement_type", "institution", "requested_by"
        )
        .filter(pk=pk)
        .first()
    )
    if offer_request is None:
        raise Http404
    sides = offer_request_sides(user, offer_request)
    if not sides:
        raise Http404
    if side is not None and side not in sides:
        raise PermissionDenied
    return offer_request

"""Who may see a ranked list.

A need's ranked experts: members of the need's institution, moderators and staff. An expert's
ranked needs: the expert and moderators/staff. Anyone else gets 404, as for a missing row,
so that a ranked list does not even confirm that the need or the profile exists.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.institutions.models import Membership
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_moderator or user.is_staff))


def require_moderator(user: Any) -> None:
    """Moderator-only pages: a signed-in member who is not one gets 403."""
    if not is_moderator(user):
        raise PermissionDenied


def get_need_for_ranking(user: Any, need_id: int) -> Need:
    need = (
        Need.objects.select_related("institution", "engagement_type", "mode")
        .filter(pk=need_id)
        .first()
    )
    if need is None or not user.is_authenticated:
        raise Http404
    if is_moderator(user):
        return need
    if not Membership.objects.filter(user=user, institution_id=need.institution_id).exists():
        raise Http404
    return need


def get_expert_for_ranking(user: Any, expert_id: int) -> ExpertProfile:
    profile = ExpertProfile.objects.select_related("user").filter(pk=expert_id).first()
    if profile is None or not user.is_authenticated:
        raise Http404
    if profile.user_id != user.pk and not is_moderator(user):
        raise Http404
    return profile

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.people.models import ExpertProfile


def get_expert_profile_for_user(user: Any, pk: int, *, for_write: bool = False) -> ExpertProfile:
    """A listed profile, or one's own; 404 for missing and unlisted alike."""
    profile = ExpertProfile.objects.select_related("user").filter(pk=pk).first()
    if profile is None or not profile.user.is_active:
        raise Http404
    is_own = user.is_authenticated and profile.user_id == user.pk
    if not profile.is_listed and not is_own:
        raise Http404
    if for_write and not is_own:
        raise PermissionDenied
    return profile


def get_own_expert_profile(user: Any) -> ExpertProfile:
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is None:
        raise Http404
    return profile

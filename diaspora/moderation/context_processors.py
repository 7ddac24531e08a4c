"""`moderates_something` for the navigation: whether to show the link to /moderation/.

Every signed-in page shows the navigation, and page tests pin their query counts, so this
costs no query per page: platform moderators are known from the user row already loaded, and
for everyone else the answer is kept in the cache (Redis in production, shared by every
process) under the user's id. It is worked out when the person signs in and again whenever one
of their memberships is saved or deleted, which is how becoming or ceasing to be a moderator
reaches the navigation at once. A person with no answer in the cache (signed in before this
existed, or the cache was emptied) sees no link until they sign in again or open a moderation
page, which works it out too; the pages themselves always check permissions on their own.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest

from diaspora.communities.models import MemberRole, Membership
from diaspora.communities.permissions import is_platform_moderator

CACHE_PREFIX = "moderation:moderates:"


def _key(user_id: int) -> str:
    return f"{CACHE_PREFIX}{user_id}"


def moderates_a_community(user_id: int) -> bool:
    """One query: a current moderator membership in any community."""
    return Membership.objects.current().filter(user_id=user_id, role=MemberRole.MODERATOR).exists()


def moderates_something_refresh(user_id: int) -> bool:
    value = moderates_a_community(user_id)
    cache.set(_key(user_id), value, timeout=None)
    return value


def moderates_something(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if is_platform_moderator(user):
        return {"moderates_something": True}
    if not user.is_active:
        return {"moderates_something": False}
    return {"moderates_something": bool(cache.get(_key(user.pk), False))}


def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    moderates_something_refresh(user.pk)


def _on_membership_change(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if kwargs.get("created") and instance.role != MemberRole.MODERATOR:
        # Joining as a plain member changes nothing about moderating elsewhere.
        return
    moderates_something_refresh(instance.user_id)


def connect_receivers() -> None:
    """Called from the app's ready(): sign-ins and membership changes refresh the answer."""
    user_logged_in.connect(_on_login, dispatch_uid="moderation_moderates_login")
    post_save.connect(
        _on_membership_change, sender=Membership, dispatch_uid="moderation_moderates_save"
    )
    post_delete.connect(
        _on_membership_change, sender=Membership, dispatch_uid="moderation_moderates_delete"
    )

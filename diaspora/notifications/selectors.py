from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference


def notifications_of(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.unread()
    return qs.order_by("-created_at", "-id")


def unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def get_notification_for_user(user: Any, pk: int) -> Notification:
    """A notification is its recipient's alone: anyone else gets 404."""
    if not user.is_authenticated:
        raise Http404
    notification = Notification.objects.filter(pk=pk, user=user).first()
    if notification is None:
        raise Http404
    return notification


def email_preferences(*, user: Any) -> dict[str, bool]:
    """Every kind with whether it reaches the user by email (no row means yes)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: stored.get(kind, True) for kind in NotificationKind.values}

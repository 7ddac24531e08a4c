from typing import Any

from django.db.models import Count, QuerySet
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


def unread_counts(*, user_ids: list[int]) -> dict[int, int]:
    """Each person's unread count, in one grouped query (0 for those with none)."""
    counts = dict.fromkeys(user_ids, 0)
    rows = (
        Notification.objects.filter(user_id__in=user_ids, read_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["user_id"]] = row["n"]
    return counts


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

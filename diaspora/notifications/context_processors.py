from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from diaspora.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications` for the navigation: one COUNT query, made only when a
    template shows it; nothing for visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user=user))}

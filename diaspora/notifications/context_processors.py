from functools import cache
from typing import Any

from django.http import HttpRequest

from diaspora.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications` for the navigation: one COUNT query, made only when a
    template shows it; nothing for visitors.

    A cached callable, not a lazy object: templates call it and get a real int, which plural
    rules need (French's uses `%`, which a SimpleLazyObject does not support)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cache(lambda: unread_count(user=user))}

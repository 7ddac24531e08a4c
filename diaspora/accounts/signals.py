"""Logging out is the one event we cannot see from a service: Django sends a signal."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.pk:
        from diaspora.accounts.services import account_close_sockets

        account_close_sockets(user_id=user.pk)

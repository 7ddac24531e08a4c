"""Logging out, changing a password and being deactivated are events we cannot always see from
a service: Django, allauth and the admin's change form send signals. Each of them must close
the user's open websockets, whose `scope["user"]` was fixed when they connected."""

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from diaspora.accounts.models import User


def _close_sockets(user: Any) -> None:
    if user is not None and user.pk:
        from diaspora.accounts.services import account_close_sockets

        account_close_sockets(user_id=user.pk)


@receiver(user_logged_out)
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _close_sockets(user)


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def close_sockets_on_new_password(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _close_sockets(user)


@receiver(post_save, sender=User)
def close_sockets_when_suspended(sender: Any, instance: User, **kwargs: Any) -> None:
    """However the account was deactivated (a moderator, the admin's form, a script)."""
    if not instance.is_active:
        _close_sockets(instance)

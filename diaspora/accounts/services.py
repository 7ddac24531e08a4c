from django.db import transaction
from django.utils import timezone

from diaspora.accounts.models import APIToken, Role, User, free_handle, hash_token
from realtime import broadcast


@transaction.atomic
def account_complete_signup(*, user: User, name: str, role: str, timezone_name: str) -> User:
    """Record what the sign-up form asked beyond allauth's email and password."""
    from diaspora.people.services import expert_profile_ensure

    user.name = name.strip()
    user.role = Role(role)
    user.timezone = timezone_name
    if not user.handle:
        user.handle = free_handle(user.name or user.email.split("@")[0])
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "role", "timezone", "handle"])
    if user.role == Role.EXPERT:
        expert_profile_ensure(user=user)
    return user


@transaction.atomic
def account_update(*, user: User, name: str, timezone_name: str) -> User:
    user.name = name.strip()
    user.timezone = timezone_name
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "timezone"])
    return user


@transaction.atomic
def handle_ensure(*, user: User) -> str:
    """The person's handle, giving them one if an older path made the account without."""
    if not user.handle:
        user.handle = free_handle(user.name or user.email.split("@")[0])
        user.save(update_fields=["handle"])
    return user.handle


def account_close_sockets(*, user_id: int) -> None:
    """Tell every open websocket of this user to close: its `scope["user"]` is now stale."""
    transaction.on_commit(lambda: broadcast.user_disconnect(user_id))


@transaction.atomic
def account_suspend(*, user: User) -> User:
    """The person can no longer sign in; their open websockets close (see signals)."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def account_reinstate(*, user: User) -> User:
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[APIToken, str]:
    """Return the token row and the raw token, which is shown once and never stored."""
    raw = APIToken.generate_raw()
    token = APIToken.objects.create(
        user=user, name=name.strip() or "API token", key_hash=hash_token(raw), hint=raw[:8]
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: APIToken) -> APIToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, raw: str) -> User | None:
    token = (
        APIToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None:
        return None
    # Touch at most once a minute: every API call writing a row would be wasteful.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

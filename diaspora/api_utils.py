"""Small helpers shared by the API routers (kept apart from `diaspora.api` to avoid cycles)."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Schema

from diaspora.accounts.models import User

MAX_PAGE_SIZE = 100


class PageMeta(Schema):
    count: int
    page: int
    pages: int
    page_size: int


def viewer(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else AnonymousUser()


def signed_in_user(request: HttpRequest) -> User:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, User), "route must require authentication"  # noqa: S101
    return auth

"""Small helpers shared by the API routers (kept apart from `diaspora.api` to avoid cycles)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import Field

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_authenticate

MAX_PAGE_SIZE = 100


class PageQuery(Schema):
    """Query parameters of every paged list; list schemas add their filters."""

    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    def filters(self) -> dict[str, Any]:
        return self.dict(exclude={"page", "page_size"})


class PageMeta(Schema):
    count: int
    page: int
    pages: int
    page_size: int


def paginated(
    qs: QuerySet[Any], query: PageQuery, serialize: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """`{"meta": {...}, "results": [...]}` for one page; a page past the end gives the last."""
    paginator = Paginator(qs, query.page_size)
    page = paginator.get_page(query.page)
    return {
        "meta": {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "page_size": query.page_size,
        },
        "results": [serialize(item) for item in page.object_list],
    }


def viewer(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else AnonymousUser()


def signed_in_user(request: HttpRequest) -> User:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, User), "route must require authentication"  # noqa: S101
    return auth


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dkn_…`, a personal token made on the API tokens page."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if header and not header.lower().startswith(f"{self.openapi_scheme} "):
            # Any other scheme would otherwise pass as anonymous on public endpoints.
            raise AuthenticationError(
                message=_("Send the token as 'Authorization: Bearer <token>'.")
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(raw=token)
        if user is None:
            # A wrong token is an error, never a silent fall back to anonymous.
            raise AuthenticationError(message=_("This API token is not valid or was revoked."))
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The session cookie; writes also need the CSRF token.

    Without a signed-in session there is nothing for CSRF to protect: the caller gets 401
    like any other unauthenticated one, not a CSRF 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


def anonymous(request: HttpRequest) -> Any:
    return AnonymousUser()


SIGNED_IN = [TokenAuth(), SessionAuth()]
ANYONE = [TokenAuth(), SessionAuth(), anonymous]

"""The JSON API at /api/: one NinjaAPI, one error format, session or token authentication.

Errors always look like `{"error": {"code": "...", "message": "...", "fields": {...}}}`.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from diaspora.accounts.api import router as accounts_router
from diaspora.api_utils import SIGNED_IN
from diaspora.communities.api import router as communities_router
from diaspora.communities.permissions import PostingRefused
from diaspora.institutions.api import router as institutions_router
from diaspora.matches.api import router as matches_router
from diaspora.matching.api import router as matching_router
from diaspora.moderation.api import router as moderation_router
from diaspora.needs.api import router as needs_router
from diaspora.notifications.api import router as notifications_router
from diaspora.people.api import router as people_router
from diaspora.reference.api import router as reference_router
from mentoring.courses.api import router as courses_router
from mentoring.engagements.api import router as engagements_router
from mentoring.mentorships.api import router as mentorships_router
from mentoring.projects.api import router as projects_router
from mentoring.scheduling.api import router as scheduling_router

api = NinjaAPI(
    title="Diaspora Knowledge Network API",
    version="1",
    description=(
        "Profiles, institutions and the directory of the Diaspora Knowledge Network. "
        "Authenticate with your session cookie (and CSRF token for writes) or with "
        "`Authorization: Bearer <token>` from the API tokens page."
    ),
    auth=SIGNED_IN,
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(NinjaValidationError)
def on_request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in exc.errors:
        location = [
            str(part)
            for part in item.get("loc", [])
            if part not in ("body", "query", "path", "payload")
        ]
        fields.setdefault(".".join(location) or "__all__", []).append(str(item.get("msg", "")))
    return error_response(request, 422, "invalid", _("The request is not valid."), fields)


@api.exception_handler(DjangoValidationError)
def on_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error_response(request, 400, "invalid", " ".join(exc.messages), fields)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if getattr(exc, "message", "") not in ("", "Unauthorized") else ""
    return error_response(
        request, 401, "unauthenticated", message or _("Sign in or send an API token.")
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # Services say why in words meant for the person ("This community is by invitation");
    # permission helpers raise it bare.
    return error_response(request, 403, "forbidden", str(exc) or _("You may not do this."))


@api.exception_handler(PostingRefused)
def on_posting_refused(request: HttpRequest, exc: PostingRefused) -> HttpResponse:
    """Why this person may not post here now: silenced, locked, limited, not_member, …"""
    return error_response(request, 403, exc.code, exc.message)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error format, not with an HTML page."""
    return error_response(request, 404, "not_found", _("There is no such API endpoint."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


api.add_router("/me", accounts_router, tags=["me"])
api.add_router("/experts", people_router, tags=["experts"])
api.add_router("/institutions", institutions_router, tags=["institutions"])
api.add_router("/reference", reference_router, tags=["reference"])
api.add_router("/", needs_router, tags=["needs and offers"])
api.add_router("/", matches_router, tags=["invitations and interest"])
api.add_router("/", matching_router, tags=["matching"])
api.add_router("/notifications", notifications_router, tags=["notifications"])
api.add_router("/", communities_router, tags=["communities and forums"])
api.add_router("/", moderation_router, tags=["moderation"])
# The project wiring composes both packages; the network apps never import mentoring.
api.add_router("/", engagements_router, tags=["engagements"])
api.add_router("/", mentorships_router, tags=["mentorships"])
api.add_router("/", courses_router, tags=["courses"])
api.add_router("/", projects_router, tags=["joint projects"])
api.add_router("/", scheduling_router, tags=["live sessions and calendar"])

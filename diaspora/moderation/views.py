"""Moderation pages: the moderator's home, a member's warnings, and the helpers every
moderation view shares. The review queue and the acts on posts and threads are in
`views_content.py`, the members page and the acts on people in `views_members.py`, the audit
trail in `views_audit.py`.

Every act is a form that names its reason where the service needs one, re-renders with what
was typed when the service refuses, and goes back to the page the moderator came from (`next`,
a path on this site) when it succeeds. Each act also has a page of its own (GET), which is
where a refused act is shown again, and where links without JavaScript land.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from diaspora.communities.models import Post, Thread
from diaspora.communities.permissions import is_platform_moderator
from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.moderation import services
from diaspora.moderation.context_processors import moderates_something_refresh
from diaspora.moderation.models import Warning
from diaspora.moderation.selectors import moderated_communities, warnings_for
from diaspora.pagination import paginate, querystring_without_page

# -- helpers --------------------------------------------------------------------------------


def safe_next(request: HttpRequest) -> str:
    """The page to go back to: `next` from the form (or the link), if it is a path or URL on
    this site; "" otherwise, so a crafted link cannot send a moderator elsewhere."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def go_back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(safe_next(request) or fallback)


def thread_url(thread: Thread) -> str:
    return reverse("thread_detail", args=[thread.pk])


def post_url(post: Post) -> str:
    """The post on the page of its thread that holds it."""
    return f"{reverse('thread_detail', args=[post.thread_id])}?post={post.number}#post-{post.pk}"


def posted(request: HttpRequest) -> QueryDict | None:
    """The data a form is bound to: what was POSTed (even nothing at all: a form with only
    optional fields), or None for the page itself."""
    return request.POST if request.method == "POST" else None


def initial_next(request: HttpRequest) -> dict[str, str]:
    """A form's initial `next`, carried from the link that opened its page."""
    return {"next": safe_next(request)}


def run_action(
    request: HttpRequest,
    *,
    form: Form,
    perform: Callable[[dict[str, Any]], str],
    fallback: str,
    template: str,
    context: dict[str, Any],
    field_map: dict[str, str] | None = None,
) -> HttpResponse:
    """The shape of every moderation act: on a valid POST, `perform` calls the service and
    returns the message to show; a ValidationError goes on the form beside its field (or
    above it), a PermissionDenied from the service (e.g. acting on a fellow moderator) above
    it with status 403; either way the page shows the form again with what was typed."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            message = perform(form.cleaned_data)
        except ValidationError as error:
            if field_map and hasattr(error, "error_dict"):
                error = ValidationError(
                    {field_map.get(name, name): errors for name, errors in error.error_dict.items()}
                )
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not do that."))
            status = 403
        else:
            messages.success(request, message)
            return go_back(request, fallback)
    cancel = safe_next(request) or fallback
    return render(request, template, {**context, "form": form, "cancel_url": cancel}, status=status)


# -- pages ----------------------------------------------------------------------------------


@login_required
@require_GET
def moderation_home(request: AuthedRequest) -> HttpResponse:
    """The communities this person moderates, those with posts waiting for review first."""
    platform = is_platform_moderator(request.user)
    communities = moderated_communities(request.user).order_by("-flagged_posts", "name", "pk")
    page = paginate(request, communities)
    if not platform and not page.paginator.count:
        # Someone who no longer moderates anything: the navigation should stop offering this.
        moderates_something_refresh(request.user.pk)
        raise PermissionDenied
    if not platform:
        moderates_something_refresh(request.user.pk)
    return render(
        request,
        "moderation/home.html",
        {"page": page, "query": querystring_without_page(request), "platform": platform},
    )


@login_required
@require_GET
def my_warnings(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, warnings_for(user=request.user))
    return render(
        request,
        "moderation/my_warnings.html",
        {"page": page, "query": querystring_without_page(request)},
    )


@login_required
@require_POST
def warning_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    # Someone else's warning is missing, not forbidden: its existence is not theirs to learn.
    warning = get_object_or_404(Warning, pk=pk, member=request.user)
    services.warning_acknowledge(user=request.user, warning=warning)
    messages.success(request, _("Marked as read."))
    return go_back(request, reverse("my_warnings"))

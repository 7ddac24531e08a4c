from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.http import AuthedRequest
from diaspora.notifications import services
from diaspora.notifications.forms import PreferencesForm
from diaspora.notifications.selectors import (
    email_preferences,
    get_notification_for_user,
    notifications_of,
)
from diaspora.pagination import paginate


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, notifications_of(user=request.user))
    unread = sum(1 for n in page.object_list if n.read_at is None)
    return render(
        request, "notifications/notification_list.html", {"page": page, "unread_here": unread}
    )


@login_required
@require_POST
def notification_read(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one read; with `open`, go on to what it is about."""
    notification = get_notification_for_user(request.user, pk)
    services.notification_mark_read(notification=notification)
    target = notification.url
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return redirect(target)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notification_list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: AuthedRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, current=email_preferences(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(user=request.user, email=form.email_by_kind())
        messages.success(request, _("Saved."))
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})

"""Pages of the schedule: an engagement's sessions, one session, scheduling and changing
it, attendance, and the personal calendar feed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from mentoring.engagements.permissions import get_engagement_access
from mentoring.rooms.permissions import is_removed
from mentoring.scheduling import services
from mentoring.scheduling.calendar import feed_calendar
from mentoring.scheduling.forms import AttendanceForm, LiveSessionForm
from mentoring.scheduling.models import CalendarFeed
from mentoring.scheduling.permissions import get_live_session_access
from mentoring.scheduling.selectors import (
    attendance_rows,
    engagement_sessions,
    join_opens_at,
    joinable_now,
    room_state,
)


def _add_errors(form: LiveSessionForm, error: ValidationError) -> None:
    """The service's errors beside their fields; an overlap offers "schedule anyway"."""
    add_service_errors(form, error)
    if services.is_overlap_error(error):
        form.offer_overlap()


@login_required
def live_session_list(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every session of an engagement, past and coming."""
    access = get_engagement_access(request.user, pk)
    sessions = list(engagement_sessions(access.engagement))
    now = timezone.now()
    for session in sessions:
        session.engagement = access.engagement
    return render(
        request,
        "scheduling/session_list.html",
        {
            "engagement": access.engagement,
            "access": access,
            "sessions": sessions,
            "joinable": {s.pk for s in sessions if joinable_now(s, now)},
            "now": now,
            "can_schedule": access.is_manager and access.engagement.is_open,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def live_session_create(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk, for_write=True)
    engagement = access.engagement
    form = LiveSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sessions = services.live_session_series_schedule(
                engagement=engagement, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if len(sessions) == 1:
                messages.success(request, _("The session is scheduled."))
                return redirect("live_session_detail", pk=sessions[0].pk)
            messages.success(
                request,
                ngettext(
                    "%(count)d session is scheduled.",
                    "%(count)d sessions are scheduled, one a week; participants were told once.",
                    len(sessions),
                )
                % {"count": len(sessions)},
            )
            return redirect("live_session_list", pk=engagement.pk)
    return render(
        request,
        "scheduling/session_form.html",
        {"engagement": engagement, "form": form, "session": None},
    )


@login_required
def live_session_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    access, session = get_live_session_access(request.user, pk)
    now = timezone.now()
    room_ended = room_state(session) == "ended"
    return render(
        request,
        "scheduling/session_detail.html",
        {
            "engagement": session.engagement,
            "access": access,
            "session": session,
            "joinable": joinable_now(session, now),
            "removed": is_removed(request.user.pk, session.pk),
            "room_ended": room_ended,
            "join_opens_at": join_opens_at(session),
            "ended": session.ends_at <= now,
            "can_edit": access.is_manager
            and session.cancelled_at is None
            and session.engagement.is_open
            and not room_ended,
            "can_take_attendance": access.is_manager
            and session.cancelled_at is None
            and session.starts_at <= now,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def live_session_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, session = get_live_session_access(request.user, pk, for_write=True)
    form = LiveSessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        allow_overlap = changes.pop("allow_overlap")
        if changes["starts_at"] == session.starts_at.replace(second=0, microsecond=0):
            # The form shows whole minutes: an untouched start keeps its seconds.
            changes["starts_at"] = session.starts_at
        try:
            services.live_session_update(
                session=session, by=request.user, allow_overlap=allow_overlap, **changes
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The session is updated."))
            return redirect("live_session_detail", pk=session.pk)
    return render(
        request,
        "scheduling/session_form.html",
        {"engagement": session.engagement, "form": form, "session": session},
    )


@login_required
@require_POST
def live_session_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, session = get_live_session_access(request.user, pk, for_write=True)
    services.live_session_cancel(session=session, by=request.user)
    messages.success(request, _("The session is cancelled; participants were told."))
    return redirect("live_session_detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def live_session_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, session = get_live_session_access(request.user, pk, for_write=True)
    # Before the start, or once cancelled, the page says so instead of offering a form
    # the service would refuse.
    takes_attendance = session.cancelled_at is None and session.starts_at <= timezone.now()
    rows = attendance_rows(session) if takes_attendance else []
    form = AttendanceForm(request.POST or None, rows=rows)
    if takes_attendance and request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(session=session, by=request.user, statuses=form.statuses())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("live_session_detail", pk=session.pk)
    return render(
        request,
        "scheduling/attendance.html",
        {
            "engagement": session.engagement,
            "session": session,
            "form": form,
            "takes_attendance": takes_attendance,
        },
    )


# --- Calendar feed ------------------------------------------------------------------------


def feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar_feed", args=[feed.token])


@login_required
def calendar_settings(request: AuthedRequest) -> HttpResponse:
    feed = services.calendar_feed_ensure(user=request.user)
    url = feed_url(feed)
    scheme, _sep, rest = url.partition("://")
    return render(
        request,
        "scheduling/calendar.html",
        {"feed_url": url, "webcal_url": f"webcal://{rest}" if scheme else url},
    )


@login_required
@require_POST
def calendar_reset(request: AuthedRequest) -> HttpResponse:
    services.calendar_feed_reset(user=request.user)
    messages.success(request, _("Your calendar has a new address; the old one no longer works."))
    return redirect("calendar_settings")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed behind the secret URL; no sign-in (calendar apps have none)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    body = feed_calendar(feed.user, timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response

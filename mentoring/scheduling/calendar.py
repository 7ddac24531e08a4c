"""The iCalendar document of a person's feed, built with the `icalendar` library."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from mentoring.engagements.models import EngagementStatus
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.selectors import feed_sessions
from mentoring.scheduling.services import session_path


def site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(session: LiveSession) -> str:
    """Stable across edits, so calendar apps update the event instead of adding one."""
    return f"live-session-{session.pk}@{site_host()}"


def session_event(session: LiveSession) -> Event:
    page = settings.SITE_URL + session_path(session)
    lines = [page]
    if session.external_url:
        lines.append(_("Video link: %(url)s") % {"url": session.external_url})
    if session.agenda.strip():
        # The agenda as written: calendar apps show DESCRIPTION as plain text.
        lines += ["", _("Agenda:"), session.agenda.strip()]
    cancelled = (
        session.cancelled_at is not None or session.engagement.status == EngagementStatus.CANCELLED
    )
    event = Event()
    event.add("uid", event_uid(session))
    # DTSTAMP: when this information last changed (RFC 5545, 3.8.7.2, no METHOD).
    event.add("dtstamp", session.updated_at.astimezone(UTC))
    event.add("created", session.created_at.astimezone(UTC))
    event.add("last-modified", session.updated_at.astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", f"{session.engagement.title} — {session.title}")
    event.add("description", "\n".join(lines))
    event.add("url", page)
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if session.external_url:
        event.add("location", session.external_url)
    return event


def feed_calendar(user: Any, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//Diaspora Knowledge Network//{site_host()}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add(
        "x-wr-calname",
        _("Live sessions of %(name)s · Diaspora Knowledge Network") % {"name": user.display_name},
    )
    # How often calendar apps should look again (those that read it; others choose).
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for session in feed_sessions(user, now):
        calendar.add_component(session_event(session))
    return calendar.to_ical()

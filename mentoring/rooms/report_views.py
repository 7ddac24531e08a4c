"""Pages for after a live session: the replay (every participant), attendance and what each
person did (those who run the engagement), each with a CSV export."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from diaspora.csv_export import csv_response
from diaspora.http import AuthedRequest
from mentoring.engagements.permissions import Access
from mentoring.rooms import reports
from mentoring.rooms.models import Room
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.permissions import get_live_session_access


def _load(
    request: AuthedRequest, pk: int, *, for_write: bool
) -> tuple[Access, LiveSession, Room | None]:
    """The viewer's access (Http404 for outsiders, PermissionDenied for a read-only
    participant when `for_write`), the session and its room, if it was ever opened."""
    access, session = get_live_session_access(request.user, pk, for_write=for_write)
    return access, session, reports.room_of(session)


def _context(access: Access, session: LiveSession, room: Room | None) -> dict[str, Any]:
    return {"engagement": session.engagement, "access": access, "session": session, "room": room}


@login_required
def room_replay(request: AuthedRequest, pk: int) -> HttpResponse:
    access, session, room = _load(request, pk, for_write=False)
    context = _context(access, session, room)
    context["replay"] = reports.replay(session, room, show_hidden=access.is_manager)
    return render(request, "rooms/replay.html", context)


@login_required
def room_replay_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, session, room = _load(request, pk, for_write=True)
    return csv_response(
        f"session-{session.pk}-replay.csv",
        reports.REPLAY_CSV_HEADER,
        reports.replay_csv_rows(session, room),
    )


@login_required
def room_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    access, session, room = _load(request, pk, for_write=True)
    context = _context(access, session, room)
    context["report"] = reports.attendance(session, room, timezone.now())
    return render(request, "rooms/attendance.html", context)


@login_required
def room_attendance_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, session, room = _load(request, pk, for_write=True)
    report = reports.attendance(session, room, timezone.now())
    return csv_response(
        f"session-{session.pk}-attendance.csv",
        reports.ATTENDANCE_CSV_HEADER,
        reports.attendance_csv_rows(report),
    )


@login_required
def room_summary(request: AuthedRequest, pk: int) -> HttpResponse:
    access, session, room = _load(request, pk, for_write=True)
    context = _context(access, session, room)
    context["rows"] = reports.summary(session, room, timezone.now())
    return render(request, "rooms/summary.html", context)


@login_required
def room_summary_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, session, room = _load(request, pk, for_write=True)
    rows = reports.summary(session, room, timezone.now())
    return csv_response(
        f"session-{session.pk}-summary.csv",
        reports.SUMMARY_CSV_HEADER,
        reports.summary_csv_rows(rows),
    )

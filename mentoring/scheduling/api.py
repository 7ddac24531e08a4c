"""Live sessions over the API: an engagement's schedule, one session, attendance, and the
sessions the signed-in user may join (`/me/sessions/`).

Paths as the issue and the engagements API spell them: `/engagements/{id}/sessions`,
`/sessions/{id}`, and `/me/sessions/` (with its slash, like `/me/enrolments/`).
Times are ISO 8601; a time sent without an offset is taken as UTC.
"""

from datetime import UTC, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from mentoring.engagements.permissions import get_engagement_access
from mentoring.scheduling import services
from mentoring.scheduling.models import AGENDA_MAX_LENGTH, LiveSession
from mentoring.scheduling.permissions import get_live_session_access
from mentoring.scheduling.selectors import (
    attendance_rows,
    engagement_sessions,
    joinable_now,
    joinable_sessions,
    live_session_ws_path,
)
from mentoring.scheduling.services import MAX_WEEKLY_SESSIONS

router = Router()

TITLE_MAX = 200
URL_MAX = 500
MIN_MINUTES = 5
MAX_MINUTES = 12 * 60


class LiveSessionOut(Schema):
    id: int
    engagement_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    external_url: str
    always_open: bool = Field(description="An open room: participants may join at any time.")
    agenda: str = Field(description="Markdown, as written; empty when there is none.")
    agenda_html: str = Field(description="The agenda rendered and sanitised.")
    cancelled_at: datetime | None
    sequence: int = Field(description="Bumped by every change.")
    created_at: datetime
    updated_at: datetime
    joinable_now: bool
    url: str = Field(description="The session's page on this site.")


class LiveSessionPage(Schema):
    meta: PageMeta
    results: list[LiveSessionOut]


class LiveSessionCreated(LiveSessionOut):
    series: list[LiveSessionOut] = Field(
        description="Every session created, this first one included, one week apart."
    )


OVERLAP_HELP = (
    "Schedule even if it overlaps another session of the engagement; otherwise that is "
    "refused with 400 naming the other session."
)


class LiveSessionIn(Schema):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    starts_at: datetime = Field(description="ISO 8601; without an offset it is taken as UTC.")
    duration_minutes: int = Field(ge=MIN_MINUTES, le=MAX_MINUTES)
    external_url: str = Field("", max_length=URL_MAX, description="http or https, optional.")
    always_open: bool = False
    agenda: str = Field("", max_length=AGENDA_MAX_LENGTH, description="Markdown, optional.")
    weekly_sessions: int = Field(
        1,
        ge=1,
        le=MAX_WEEKLY_SESSIONS,
        description=(
            "Repeat every week for this many sessions, at the same time of day in your "
            "profile's time zone (across daylight-saving changes); with more than one, each "
            "title ends with its number, such as “(2/6)”. All are made, or none."
        ),
    )
    allow_overlap: bool = Field(False, description=OVERLAP_HELP)


class LiveSessionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=TITLE_MAX)
    starts_at: datetime | None = None
    duration_minutes: int | None = Field(None, ge=MIN_MINUTES, le=MAX_MINUTES)
    external_url: str | None = Field(None, max_length=URL_MAX)
    always_open: bool | None = None
    agenda: str | None = Field(None, max_length=AGENDA_MAX_LENGTH, description="Markdown.")
    allow_overlap: bool = Field(False, description=OVERLAP_HELP)


class AttendanceOut(Schema):
    user_id: int
    name: str
    role: str
    status: Literal["present", "absent", "excused"] | None = Field(
        description="null until recorded."
    )
    recorded_at: datetime | None


class AttendanceItem(Schema):
    user_id: int
    status: Literal["present", "absent", "excused"]


class AttendanceIn(Schema):
    records: list[AttendanceItem] = Field(min_length=1)


class MySessionOut(Schema):
    id: int
    engagement_id: int
    course: str = Field(description="The engagement's title.")
    kind: str = Field(description="mentorship, course or project.")
    title: str
    starts_at: datetime
    ends_at: datetime
    always_open: bool
    joinable_now: bool
    websocket_url: str


class MySessionPage(Schema):
    meta: PageMeta
    results: list[MySessionOut]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value


def session_out(session: LiveSession, now: datetime) -> dict[str, Any]:
    return {
        "id": session.pk,
        "engagement_id": session.engagement_id,
        "title": session.title,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "duration_minutes": session.duration_minutes,
        "external_url": session.external_url,
        "always_open": session.always_open,
        "agenda": session.agenda,
        "agenda_html": session.agenda_html,
        "cancelled_at": session.cancelled_at,
        "sequence": session.sequence,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
        "joinable_now": joinable_now(session, now),
        "url": services.session_path(session),
    }


def websocket_url(request: HttpRequest, session_id: int) -> str:
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}{live_session_ws_path(session_id)}"


# --- An engagement's sessions -------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/sessions",
    response=LiveSessionPage,
    summary="An engagement's live sessions, cancelled ones included (participants)",
)
def list_sessions(
    request: HttpRequest, engagement_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id)
    now = timezone.now()

    def serialize(session: LiveSession) -> dict[str, Any]:
        session.engagement = access.engagement
        return session_out(session, now)

    return paginated(engagement_sessions(access.engagement), query, serialize)


@router.post(
    "/engagements/{int:engagement_id}/sessions",
    response={201: LiveSessionCreated},
    summary="Schedule a live session, or a weekly series (those who run the engagement)",
    description=(
        "Answers with the (first) session, and in `series` every session created. A session "
        "that overlaps another one of the engagement is refused unless `allow_overlap`."
    ),
)
def create_session(request: HttpRequest, engagement_id: int, payload: LiveSessionIn) -> Status:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id, for_write=True)
    sessions = services.live_session_series_schedule(
        engagement=access.engagement,
        by=user,
        title=payload.title,
        starts_at=_utc(payload.starts_at),
        duration_minutes=payload.duration_minutes,
        external_url=payload.external_url,
        always_open=payload.always_open,
        agenda=payload.agenda,
        weekly_sessions=payload.weekly_sessions,
        allow_overlap=payload.allow_overlap,
    )
    now = timezone.now()
    series = [session_out(session, now) for session in sessions]
    return Status(201, {**series[0], "series": series})


# --- One session --------------------------------------------------------------------------


@router.get("/sessions/{int:session_id}", response=LiveSessionOut, summary="One live session")
def get_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    _access, session = get_live_session_access(signed_in_user(request), session_id)
    return session_out(session, timezone.now())


@router.patch(
    "/sessions/{int:session_id}",
    response=LiveSessionOut,
    summary="Change a live session (those who run the engagement); bumps its sequence",
)
def update_session(
    request: HttpRequest, session_id: int, payload: LiveSessionPatch
) -> dict[str, Any]:
    user = signed_in_user(request)
    _access, session = get_live_session_access(user, session_id, for_write=True)
    changes = payload.dict(exclude_unset=True)
    allow_overlap = bool(changes.pop("allow_overlap", False))
    for name in ("title", "starts_at", "duration_minutes", "always_open"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    if changes.get("starts_at") is not None:
        changes["starts_at"] = _utc(changes["starts_at"])
    for name in ("external_url", "agenda"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    session = services.live_session_update(
        session=session, by=user, allow_overlap=allow_overlap, **changes
    )
    return session_out(session, timezone.now())


@router.delete(
    "/sessions/{int:session_id}",
    response=LiveSessionOut,
    summary="Cancel a live session (those who run the engagement); it stays listed",
)
def cancel_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    _access, session = get_live_session_access(user, session_id, for_write=True)
    session = services.live_session_cancel(session=session, by=user)
    return session_out(session, timezone.now())


# --- Attendance ---------------------------------------------------------------------------


def _attendance(session: LiveSession) -> list[dict[str, Any]]:
    return [
        {
            "user_id": row.participant.user_id,
            "name": row.participant.user.display_name,
            "role": row.participant.role,
            "status": row.status or None,
            "recorded_at": row.record.recorded_at if row.record else None,
        }
        for row in attendance_rows(session)
    ]


@router.get(
    "/sessions/{int:session_id}/attendance",
    response=list[AttendanceOut],
    summary="Attendance of a session, one row per current attendee (those who run it)",
)
def get_attendance(request: HttpRequest, session_id: int) -> list[dict[str, Any]]:
    _access, session = get_live_session_access(signed_in_user(request), session_id, for_write=True)
    return _attendance(session)


@router.put(
    "/sessions/{int:session_id}/attendance",
    response=list[AttendanceOut],
    summary="Record attendance: present, absent or excused per attendee (those who run it)",
)
def put_attendance(
    request: HttpRequest, session_id: int, payload: AttendanceIn
) -> list[dict[str, Any]]:
    user = signed_in_user(request)
    _access, session = get_live_session_access(user, session_id, for_write=True)
    services.attendance_record(
        session=session,
        by=user,
        statuses={item.user_id: item.status for item in payload.records},
    )
    return _attendance(session)


# --- Mine ---------------------------------------------------------------------------------


@router.get(
    "/me/sessions/",
    response=MySessionPage,
    summary="The live sessions I may join: now, later, or any time (open rooms)",
)
def my_sessions(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    user = signed_in_user(request)
    now = timezone.now()

    def serialize(session: LiveSession) -> dict[str, Any]:
        return {
            "id": session.pk,
            "engagement_id": session.engagement_id,
            "course": session.engagement.title,
            "kind": session.engagement.kind,
            "title": session.title,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "always_open": session.always_open,
            "joinable_now": joinable_now(session, now),
            "websocket_url": websocket_url(request, session.pk),
        }

    return paginated(joinable_sessions(user, now), query, serialize)

"""Reads of a live room: event frames as sent on the wire, the event log, and presence."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.institutions.models import MemberRole, Membership
from mentoring.engagements.models import Participant
from mentoring.rooms.models import PollVote, QuestionVote, Removal, Room, RoomEvent, Visit
from mentoring.rooms.permissions import HOST, MODERATOR, PARTICIPANT

# The most events one read returns: a client resuming further back reads again.
EVENTS_PAGE = 1000

_ROLE_ORDER = {HOST: 0, PARTICIPANT: 1, MODERATOR: 2}

# An open socket refreshes its visit this often; a visit not refreshed for VISIT_STALE
# belonged to a process that died.
VISIT_HEARTBEAT = timedelta(seconds=15)
VISIT_STALE = timedelta(seconds=45)


def stale_before() -> datetime:
    return timezone.now() - VISIT_STALE


def live_visits(room_id: int) -> QuerySet[Visit]:
    """The visits of sockets open now, of people not removed from the room (a removed
    person's socket may take a moment to close, or belong to a process that died)."""
    return Visit.objects.filter(
        room_id=room_id, left_at__isnull=True, seen_at__gte=stale_before()
    ).exclude(user_id__in=Removal.objects.filter(room_id=room_id).values("user_id"))


def call_members(room_id: int) -> set[int]:
    """Who is in the room's call now."""
    return set(live_visits(room_id).filter(in_call=True).values_list("user_id", flat=True))


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, with a Z, as every frame's `ts`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def person(user: User) -> dict[str, Any]:
    """How a person appears in frames."""
    return {"id": user.pk, "name": user.display_name}


def event_frame(event: RoomEvent) -> dict[str, Any]:
    """The frame clients receive for a stored event: its payload plus type, seq, ts and the
    sender's client_id (so the sender can tell its own event, on any socket)."""
    frame = {**event.payload, "type": event.type, "seq": event.seq, "ts": iso(event.created_at)}
    if event.client_id:
        frame["client_id"] = event.client_id
    return frame


def events_after(
    room: Room | int, after: int, before: int | None = None, limit: int = EVENTS_PAGE
) -> QuerySet[RoomEvent]:
    """The stored events with `after < seq < before`, in order, at most `limit`."""
    room_id = room if isinstance(room, int) else room.pk
    qs = RoomEvent.objects.filter(room_id=room_id, seq__gt=max(after, 0))
    if before is not None:
        qs = qs.filter(seq__lt=before)
    return qs.order_by("seq")[: max(limit, 0)]


def frames_after(room_id: int, after: int, before: int | None = None) -> list[dict[str, Any]]:
    """`events_after` as the frames sent on the wire: replay, resume and gap filling."""
    return [event_frame(event) for event in events_after(room_id, after, before)]


def roles_of(room: Room, user_ids: set[int]) -> dict[int, str]:
    """The room role of each of these people (who are known to be in the room): two
    queries, whatever their number."""
    engagement = room.session.engagement
    roles: dict[int, str] = {}
    for participant in Participant.objects.current().filter(
        engagement_id=engagement.pk, user_id__in=user_ids
    ):
        roles[participant.user_id] = HOST if participant.is_manager else PARTICIPANT
    if engagement.institution_id:
        for user_id in Membership.objects.filter(
            institution_id=engagement.institution_id, role=MemberRole.ADMIN, user_id__in=user_ids
        ).values_list("user_id", flat=True):
            roles[user_id] = HOST
    return {user_id: roles.get(user_id, MODERATOR) for user_id in user_ids}


def presence(room: Room) -> list[dict[str, Any]]:
    """Who is connected now (an open visit), each once, hosts first, then by name; `in_call`
    when one of their sockets is in the call."""
    in_call: dict[int, bool] = {}
    for user_id, calling in live_visits(room.pk).values_list("user_id", "in_call"):
        in_call[user_id] = in_call.get(user_id, False) or calling
    if not in_call:
        return []
    roles = roles_of(room, set(in_call))
    people = [
        {**person(user), "role": roles[user.pk], "in_call": in_call[user.pk]}
        for user in User.objects.filter(pk__in=in_call)
    ]
    return sorted_presence(people)


def sorted_presence(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hosts first, then participants, then moderators; by name within each."""
    return sorted(people, key=lambda p: (_ROLE_ORDER.get(p["role"], 9), p["name"].lower(), p["id"]))


def votes_of(room_id: int, user_id: int) -> dict[str, list[int]]:
    """What this person voted in the room: the polls (never the choice) and the questions,
    so that any of their pages knows which buttons to offer."""
    return {
        "polls": sorted(
            PollVote.objects.filter(poll__room_id=room_id, user_id=user_id).values_list(
                "poll_id", flat=True
            )
        ),
        "questions": sorted(
            QuestionVote.objects.filter(question__room_id=room_id, user_id=user_id).values_list(
                "question_id", flat=True
            )
        ),
    }

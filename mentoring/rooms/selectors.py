"""Reads of a live room: event frames as sent on the wire, the event log, and presence."""

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

from diaspora.accounts.models import User
from diaspora.institutions.models import MemberRole, Membership
from mentoring.engagements.models import Participant
from mentoring.rooms.models import Room, RoomEvent, Visit
from mentoring.rooms.permissions import HOST, MODERATOR, PARTICIPANT

# The most events one read returns: a client resuming further back reads again.
EVENTS_PAGE = 1000

_ROLE_ORDER = {HOST: 0, PARTICIPANT: 1, MODERATOR: 2}


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, with a Z, as every frame's `ts`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def person(user: User) -> dict[str, Any]:
    """How a person appears in frames."""
    return {"id": user.pk, "name": user.display_name}


def event_frame(event: RoomEvent) -> dict[str, Any]:
    """The frame clients receive for a stored event: its payload plus type, seq and ts."""
    return {**event.payload, "type": event.type, "seq": event.seq, "ts": iso(event.created_at)}


def events_after(
    room: Room | int, after: int, before: int | None = None, limit: int = EVENTS_PAGE
) -> QuerySet[RoomEvent]:
    """The stored events with `after < seq < before`, in order, at most `limit`."""
    room_id = room if isinstance(room, int) else room.pk
    qs = RoomEvent.objects.filter(room_id=room_id, seq__gt=max(after, 0))
    if before is not None:
        qs = qs.filter(seq__lt=before)
    return qs.order_by("seq")[: max(limit, 0)]


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
    """Who is connected now (an open visit), each once, hosts first, then by name."""
    user_ids = set(
        Visit.objects.filter(room=room, left_at__isnull=True).values_list("user_id", flat=True)
    )
    if not user_ids:
        return []
    roles = roles_of(room, user_ids)
    people = [
        {**person(user), "role": roles[user.pk]} for user in User.objects.filter(pk__in=user_ids)
    ]
    people.sort(key=lambda p: (_ROLE_ORDER.get(p["role"], 9), p["name"].lower(), p["id"]))
    return people

"""Who may be in a live session's room, and as what.

`host`: the engagement's managers (mentor, instructor, project lead, coordinator, admin of
its institution); `participant`: its other current participants; `moderator`: platform
moderators who are not otherwise in it. Nobody gets in to a cancelled session, to an
engagement that is over (completed or cancelled), or after being removed from the room.
"""

from typing import Any, Literal

from mentoring.engagements.models import EngagementStatus
from mentoring.engagements.permissions import access_for, is_moderator
from mentoring.rooms.models import Removal
from mentoring.scheduling.models import LiveSession

RoomRole = Literal["host", "participant", "moderator"]
HOST: RoomRole = "host"
PARTICIPANT: RoomRole = "participant"
MODERATOR: RoomRole = "moderator"

CLOSED_STATUSES = frozenset({EngagementStatus.COMPLETED, EngagementStatus.CANCELLED})


def base_role(user: Any, session: LiveSession) -> RoomRole | None:
    """The role the user would have, not counting a removal from the room."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if session.cancelled_at is not None:
        return None
    engagement = session.engagement
    if engagement.status in CLOSED_STATUSES:
        return None
    access = access_for(user, engagement)
    if access is not None:
        return HOST if access.is_manager else PARTICIPANT
    if is_moderator(user):
        return MODERATOR
    return None


def is_removed(user_id: int, session_id: int) -> bool:
    return Removal.objects.filter(room_id=session_id, user_id=user_id).exists()


def room_role(user: Any, session: LiveSession) -> RoomRole | None:
    """None for anyone who may not be in the room (removed people included)."""
    role = base_role(user, session)
    if role is None or is_removed(user.pk, session.pk):
        return None
    return role

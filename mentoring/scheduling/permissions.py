"""Who may see and run a live session: whoever may see or run its engagement."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from mentoring.engagements.permissions import Access, access_for
from mentoring.scheduling.models import LiveSession


def get_live_session_access(
    user: Any, pk: int, *, for_write: bool = False
) -> tuple[Access, LiveSession]:
    """The session and the viewer's access to its engagement. Http404 for a missing session
    and for one the user may not see; PermissionDenied for a write by a non-manager."""
    session = (
        # The room too (a join, no query): whether it is open or ended decides what is offered.
        LiveSession.objects.select_related("engagement", "engagement__institution", "room")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    access = access_for(user, session.engagement)
    if access is None:
        raise Http404
    if for_write and not access.is_manager:
        raise PermissionDenied
    return access, session

"""The timeline as a viewer reads it: filtered by audience, sentences translated."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from mentoring.engagements.models import (
    Audience,
    EngagementStatus,
    ParticipantRole,
    Side,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.permissions import Access
from mentoring.mentorships.models import GoalStatus
from mentoring.projects.models import MilestoneStatus

# Params that hold a code of these choices are shown as the code's translated label.
_CODED_PARAMS: dict[str, Any] = {
    "old": EngagementStatus,
    "new": EngagementStatus,
    "role": ParticipantRole,
    "side": Side,
    "status": GoalStatus,
    "milestone_status": MilestoneStatus,
}


def visible_entries(access: Access) -> QuerySet[TimelineEntry]:
    """Everything participants may see, what managers may see if the viewer runs it, and
    the viewer's own private entries. Another person's private note never leaves the
    database."""
    audience = Q(audience=Audience.PARTICIPANTS) | Q(
        audience=Audience.AUTHOR, actor_id=access.user_id
    )
    if access.is_manager:
        audience |= Q(audience=Audience.MANAGERS)
    return (
        TimelineEntry.objects.filter(engagement=access.engagement)
        .filter(audience)
        .order_by("occurred_at", "id")
    )


@dataclass(frozen=True)
class TimelineItem:
    id: int
    verb: str
    text: str
    # Sanitised by render_markdown when stored; templates mark it |safe.
    body_html: str
    occurred_at: datetime
    actor_id: int | None
    private: bool
    url: str


def _label(key: str, value: Any) -> str:
    choices = _CODED_PARAMS.get(key)
    if choices is not None and value in choices.values:
        return str(choices(value).label).lower()
    return str(value)


def entry_text(entry: TimelineEntry) -> str:
    template = str(TimelineVerb(entry.verb).label)
    values = {key: _label(key, value) for key, value in entry.params.items()}
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        # An entry written by an older version with other params still shows something.
        return _("%(actor)s updated the engagement") % {"actor": values.get("actor", "")}


def timeline_item(entry: TimelineEntry) -> TimelineItem:
    return TimelineItem(
        id=entry.pk,
        verb=entry.verb,
        text=entry_text(entry),
        body_html=entry.body_html,
        occurred_at=entry.occurred_at,
        actor_id=entry.actor_id,
        private=entry.audience == Audience.AUTHOR,
        url=entry.url,
    )

"""Reads for moderators and members: the review queue, the audit trail, warnings, silences.

Who sees which part of the audit trail is decided here, in SQL: a community's moderators see
the entries of the communities they moderate; platform moderators and staff see all of it,
platform-wide entries (suspensions) included.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Post, Thread
from diaspora.communities.permissions import community_access, is_platform_moderator
from diaspora.moderation.models import (
    ActionKind,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    Silence,
    Warning,
)


@dataclass(frozen=True)
class ReasonCount:
    """How many pending flags give one reason."""

    reason: str
    label: str
    count: int


@dataclass
class FlagNote:
    flagged_by: User
    reason: str
    note: str
    created_at: datetime


@dataclass
class QueueItem:
    """One flagged post in a community's review queue."""

    post: Post
    thread: Thread
    author: User
    flag_count: int
    # The most given reason first.
    reasons: list[ReasonCount]
    # The flags that came with a note, oldest first: who, why, what they wrote, when.
    notes: list[FlagNote]
    first_flagged_at: datetime
    last_flagged_at: datetime
    # Every pending flag, oldest first: who, why, when.
    flags: list[FlagNote] = field(default_factory=list)


def review_queue(*, community: Community) -> list[QueueItem]:
    """Posts with pending flags, the longest-waiting first. One query, whatever its length."""
    flags = (
        Flag.objects.filter(community=community, status=FlagStatus.PENDING)
        .select_related("post__thread", "post__author", "flagged_by")
        .order_by("created_at", "id")
    )
    items: dict[int, QueueItem] = {}
    counts: dict[int, dict[str, int]] = {}
    for flag in flags:
        item = items.get(flag.post_id)
        if item is None:
            item = items[flag.post_id] = QueueItem(
                post=flag.post,
                thread=flag.post.thread,
                author=flag.post.author,
                flag_count=0,
                reasons=[],
                notes=[],
                first_flagged_at=flag.created_at,
                last_flagged_at=flag.created_at,
            )
            counts[flag.post_id] = {}
        item.flag_count += 1
        item.last_flagged_at = flag.created_at
        entry = FlagNote(
            flagged_by=flag.flagged_by,
            reason=flag.reason,
            note=flag.note,
            created_at=flag.created_at,
        )
        item.flags.append(entry)
        counts[flag.post_id][flag.reason] = counts[flag.post_id].get(flag.reason, 0) + 1
        if flag.note:
            item.notes.append(entry)
    for post_id, item in items.items():
        item.reasons = [
            ReasonCount(reason=code, label=str(FlagReason(code).label), count=n)
            for code, n in sorted(counts[post_id].items(), key=lambda pair: (-pair[1], pair[0]))
        ]
    return list(items.values())


def _moderated_ids(user: Any) -> QuerySet[Community]:
    """The communities this person moderates as a community moderator (not as platform
    moderator), as a subquery."""
    return Community.objects.active().filter(
        memberships__user_id=user.pk,
        memberships__left_at__isnull=True,
        memberships__role=MemberRole.MODERATOR,
    )


def moderated_communities(user: Any) -> QuerySet[Community]:
    """The communities this person may moderate, with `pending_flags` (pending flags) and
    `flagged_posts` (posts waiting for review). Platform moderators: all of them."""
    if not user.is_authenticated or not user.is_active:
        return Community.objects.none()
    pending = Q(flags__status=FlagStatus.PENDING)
    if is_platform_moderator(user):
        communities = Community.objects.all()
    else:
        communities = Community.objects.filter(pk__in=_moderated_ids(user).values("pk"))
    return communities.annotate(
        pending_flags=Count("flags", filter=pending, distinct=True),
        flagged_posts=Count("flags__post", filter=pending, distinct=True),
    ).order_by("name", "pk")


def _start(moment: date | datetime) -> datetime:
    """A date means the start of that day in the current time zone (the viewer's)."""
    if isinstance(moment, datetime):
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    return timezone.make_aware(datetime.combine(moment, time.min))


def audit_entries(
    *,
    viewer: Any,
    community: Community | None = None,
    action: str | None = None,
    actor: User | int | None = None,
    member: User | int | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> QuerySet[ModerationAction]:
    """The audit trail as this viewer may see it, newest first, filtered.

    `community`: only that community (PermissionDenied unless the viewer moderates it).
    `since`/`until`: inclusive; a date covers its whole day in the viewer's time zone."""
    entries = ModerationAction.objects.select_related(
        "community", "actor", "member", "post", "thread"
    ).order_by("-created_at", "-id")
    if not viewer.is_authenticated or not viewer.is_active:
        raise PermissionDenied
    if community is not None:
        if not community_access(viewer, community).is_moderator:
            raise PermissionDenied
        entries = entries.filter(community=community)
    elif not is_platform_moderator(viewer):
        entries = entries.filter(community__in=_moderated_ids(viewer).values("pk"))
    if action:
        if action not in ActionKind.values:
            raise ValidationError({"action": [_("Unknown action.")]})
        entries = entries.filter(action=action)
    if actor is not None:
        entries = entries.filter(actor_id=actor if isinstance(actor, int) else actor.pk)
    if member is not None:
        entries = entries.filter(member_id=member if isinstance(member, int) else member.pk)
    if since is not None:
        entries = entries.filter(created_at__gte=_start(since))
    if until is not None:
        if isinstance(until, datetime):
            entries = entries.filter(created_at__lte=_start(until))
        else:
            entries = entries.filter(created_at__lt=_start(until + timedelta(days=1)))
    return entries


def warnings_for(*, user: Any) -> QuerySet[Warning]:
    """The member's warnings, newest first, unacknowledged ones included."""
    if not user.is_authenticated:
        return Warning.objects.none()
    return (
        Warning.objects.filter(member_id=user.pk)
        .select_related("community", "issued_by", "post__thread")
        .order_by("-created_at", "-id")
    )


def silences_in_force(*, community: Community) -> QuerySet[Silence]:
    """Silences in force in a community, the soonest to end first."""
    return (
        Silence.objects.in_force()
        .filter(community=community)
        .select_related("member", "issued_by")
        .order_by("ends_at", "id")
    )

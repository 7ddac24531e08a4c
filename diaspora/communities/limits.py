"""Posting limits: a rate for everyone, and tighter limits for accounts in their first days.

Counts come from the rows already written (posts and threads by `created_at`), not from a
cache, so they hold across every process and survive restarts. Two requests racing past a
limit at the same instant may both pass; the limits are there to slow spammers and floods,
not to be exact to the post.

A rate or count limit set to 0 (or below) is switched off; the link limit is off below 0,
and 0 there means no links at all. Previews store nothing, so their limit
(`preview_allowed`) is counted in the cache, which is Redis in production.
"""

import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diaspora.communities.models import Community, MemberRole, Membership, Post, Thread
from diaspora.communities.permissions import PostingRefused, is_platform_moderator


class LimitReached(PostingRefused):
    """A posting limit stops this post for now. `retry_at` says when it would pass (None
    when waiting does not help, such as too many links in one post)."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message, "limited")
        self.retry_at = retry_at


def _when(moment: datetime) -> str:
    """A moment as the reader says it: "in 40 seconds" when it is close, else the date and
    time in their zone (the middleware has activated it)."""
    wait = (moment - timezone.now()).total_seconds()
    if wait < 120:
        seconds = max(1, int(wait + 0.999))
        return ngettext("in %(n)s second", "in %(n)s seconds", seconds) % {"n": seconds}
    return _("at %(time)s") % {
        "time": formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    }


def _free_at(times: list[datetime], limit: int, window: timedelta) -> datetime:
    """`times` are the moments (oldest first) counted in the window, at least `limit` of
    them: one more is allowed once enough have left the window."""
    return times[len(times) - limit] + window


def _recent(rows: Any, since: datetime) -> list[datetime]:
    return list(
        rows.filter(created_at__gte=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def is_new_member(user: Any, now: datetime | None = None) -> bool:
    days = settings.FORUM_NEW_MEMBER_DAYS
    now = now or timezone.now()
    return days > 0 and user.date_joined > now - timedelta(days=days)


def new_member_until(user: Any) -> datetime:
    return user.date_joined + timedelta(days=settings.FORUM_NEW_MEMBER_DAYS)


def link_limit_check(*, user: Any, community: Community, link_count: int) -> None:
    """The new-member limit on links in one post, on its own: edits check it too, so a link
    cannot be added after posting."""
    if is_platform_moderator(user) or not is_new_member(user):
        return
    if _moderates(user, community):
        return
    _check_links(user, link_count)


def _moderates(user: Any, community: Community) -> bool:
    return (
        Membership.objects.current()
        .filter(community=community, user_id=user.pk, role=MemberRole.MODERATOR)
        .exists()
    )


def _check_links(user: Any, link_count: int) -> None:
    limit = settings.FORUM_NEW_MEMBER_LINKS
    if limit < 0 or link_count <= limit:
        return
    until = new_member_until(user)
    if limit == 0:
        message = _(
            "New members may not post links (until %(when)s). Remove the links and try again."
        )
        raise LimitReached(
            message % {"when": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")}
        )
    raise LimitReached(
        ngettext(
            "New members may put at most %(limit)s link in a post (this one has %(count)s) until %(when)s; remove some links and try again.",
            "New members may put at most %(limit)s links in a post (this one has %(count)s) until %(when)s; remove some links and try again.",
            limit,
        )
        % {
            "limit": limit,
            "count": link_count,
            "when": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT"),
        }
    )


def posting_limits_check(
    *, user: Any, community: Community, new_thread: bool, link_count: int
) -> None:
    """Raise `LimitReached` if this post (or new thread, whose first post counts as a post)
    would go over a limit. Platform moderators are exempt; a community's moderators are
    exempt from the new-member limits there, not from the rates everyone has."""
    if is_platform_moderator(user):
        return
    now = timezone.now()
    posts = Post.objects.filter(author_id=user.pk)
    threads = Thread.objects.filter(author_id=user.pk)

    if is_new_member(user, now) and not _moderates(user, community):
        _check_links(user, link_count)
        limit = settings.FORUM_NEW_MEMBER_THREADS
        if new_thread and limit > 0:
            opened = threads.filter(created_at__gte=user.date_joined).count()
            if opened >= limit:
                until = new_member_until(user)
                raise LimitReached(
                    ngettext(
                        "New members may open %(limit)s thread in their first %(days)s days. You can open more %(when)s; until then, reply in an existing thread.",
                        "New members may open %(limit)s threads in their first %(days)s days. You can open more %(when)s; until then, reply in an existing thread.",
                        limit,
                    )
                    % {
                        "limit": limit,
                        "days": settings.FORUM_NEW_MEMBER_DAYS,
                        "when": _when(until),
                    },
                    retry_at=until,
                )
        limit = settings.FORUM_NEW_MEMBER_POSTS_PER_HOUR
        if limit > 0:
            hour = timedelta(hours=1)
            recent = _recent(posts, now - hour)
            if len(recent) >= limit:
                free = _free_at(recent, limit, hour)
                raise LimitReached(
                    ngettext(
                        "You can post again %(when)s (new members may post %(limit)s time an hour).",
                        "You can post again %(when)s (new members may post %(limit)s times an hour).",
                        limit,
                    )
                    % {"limit": limit, "when": _when(free)},
                    retry_at=free,
                )

    limit = settings.FORUM_POSTS_PER_MINUTE
    if limit > 0:
        minute = timedelta(minutes=1)
        recent = _recent(posts, now - minute)
        if len(recent) >= limit:
            free = _free_at(recent, limit, minute)
            raise LimitReached(
                ngettext(
                    "You can post again %(when)s (everyone may post %(limit)s time a minute).",
                    "You can post again %(when)s (everyone may post %(limit)s times a minute).",
                    limit,
                )
                % {"limit": limit, "when": _when(free)},
                retry_at=free,
            )
    limit = settings.FORUM_THREADS_PER_HOUR
    if new_thread and limit > 0:
        hour = timedelta(hours=1)
        recent = _recent(threads, now - hour)
        if len(recent) >= limit:
            free = _free_at(recent, limit, hour)
            raise LimitReached(
                ngettext(
                    "You can open another thread %(when)s (everyone may open %(limit)s thread an hour).",
                    "You can open another thread %(when)s (everyone may open %(limit)s threads an hour).",
                    limit,
                )
                % {"limit": limit, "when": _when(free)},
                retry_at=free,
            )


# Previews a person may ask for in a minute: each one is a Markdown render.
PREVIEW_PER_MINUTE = 60


def preview_allowed(user_id: int) -> bool:
    """Counted in the cache (Redis in production), so the limit holds across processes."""
    key = f"forum-preview:{user_id}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= PREVIEW_PER_MINUTE

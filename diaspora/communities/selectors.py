"""Reads of communities and forums for pages, the API and the thread socket.

Lists are annotated in SQL (counts, unread, watch level), so a page of threads or posts costs
the same number of queries whatever its size.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from diaspora.communities.mentions import render_with_mentions
from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    CommunityWatch,
    Membership,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    ThreadWatch,
    WatchLevel,
)
from diaspora.communities.permissions import CommunityAccess, is_platform_moderator


def _with_counts(communities: QuerySet[Community]) -> QuerySet[Community]:
    # Subqueries, not joins: two joined counts would multiply each other.
    members = (
        Membership.objects.current()
        .filter(community=OuterRef("pk"))
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    threads = (
        Thread.objects.filter(community=OuterRef("pk"))
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return communities.annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
        thread_count=Coalesce(Subquery(threads, output_field=IntegerField()), 0),
    )


def readable_communities_q(user: Any, prefix: str = "") -> Q:
    """A filter for communities whose threads this person may read (`prefix` for use
    across a relation, e.g. "thread__community__")."""
    if is_platform_moderator(user):
        return Q()
    active = Q(**{f"{prefix}archived_at__isnull": True})
    public = Q(**{f"{prefix}visibility": CommunityVisibility.PUBLIC})
    if not user.is_authenticated:
        return active & public
    member_of = Membership.objects.current().filter(user_id=user.pk).values("community_id")
    return active & (public | Q(**{f"{prefix}pk__in": member_of}))


def visible_communities(user: Any) -> QuerySet[Community]:
    """The communities this person knows exist (`CommunityAccess.can_see`), not archived,
    with `member_count` and `thread_count`."""
    communities = Community.objects.active()
    if not is_platform_moderator(user):
        shown = Q(visibility=CommunityVisibility.PUBLIC)
        if user.is_authenticated:
            member_of = Membership.objects.current().filter(user_id=user.pk).values("community_id")
            shown |= Q(visibility=CommunityVisibility.INVITATION) | Q(pk__in=member_of)
        communities = communities.filter(shown)
    return _with_counts(communities).order_by("name")


def my_communities(user: Any) -> QuerySet[Community]:
    """The communities this person is a current member of, with the same counts."""
    if not user.is_authenticated:
        return Community.objects.none()
    member_of = Membership.objects.current().filter(user_id=user.pk).values("community_id")
    return _with_counts(Community.objects.active().filter(pk__in=member_of)).order_by("name")


def community_threads(
    *, access: CommunityAccess, user: Any, tag: str | None = None, unread_only: bool = False
) -> QuerySet[Thread]:
    """A community's threads, pinned first then the most recently active, with `author`,
    `tags`, `unread` (visible posts numbered above the person's read state; 0 when muted or
    signed out) and `watch_level` (the thread's own, else the community's, else normal)."""
    threads = (
        Thread.objects.filter(community=access.community)
        .listed()
        .select_related("author")
        .prefetch_related("tags")
    )
    if tag:
        threads = threads.filter(tags__slug=tag, tags__community=access.community)
    if not user.is_authenticated:
        threads = threads.annotate(
            watch_level=Value(WatchLevel.NORMAL.value), unread=Value(0, output_field=IntegerField())
        )
        return threads.none() if unread_only else threads
    thread_level = ThreadWatch.objects.filter(thread=OuterRef("pk"), user_id=user.pk).values(
        "level"
    )[:1]
    community_level = CommunityWatch.objects.filter(
        community=access.community, user_id=user.pk
    ).values("level")[:1]
    read_to = ReadState.objects.filter(thread=OuterRef("pk"), user_id=user.pk).values(
        "last_read_number"
    )[:1]
    unread_posts = (
        Post.objects.filter(
            thread=OuterRef("pk"), hidden_at__isnull=True, number__gt=OuterRef("read_to")
        )
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    threads = threads.annotate(
        watch_level=Coalesce(
            Subquery(thread_level), Subquery(community_level), Value(WatchLevel.NORMAL.value)
        ),
        read_to=Coalesce(Subquery(read_to), 0),
    ).annotate(
        unread=Case(
            When(watch_level=WatchLevel.MUTED, then=Value(0)),
            default=Coalesce(Subquery(unread_posts, output_field=IntegerField()), 0),
            output_field=IntegerField(),
        )
    )
    if unread_only:
        threads = threads.filter(unread__gt=0)  # type: ignore[misc]
    return threads


def thread_posts(*, access: CommunityAccess, thread: Thread, user: Any) -> QuerySet[Post]:
    """A thread's posts in order, with their authors and what they reply to. Hidden posts
    are included: the page shows a placeholder to most readers, the text to moderators and
    the author (`can_see_hidden`)."""
    return (
        Post.objects.filter(thread=thread)
        .select_related("author", "reply_to__author")
        .order_by("number")
    )


def can_see_hidden(*, access: CommunityAccess, post: Post, user: Any) -> bool:
    """Whether this reader sees a hidden post's text: its moderators and its author."""
    return access.is_moderator or (user.is_authenticated and post.author_id == user.pk)


def reactions_for(posts: Any, user: Any) -> dict[int, dict[str, Any]]:
    """For each post: `counts` {emoji: n} and `mine` (the emojis this person gave), in one
    query. Posts without reactions are there with empty values."""
    from diaspora.communities.services import REACTIONS

    ids = [p.pk for p in posts]
    result: dict[int, dict[str, Any]] = {pk: {"counts": {}, "mine": []} for pk in ids}
    if not ids:
        return result
    mine = Q(user_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    rows = (
        Reaction.objects.filter(post_id__in=ids)
        .values("post_id", "emoji")
        .annotate(n=Count("pk"), mine=Count("pk", filter=mine))
        .order_by()
    )
    order = {emoji: i for i, emoji in enumerate(REACTIONS)}
    for row in sorted(rows, key=lambda r: (order.get(r["emoji"], len(order)), r["emoji"])):
        entry = result[row["post_id"]]
        entry["counts"][row["emoji"]] = row["n"]
        if row["mine"]:
            entry["mine"].append(row["emoji"])
    return result


def watch_level(*, user: Any, thread: Thread) -> str:
    """The level that applies: the thread's own, else the community's, else normal."""
    if not user.is_authenticated:
        return WatchLevel.NORMAL
    own = ThreadWatch.objects.filter(thread=thread, user_id=user.pk).values_list("level", flat=True)
    found = own.first()
    if found:
        return found
    return community_watch_level(user=user, community_id=thread.community_id)


def community_watch_level(*, user: Any, community_id: int) -> str:
    if not user.is_authenticated:
        return WatchLevel.NORMAL
    return (
        CommunityWatch.objects.filter(community_id=community_id, user_id=user.pk)
        .values_list("level", flat=True)
        .first()
    ) or WatchLevel.NORMAL


def post_history(*, post: Post) -> list[PostRevision]:
    """The texts a post had before each edit, oldest first, with who replaced them."""
    return list(post.revisions.select_related("edited_by").order_by("edited_at", "id"))


@dataclass(frozen=True)
class HistoryRow:
    revision: PostRevision
    by_moderator: bool
    # A text that a moderator replaced may be exactly what they removed (personal data, say):
    # it is for moderators and the author; others see that it was replaced, by whom and why.
    show_text: bool


def post_history_for(*, access: CommunityAccess, post: Post, user: Any) -> list[HistoryRow]:
    """`post_history` as this reader may see it, oldest first."""
    sees_all = can_see_hidden(access=access, post=post, user=user)
    rows = []
    for revision in post_history(post=post):
        by_moderator = revision.edited_by_id != post.author_id
        rows.append(
            HistoryRow(
                revision=revision,
                by_moderator=by_moderator,
                show_text=sees_all or not by_moderator,
            )
        )
    return rows


def preview_html(*, text: str) -> str:
    """What `text` would look like as a post: the same rendering and mention links. Raises
    the renderer's ValidationErrors (too long, too complex)."""
    return render_with_mentions(text)[0]

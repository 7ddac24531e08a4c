"""Thread events: what an open thread page must show, stored with the thread's next sequence
number before it is broadcast (the live rooms' approach, `docs/live-protocol.md`).

Services call `thread_event_record` inside their transaction; the broadcast goes out after
commit. Payloads hold only what every reader of the thread may see: a hidden post's event
carries no text.
"""

from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count

from diaspora.accounts.models import User
from diaspora.communities.models import Post, Reaction, Thread, ThreadEvent
from realtime import broadcast, groups, protocol

# Event types (`docs/live-protocol.md`, forum threads).
POST_CREATED = "post.created"
POST_EDITED = "post.edited"
POST_HIDDEN = "post.hidden"
POST_RESTORED = "post.restored"
POST_REACTED = "post.reacted"
THREAD_LOCKED = "thread.locked"
THREAD_UNLOCKED = "thread.unlocked"
THREAD_PINNED = "thread.pinned"
THREAD_UNPINNED = "thread.unpinned"
THREAD_MOVED = "thread.moved"

# The most events one read returns; a client further behind reads again.
FRAMES_LIMIT = 500


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name, "handle": user.handle or ""}


def reaction_counts(post_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {pk: {} for pk in post_ids}
    rows = (
        Reaction.objects.filter(post_id__in=post_ids)
        .values("post_id", "emoji")
        .annotate(n=Count("id"))
        .order_by("post_id", "emoji")
    )
    for row in rows:
        counts[row["post_id"]][row["emoji"]] = row["n"]
    return counts


def post_payload(post: Post, reactions: dict[str, int] | None = None) -> dict[str, Any]:
    """A post as every reader of its thread may see it. The caller has `author` and
    `reply_to__author` loaded, or accepts the queries."""
    reply_to = None
    if post.reply_to_id is not None and post.reply_to is not None:
        reply_to = {
            "id": post.reply_to.pk,
            "number": post.reply_to.number,
            "author": person(post.reply_to.author),
        }
    hidden = post.is_hidden
    return {
        "id": post.pk,
        "number": post.number,
        "author": person(post.author),
        "html": "" if hidden else post.body_html,
        "hidden": hidden,
        # Hidden by reaching the flag threshold, not by a person: readers are told so.
        "hidden_by_flags": hidden and post.hidden_automatically,
        "reply_to": reply_to,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at) if post.edited_at else None,
        "edit_count": post.edit_count,
        "reactions": reactions if reactions is not None else {},
    }


def event_frame(event: ThreadEvent) -> dict[str, Any]:
    return {**event.payload, "type": event.type, "seq": event.seq, "ts": iso(event.created_at)}


def thread_event_record(
    *, thread: Thread, event_type: str, payload: dict[str, Any], actor: User | None
) -> ThreadEvent:
    """Store the event with the thread's next seq (under the thread's row lock) and
    broadcast it to the thread's sockets after commit."""
    with transaction.atomic():
        last_seq = (
            Thread.objects.select_for_update()
            .filter(pk=thread.pk)
            .values_list("last_seq", flat=True)
        ).get()
        seq = last_seq + 1
        Thread.objects.filter(pk=thread.pk).update(last_seq=seq)
        thread.last_seq = seq
        event = ThreadEvent.objects.create(
            thread=thread, seq=seq, type=event_type, payload=payload, actor=actor
        )
        transaction.on_commit(
            partial(
                broadcast.send_group,
                groups.thread(thread.pk),
                {"type": protocol.THREAD_EVENT, "event": event_frame(event)},
            )
        )
    return event


def frames_after(thread_id: int, after: int, before: int | None = None) -> list[dict[str, Any]]:
    """Stored events with `after < seq < before`, in order, at most FRAMES_LIMIT."""
    events = ThreadEvent.objects.filter(thread_id=thread_id, seq__gt=after)
    if before is not None:
        events = events.filter(seq__lt=before)
    return [event_frame(e) for e in events.order_by("seq")[:FRAMES_LIMIT]]

"""Hiding and restoring posts; locking, pinning and moving threads."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from diaspora.accounts.models import User
from diaspora.communities import events
from diaspora.communities.models import Community, MemberRole, Post, Tag, Thread, ThreadEvent
from diaspora.communities.permissions import PostingRefused, community_access, ensure_can_post
from diaspora.moderation.models import ActionKind, Flag, FlagReason, FlagStatus, ModerationAction
from diaspora.moderation.selectors import review_queue
from diaspora.moderation.services import (
    flag_create,
    post_hide,
    post_restore,
    thread_lock,
    thread_move,
    thread_pin,
    thread_unlock,
    thread_unpin,
)
from diaspora.notifications.models import Notification, NotificationKind
from tests.communities.conftest import add_member

pytestmark = pytest.mark.django_db


def post_no(thread: Thread, number: int) -> Post:
    return Post.objects.select_related("thread__community", "author").get(
        thread=thread, number=number
    )


def fresh(thread: Thread) -> Thread:
    return Thread.objects.select_related("community").get(pk=thread.pk)


def test_it_hides_a_post_with_a_reason(alice: User, bob: User, thread: Thread) -> None:
    post = post_no(thread, 1)

    post_hide(actor=alice, post=post, reason="Personal data")

    post.refresh_from_db()
    assert post.is_hidden and post.hidden_by == alice and post.hidden_reason == "Personal data"
    assert fresh(thread).post_count == 1
    event = ThreadEvent.objects.filter(thread=thread).latest("seq")
    assert (event.type, event.actor) == (events.POST_HIDDEN, alice)
    assert event.payload["post"] == {**event.payload["post"], "id": post.pk, "html": ""}
    entry = ModerationAction.objects.get(action=ActionKind.POST_HIDE)
    assert (entry.actor, entry.post, entry.member, entry.community) == (
        alice,
        post,
        bob,
        thread.community,
    )
    assert entry.before == {
        "body_md": "What data do we have?",
        "hidden": False,
        "hidden_automatically": False,
        "hidden_reason": "",
    }
    assert Notification.objects.filter(user=bob, kind=NotificationKind.MODERATION).exists()


def test_it_wants_a_reason_to_hide_and_refuses_to_hide_twice(alice: User, thread: Thread) -> None:
    post = post_no(thread, 1)
    with pytest.raises(ValidationError) as blank:
        post_hide(actor=alice, post=post, reason="  ")
    assert "reason" in blank.value.message_dict

    post_hide(actor=alice, post=post, reason="Spam")
    with pytest.raises(ValidationError, match="already hidden"):
        post_hide(actor=alice, post=post, reason="Spam")
    assert fresh(thread).post_count == 1
    assert ModerationAction.objects.count() == 1


def test_it_restores_a_hidden_post(alice: User, thread: Thread) -> None:
    post = post_no(thread, 1)
    post_hide(actor=alice, post=post, reason="Checking a claim")

    post_restore(actor=alice, post=post, reason="Checked")

    post.refresh_from_db()
    assert not post.is_hidden and post.hidden_reason == ""
    assert fresh(thread).post_count == 2
    event = ThreadEvent.objects.filter(thread=thread).latest("seq")
    assert event.type == events.POST_RESTORED
    assert "What data do we have?" in event.payload["post"]["html"]
    entry = ModerationAction.objects.get(action=ActionKind.POST_RESTORE)
    assert entry.before["hidden"] is True
    assert entry.before["hidden_reason"] == "Checking a claim"
    assert entry.before["hidden_by"] == alice.pk
    assert entry.reason == "Checked"
    with pytest.raises(ValidationError, match="not hidden"):
        post_restore(actor=alice, post=post)


def test_restoring_a_post_the_flags_hid_answers_them(
    settings: Any, alice: User, thread: Thread, make_user: Any
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 1
    erin = make_user("erin@example.org")
    add_member(thread.community, erin)
    post = post_no(thread, 2)
    flag_create(user=erin, post=post, reason=FlagReason.SPAM)
    post.refresh_from_db()
    assert post.hidden_automatically

    post_restore(actor=alice, post=post)

    # Else the next flag would hide it again at once.
    assert Flag.objects.get().status == FlagStatus.DISAGREED
    entry = ModerationAction.objects.get(action=ActionKind.POST_RESTORE)
    assert entry.before["hidden_automatically"] is True
    assert entry.after["flags_disagreed"] == 1


def test_lock_and_unlock(alice: User, bob: User, thread: Thread) -> None:
    thread_lock(actor=alice, thread=thread, reason="Heated")

    locked = fresh(thread)
    assert locked.is_locked
    bob_access = community_access(bob, locked.community)
    with pytest.raises(PostingRefused) as refused:
        ensure_can_post(bob, bob_access, locked)
    assert refused.value.code == "locked"
    # Moderators may still post, to explain the lock.
    ensure_can_post(alice, community_access(alice, locked.community), locked)
    event = ThreadEvent.objects.filter(thread=thread).latest("seq")
    assert (event.type, event.payload) == (events.THREAD_LOCKED, {"locked": True})
    entry = ModerationAction.objects.get(action=ActionKind.THREAD_LOCK)
    assert entry.thread == thread and entry.reason == "Heated"
    assert entry.before == {"locked_at": None} and entry.after["locked_at"]
    with pytest.raises(ValidationError, match="already locked"):
        thread_lock(actor=alice, thread=thread)

    thread_unlock(actor=alice, thread=thread)

    assert not fresh(thread).is_locked
    ensure_can_post(bob, bob_access, fresh(thread))
    assert ThreadEvent.objects.filter(thread=thread).latest("seq").type == events.THREAD_UNLOCKED
    assert ModerationAction.objects.get(action=ActionKind.THREAD_UNLOCK).before["locked_at"]
    with pytest.raises(ValidationError, match="not locked"):
        thread_unlock(actor=alice, thread=thread)


def test_pin_and_unpin(alice: User, thread: Thread) -> None:
    thread_pin(actor=alice, thread=thread)

    assert fresh(thread).is_pinned
    assert ThreadEvent.objects.filter(thread=thread).latest("seq").type == events.THREAD_PINNED
    with pytest.raises(ValidationError, match="already pinned"):
        thread_pin(actor=alice, thread=thread)

    thread_unpin(actor=alice, thread=thread)

    assert not fresh(thread).is_pinned
    assert ThreadEvent.objects.filter(thread=thread).latest("seq").type == events.THREAD_UNPINNED
    assert {e.action for e in ModerationAction.objects.all()} == {
        ActionKind.THREAD_PIN,
        ActionKind.THREAD_UNPIN,
    }


def test_moving_a_thread_takes_its_flags_and_is_in_both_trails(
    alice: User,
    bob: User,
    thread: Thread,
    community: Community,
    other_community: Community,
    make_user: Any,
) -> None:
    add_member(other_community, alice, MemberRole.MODERATOR)
    erin = make_user("erin@example.org")
    add_member(community, erin)
    flag_create(user=erin, post=post_no(thread, 2), reason=FlagReason.OFF_TOPIC)
    thread.tags.set(Tag.objects.filter(community=community))

    thread_move(actor=alice, thread=thread, to_community=other_community, reason="Belongs there")

    moved = fresh(thread)
    assert moved.community == other_community
    assert not moved.tags.exists()  # tags belong to the old community
    assert Flag.objects.get().community == other_community
    assert review_queue(community=community) == []
    assert [item.post.number for item in review_queue(community=other_community)] == [2]
    event = ThreadEvent.objects.filter(thread=thread).latest("seq")
    assert event.type == events.THREAD_MOVED
    assert event.payload == {
        "community": {"slug": "water-engineering", "name": other_community.name}
    }
    entries = ModerationAction.objects.filter(action=ActionKind.THREAD_MOVE)
    assert {e.community_id for e in entries} == {community.pk, other_community.pk}
    for entry in entries:
        assert entry.before == {
            "community": {"slug": "public-health", "name": community.name},
            "tags": ["epidemiology"],
        }
        assert entry.after["community"]["slug"] == "water-engineering"
        assert entry.reason == "Belongs there" and entry.thread == thread
    assert Notification.objects.filter(user=bob, title__contains="moved").exists()


def test_moving_needs_both_communities_a_reason_and_a_new_place(
    alice: User, thread: Thread, community: Community, other_community: Community
) -> None:
    with pytest.raises(PermissionDenied):
        thread_move(actor=alice, thread=thread, to_community=other_community, reason="There")
    with pytest.raises(ValidationError):
        thread_move(actor=alice, thread=thread, to_community=community, reason="Here")

    add_member(other_community, alice, MemberRole.MODERATOR)
    with pytest.raises(ValidationError) as blank:
        thread_move(actor=alice, thread=thread, to_community=other_community, reason="")
    assert "reason" in blank.value.message_dict

    assert fresh(thread).community == community
    assert not ModerationAction.objects.exists()

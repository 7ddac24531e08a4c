"""Flags: who may flag, auto-hide at FORUM_AUTO_HIDE_FLAGS distinct flaggers, and a
moderator's answer (agree hides, disagree restores what the flags hid)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from diaspora.accounts.models import User
from diaspora.communities import events
from diaspora.communities.models import Community, Post, Thread, ThreadEvent
from diaspora.moderation.models import ActionKind, Flag, FlagReason, FlagStatus, ModerationAction
from diaspora.moderation.services import flag_create, flags_resolve, post_hide
from diaspora.notifications.models import Notification, NotificationKind
from tests.communities.conftest import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(make_user: Callable[..., User], community: Community) -> list[User]:
    made = []
    for name in ("erin", "femi", "grace", "hamid"):
        user = make_user(f"{name}@example.org", name=name.title())
        add_member(community, user)
        made.append(user)
    return made


def opening_post(thread: Thread) -> Post:
    return Post.objects.select_related("thread__community", "author").get(thread=thread, number=1)


def test_it_hides_a_post_at_the_configured_number_of_distinct_flaggers(
    settings: Any, thread: Thread, members: list[User], bob: User
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 3
    post = opening_post(thread)
    count_before = Thread.objects.get(pk=thread.pk).post_count

    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)
    flag_create(user=members[1], post=post, reason=FlagReason.ABUSIVE)
    post.refresh_from_db()
    assert not post.is_hidden
    assert not ModerationAction.objects.filter(action=ActionKind.POST_AUTO_HIDE).exists()

    flag_create(user=members[2], post=post, reason=FlagReason.SPAM)

    post.refresh_from_db()
    assert post.is_hidden
    assert post.hidden_automatically
    assert post.hidden_by is None
    assert Thread.objects.get(pk=thread.pk).post_count == count_before - 1
    entry = ModerationAction.objects.get(action=ActionKind.POST_AUTO_HIDE)
    assert entry.actor is None
    assert entry.post == post
    assert entry.member == bob
    assert entry.before["body_md"] == "What data do we have?"
    assert entry.before["hidden"] is False
    # Open pages are told that flags hid it, not a moderator.
    event = ThreadEvent.objects.filter(thread=thread, type="post.hidden").get()
    assert event.payload["post"]["hidden_by_flags"] is True
    assert event.payload["post"]["html"] == ""
    assert entry.after["hidden"] is True
    event = ThreadEvent.objects.filter(thread=thread).latest("seq")
    assert event.type == events.POST_HIDDEN
    assert event.payload["post"]["hidden"] is True
    assert event.payload["post"]["html"] == ""  # a hidden post's event carries no text
    assert Notification.objects.filter(
        user=bob, kind=NotificationKind.MODERATION, title__contains="hidden"
    ).exists()


def test_it_does_not_hide_on_repeated_flags_of_one_person(
    settings: Any, alice: User, thread: Thread, members: list[User]
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 2
    post = opening_post(thread)
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)

    with pytest.raises(ValidationError, match="already flagged"):
        flag_create(user=members[0], post=post, reason=FlagReason.ABUSIVE)
    # After a review the same person may flag again, and still counts once.
    flags_resolve(actor=alice, post=post, agree=False)
    flag_create(user=members[0], post=post, reason=FlagReason.ABUSIVE)

    post.refresh_from_db()
    assert not post.is_hidden
    assert Flag.objects.filter(post=post, status=FlagStatus.PENDING).count() == 1


def test_it_refuses_a_flag_on_ones_own_post(settings: Any, bob: User, thread: Thread) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 1
    post = opening_post(thread)

    with pytest.raises(ValidationError, match="your own post"):
        flag_create(user=bob, post=post, reason=FlagReason.SPAM)

    post.refresh_from_db()
    assert not post.is_hidden
    assert not Flag.objects.exists()


def test_it_wants_a_known_reason_and_a_note_for_other(thread: Thread, members: list[User]) -> None:
    post = opening_post(thread)

    with pytest.raises(ValidationError) as unknown:
        flag_create(user=members[0], post=post, reason="boring")
    assert "reason" in unknown.value.message_dict
    with pytest.raises(ValidationError) as no_note:
        flag_create(user=members[0], post=post, reason=FlagReason.OTHER, note="   ")
    assert "note" in no_note.value.message_dict

    flag = flag_create(user=members[0], post=post, reason=FlagReason.OTHER, note="Wrong figures")
    assert flag.note == "Wrong figures"
    assert flag.community_id == thread.community_id


def test_it_lets_only_members_and_platform_moderators_flag(
    charlie: User, moderator: User, thread: Thread
) -> None:
    post = opening_post(thread)

    with pytest.raises(PermissionDenied):
        flag_create(user=charlie, post=post, reason=FlagReason.SPAM)

    assert flag_create(user=moderator, post=post, reason=FlagReason.SPAM).flagged_by == moderator


def test_it_refuses_a_suspended_members_flag(thread: Thread, members: list[User]) -> None:
    members[0].is_active = False
    members[0].save()

    with pytest.raises(PermissionDenied):
        flag_create(user=members[0], post=opening_post(thread), reason=FlagReason.SPAM)


def test_it_tells_the_moderators_of_the_first_flag_only(
    alice: User, dave: User, thread: Thread, members: list[User], other_community: Community
) -> None:
    post = opening_post(thread)
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)
    flag_create(user=members[1], post=post, reason=FlagReason.SPAM)

    told = Notification.objects.filter(kind=NotificationKind.MODERATION, title__contains="flagged")
    assert list(told.values_list("user", flat=True)) == [alice.pk]
    assert told.get().url == "/communities/public-health/review/"
    assert not Notification.objects.filter(user=dave).exists()


def test_agreeing_hides_the_post_and_closes_the_flags(
    alice: User, bob: User, thread: Thread, members: list[User]
) -> None:
    post = opening_post(thread)
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)
    flag_create(user=members[1], post=post, reason=FlagReason.ABUSIVE)
    post_count = Thread.objects.get(pk=thread.pk).post_count

    resolved = flags_resolve(actor=alice, post=post, agree=True, reason="Advertising")

    assert resolved == 2
    post.refresh_from_db()
    assert post.is_hidden and not post.hidden_automatically
    assert post.hidden_by == alice
    assert Thread.objects.get(pk=thread.pk).post_count == post_count - 1
    assert set(Flag.objects.values_list("status", "resolved_by")) == {(FlagStatus.AGREED, alice.pk)}
    entry = ModerationAction.objects.get(action=ActionKind.FLAG_AGREE)
    assert entry.actor == alice
    assert entry.reason == "Advertising"
    assert entry.before["body_md"] == "What data do we have?"
    assert entry.before["flags"] == {"spam": 1, "abusive": 1}
    assert entry.after["hidden"] is True
    assert ThreadEvent.objects.filter(thread=thread).latest("seq").type == events.POST_HIDDEN
    assert Notification.objects.filter(user=bob, title__contains="hid your post").exists()


def test_agreeing_with_flags_that_already_hid_the_post_keeps_it_hidden_once(
    settings: Any, alice: User, thread: Thread, members: list[User]
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 2
    post = opening_post(thread)
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)
    flag_create(user=members[1], post=post, reason=FlagReason.SPAM)
    post_count = Thread.objects.get(pk=thread.pk).post_count
    last_seq = Thread.objects.get(pk=thread.pk).last_seq

    flags_resolve(actor=alice, post=post, agree=True)

    post.refresh_from_db()
    assert post.is_hidden and not post.hidden_automatically and post.hidden_by == alice
    assert Thread.objects.get(pk=thread.pk).post_count == post_count
    assert Thread.objects.get(pk=thread.pk).last_seq == last_seq  # nothing new to show


def test_disagreeing_restores_a_post_the_flags_hid(
    settings: Any, alice: User, bob: User, thread: Thread, members: list[User]
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 2
    post = opening_post(thread)
    post_count = Thread.objects.get(pk=thread.pk).post_count
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)
    flag_create(user=members[1], post=post, reason=FlagReason.OFF_TOPIC)

    assert flags_resolve(actor=alice, post=post, agree=False, reason="On topic") == 2

    post.refresh_from_db()
    assert not post.is_hidden
    assert Thread.objects.get(pk=thread.pk).post_count == post_count
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.DISAGREED}
    event = ThreadEvent.objects.filter(thread=thread).latest("seq")
    assert event.type == events.POST_RESTORED
    assert "What data do we have?" in event.payload["post"]["html"]
    entry = ModerationAction.objects.get(action=ActionKind.FLAG_DISAGREE)
    assert entry.before["hidden"] is True and entry.before["hidden_automatically"] is True
    assert entry.after["hidden"] is False
    assert entry.reason == "On topic"
    assert Notification.objects.filter(user=bob, title__contains="visible again").exists()


def test_disagreeing_leaves_a_post_a_moderator_hid_hidden(
    alice: User, moderator: User, thread: Thread, members: list[User]
) -> None:
    post = opening_post(thread)
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)
    post_hide(actor=moderator, post=post, reason="Spam link")
    # Hiding took the pending flag as agreed with; a new flag cannot come to a hidden post.
    assert Flag.objects.get().status == FlagStatus.AGREED
    with pytest.raises(ValidationError, match="already hidden"):
        flag_create(user=members[1], post=post, reason=FlagReason.SPAM)

    with pytest.raises(ValidationError, match="no flags"):
        flags_resolve(actor=alice, post=post, agree=False)
    post.refresh_from_db()
    assert post.is_hidden


def test_resolving_is_for_moderators_of_the_community(
    bob: User, dave: User, thread: Thread, members: list[User]
) -> None:
    post = opening_post(thread)
    flag_create(user=members[0], post=post, reason=FlagReason.SPAM)

    for outsider in (bob, dave):
        with pytest.raises(PermissionDenied):
            flags_resolve(actor=outsider, post=post, agree=True)

    assert Flag.objects.get().status == FlagStatus.PENDING
    assert not ModerationAction.objects.exists()

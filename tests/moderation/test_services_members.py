"""Warnings, silences, removals and platform-wide suspensions."""

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Membership, Post, Thread
from diaspora.communities.permissions import PostingRefused, community_access, ensure_can_post
from diaspora.moderation.models import ActionKind, ModerationAction, Silence, Warning
from diaspora.moderation.services import (
    member_reinstate,
    member_remove,
    member_silence,
    member_suspend,
    member_unsilence,
    member_warn,
    warning_acknowledge,
)
from diaspora.notifications.models import Notification, NotificationKind
from realtime import groups, protocol
from tests.communities.conftest import add_member

pytestmark = pytest.mark.django_db


def in_hours(hours: float) -> Any:
    return timezone.now() + timedelta(hours=hours)


def may_post(user: User, community: Community, thread: Thread | None = None) -> str:
    """ "ok", or the refusal's code."""
    try:
        ensure_can_post(user, community_access(user, community), thread)
    except PostingRefused as refused:
        return refused.code
    return "ok"


def kicks(send: mock.MagicMock) -> list[str]:
    """The groups a patched `send_group` was asked to close thread sockets of."""
    return [c.args[0] for c in send.call_args_list if c.args[1]["type"] == protocol.THREAD_KICK]


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("root@example.org", name="Root", is_staff=True)


# -- warnings ------------------------------------------------------------------------------


def test_it_warns_a_member_who_acknowledges_it(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    post = Post.objects.get(thread=thread, number=1)

    warning = member_warn(
        actor=alice, community=community, member=bob, message="Keep it civil.", post=post
    )

    assert (warning.member, warning.issued_by, warning.post) == (bob, alice, post)
    told = Notification.objects.get(user=bob, kind=NotificationKind.MODERATION)
    assert told.body == "Keep it civil." and told.url == "/warnings/"
    entry = ModerationAction.objects.get(action=ActionKind.MEMBER_WARN)
    assert (entry.member, entry.post, entry.reason) == (bob, post, "Keep it civil.")
    assert entry.after["message"] == "Keep it civil."

    with pytest.raises(PermissionDenied):
        warning_acknowledge(user=alice, warning=warning)
    warning_acknowledge(user=bob, warning=warning)
    assert Warning.objects.get().acknowledged_at is not None


def test_a_warning_needs_a_message_a_member_and_a_post_of_the_community(
    alice: User,
    bob: User,
    charlie: User,
    community: Community,
    other_community: Community,
    dave: User,
) -> None:
    with pytest.raises(ValidationError) as blank:
        member_warn(actor=alice, community=community, member=bob, message=" ")
    assert "message" in blank.value.message_dict
    with pytest.raises(ValidationError) as stranger:
        member_warn(actor=alice, community=community, member=charlie, message="Hello")
    assert "member" in stranger.value.message_dict
    elsewhere = Thread.objects.create(community=other_community, title="Pumps", author=dave)
    post = Post.objects.create(thread=elsewhere, number=1, author=bob, body_md="x", body_html="x")
    with pytest.raises(ValidationError) as wrong_post:
        member_warn(actor=alice, community=community, member=bob, message="Hi", post=post)
    assert "post" in wrong_post.value.message_dict
    with pytest.raises(ValidationError):
        member_warn(actor=alice, community=community, member=alice, message="Me")

    assert not Warning.objects.exists()
    assert not ModerationAction.objects.exists()


# -- silences ------------------------------------------------------------------------------


def test_a_silence_blocks_posting_until_it_ends(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    ends_at = in_hours(2)

    silence = member_silence(
        actor=alice, community=community, member=bob, ends_at=ends_at, reason="Cool off"
    )

    assert may_post(bob, community) == "silenced"
    assert may_post(bob, community, thread) == "silenced"
    entry = ModerationAction.objects.get(action=ActionKind.MEMBER_SILENCE)
    assert (entry.member, entry.reason, entry.before) == (bob, "Cool off", {"ends_at": None})
    assert entry.after["ends_at"] == ends_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert Notification.objects.filter(user=bob, title__contains="cannot post").exists()
    assert silence.ends_at == ends_at

    with mock.patch("django.utils.timezone.now", return_value=ends_at + timedelta(seconds=1)):
        assert may_post(bob, community, thread) == "ok"


def test_a_silenced_member_cannot_reply_until_the_silence_is_lifted(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    from diaspora.communities.services import post_create

    silence = member_silence(
        actor=alice, community=community, member=bob, ends_at=in_hours(3), reason="Flooding"
    )

    with pytest.raises(PostingRefused) as refused:
        post_create(author=bob, thread=thread, text="Still here")
    assert refused.value.code == "silenced"
    assert Post.objects.filter(thread=thread).count() == 2

    member_unsilence(actor=alice, silence=silence)
    assert post_create(author=bob, thread=thread, text="Sorry").number == 3


def test_a_silence_applies_in_its_community_only(
    alice: User, bob: User, community: Community, other_community: Community
) -> None:
    add_member(other_community, bob)

    member_silence(actor=alice, community=community, member=bob, ends_at=in_hours(1), reason="x")

    assert may_post(bob, community) == "silenced"
    assert may_post(bob, other_community) == "ok"


def test_lifting_a_silence_lets_the_member_post_again(
    alice: User, bob: User, community: Community
) -> None:
    silence = member_silence(
        actor=alice, community=community, member=bob, ends_at=in_hours(24), reason="Spam"
    )

    member_unsilence(actor=alice, silence=silence, reason="Apologised")

    assert may_post(bob, community) == "ok"
    entry = ModerationAction.objects.get(action=ActionKind.MEMBER_UNSILENCE)
    assert entry.reason == "Apologised" and entry.before["ends_at"] and entry.after["lifted_at"]
    with pytest.raises(ValidationError, match="no longer in force"):
        member_unsilence(actor=alice, silence=silence)


def test_a_new_silence_replaces_the_one_in_force(
    alice: User, bob: User, community: Community
) -> None:
    member_silence(actor=alice, community=community, member=bob, ends_at=in_hours(48), reason="a")
    shorter = in_hours(1)

    member_silence(actor=alice, community=community, member=bob, ends_at=shorter, reason="b")

    assert [s.ends_at for s in Silence.objects.in_force()] == [shorter]
    second = ModerationAction.objects.filter(action=ActionKind.MEMBER_SILENCE).first()
    assert second is not None and second.before["ends_at"] is not None


def test_a_silence_ends_in_the_future_and_not_on_oneself_or_a_fellow_moderator(
    alice: User,
    bob: User,
    moderator: User,
    community: Community,
    make_user: Callable[..., User],
) -> None:
    with pytest.raises(ValidationError) as past:
        member_silence(
            actor=alice, community=community, member=bob, ends_at=in_hours(-1), reason="x"
        )
    assert "ends_at" in past.value.message_dict
    with pytest.raises(ValidationError) as blank:
        member_silence(actor=alice, community=community, member=bob, ends_at=in_hours(1), reason="")
    assert "reason" in blank.value.message_dict
    with pytest.raises(ValidationError):
        member_silence(
            actor=alice, community=community, member=alice, ends_at=in_hours(1), reason="x"
        )
    fellow = make_user("fellow@example.org")
    add_member(community, fellow, MemberRole.MODERATOR)
    with pytest.raises(PermissionDenied):
        member_silence(
            actor=alice, community=community, member=fellow, ends_at=in_hours(1), reason="x"
        )
    with pytest.raises(PermissionDenied):
        member_silence(
            actor=alice, community=community, member=moderator, ends_at=in_hours(1), reason="x"
        )
    assert not Silence.objects.exists()

    # A platform moderator may silence a community's moderator.
    member_silence(
        actor=moderator, community=community, member=fellow, ends_at=in_hours(1), reason="x"
    )
    assert may_post(fellow, community) == "silenced"


def test_silencing_closes_the_members_thread_sockets_after_commit(
    alice: User, bob: User, community: Community, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("realtime.broadcast.send_group") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            member_silence(
                actor=alice, community=community, member=bob, ends_at=in_hours(1), reason="x"
            )
        send.assert_not_called()
        for callback in callbacks:
            callback()

    assert kicks(send) == [groups.community_member(community.pk, bob.pk)]


def test_a_refused_silence_sends_nothing(
    alice: User, community: Community, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("realtime.broadcast.send_group") as send,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),
    ):
        member_silence(
            actor=alice, community=community, member=alice, ends_at=in_hours(1), reason="x"
        )
    assert kicks(send) == []


# -- removal -------------------------------------------------------------------------------


def test_removing_a_member_ends_the_membership_and_closes_their_sockets(
    alice: User, bob: User, community: Community, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("realtime.broadcast.send_group") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        membership = member_remove(actor=alice, community=community, member=bob, reason="Spam")

    assert membership.left_at is not None
    assert may_post(bob, community) == "not_member"
    assert kicks(send) == [groups.community_member(community.pk, bob.pk)]
    entry = ModerationAction.objects.get(action=ActionKind.MEMBER_REMOVE)
    assert entry.before["role"] == MemberRole.MEMBER and entry.after["left_at"]
    with pytest.raises(ValidationError, match="not a member"):
        member_remove(actor=alice, community=community, member=bob, reason="Again")
    assert Membership.objects.get(community=community, user=bob).left_at is not None


# -- suspensions ---------------------------------------------------------------------------


def test_staff_suspend_and_reinstate_with_a_platform_wide_audit(
    staff: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("realtime.broadcast.user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True),
    ):
        member_suspend(actor=staff, member=bob, reason="Spam across communities")

    bob.refresh_from_db()
    assert not bob.is_active
    disconnect.assert_called_with(bob.pk)
    entry = ModerationAction.objects.get(action=ActionKind.MEMBER_SUSPEND)
    assert (entry.community, entry.actor, entry.member) == (None, staff, bob)
    assert (entry.before, entry.after) == ({"is_active": True}, {"is_active": False})
    with pytest.raises(ValidationError, match="already suspended"):
        member_suspend(actor=staff, member=bob, reason="Again")

    member_reinstate(actor=staff, member=bob, reason="Appeal upheld")

    bob.refresh_from_db()
    assert bob.is_active
    entry = ModerationAction.objects.get(action=ActionKind.MEMBER_REINSTATE)
    assert entry.community is None and entry.reason == "Appeal upheld"


def test_a_suspended_member_cannot_post(staff: User, bob: User, community: Community) -> None:
    member_suspend(actor=staff, member=bob, reason="Spam")
    bob.refresh_from_db()

    assert may_post(bob, community) == "inactive"


def test_only_staff_suspend(
    alice: User, moderator: User, bob: User, staff: User, make_user: Callable[..., User]
) -> None:
    for actor in (alice, moderator, bob):
        with pytest.raises(PermissionDenied):
            member_suspend(actor=actor, member=bob, reason="x")
        with pytest.raises(PermissionDenied):
            member_reinstate(actor=actor, member=bob)
    with pytest.raises(ValidationError):
        member_suspend(actor=staff, member=staff, reason="x")
    with pytest.raises(ValidationError) as blank:
        member_suspend(actor=staff, member=bob, reason=" ")
    assert "reason" in blank.value.message_dict
    root = make_user("super@example.org", is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        member_suspend(actor=staff, member=root, reason="x")

    assert User.objects.filter(is_active=False).count() == 0
    assert not ModerationAction.objects.exists()

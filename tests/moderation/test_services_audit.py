"""The audit trail holds every act of the moderation services, with what it was before, and
nothing of an act that was rolled back."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Post, Thread
from diaspora.moderation import services
from diaspora.moderation.models import ActionKind, FlagReason, ModerationAction
from tests.communities.conftest import add_member, add_thread

pytestmark = pytest.mark.django_db

# Written by the communities services (H1's community_update, invitations, moderator_set,
# a moderator's post_edit), not by these.
OTHER_SERVICES = {
    ActionKind.POST_EDIT,
    ActionKind.MODERATOR_ADD,
    ActionKind.MODERATOR_REMOVE,
    ActionKind.INVITATION_SEND,
    ActionKind.INVITATION_REVOKE,
    ActionKind.COMMUNITY_UPDATE,
    ActionKind.TAG_CREATE,
}


def posts(thread: Thread) -> list[Post]:
    return list(
        Post.objects.select_related("thread__community", "author")
        .filter(thread=thread)
        .order_by("number")
    )


def test_every_moderation_service_leaves_an_entry(
    settings: Any,
    alice: User,
    bob: User,
    moderator: User,
    community: Community,
    other_community: Community,
    thread: Thread,
    make_user: Callable[..., User],
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 2
    staff = make_user("staff@example.org", is_staff=True)
    erin, femi = make_user("erin@example.org"), make_user("femi@example.org")
    for member in (erin, femi):
        add_member(community, member)
    add_member(other_community, alice, MemberRole.MODERATOR)
    first, second = posts(thread)
    third = posts(add_thread(community, bob, "Vaccines", "Cold chain?"))[0]
    done: list[str] = []

    def expect(kind: ActionKind, act: Callable[[], object]) -> None:
        before = ModerationAction.objects.filter(action=kind).count()
        act()
        assert ModerationAction.objects.filter(action=kind).count() > before, kind
        done.append(kind)

    def auto_hide() -> None:
        services.flag_create(user=erin, post=first, reason=FlagReason.SPAM)
        services.flag_create(user=femi, post=first, reason=FlagReason.SPAM)

    expect(ActionKind.POST_AUTO_HIDE, auto_hide)
    expect(
        ActionKind.FLAG_DISAGREE,
        lambda: services.flags_resolve(actor=alice, post=first, agree=False),
    )
    services.flag_create(user=erin, post=third, reason=FlagReason.ABUSIVE)
    expect(
        ActionKind.FLAG_AGREE,
        lambda: services.flags_resolve(actor=alice, post=third, agree=True),
    )
    expect(ActionKind.POST_HIDE, lambda: services.post_hide(actor=alice, post=second, reason="r"))
    expect(ActionKind.POST_RESTORE, lambda: services.post_restore(actor=alice, post=second))
    expect(ActionKind.THREAD_LOCK, lambda: services.thread_lock(actor=alice, thread=thread))
    expect(ActionKind.THREAD_UNLOCK, lambda: services.thread_unlock(actor=alice, thread=thread))
    expect(ActionKind.THREAD_PIN, lambda: services.thread_pin(actor=alice, thread=thread))
    expect(ActionKind.THREAD_UNPIN, lambda: services.thread_unpin(actor=alice, thread=thread))
    expect(
        ActionKind.THREAD_MOVE,
        lambda: services.thread_move(
            actor=alice, thread=thread, to_community=other_community, reason="r"
        ),
    )
    expect(
        ActionKind.MEMBER_WARN,
        lambda: services.member_warn(actor=alice, community=community, member=bob, message="m"),
    )
    silence = services.member_silence(
        actor=alice,
        community=community,
        member=bob,
        ends_at=timezone.now() + timedelta(hours=1),
        reason="r",
    )
    done.append(ActionKind.MEMBER_SILENCE)
    expect(
        ActionKind.MEMBER_UNSILENCE,
        lambda: services.member_unsilence(actor=moderator, silence=silence),
    )
    expect(
        ActionKind.MEMBER_REMOVE,
        lambda: services.member_remove(actor=alice, community=community, member=bob, reason="r"),
    )
    expect(
        ActionKind.MEMBER_SUSPEND,
        lambda: services.member_suspend(actor=staff, member=bob, reason="r"),
    )
    expect(
        ActionKind.MEMBER_REINSTATE,
        lambda: services.member_reinstate(actor=staff, member=bob),
    )

    # Every kind of act is produced by one of these services or by the communities'
    # services; a new kind without a producer fails here.
    assert set(done) == set(ActionKind) - OTHER_SERVICES
    assert set(ModerationAction.objects.values_list("action", flat=True)) == set(done)
    for entry in ModerationAction.objects.all():
        # Who (only the platform itself acts without a person), on what, and the state before.
        assert entry.actor is not None or entry.action == ActionKind.POST_AUTO_HIDE
        assert entry.target_label
        assert entry.before or entry.action == ActionKind.MEMBER_WARN, entry.action
        assert entry.after, entry.action
    for entry in ModerationAction.objects.filter(post__isnull=False):
        assert "body_md" in entry.before, entry.action


def test_an_act_that_fails_after_its_audit_leaves_neither(
    alice: User, bob: User, thread: Thread
) -> None:
    post = posts(thread)[0]

    with (
        mock.patch.object(services, "notify_many", side_effect=RuntimeError("mail down")),
        pytest.raises(RuntimeError),
    ):
        services.post_hide(actor=alice, post=post, reason="Spam")

    post.refresh_from_db()
    assert not post.is_hidden
    assert not ModerationAction.objects.exists()
    assert Thread.objects.get(pk=thread.pk).last_seq == 0

"""Who may moderate where: alice moderates `community`, dave moderates `other_community`,
`moderator` is a platform moderator, and only staff suspend accounts.

Every act is tried by each of them on `community`; what is refused leaves no trace."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Post, Thread
from diaspora.moderation.models import FlagReason, ModerationAction, Silence
from diaspora.moderation.selectors import audit_entries
from diaspora.moderation.services import (
    flag_create,
    flags_resolve,
    member_reinstate,
    member_remove,
    member_silence,
    member_suspend,
    member_unsilence,
    member_warn,
    post_hide,
    post_restore,
    thread_lock,
    thread_move,
    thread_pin,
    thread_unlock,
    thread_unpin,
)
from tests.communities.conftest import add_member

pytestmark = pytest.mark.django_db

Act = Callable[[User], object]


@pytest.fixture
def acts(
    alice: User,
    bob: User,
    community: Community,
    other_community: Community,
    thread: Thread,
    make_user: Callable[..., User],
) -> dict[str, Act]:
    """Each act on `community`, given the actor. The targets are prepared for it to succeed
    when the actor may do it."""
    erin = make_user("erin@example.org")
    add_member(community, erin)
    first = Post.objects.select_related("thread__community", "author").get(thread=thread, number=1)
    hidden = Post.objects.select_related("thread__community", "author").get(thread=thread, number=2)
    hidden.hidden_at = timezone.now()
    hidden.save()
    flag_create(user=erin, post=first, reason=FlagReason.SPAM)
    silence = Silence.objects.create(
        community=community, member=erin, reason="x", ends_at=timezone.now() + timedelta(days=1)
    )
    soon = timezone.now() + timedelta(hours=1)
    return {
        "hide": lambda actor: post_hide(actor=actor, post=first, reason="r"),
        "restore": lambda actor: post_restore(actor=actor, post=hidden),
        "resolve flags": lambda actor: flags_resolve(actor=actor, post=first, agree=False),
        "lock": lambda actor: thread_lock(actor=actor, thread=thread),
        "unlock": lambda actor: (
            Thread.objects.filter(pk=thread.pk).update(locked_at=timezone.now()),
            thread_unlock(actor=actor, thread=Thread.objects.get(pk=thread.pk)),
        ),
        "pin": lambda actor: thread_pin(actor=actor, thread=thread),
        "unpin": lambda actor: (
            Thread.objects.filter(pk=thread.pk).update(pinned_at=timezone.now()),
            thread_unpin(actor=actor, thread=Thread.objects.get(pk=thread.pk)),
        ),
        "move": lambda actor: thread_move(
            actor=actor, thread=thread, to_community=other_community, reason="r"
        ),
        "warn": lambda actor: member_warn(
            actor=actor, community=community, member=bob, message="m"
        ),
        "silence": lambda actor: member_silence(
            actor=actor, community=community, member=bob, ends_at=soon, reason="r"
        ),
        "unsilence": lambda actor: member_unsilence(actor=actor, silence=silence),
        "remove": lambda actor: member_remove(
            actor=actor, community=community, member=bob, reason="r"
        ),
        "see the audit": lambda actor: list(audit_entries(viewer=actor, community=community)),
    }


ACTS = [
    "hide",
    "restore",
    "resolve flags",
    "lock",
    "unlock",
    "pin",
    "unpin",
    "move",
    "warn",
    "silence",
    "unsilence",
    "remove",
    "see the audit",
]


@pytest.mark.parametrize("act", ACTS)
def test_a_moderator_of_another_community_cannot_act_here(
    act: str, acts: dict[str, Act], dave: User
) -> None:
    with pytest.raises(PermissionDenied):
        acts[act](dave)

    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("act", ACTS)
def test_members_and_outsiders_cannot_act(
    act: str, acts: dict[str, Act], bob: User, charlie: User
) -> None:
    for actor in (bob, charlie):
        with pytest.raises(PermissionDenied):
            acts[act](actor)

    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("act", ACTS)
def test_the_communitys_moderator_can_act_here(
    act: str, acts: dict[str, Act], alice: User, other_community: Community
) -> None:
    # Moving needs both ends: alice moderates the destination too.
    add_member(other_community, alice, MemberRole.MODERATOR)

    acts[act](alice)

    if act != "see the audit":
        assert ModerationAction.objects.filter(actor=alice).exists()


@pytest.mark.parametrize("act", ACTS)
def test_a_platform_moderator_can_act_everywhere(
    act: str, acts: dict[str, Act], moderator: User
) -> None:
    acts[act](moderator)

    if act != "see the audit":
        assert ModerationAction.objects.filter(actor=moderator).exists()


def test_a_moderator_who_left_can_no_longer_act(
    acts: dict[str, Act], alice: User, community: Community
) -> None:
    community.memberships.filter(user=alice).update(left_at=timezone.now())

    with pytest.raises(PermissionDenied):
        acts["hide"](alice)


def test_only_staff_suspend_and_reinstate(
    alice: User, dave: User, moderator: User, bob: User, make_user: Callable[..., User]
) -> None:
    for actor in (alice, dave, moderator):
        with pytest.raises(PermissionDenied):
            member_suspend(actor=actor, member=bob, reason="r")
    assert User.objects.get(pk=bob.pk).is_active

    staff = make_user("staff@example.org", is_staff=True)
    member_suspend(actor=staff, member=bob, reason="r")
    for actor in (alice, dave, moderator):
        with pytest.raises(PermissionDenied):
            member_reinstate(actor=actor, member=bob)
    member_reinstate(actor=staff, member=bob)

    assert User.objects.get(pk=bob.pk).is_active
    assert ModerationAction.objects.filter(actor=staff).count() == 2

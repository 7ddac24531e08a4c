"""The review queue, the audit trail as each viewer may see it, warnings and silences."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation.models import ActionKind, FlagReason, ModerationAction, Silence, Warning
from diaspora.moderation.selectors import (
    audit_entries,
    moderated_communities,
    review_queue,
    silences_in_force,
    warnings_for,
)
from diaspora.moderation.services import (
    flag_create,
    member_silence,
    member_suspend,
    member_unsilence,
    member_warn,
    post_hide,
    thread_lock,
)
from tests.communities.conftest import add_member, add_post, add_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaggers(make_user: Callable[..., User], community: Community) -> list[User]:
    made = []
    for name in ("erin", "femi", "grace"):
        user = make_user(f"{name}@example.org", name=name.title())
        add_member(community, user)
        made.append(user)
    return made


def post_of(thread: Thread, number: int) -> Post:
    return Post.objects.select_related("thread__community", "author").get(
        thread=thread, number=number
    )


# -- review queue --------------------------------------------------------------------------


def test_the_queue_groups_pending_flags_by_post(
    thread: Thread, flaggers: list[User], community: Community, bob: User, alice: User
) -> None:
    first, second = post_of(thread, 1), post_of(thread, 2)
    flag_create(user=flaggers[0], post=second, reason=FlagReason.SPAM)
    flag_create(user=flaggers[1], post=first, reason=FlagReason.OTHER, note="Copied text")
    flag_create(user=flaggers[2], post=first, reason=FlagReason.OTHER, note="Plagiarism")
    flag_create(user=flaggers[0], post=first, reason=FlagReason.ABUSIVE)

    items = review_queue(community=community)

    # The longest-waiting first.
    assert [item.post for item in items] == [second, first]
    item = items[1]
    assert (item.thread, item.author, item.flag_count) == (thread, bob, 3)
    assert [(r.reason, r.count) for r in item.reasons] == [("other", 2), ("abusive", 1)]
    assert item.reasons[0].label == "Something else"
    assert [(n.flagged_by, n.note) for n in item.notes] == [
        (flaggers[1], "Copied text"),
        (flaggers[2], "Plagiarism"),
    ]
    assert [f.flagged_by for f in item.flags] == [flaggers[1], flaggers[2], flaggers[0]]
    assert item.first_flagged_at < item.last_flagged_at
    assert items[0].author == alice


def test_the_queue_leaves_out_resolved_flags_and_other_communities(
    alice: User,
    thread: Thread,
    flaggers: list[User],
    community: Community,
    other_community: Community,
    dave: User,
) -> None:
    flag_create(user=flaggers[0], post=post_of(thread, 1), reason=FlagReason.SPAM)
    post_hide(actor=alice, post=post_of(thread, 1), reason="Spam")
    elsewhere = add_thread(other_community, dave, "Pumps", "Hand pumps")
    add_member(other_community, flaggers[1])
    flag_create(user=flaggers[1], post=post_of(elsewhere, 1), reason=FlagReason.SPAM)

    assert review_queue(community=community) == []
    assert len(review_queue(community=other_community)) == 1


def test_the_queue_costs_one_query_however_long(
    community: Community,
    bob: User,
    flaggers: list[User],
    django_assert_num_queries: Any,
) -> None:
    def flag_new_posts(n: int) -> None:
        thread = add_thread(community, bob, f"Thread {n}", "text")
        for _ in range(n):
            post = add_post(thread, bob, "more")
            for user in flaggers:
                flag_create(user=user, post=Post.objects.get(pk=post.pk), reason=FlagReason.SPAM)

    flag_new_posts(1)
    with django_assert_num_queries(1):
        items = review_queue(community=community)
        [(i.post.number, i.thread.title, i.author.display_name) for i in items]
    flag_new_posts(4)
    with django_assert_num_queries(1):
        items = review_queue(community=community)
        [(i.post.number, i.thread.title, i.author.display_name) for i in items]
        [n.flagged_by.display_name for i in items for n in i.flags]
    assert len(items) == 5


# -- moderated communities -----------------------------------------------------------------


def test_moderated_communities_with_their_pending_flags(
    alice: User,
    dave: User,
    bob: User,
    moderator: User,
    community: Community,
    private_community: Community,
    other_community: Community,
    thread: Thread,
    flaggers: list[User],
) -> None:
    flag_create(user=flaggers[0], post=post_of(thread, 1), reason=FlagReason.SPAM)
    flag_create(user=flaggers[1], post=post_of(thread, 1), reason=FlagReason.SPAM)
    flag_create(user=flaggers[1], post=post_of(thread, 2), reason=FlagReason.SPAM)

    mine = {
        c.slug: (c.pending_flags, c.flagged_posts)  # type: ignore[attr-defined]
        for c in moderated_communities(alice)
    }

    assert mine == {"public-health": (3, 2), "council": (0, 0)}
    assert [c.slug for c in moderated_communities(dave)] == ["water-engineering"]
    assert list(moderated_communities(bob)) == []
    assert {c.slug for c in moderated_communities(moderator)} == {
        "public-health",
        "council",
        "water-engineering",
    }


# -- the audit trail -----------------------------------------------------------------------


@pytest.fixture
def trail(
    alice: User,
    bob: User,
    charlie: User,
    dave: User,
    community: Community,
    other_community: Community,
    thread: Thread,
    make_user: Callable[..., User],
) -> dict[str, ModerationAction]:
    """One entry in `community` (alice locks), one in `other_community` (dave warns), one
    platform-wide (staff suspend)."""
    thread_lock(actor=alice, thread=thread, reason="Heated")
    add_member(other_community, bob)
    member_warn(actor=dave, community=other_community, member=bob, message="Stay on topic")
    staff = make_user("staff@example.org", is_staff=True)
    member_suspend(actor=staff, member=charlie, reason="Spam")
    return {e.action: e for e in ModerationAction.objects.all()}


def test_a_community_moderator_sees_the_communities_they_moderate(
    alice: User, dave: User, trail: dict[str, ModerationAction], community: Community
) -> None:
    assert [e.action for e in audit_entries(viewer=alice)] == [ActionKind.THREAD_LOCK]
    assert [e.action for e in audit_entries(viewer=dave)] == [ActionKind.MEMBER_WARN]
    assert [e.action for e in audit_entries(viewer=alice, community=community)] == [
        ActionKind.THREAD_LOCK
    ]
    with pytest.raises(PermissionDenied):
        audit_entries(viewer=dave, community=community)


def test_platform_moderators_see_everything_including_platform_wide_entries(
    moderator: User, trail: dict[str, ModerationAction]
) -> None:
    assert {e.action for e in audit_entries(viewer=moderator)} == {
        ActionKind.THREAD_LOCK,
        ActionKind.MEMBER_WARN,
        ActionKind.MEMBER_SUSPEND,
    }


def test_members_and_anonymous_see_nothing(
    bob: User, charlie: User, trail: dict[str, ModerationAction]
) -> None:
    assert list(audit_entries(viewer=bob)) == []
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        audit_entries(viewer=AnonymousUser())


def test_a_moderator_who_left_no_longer_sees_the_trail(
    alice: User, community: Community, trail: dict[str, ModerationAction]
) -> None:
    community.memberships.filter(user=alice).update(left_at=timezone.now())

    assert list(audit_entries(viewer=alice)) == []


def test_the_trail_filters_by_action_actor_member_and_dates(
    settings: Any,
    alice: User,
    bob: User,
    moderator: User,
    community: Community,
    thread: Thread,
) -> None:
    member_warn(actor=alice, community=community, member=bob, message="One")
    silence = member_silence(
        actor=alice,
        community=community,
        member=bob,
        ends_at=timezone.now() + timedelta(hours=1),
        reason="Two",
    )
    member_unsilence(actor=moderator, silence=silence)
    thread_lock(actor=moderator, thread=thread)
    # Dates: entries of the 1st and the 3rd of March, Dakar time (UTC).
    old, new = ModerationAction.objects.order_by("id")[:2]
    dakar = ZoneInfo("Africa/Dakar")
    ModerationAction.objects.filter(pk=old.pk).update(
        created_at=datetime(2025, 3, 1, 23, 30, tzinfo=dakar)
    )
    ModerationAction.objects.filter(pk=new.pk).update(
        created_at=datetime(2025, 3, 3, 0, 30, tzinfo=dakar)
    )

    def actions(**filters: Any) -> list[str]:
        return [e.action for e in audit_entries(viewer=moderator, **filters)]

    assert actions(action=ActionKind.MEMBER_WARN) == [ActionKind.MEMBER_WARN]
    assert set(actions(actor=moderator)) == {ActionKind.MEMBER_UNSILENCE, ActionKind.THREAD_LOCK}
    assert set(actions(actor=alice.pk)) == {ActionKind.MEMBER_WARN, ActionKind.MEMBER_SILENCE}
    # Acts on a member's thread or post name the member too (bob opened the thread).
    assert set(actions(member=bob)) == {
        ActionKind.MEMBER_WARN,
        ActionKind.MEMBER_SILENCE,
        ActionKind.MEMBER_UNSILENCE,
        ActionKind.THREAD_LOCK,
    }
    assert actions(member=alice) == []
    with timezone.override(dakar):
        assert actions(since=datetime(2025, 3, 1).date(), until=datetime(2025, 3, 1).date()) == [
            ActionKind.MEMBER_WARN
        ]
        assert actions(since=datetime(2025, 3, 2).date(), until=datetime(2025, 3, 3).date()) == [
            ActionKind.MEMBER_SILENCE
        ]
        assert len(actions(since=datetime(2025, 3, 2).date())) == 3
    # A date is a day in the viewer's zone: in Tokyo the 1st ends before 23:30 in Dakar.
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert actions(until=datetime(2025, 3, 1).date()) == []
        assert actions(until=datetime(2025, 3, 2).date()) == [ActionKind.MEMBER_WARN]
    with pytest.raises(ValidationError):
        actions(action="nonsense")


def test_the_trail_costs_one_query_however_long(
    alice: User, community: Community, bob: User, django_assert_num_queries: Any
) -> None:
    def add_entries(n: int) -> None:
        for i in range(n):
            thread = add_thread(community, bob, f"T{i}", "x")
            thread_lock(actor=alice, thread=thread, reason="r")

    def read(**filters: Any) -> list[tuple[str, str, str, str]]:
        return [
            (
                e.community.name if e.community else "",
                e.actor.display_name if e.actor else "",
                e.member.display_name if e.member else "",
                e.thread.title if e.thread else "",
            )
            for e in audit_entries(viewer=alice, **filters)
        ]

    add_entries(1)
    with django_assert_num_queries(1):
        read()
    with django_assert_num_queries(2):  # the community's access check, then the entries
        read(community=community)
    add_entries(5)
    with django_assert_num_queries(1):
        assert len(read()) == 6
    with django_assert_num_queries(2):
        assert len(read(community=community, action=ActionKind.THREAD_LOCK)) == 6


# -- warnings and silences -----------------------------------------------------------------


def test_warnings_for_a_member(alice: User, bob: User, charlie: User, community: Community) -> None:
    member_warn(actor=alice, community=community, member=bob, message="First")
    member_warn(actor=alice, community=community, member=bob, message="Second")

    assert [w.message for w in warnings_for(user=bob)] == ["Second", "First"]
    assert list(warnings_for(user=charlie)) == []
    assert Warning.objects.count() == 2


def test_silences_in_force_in_a_community(
    alice: User,
    bob: User,
    community: Community,
    other_community: Community,
    dave: User,
    make_user: Callable[..., User],
) -> None:
    erin = make_user("erin@example.org")
    add_member(community, erin)
    soon = timezone.now() + timedelta(hours=1)
    later = timezone.now() + timedelta(days=2)
    member_silence(actor=alice, community=community, member=erin, ends_at=later, reason="a")
    lifted = member_silence(actor=alice, community=community, member=bob, ends_at=later, reason="b")
    member_unsilence(actor=alice, silence=lifted)
    member_silence(actor=alice, community=community, member=bob, ends_at=soon, reason="c")
    add_member(other_community, erin)
    member_silence(actor=dave, community=other_community, member=erin, ends_at=soon, reason="d")
    Silence.objects.create(
        community=community, member=alice, reason="old", ends_at=timezone.now() - timedelta(days=1)
    )

    assert [(s.member, s.reason) for s in silences_in_force(community=community)] == [
        (bob, "c"),
        (erin, "a"),
    ]

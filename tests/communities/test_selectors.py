"""Reads: which communities show, thread lists with unread counts and watch levels, posts,
reactions, history and the preview; and that list queries do not grow with the page."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities import selectors, services
from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    CommunityWatch,
    Reaction,
    ReadState,
    Tag,
    Thread,
    ThreadWatch,
    WatchLevel,
)
from diaspora.communities.permissions import community_access
from tests.communities.conftest import add_member, add_post, add_thread, make_community

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings: Any) -> None:
    settings.FORUM_NEW_MEMBER_DAYS = 0
    settings.FORUM_POSTS_PER_MINUTE = 0


@pytest.fixture
def invitation_community(alice: User) -> Community:
    made = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    add_member(made, alice)
    return made


def slugs(communities: Any) -> list[str]:
    return [c.slug for c in communities]


# --- communities ------------------------------------------------------------------------


def test_it_shows_each_person_the_communities_they_may_know_of(
    alice: User,
    bob: User,
    moderator: User,
    community: Community,
    private_community: Community,
    invitation_community: Community,
) -> None:
    archived = make_community("gone")
    archived.archived_at = timezone.now()
    archived.save()
    assert slugs(selectors.visible_communities(AnonymousUser())) == ["public-health"]
    assert slugs(selectors.visible_communities(bob)) == ["alumni", "public-health"]
    assert slugs(selectors.visible_communities(alice)) == ["alumni", "council", "public-health"]
    assert slugs(selectors.visible_communities(moderator)) == [
        "alumni",
        "council",
        "public-health",
    ]


def test_it_counts_current_members_and_threads(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    add_thread(community, alice, "Second", "x")
    services.membership_leave(user=bob, community=community)
    found: Any = selectors.visible_communities(alice).get(pk=community.pk)
    assert (found.member_count, found.thread_count) == (1, 2)


def test_it_lists_my_communities(
    alice: User, bob: User, community: Community, private_community: Community
) -> None:
    assert slugs(selectors.my_communities(alice)) == ["council", "public-health"]
    assert slugs(selectors.my_communities(bob)) == ["public-health"]
    assert slugs(selectors.my_communities(AnonymousUser())) == []


def test_it_lists_communities_in_constant_queries(
    alice: User, django_assert_num_queries: Any
) -> None:
    for n in range(5):
        made = make_community(f"c-{n}")
        add_member(made, alice)
    with django_assert_num_queries(1):
        found = list(selectors.visible_communities(alice))
    assert len(found) == 5


# --- community_threads ------------------------------------------------------------------


def test_it_lists_pinned_threads_first_then_the_latest(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    older = add_thread(community, bob, "Older", "x")
    newest = add_thread(community, bob, "Newest", "x")
    older.pinned_at = timezone.now()
    older.save()
    access = community_access(bob, community)
    listed = list(selectors.community_threads(access=access, user=bob))
    assert listed == [older, newest, thread]
    assert listed[1].author == bob


def test_it_counts_unread_visible_posts(
    alice: User, bob: User, charlie: User, community: Community, thread: Thread
) -> None:
    add_post(thread, alice, "Third")
    add_post(thread, alice, "Hidden", hidden_at=timezone.now())
    ReadState.objects.create(thread=thread, user=bob, last_read_number=2)
    access = community_access(bob, community)
    row: Any
    (row,) = selectors.community_threads(access=access, user=bob)
    assert row.unread == 1
    assert row.watch_level == WatchLevel.NORMAL
    # Never opened: every visible post is unread.
    (row,) = selectors.community_threads(access=community_access(charlie, community), user=charlie)
    assert row.unread == 3


def test_it_counts_nothing_unread_when_muted_or_signed_out(
    bob: User, community: Community, thread: Thread
) -> None:
    CommunityWatch.objects.create(community=community, user=bob, level=WatchLevel.MUTED)
    row: Any
    (row,) = selectors.community_threads(access=community_access(bob, community), user=bob)
    assert (row.unread, row.watch_level) == (0, WatchLevel.MUTED)
    anonymous = AnonymousUser()
    access = community_access(anonymous, community)
    (row,) = selectors.community_threads(access=access, user=anonymous)
    assert (row.unread, row.watch_level) == (0, WatchLevel.NORMAL)
    assert list(selectors.community_threads(access=access, user=anonymous, unread_only=True)) == []


def test_it_gives_the_threads_level_over_the_communitys(
    bob: User, community: Community, thread: Thread
) -> None:
    other = add_thread(community, bob, "Other", "x")
    CommunityWatch.objects.create(community=community, user=bob, level=WatchLevel.MUTED)
    ThreadWatch.objects.create(thread=thread, user=bob, level=WatchLevel.WATCHING)
    rows: dict[int, Any] = {
        t.pk: t
        for t in selectors.community_threads(access=community_access(bob, community), user=bob)
    }
    assert rows[thread.pk].watch_level == WatchLevel.WATCHING
    assert rows[thread.pk].unread == 2
    assert rows[other.pk].watch_level == WatchLevel.MUTED


def test_it_filters_by_tag_and_unread(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    tagged = add_thread(community, alice, "Tagged", "x")
    tagged.tags.add(Tag.objects.get(community=community, slug="epidemiology"))
    ReadState.objects.create(thread=tagged, user=bob, last_read_number=1)
    access = community_access(bob, community)
    assert list(selectors.community_threads(access=access, user=bob, tag="epidemiology")) == [
        tagged
    ]
    assert list(selectors.community_threads(access=access, user=bob, unread_only=True)) == [thread]
    assert list(selectors.community_threads(access=access, user=bob, tag="nope")) == []


def test_it_lists_threads_in_constant_queries(
    alice: User, bob: User, community: Community, django_assert_num_queries: Any
) -> None:
    tag = Tag.objects.get(community=community)
    access = community_access(bob, community)

    def count_for(n: int) -> int:
        for i in range(n):
            made = add_thread(community, alice, f"T{n}-{i}", "x")
            made.tags.add(tag)
            ThreadWatch.objects.create(thread=made, user=bob, level=WatchLevel.WATCHING)
            ReadState.objects.create(thread=made, user=bob, last_read_number=1)
        with django_assert_num_queries(2):  # the threads, their tags
            rows: list[Any] = list(selectors.community_threads(access=access, user=bob))
            for row in rows:
                assert row.author.display_name
                assert [t.slug for t in row.tags.all()] == ["epidemiology"]
                assert row.unread >= 0
        return len(rows)

    assert count_for(2) == 2
    assert count_for(10) == 12


# --- thread_posts / reactions_for -------------------------------------------------------


def test_it_lists_posts_in_order_with_hidden_ones(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    hidden = add_post(thread, alice, "Hidden", hidden_at=timezone.now())
    reply = add_post(thread, bob, "Reply", reply_to=thread.posts.get(number=1))
    access = community_access(bob, community)
    posts = list(selectors.thread_posts(access=access, thread=thread, user=bob))
    assert [p.number for p in posts] == [1, 2, 3, 4]
    assert posts[2] == hidden
    assert posts[3] == reply
    assert not selectors.can_see_hidden(access=access, post=hidden, user=bob)
    assert selectors.can_see_hidden(
        access=community_access(alice, community), post=hidden, user=alice
    )


def test_it_lists_posts_in_constant_queries(
    alice: User, bob: User, community: Community, thread: Thread, django_assert_num_queries: Any
) -> None:
    access = community_access(bob, community)

    def count_for(n: int) -> int:
        first = thread.posts.get(number=1)
        for i in range(n):
            post = add_post(thread, alice if i % 2 else bob, f"Post {i}", reply_to=first)
            Reaction.objects.create(post=post, user=bob, emoji="👍")
        with django_assert_num_queries(2):  # the posts with authors; their reactions
            posts = list(selectors.thread_posts(access=access, thread=thread, user=bob))
            reactions = selectors.reactions_for(posts, bob)
            for post in posts:
                assert post.author.display_name
                if post.reply_to is not None:
                    assert post.reply_to.author.display_name
                assert post.pk in reactions
        return len(posts)

    assert count_for(2) == 4
    assert count_for(10) == 14


def test_it_gives_reaction_counts_and_mine(
    alice: User, bob: User, thread: Thread, django_assert_num_queries: Any
) -> None:
    first, second = thread.posts.order_by("number")
    Reaction.objects.create(post=first, user=alice, emoji="🎉")
    Reaction.objects.create(post=first, user=bob, emoji="👍")
    Reaction.objects.create(post=first, user=alice, emoji="👍")
    with django_assert_num_queries(1):
        found = selectors.reactions_for([first, second], bob)
    assert found[first.pk] == {"counts": {"👍": 2, "🎉": 1}, "mine": ["👍"]}
    assert found[second.pk] == {"counts": {}, "mine": []}
    anonymous = selectors.reactions_for([first], AnonymousUser())
    assert anonymous[first.pk]["mine"] == []
    assert list(anonymous[first.pk]["counts"]) == ["👍", "🎉"]  # in the order of REACTIONS


def test_it_asks_nothing_for_no_posts(bob: User, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert selectors.reactions_for([], bob) == {}


# --- watch_level / post_history / preview_html ------------------------------------------


def test_it_works_out_the_watch_level_that_applies(
    bob: User, community: Community, thread: Thread
) -> None:
    assert selectors.watch_level(user=bob, thread=thread) == WatchLevel.NORMAL
    CommunityWatch.objects.create(community=community, user=bob, level=WatchLevel.WATCHING)
    assert selectors.watch_level(user=bob, thread=thread) == WatchLevel.WATCHING
    ThreadWatch.objects.create(thread=thread, user=bob, level=WatchLevel.MUTED)
    assert selectors.watch_level(user=bob, thread=thread) == WatchLevel.MUTED
    assert selectors.watch_level(user=AnonymousUser(), thread=thread) == WatchLevel.NORMAL


def test_it_gives_the_history_oldest_first(alice: User, bob: User, thread: Thread) -> None:
    post = thread.posts.get(number=1)
    services.post_edit(editor=bob, post=post, text="Second version")
    services.post_edit(editor=alice, post=post, text="Third version", reason="Typo")
    history = selectors.post_history(post=post)
    assert [(r.body_md, r.edited_by, r.reason) for r in history] == [
        ("What data do we have?", bob, ""),
        ("Second version", alice, "Typo"),
    ]


def test_it_previews_like_a_saved_post(alice: User, bob: User, thread: Thread) -> None:
    text = f"**Hi** @{alice.handle} <script>alert(1)</script> [x](javascript:alert(1))"
    preview = selectors.preview_html(text=text)
    post = services.post_create(author=bob, thread=thread, text=text)
    assert preview == post.body_html
    assert 'class="mention"' in preview
    assert "<script" not in preview
    assert "javascript:" not in preview


def test_it_refuses_a_preview_too_long_with_the_same_error(settings: Any) -> None:
    settings.MARKDOWN_MAX_LENGTH = 10
    with pytest.raises(ValidationError, match="limit is 10"):
        selectors.preview_html(text="x" * 11)
    assert selectors.preview_html(text="   ") == ""

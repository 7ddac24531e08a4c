"""Posting limits: new members' threads, links and hourly posts; everyone's rates."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities import services
from diaspora.communities.limits import LimitReached, posting_limits_check
from diaspora.communities.models import Community, Post, Thread
from diaspora.communities.permissions import PostingRefused
from tests.communities.conftest import add_member, add_post, add_thread, make_community

pytestmark = pytest.mark.django_db

LINKS = "[a](https://a.org) [b](https://b.org) [c](https://c.org)"


@pytest.fixture
def limits(settings: Any) -> Any:
    """Every limit out of the way; each test lowers the one it is about."""
    settings.FORUM_NEW_MEMBER_DAYS = 3
    settings.FORUM_NEW_MEMBER_THREADS = 100
    settings.FORUM_NEW_MEMBER_LINKS = 100
    settings.FORUM_NEW_MEMBER_POSTS_PER_HOUR = 100
    settings.FORUM_POSTS_PER_MINUTE = 100
    settings.FORUM_THREADS_PER_HOUR = 100
    return settings


def make_old(user: User) -> User:
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    return user


def age_posts(user: User, by: timedelta) -> None:
    for post in Post.objects.filter(author=user):
        Post.objects.filter(pk=post.pk).update(created_at=post.created_at - by)
    for thread in Thread.objects.filter(author=user):
        Thread.objects.filter(pk=thread.pk).update(created_at=thread.created_at - by)


def check(user: User, community: Community, *, new_thread: bool = False, links: int = 0) -> None:
    posting_limits_check(user=user, community=community, new_thread=new_thread, link_count=links)


def test_it_is_a_posting_refusal_with_the_limited_code() -> None:
    error = LimitReached("Too many")
    assert isinstance(error, PostingRefused)
    assert error.code == "limited"
    assert error.retry_at is None


def test_it_limits_links_in_a_new_members_post(limits: Any, community: Community, bob: User):
    limits.FORUM_NEW_MEMBER_LINKS = 2
    check(bob, community, links=2)
    with pytest.raises(LimitReached) as refused:
        check(bob, community, links=3)
    assert "at most 2 links" in refused.value.message
    assert "this one has 3" in refused.value.message


def test_it_refuses_every_link_when_the_limit_is_zero(limits: Any, community: Community, bob):
    limits.FORUM_NEW_MEMBER_LINKS = 0
    with pytest.raises(LimitReached, match="may not post links"):
        check(bob, community, links=1)


def test_it_stores_nothing_when_a_post_has_too_many_links(
    limits: Any, community: Community, thread: Thread, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_LINKS = 2
    with pytest.raises(LimitReached):
        services.post_create(author=bob, thread=thread, text=LINKS)
    assert thread.posts.count() == 2
    thread.refresh_from_db()
    assert thread.last_number == 2


def test_bare_addresses_count_as_links_although_they_are_not_linked(
    limits: Any, community: Community, thread: Thread, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_LINKS = 2
    bare = "Cheap: https://spam.example/a http://spam.example/b www.spam.example/c"
    with pytest.raises(LimitReached, match="this one has 3"):
        services.post_create(author=bob, thread=thread, text=bare)
    fine = services.post_create(
        author=bob, thread=thread, text="See [the report](https://who.int/r) and https://who.int/r"
    )
    assert fine.link_count == 2


def test_it_limits_a_new_members_threads_in_their_first_days(
    limits: Any, community: Community, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_THREADS = 2
    for n in range(2):
        services.thread_create(author=bob, community=community, title=f"T{n}", text="Hello")
    with pytest.raises(LimitReached) as refused:
        services.thread_create(author=bob, community=community, title="T3", text="Hello")
    assert "2 threads in their first 3 days" in refused.value.message
    assert refused.value.retry_at == bob.date_joined + timedelta(days=3)
    # Replying is still fine.
    services.post_create(author=bob, thread=Thread.objects.get(title="T0"), text="More")


def test_it_counts_threads_in_every_community(
    limits: Any, community: Community, other_community: Community, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_THREADS = 1
    add_member(other_community, bob)
    services.thread_create(author=bob, community=community, title="Here", text="Hello")
    with pytest.raises(LimitReached):
        services.thread_create(author=bob, community=other_community, title="There", text="Hi")


def test_it_limits_a_new_members_posts_an_hour(
    limits: Any, community: Community, thread: Thread, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_POSTS_PER_HOUR = 3
    age_posts(bob, timedelta(hours=2))  # the fixture's opening post
    for n in range(3):
        services.post_create(author=bob, thread=thread, text=f"Post {n}")
    first = Post.objects.filter(author=bob, thread=thread, number=3).get()
    Post.objects.filter(author=bob, number__gt=3).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    Post.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=50))
    with pytest.raises(LimitReached) as refused:
        services.post_create(author=bob, thread=thread, text="One too many")
    assert "may post 3 times an hour" in refused.value.message
    # Free again when the oldest post of the hour leaves it: in about ten minutes.
    first.refresh_from_db()
    assert refused.value.retry_at == first.created_at + timedelta(hours=1)
    assert "You can post again at " in refused.value.message
    Post.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=61))
    services.post_create(author=bob, thread=thread, text="Now it is fine")


def test_it_lifts_new_member_limits_after_the_first_days(
    limits: Any, community: Community, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_LINKS = 0
    limits.FORUM_NEW_MEMBER_THREADS = 0
    make_old(bob)
    check(bob, community, new_thread=True, links=10)


def test_it_limits_everyones_posts_a_minute(
    limits: Any, community: Community, thread: Thread, bob: User
) -> None:
    limits.FORUM_POSTS_PER_MINUTE = 2
    make_old(bob)
    age_posts(bob, timedelta(hours=2))  # the fixture's opening post
    services.post_create(author=bob, thread=thread, text="One")
    services.post_create(author=bob, thread=thread, text="Two")
    with pytest.raises(LimitReached) as refused:
        services.post_create(author=bob, thread=thread, text="Three")
    assert "may post 2 times a minute" in refused.value.message
    assert "second" in refused.value.message  # soon: said in seconds, not as a date
    age_posts(bob, timedelta(seconds=61))
    services.post_create(author=bob, thread=thread, text="Three")


def test_it_limits_everyones_threads_an_hour(limits: Any, community: Community, bob: User) -> None:
    limits.FORUM_THREADS_PER_HOUR = 1
    make_old(bob)
    services.thread_create(author=bob, community=community, title="One", text="Hello")
    with pytest.raises(LimitReached, match="open 1 thread an hour"):
        services.thread_create(author=bob, community=community, title="Two", text="Hello")
    age_posts(bob, timedelta(minutes=61))
    services.thread_create(author=bob, community=community, title="Two", text="Hello")


def test_it_exempts_platform_moderators(limits: Any, community: Community, moderator: User):
    limits.FORUM_NEW_MEMBER_LINKS = 0
    limits.FORUM_POSTS_PER_MINUTE = 1
    limits.FORUM_THREADS_PER_HOUR = 1
    thread = add_thread(community, moderator, "Mine", "x")
    add_post(thread, moderator, "y")
    check(moderator, community, new_thread=True, links=5)


def test_it_exempts_community_moderators_from_new_member_limits_only(
    limits: Any, community: Community, thread: Thread, alice: User, other_community: Community
) -> None:
    limits.FORUM_NEW_MEMBER_LINKS = 0
    limits.FORUM_NEW_MEMBER_THREADS = 0
    limits.FORUM_POSTS_PER_MINUTE = 2  # alice has written one post (#2) in the fixture
    check(alice, community, new_thread=True, links=5)
    with pytest.raises(LimitReached):
        check(alice, other_community, links=1)  # not a moderator there
    add_post(thread, alice, "Another")
    with pytest.raises(LimitReached, match="a minute"):
        check(alice, community)


def test_it_switches_a_limit_off_at_zero(limits: Any, community: Community, bob: User) -> None:
    limits.FORUM_POSTS_PER_MINUTE = 0
    limits.FORUM_NEW_MEMBER_POSTS_PER_HOUR = 0
    for n in range(3):
        add_thread(community, bob, f"T{n}", "x")
    check(bob, community)


def test_it_limits_links_added_by_an_edit(
    limits: Any, community: Community, thread: Thread, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_LINKS = 1
    post = services.post_create(author=bob, thread=thread, text="No links yet")
    with pytest.raises(LimitReached):
        services.post_edit(editor=bob, post=post, text=LINKS)
    post.refresh_from_db()
    assert post.body_md == "No links yet"
    assert post.revisions.count() == 0


def test_it_does_not_limit_a_moderators_edit_by_the_authors_age(
    limits: Any, community: Community, thread: Thread, alice: User, bob: User
) -> None:
    limits.FORUM_NEW_MEMBER_LINKS = 0
    post = services.post_create(author=bob, thread=thread, text="Plain")
    edited = services.post_edit(editor=alice, post=post, text=LINKS, reason="Added sources")
    assert edited.link_count == 3


def test_it_counts_rows_so_the_limit_holds_across_processes(
    limits: Any, community: Community, thread: Thread, bob: User
) -> None:
    # Posts written by any process are rows: two written elsewhere count here.
    limits.FORUM_POSTS_PER_MINUTE = 2
    make_old(bob)
    age_posts(bob, timedelta(hours=2))  # the fixture's opening post
    other = make_community("elsewhere")
    add_member(other, bob)
    elsewhere = add_thread(other, bob, "Elsewhere", "one")
    add_post(elsewhere, bob, "two")
    with pytest.raises(LimitReached):
        services.post_create(author=bob, thread=thread, text="three")

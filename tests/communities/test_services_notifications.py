"""Who hears about a new post or thread: watch levels (thread over community), replies,
mentions and quotes; never the author, only active readers, each person once."""

from typing import Any

import pytest

from diaspora.accounts.models import User
from diaspora.communities import services
from diaspora.communities.mentions import quote_markdown
from diaspora.communities.models import (
    Community,
    CommunityWatch,
    Thread,
    ThreadWatch,
    WatchLevel,
)
from diaspora.notifications.models import Notification, NotificationKind
from tests.communities.conftest import add_member, add_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings: Any) -> None:
    settings.FORUM_NEW_MEMBER_DAYS = 0
    settings.FORUM_POSTS_PER_MINUTE = 0
    settings.FORUM_THREADS_PER_HOUR = 0


@pytest.fixture
def carol(make_user: Any, community: Community) -> User:
    user = make_user("carol@example.org", name="Carol Reader")
    add_member(community, user)
    return user


def told(**filters: Any) -> list[str]:
    return sorted(Notification.objects.filter(**filters).values_list("user__email", flat=True))


def watch_community(user: User, community: Community, level: str) -> None:
    CommunityWatch.objects.create(community=community, user=user, level=level)


def watch_thread(user: User, thread: Thread, level: str) -> None:
    ThreadWatch.objects.update_or_create(thread=thread, user=user, defaults={"level": level})


def test_it_tells_community_watchers_of_a_new_thread(
    alice: User, bob: User, carol: User, charlie: User, community: Community
) -> None:
    watch_community(alice, community, WatchLevel.WATCHING)
    watch_community(carol, community, WatchLevel.NORMAL)
    watch_community(charlie, community, WatchLevel.WATCHING)  # not a member: public, reads
    watch_community(bob, community, WatchLevel.WATCHING)  # the author
    made = services.thread_create(author=bob, community=community, title="Vaccines", text="x")
    assert told() == [alice.email, charlie.email]
    note = Notification.objects.get(user=alice)
    assert note.kind == NotificationKind.FORUM
    assert note.title == "New thread in Public Health: “Vaccines” by Bob Mensah"
    post = made.posts.get()
    assert note.url == f"/threads/{made.pk}/?post=1#post-{post.pk}"


def test_it_tells_thread_watchers_of_a_reply_but_not_normal_or_muted(
    alice: User, bob: User, carol: User, thread: Thread
) -> None:
    watch_thread(alice, thread, WatchLevel.WATCHING)
    watch_thread(carol, thread, WatchLevel.MUTED)
    services.post_create(author=bob, thread=thread, text="More data")
    assert told() == [alice.email]
    assert (
        Notification.objects.get().title == "Bob Mensah posted in “Cholera surveillance in Dakar”"
    )


def test_it_uses_the_community_level_when_the_thread_has_none(
    alice: User, bob: User, carol: User, thread: Thread, community: Community
) -> None:
    watch_community(carol, community, WatchLevel.WATCHING)
    watch_community(alice, community, WatchLevel.NORMAL)
    services.post_create(author=bob, thread=thread, text="More data")
    assert told() == [carol.email]


def test_it_lets_the_thread_level_override_the_communitys(
    alice: User, bob: User, carol: User, thread: Thread, community: Community
) -> None:
    watch_community(carol, community, WatchLevel.WATCHING)
    watch_thread(carol, thread, WatchLevel.MUTED)
    watch_community(alice, community, WatchLevel.MUTED)
    watch_thread(alice, thread, WatchLevel.WATCHING)
    services.post_create(author=bob, thread=thread, text="More data")
    assert told() == [alice.email]


def test_it_never_tells_the_author_of_their_own_post(bob: User, thread: Thread) -> None:
    watch_thread(bob, thread, WatchLevel.WATCHING)
    services.post_create(author=bob, thread=thread, text=f"Note to self @{bob.handle}")
    assert told() == []


def test_it_tells_the_person_replied_to_at_the_normal_level(
    alice: User, bob: User, thread: Thread
) -> None:
    services.post_create(
        author=alice, thread=thread, text="See above", reply_to=thread.posts.get(number=1)
    )
    note = Notification.objects.get()
    assert note.user == bob
    assert note.title == "Alice Ndiaye replied to you in “Cholera surveillance in Dakar”"


def test_it_does_not_tell_someone_replied_to_who_muted_the_thread(
    alice: User, bob: User, thread: Thread, community: Community
) -> None:
    watch_thread(bob, thread, WatchLevel.MUTED)
    services.post_create(author=alice, thread=thread, text="x", reply_to=thread.posts.get(number=1))
    assert told() == []


def test_it_tells_a_muted_community_member_who_unmuted_the_thread(
    alice: User, bob: User, thread: Thread, community: Community
) -> None:
    watch_community(bob, community, WatchLevel.MUTED)
    services.post_create(author=alice, thread=thread, text="x", reply_to=thread.posts.get(number=1))
    assert told() == []
    watch_thread(bob, thread, WatchLevel.NORMAL)
    services.post_create(author=alice, thread=thread, text="y", reply_to=thread.posts.get(number=1))
    assert told() == [bob.email]


def test_it_tells_people_mentioned(alice: User, bob: User, carol: User, thread: Thread) -> None:
    services.post_create(author=bob, thread=thread, text=f"@{carol.handle} and @{alice.handle}?")
    assert told() == [alice.email, carol.email]
    assert all("mentioned you" in n.title for n in Notification.objects.all())


def test_it_does_not_tell_mentions_inside_code(bob: User, carol: User, thread: Thread) -> None:
    services.post_create(
        author=bob, thread=thread, text=f"`@{carol.handle}`\n\n```\n@{carol.handle}\n```"
    )
    assert told() == []


def test_it_tells_a_mentioned_person_once_even_when_watching(
    bob: User, carol: User, thread: Thread
) -> None:
    watch_thread(carol, thread, WatchLevel.WATCHING)
    services.post_create(author=bob, thread=thread, text=f"@{carol.handle} @{carol.handle}")
    assert told() == [carol.email]
    assert "mentioned you" in Notification.objects.get().title


def test_it_tells_a_replied_to_and_mentioned_person_once(
    alice: User, bob: User, thread: Thread
) -> None:
    first = thread.posts.get(number=1)
    services.post_create(author=alice, thread=thread, text=f"@{bob.handle}", reply_to=first)
    assert told() == [bob.email]
    assert "replied to you" in Notification.objects.get().title


def test_it_does_not_tell_a_muted_person_of_a_mention(
    bob: User, carol: User, thread: Thread
) -> None:
    watch_thread(carol, thread, WatchLevel.MUTED)
    services.post_create(author=bob, thread=thread, text=f"@{carol.handle}")
    assert told() == []


def test_it_tells_the_person_quoted(alice: User, bob: User, carol: User, thread: Thread) -> None:
    quoted = quote_markdown(author=alice, markdown=thread.posts.get(number=2).body_md)
    services.post_create(author=carol, thread=thread, text=quoted + "Where?")
    assert told() == [alice.email]


def test_it_tells_only_mentioned_people_who_are_active(
    bob: User, carol: User, thread: Thread
) -> None:
    carol.is_active = False
    carol.save()
    services.post_create(author=bob, thread=thread, text=f"@{carol.handle}")
    assert told() == []


def test_it_tells_only_people_who_can_read_a_private_thread(
    alice: User, charlie: User, moderator: User, private_community: Community
) -> None:
    made = add_thread(private_community, alice, "Council", "Agenda")
    watch_thread(charlie, made, WatchLevel.WATCHING)  # a member once, since left
    services.post_create(
        author=alice, thread=made, text=f"@{charlie.handle} @{moderator.handle} see this"
    )
    # The platform moderator reads everything; charlie is not a member.
    assert told() == [moderator.email]


def test_it_tells_mentions_and_watchers_of_a_new_thread(
    alice: User, bob: User, carol: User, community: Community
) -> None:
    watch_community(alice, community, WatchLevel.WATCHING)
    services.thread_create(
        author=bob, community=community, title="Hello", text=f"@{carol.handle} @{alice.handle}"
    )
    assert told(title__contains="mentioned you") == [alice.email, carol.email]
    assert Notification.objects.count() == 2


def test_it_sends_the_emails_after_commit(
    bob: User, carol: User, thread: Thread, django_capture_on_commit_callbacks: Any, mailoutbox
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(author=bob, thread=thread, text=f"@{carol.handle} look")
    assert [m.to for m in mailoutbox] == [[carol.email]]

"""Posting: threads, replies, edits with history, reactions, watching and reading."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities import events, services
from diaspora.communities.models import (
    Community,
    CommunityWatch,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Tag,
    Thread,
    ThreadEvent,
    ThreadWatch,
    WatchLevel,
)
from diaspora.communities.permissions import PostingRefused
from diaspora.moderation.models import ActionKind, ModerationAction, Silence
from diaspora.notifications.models import Notification, NotificationKind
from tests.communities.conftest import add_member, add_post, add_thread

pytestmark = pytest.mark.django_db

HOSTILE = (
    "<script>alert('x')</script>\n\n"
    "[click me](javascript:alert(1))\n\n"
    '<a href="https://example.org" onclick="steal()">a link</a>\n\n'
    '<p onmouseover="evil()">hover</p>\n\n'
    "<img src=x onerror=alert(1)>\n\n"
    '<iframe src="https://evil.example"></iframe>\n\n'
    "<div>unclosed <b>bold <i>and more"
)
BAD = ("<script", "javascript:", "onclick", "onmouseover", "onerror", "<img", "<iframe", "<div")


@pytest.fixture(autouse=True)
def _no_limits(settings: Any) -> None:
    # The fixture users are all new members; the limits have their own tests.
    settings.FORUM_NEW_MEMBER_DAYS = 0
    settings.FORUM_POSTS_PER_MINUTE = 0
    settings.FORUM_THREADS_PER_HOUR = 0


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    for bad in BAD:
        assert bad not in lowered, bad


def silence(user: User, community: Community) -> Silence:
    return Silence.objects.create(
        community=community,
        member=user,
        reason="Cool down",
        ends_at=timezone.now() + timedelta(days=1),
    )


# --- thread_create ----------------------------------------------------------------------


def test_it_opens_a_thread_with_its_first_post(bob: User, community: Community) -> None:
    made: Any = services.thread_create(
        author=bob,
        community=community,
        title="  Measles   in the Sahel ",
        text="What do we **know**?",
        tags=["epidemiology"],
    )
    assert made.title == "Measles in the Sahel"
    assert (made.post_count, made.last_number, made.last_seq) == (1, 1, 1)
    assert [t.slug for t in made.tags.all()] == ["epidemiology"]
    post = made.posts.get()
    assert (post.number, post.author, post.body_html) == (
        1,
        bob,
        "<p>What do we <strong>know</strong>?</p>",
    )
    assert ThreadWatch.objects.get(thread=made, user=bob).level == WatchLevel.WATCHING
    assert ReadState.objects.get(thread=made, user=bob).last_read_number == 1
    event = ThreadEvent.objects.get(thread=made)
    assert (event.seq, event.type, event.payload["post"]["id"]) == (1, "post.created", post.pk)
    assert made.repeated is False


def test_it_refuses_tags_that_are_not_the_communitys(
    bob: User, community: Community, other_community: Community
) -> None:
    Tag.objects.create(community=other_community, name="Pumps", slug="pumps")
    with pytest.raises(ValidationError) as refused:
        services.thread_create(
            author=bob, community=community, title="T", text="x", tags=["pumps", "nope"]
        )
    assert refused.value.message_dict["tags"] == [
        "These tags are not this community's: nope, pumps"
    ]
    assert not Thread.objects.filter(title="T").exists()


def test_it_reports_every_missing_field_at_once(bob: User, community: Community) -> None:
    with pytest.raises(ValidationError) as refused:
        services.thread_create(author=bob, community=community, title="  ", text=" \n ")
    assert set(refused.value.message_dict) == {"title", "text"}
    assert not Thread.objects.filter(author=bob).exclude(title__startswith="Cholera").exists()


def test_it_refuses_a_text_too_long_as_a_text_error(
    bob: User, community: Community, thread: Thread, settings: Any
) -> None:
    settings.MARKDOWN_MAX_LENGTH = 20
    with pytest.raises(ValidationError) as refused:
        services.post_create(author=bob, thread=thread, text="x" * 21)
    assert "limit is 20" in refused.value.message_dict["text"][0]


def test_it_refuses_threads_from_outsiders_and_the_signed_out(
    charlie: User, community: Community, private_community: Community
) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PostingRefused) as refused:
        services.thread_create(author=charlie, community=community, title="T", text="x")
    assert refused.value.code == "not_member"
    with pytest.raises(PostingRefused) as refused:
        services.thread_create(
            author=AnonymousUser(),  # type: ignore[arg-type]
            community=community,
            title="T",
            text="x",
        )
    assert refused.value.code == "signed_out"
    with pytest.raises(PostingRefused):
        services.thread_create(author=charlie, community=private_community, title="T", text="x")


def test_it_refuses_threads_from_the_silenced_and_the_suspended(
    bob: User, community: Community
) -> None:
    silence(bob, community)
    with pytest.raises(PostingRefused) as refused:
        services.thread_create(author=bob, community=community, title="T", text="x")
    assert refused.value.code == "silenced"
    Silence.objects.all().delete()
    bob.is_active = False
    bob.save()
    with pytest.raises(PostingRefused) as refused:
        services.thread_create(author=bob, community=community, title="T", text="x")
    assert refused.value.code == "inactive"


def test_it_refuses_threads_in_an_archived_community(bob: User, community: Community) -> None:
    community.archived_at = timezone.now()
    community.save()
    with pytest.raises(PermissionDenied):
        services.thread_create(author=bob, community=community, title="T", text="x")


def test_it_returns_the_same_thread_for_a_repeated_client_id(
    bob: User, community: Community
) -> None:
    first = services.thread_create(
        author=bob, community=community, title="Once", text="x", client_id="c-1"
    )
    again: Any = services.thread_create(
        author=bob, community=community, title="Once", text="x", client_id="c-1"
    )
    assert again.pk == first.pk
    assert again.repeated is True
    assert Thread.objects.filter(title="Once").count() == 1


def test_it_keeps_hostile_markdown_harmless_in_a_thread(bob: User, community: Community):
    made = services.thread_create(author=bob, community=community, title="<b>T</b>", text=HOSTILE)
    post = made.posts.get()
    assert_harmless(post.body_html)
    assert "a link" in post.body_html
    assert_harmless(ThreadEvent.objects.get(thread=made).payload["post"]["html"])


# --- post_create ------------------------------------------------------------------------


def test_it_numbers_a_reply_and_updates_the_thread(alice: User, bob: User, thread: Thread) -> None:
    before = thread.last_posted_at
    post: Any = services.post_create(author=bob, thread=thread, text="Thanks!")
    assert post.number == 3
    assert post.repeated is False
    thread.refresh_from_db()
    assert (thread.last_number, thread.post_count) == (3, 3)
    assert thread.last_posted_at > before
    assert ReadState.objects.get(thread=thread, user=bob).last_read_number == 3


def test_it_records_the_post_as_a_thread_event(
    alice: User, bob: User, thread: Thread, monkeypatch: Any, django_capture_on_commit_callbacks
) -> None:
    sent: list[Any] = []
    monkeypatch.setattr("realtime.broadcast.send_group", lambda g, m: sent.append((g, m)))
    first = thread.posts.get(number=1)
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(author=alice, thread=thread, text="Yes", reply_to=first)
    event = ThreadEvent.objects.get(thread=thread)
    assert event.type == events.POST_CREATED
    assert event.payload["post"]["reply_to"] == {
        "id": first.pk,
        "number": 1,
        "author": {"id": bob.pk, "name": bob.display_name, "handle": bob.handle},
    }
    assert event.payload["post"]["html"] == post.body_html
    to_thread = [m for g, m in sent if g == f"thread.{thread.pk}"]
    assert to_thread == [{"type": "thread.event", "event": events.event_frame(event)}]


def test_it_returns_the_stored_post_for_a_repeated_client_id(
    alice: User, bob: User, thread: Thread
) -> None:
    first = services.post_create(author=bob, thread=thread, text="Once", client_id="abc")
    seq = Thread.objects.get(pk=thread.pk).last_seq
    again: Any = services.post_create(author=bob, thread=thread, text="Once", client_id="abc")
    assert again.pk == first.pk
    assert again.repeated is True
    assert thread.posts.count() == 3
    assert Thread.objects.get(pk=thread.pk).last_seq == seq  # no second event
    # Another author's client may use the same id.
    other = services.post_create(author=alice, thread=thread, text="Mine", client_id="abc")
    assert other.pk != first.pk


def test_it_refuses_a_client_id_that_is_too_long(bob: User, thread: Thread) -> None:
    with pytest.raises(ValidationError) as refused:
        services.post_create(author=bob, thread=thread, text="x", client_id="x" * 65)
    assert "client_id" in refused.value.message_dict


def test_it_replies_only_to_a_visible_post_of_the_same_thread(
    alice: User, bob: User, community: Community, thread: Thread
) -> None:
    elsewhere = add_thread(community, alice, "Other", "Other text")
    with pytest.raises(ValidationError) as refused:
        services.post_create(author=bob, thread=thread, text="x", reply_to=elsewhere.posts.get())
    assert "reply_to" in refused.value.message_dict
    hidden = add_post(thread, alice, "Rude", hidden_at=timezone.now())
    with pytest.raises(ValidationError):
        services.post_create(author=bob, thread=thread, text="x", reply_to=hidden)


def test_it_never_reuses_a_number_after_a_hidden_post(
    alice: User, bob: User, thread: Thread
) -> None:
    add_post(thread, alice, "Hidden later", hidden_at=timezone.now())
    thread.post_count -= 1
    thread.save()
    post = services.post_create(author=bob, thread=thread, text="Next")
    assert post.number == 4
    thread.refresh_from_db()
    assert (thread.last_number, thread.post_count) == (4, 3)


def test_it_refuses_replies_in_a_locked_thread_except_from_moderators(
    alice: User, bob: User, thread: Thread
) -> None:
    thread.locked_at = timezone.now()
    thread.save()
    with pytest.raises(PostingRefused) as refused:
        services.post_create(author=bob, thread=thread, text="Let me in")
    assert refused.value.code == "locked"
    assert services.post_create(author=alice, thread=thread, text="Locked because").number == 3


def test_it_refuses_replies_from_the_silenced_outsiders_and_the_suspended(
    bob: User, charlie: User, dave: User, thread: Thread, community: Community
) -> None:
    silence(bob, community)
    with pytest.raises(PostingRefused, match="silenced"):
        services.post_create(author=bob, thread=thread, text="x")
    with pytest.raises(PostingRefused) as refused:
        services.post_create(author=charlie, thread=thread, text="x")
    assert refused.value.code == "not_member"
    add_member(community, dave)
    dave.is_active = False
    dave.save()
    with pytest.raises(PostingRefused) as refused:
        services.post_create(author=dave, thread=thread, text="x")
    assert refused.value.code == "inactive"
    assert thread.posts.count() == 2


def test_it_lets_a_silence_in_another_community_be(
    bob: User, thread: Thread, other_community: Community
) -> None:
    silence(bob, other_community)
    assert services.post_create(author=bob, thread=thread, text="Fine here").number == 3


def test_it_refuses_posts_in_a_private_community_after_leaving(
    alice: User, private_community: Community
) -> None:
    made = add_thread(private_community, alice, "Council", "Agenda")
    services.membership_leave(user=alice, community=private_community)
    with pytest.raises(PostingRefused):
        services.post_create(author=alice, thread=made, text="Still here?")


def test_it_keeps_hostile_markdown_harmless_in_a_reply(bob: User, thread: Thread) -> None:
    post = services.post_create(author=bob, thread=thread, text=HOSTILE)
    assert_harmless(post.body_html)
    assert "unclosed <b>bold <i>and more</i></b>" in post.body_html
    assert post.link_count == 2  # the javascript: link lost its href but is still an <a>
    event = ThreadEvent.objects.get(thread=thread)
    assert_harmless(event.payload["post"]["html"])


def test_it_links_mentions_but_not_in_code(alice: User, bob: User, thread: Thread) -> None:
    text = f"Hi @{alice.handle}\n\n```\n@{alice.handle}\n```\n\n`@{alice.handle}` @ghost"
    post = services.post_create(author=bob, thread=thread, text=text)
    assert post.body_html.count('class="mention"') == 1
    assert "@ghost" in post.body_html


# --- post_edit --------------------------------------------------------------------------


def test_it_lets_the_author_edit_and_keeps_the_history(bob: User, thread: Thread) -> None:
    post = thread.posts.get(number=1)
    edited = services.post_edit(editor=bob, post=post, text="What data do we have now?")
    assert edited.edit_count == 1
    assert edited.edited_at is not None
    assert edited.body_html == "<p>What data do we have now?</p>"
    revision = PostRevision.objects.get(post=post)
    assert (revision.body_md, revision.edited_by, revision.reason) == (
        "What data do we have?",
        bob,
        "",
    )
    event = ThreadEvent.objects.get(thread=thread)
    assert event.type == events.POST_EDITED
    assert event.payload["post"]["edit_count"] == 1
    assert not ModerationAction.objects.exists()


def test_it_does_nothing_for_an_edit_that_changes_nothing(bob: User, thread: Thread) -> None:
    post = thread.posts.get(number=1)
    services.post_edit(editor=bob, post=post, text=post.body_md)
    assert not PostRevision.objects.exists()
    assert not ThreadEvent.objects.exists()


def test_it_needs_a_reason_for_a_moderators_edit(alice: User, thread: Thread) -> None:
    post = thread.posts.get(number=1)
    with pytest.raises(ValidationError) as refused:
        services.post_edit(editor=alice, post=post, text="Cleaned up", reason="  ")
    assert "reason" in refused.value.message_dict
    assert not PostRevision.objects.exists()


def test_it_audits_a_moderators_edit_and_tells_the_author(
    alice: User, bob: User, thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    services.post_edit(editor=alice, post=post, text="Cleaned up", reason="Removed a phone number")
    entry = ModerationAction.objects.get(action=ActionKind.POST_EDIT)
    assert (entry.actor, entry.post, entry.member, entry.community) == (
        alice,
        post,
        bob,
        thread.community,
    )
    assert entry.before == {"body_md": "What data do we have?"}
    assert entry.after == {"body_md": "Cleaned up"}
    assert entry.reason == "Removed a phone number"
    note = Notification.objects.get(user=bob)
    assert note.kind == NotificationKind.MODERATION
    assert note.body == "Removed a phone number"
    assert PostRevision.objects.get(post=post).reason == "Removed a phone number"


def test_it_lets_a_platform_moderator_edit_anywhere(moderator: User, thread: Thread) -> None:
    post = thread.posts.get(number=1)
    services.post_edit(editor=moderator, post=post, text="Edited", reason="Spam link")
    assert ModerationAction.objects.filter(actor=moderator).count() == 1


def test_it_refuses_edits_by_other_members_and_other_communities_moderators(
    bob: User, dave: User, charlie: User, thread: Thread
) -> None:
    post = thread.posts.get(number=2)  # alice's
    for editor in (bob, dave, charlie):
        with pytest.raises(PermissionDenied):
            services.post_edit(editor=editor, post=post, text="Mine now", reason="Because")
    post.refresh_from_db()
    assert post.body_md == "The ministry publishes weekly counts."


def test_it_refuses_the_authors_edit_in_a_locked_thread_or_when_silenced(
    bob: User, thread: Thread, community: Community
) -> None:
    post = thread.posts.get(number=1)
    thread.locked_at = timezone.now()
    thread.save()
    with pytest.raises(PostingRefused, match="locked"):
        services.post_edit(editor=bob, post=post, text="Sneaky")
    thread.locked_at = None
    thread.save()
    silence(bob, community)
    with pytest.raises(PostingRefused):
        services.post_edit(editor=bob, post=post, text="Sneaky")


def test_it_keeps_hostile_markdown_harmless_in_an_edit(bob: User, thread: Thread) -> None:
    post = services.post_edit(editor=bob, post=thread.posts.get(number=1), text=HOSTILE)
    assert_harmless(post.body_html)


def test_it_notifies_people_newly_mentioned_by_an_edit(
    alice: User, bob: User, charlie: User, thread: Thread, community: Community
) -> None:
    add_member(community, charlie)
    post = services.post_create(author=bob, thread=thread, text=f"cc @{alice.handle}")
    Notification.objects.all().delete()
    services.post_edit(editor=bob, post=post, text=f"cc @{alice.handle} @{charlie.handle}")
    assert list(Notification.objects.values_list("user__email", flat=True)) == [charlie.email]


# --- reaction_toggle --------------------------------------------------------------------


def test_it_adds_and_removes_a_reaction(alice: User, bob: User, thread: Thread) -> None:
    post = thread.posts.get(number=2)
    assert services.reaction_toggle(user=bob, post=post, emoji="👍") == {"👍": 1}
    assert services.reaction_toggle(user=alice, post=post, emoji="👍") == {"👍": 2}
    assert services.reaction_toggle(user=bob, post=post, emoji="🎉") == {"👍": 2, "🎉": 1}
    assert services.reaction_toggle(user=bob, post=post, emoji="👍") == {"👍": 1, "🎉": 1}
    frames = events.frames_after(thread.pk, 0)
    assert [f["type"] for f in frames] == [events.POST_REACTED] * 4
    assert frames[-1]["post_id"] == post.pk
    assert frames[-1]["reactions"] == {"👍": 1, "🎉": 1}


def test_it_refuses_an_unknown_emoji(bob: User, thread: Thread) -> None:
    with pytest.raises(ValidationError) as refused:
        services.reaction_toggle(user=bob, post=thread.posts.get(number=1), emoji="<b>")
    assert "emoji" in refused.value.message_dict


def test_it_refuses_reactions_from_outsiders_the_silenced_and_on_hidden_posts(
    alice: User, bob: User, charlie: User, thread: Thread, community: Community
) -> None:
    post = thread.posts.get(number=1)
    with pytest.raises(PostingRefused):
        services.reaction_toggle(user=charlie, post=post, emoji="👍")
    hidden = add_post(thread, alice, "x", hidden_at=timezone.now())
    with pytest.raises(ValidationError):
        services.reaction_toggle(user=bob, post=hidden, emoji="👍")
    silence(bob, community)
    with pytest.raises(PostingRefused):
        services.reaction_toggle(user=bob, post=post, emoji="👍")
    assert not Reaction.objects.exists()


# --- watch_set / read_mark --------------------------------------------------------------


def test_it_sets_and_clears_watch_levels(bob: User, thread: Thread, community: Community):
    assert services.watch_set(user=bob, level="muted", community=community) == "muted"
    assert services.watch_set(user=bob, level="watching", thread=thread) == "watching"
    assert ThreadWatch.objects.get(thread=thread, user=bob).level == "watching"
    assert services.watch_set(user=bob, level="normal", thread=thread) == "normal"
    # An empty level drops the thread's own setting: the community's applies again.
    assert services.watch_set(user=bob, level="", thread=thread) == "muted"
    assert not ThreadWatch.objects.filter(user=bob).exists()
    assert services.watch_set(user=bob, level="", community=community) == "normal"
    assert not CommunityWatch.objects.filter(user=bob).exists()


def test_it_refuses_an_unknown_level_and_unreadable_communities(
    bob: User, charlie: User, thread: Thread, private_community: Community
) -> None:
    with pytest.raises(ValidationError):
        services.watch_set(user=bob, level="loud", thread=thread)
    with pytest.raises(PermissionDenied):
        services.watch_set(user=charlie, level="watching", community=private_community)
    with pytest.raises(ValueError):
        services.watch_set(user=bob, level="muted")


def test_it_moves_the_read_state_forward_only(charlie: User, thread: Thread) -> None:
    assert services.read_mark(user=charlie, thread=thread, number=1).last_read_number == 1
    assert services.read_mark(user=charlie, thread=thread, number=2).last_read_number == 2
    assert services.read_mark(user=charlie, thread=thread, number=1).last_read_number == 2
    assert services.read_mark(user=charlie, thread=thread, number=99).last_read_number == 2
    assert ReadState.objects.filter(user=charlie).count() == 1
    with pytest.raises(ValidationError):
        services.read_mark(user=charlie, thread=thread, number="two")  # type: ignore[arg-type]


def test_it_leaves_hidden_post_text_out_of_an_edited_event(
    alice: User, bob: User, thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())
    post.refresh_from_db()
    services.post_edit(editor=bob, post=post, text="Secret new text")
    frame = events.frames_after(thread.pk, 0)[0]
    assert frame["post"]["hidden"] is True
    assert frame["post"]["html"] == ""

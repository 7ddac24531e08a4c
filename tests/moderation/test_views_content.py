"""The pages that moderate what people wrote: flagging, the review queue, hiding and
restoring posts, locking, pinning and moving threads."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation.models import ActionKind, Flag, FlagStatus, ModerationAction
from tests.communities.conftest import add_member, add_post

pytestmark = pytest.mark.django_db


def post_url(post: Post) -> str:
    return f"/threads/{post.thread_id}/?post={post.number}#post-{post.pk}"


def flag(post: Post, user: User, reason: str = "spam", note: str = "") -> Flag:
    return Flag.objects.create(
        post=post, community=post.thread.community, flagged_by=user, reason=reason, note=note
    )


@pytest.fixture
def alices_post(thread: Thread) -> Post:
    return thread.posts.get(number=2)


@pytest.fixture
def bobs_post(thread: Thread) -> Post:
    return thread.posts.get(number=1)


# -- flagging -------------------------------------------------------------------------------


def test_it_shows_the_flag_form_with_the_post(
    login: Callable[[User], Client], bob: User, alices_post: Post
) -> None:
    response = login(bob).get(reverse("post_flag", args=[alices_post.pk]), {"next": "/x/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The ministry publishes weekly counts." in html
    assert 'name="next" value="/x/"' in html
    for reason in ("spam", "off_topic", "abusive", "other"):
        assert f'value="{reason}"' in html


def test_it_keeps_what_was_typed_when_a_flag_is_refused(
    login: Callable[[User], Client], bob: User, alices_post: Post
) -> None:
    # "Something else" needs a note: the service says so, the form shows it.
    response = login(bob).post(
        reverse("post_flag", args=[alices_post.pk]), {"reason": "other", "note": "  "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    assert re.search(r'value="other"[^>]*checked', response.content.decode())
    assert not Flag.objects.exists()


def test_it_flags_a_post_and_goes_back(
    login: Callable[[User], Client], bob: User, alices_post: Post
) -> None:
    client = login(bob)
    back = f"/threads/{alices_post.thread_id}/?page=1"
    response = client.post(
        reverse("post_flag", args=[alices_post.pk]),
        {"reason": "abusive", "note": "Insults me", "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    flag_row = Flag.objects.get()
    assert (flag_row.post, flag_row.flagged_by, flag_row.reason, flag_row.note) == (
        alices_post,
        bob,
        "abusive",
        "Insults me",
    )
    # A second flag from the same member is refused, and said so on the form.
    again = client.post(reverse("post_flag", args=[alices_post.pk]), {"reason": "spam"})
    assert again.status_code == 200
    assert "already flagged" in again.content.decode()
    assert Flag.objects.count() == 1


def test_it_never_goes_back_to_another_site(
    login: Callable[[User], Client], bob: User, alices_post: Post
) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        Flag.objects.all().delete()
        response = login(bob).post(
            reverse("post_flag", args=[alices_post.pk]), {"reason": "spam", "next": target}
        )
        assert response.status_code == 302
        assert response["Location"] == post_url(alices_post)


def test_it_refuses_to_let_authors_flag_their_own_post(
    login: Callable[[User], Client], bob: User, bobs_post: Post
) -> None:
    response = login(bob).post(reverse("post_flag", args=[bobs_post.pk]), {"reason": "spam"})
    assert response.status_code == 200
    assert "your own post" in response.content.decode()
    assert not Flag.objects.exists()


# -- review queue ---------------------------------------------------------------------------


def test_the_queue_shows_each_flagged_post_with_its_text_reasons_and_notes(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    make_user: Callable[..., User],
    community: Community,
    thread: Thread,
    bobs_post: Post,
) -> None:
    add_member(community, charlie)
    eve = make_user("eve@example.org", name="Eve Flagger")
    add_member(community, eve)
    flag(bobs_post, charlie, "spam")
    flag(bobs_post, eve, "other", "Copied from <b>elsewhere</b>")
    # Hidden posts stay in the queue with their text.
    bobs_post.hidden_at = timezone.now()
    bobs_post.hidden_automatically = True
    bobs_post.save()
    response = login(alice).get(reverse("review_queue", args=[community.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What data do we have?" in html
    assert "Hidden by flags" in html
    assert "Spam \u00d7 1" in html and "Something else \u00d7 1" in html
    assert "Copied from &lt;b&gt;elsewhere&lt;/b&gt;" in html
    assert "2 flags" in html
    resolve = reverse("flags_resolve", args=[bobs_post.pk])
    assert f'action="{resolve}"' in html
    assert 'name="decision" value="agree"' in html and 'name="decision" value="disagree"' in html


def test_the_queue_is_empty_without_pending_flags(
    login: Callable[[User], Client], alice: User, bob: User, community: Community, thread: Thread
) -> None:
    resolved = flag(thread.posts.get(number=2), bob)
    resolved.status = FlagStatus.DISAGREED
    resolved.save()
    response = login(alice).get(reverse("review_queue", args=[community.slug]))
    assert response.context["items"] == []
    assert "Nothing is waiting for review." in response.content.decode()


def test_the_queue_costs_the_same_queries_however_long_it_is(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    community: Community,
    thread: Thread,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    add_member(community, charlie)
    flag(thread.posts.get(number=2), bob)
    client = login(alice)
    url = reverse("review_queue", args=[community.slug])
    client.get(url)
    with django_assert_num_queries(QUEUE_QUERIES):
        client.get(url)
    for i in range(6):
        post = add_post(thread, alice if i % 2 else bob, f"Post {i}")
        flag(post, charlie if i % 2 else alice, "abusive", f"note {i}")
        flag(post, bob if i % 2 else charlie, "spam")
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get(url)
    assert len(response.context["items"]) == 7


# session, user, community, membership (access), flags, notifications' unread count
QUEUE_QUERIES = 6


# -- resolving ------------------------------------------------------------------------------


def test_agreeing_hides_the_post_and_goes_back_to_the_queue(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    alices_post: Post,
    bobs_post: Post,
) -> None:
    flag(bobs_post, alice)  # alice moderates; platform rules let her flag as a member
    queue = reverse("review_queue", args=[community.slug])
    response = login(alice).post(
        reverse("flags_resolve", args=[bobs_post.pk]),
        {"decision": "agree", "reason": "Advertising", "next": queue},
    )
    assert response.status_code == 302
    assert response["Location"] == queue
    bobs_post.refresh_from_db()
    assert bobs_post.is_hidden
    assert Flag.objects.get().status == FlagStatus.AGREED
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.actor, entry.post, entry.reason) == (
        ActionKind.FLAG_AGREE,
        alice,
        bobs_post,
        "Advertising",
    )


def test_disagreeing_keeps_the_post(
    login: Callable[[User], Client], alice: User, bob: User, alices_post: Post
) -> None:
    flag(alices_post, bob)
    response = login(alice).post(
        reverse("flags_resolve", args=[alices_post.pk]), {"decision": "disagree"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("review_queue", args=["public-health"])
    alices_post.refresh_from_db()
    assert not alices_post.is_hidden
    assert Flag.objects.get().status == FlagStatus.DISAGREED
    assert ModerationAction.objects.get().action == ActionKind.FLAG_DISAGREE


def test_resolving_a_post_without_flags_says_so(
    login: Callable[[User], Client], alice: User, alices_post: Post
) -> None:
    response = login(alice).post(
        reverse("flags_resolve", args=[alices_post.pk]),
        {"decision": "agree", "reason": "typed reason"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "no flags waiting" in html
    assert "typed reason" in html
    assert not ModerationAction.objects.exists()


# -- hiding and restoring -------------------------------------------------------------------


def test_hiding_needs_a_reason_and_keeps_the_form(
    login: Callable[[User], Client], alice: User, bobs_post: Post
) -> None:
    response = login(alice).post(
        reverse("post_hide", args=[bobs_post.pk]), {"reason": "", "next": "/somewhere/"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert 'value="/somewhere/"' in response.content.decode()
    bobs_post.refresh_from_db()
    assert not bobs_post.is_hidden


def test_it_hides_and_restores_a_post(
    login: Callable[[User], Client], alice: User, bob: User, bobs_post: Post
) -> None:
    client = login(alice)
    page = reverse("post_hide", args=[bobs_post.pk])
    shown = client.get(page)
    assert "What data do we have?" in shown.content.decode()
    assert "data-confirm" in shown.content.decode()
    response = client.post(page, {"reason": "Personal data"})
    assert response.status_code == 302
    assert response["Location"] == post_url(bobs_post)
    bobs_post.refresh_from_db()
    assert bobs_post.is_hidden and bobs_post.hidden_reason == "Personal data"
    # Hiding it again is refused on the form, with the reason kept.
    again = client.post(page, {"reason": "Twice"})
    assert again.status_code == 200 and "already hidden" in again.content.decode()
    # The hidden post's text is still shown to the moderator on the restore page.
    restore = reverse("post_restore", args=[bobs_post.pk])
    assert "What data do we have?" in client.get(restore).content.decode()
    assert client.post(restore, {"reason": "Cleared"}).status_code == 302
    bobs_post.refresh_from_db()
    assert not bobs_post.is_hidden
    assert list(
        ModerationAction.objects.order_by("id").values_list("action", "reason", "post")
    ) == [
        (ActionKind.POST_HIDE, "Personal data", bobs_post.pk),
        (ActionKind.POST_RESTORE, "Cleared", bobs_post.pk),
    ]
    assert ModerationAction.objects.get(action=ActionKind.POST_HIDE).before["body_md"] == (
        "What data do we have?"
    )


# -- threads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "field", "action_on", "action_off"),
    [
        ("thread_lock", "thread_unlock", "locked_at", "thread_lock", "thread_unlock"),
        ("thread_pin", "thread_unpin", "pinned_at", "thread_pin", "thread_unpin"),
    ],
)
def test_it_locks_and_pins_threads_and_goes_back(
    login: Callable[[User], Client],
    alice: User,
    thread: Thread,
    first: str,
    second: str,
    field: str,
    action_on: str,
    action_off: str,
) -> None:
    client = login(alice)
    back = f"/communities/{thread.community.slug}/"
    response = client.post(reverse(first, args=[thread.pk]), {"reason": "Settled", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    thread.refresh_from_db()
    assert getattr(thread, field) is not None
    # Doing it twice: refused with the service's words, the reason still in the box.
    again = client.post(reverse(first, args=[thread.pk]), {"reason": "Once more"})
    assert again.status_code == 200
    assert "already" in again.content.decode() and "Once more" in again.content.decode()
    response = client.post(reverse(second, args=[thread.pk]), {"reason": ""})
    assert response.status_code == 302 and response["Location"] == f"/threads/{thread.pk}/"
    thread.refresh_from_db()
    assert getattr(thread, field) is None
    assert list(ModerationAction.objects.order_by("id").values_list("action", "reason")) == [
        (action_on, "Settled"),
        (action_off, ""),
    ]


def test_it_moves_a_thread_to_a_community_the_moderator_also_moderates(
    login: Callable[[User], Client],
    alice: User,
    thread: Thread,
    community: Community,
    private_community: Community,
    other_community: Community,
) -> None:
    client = login(alice)
    url = reverse("thread_move", args=[thread.pk])
    page = client.get(url)
    choices = [c.slug for c in page.context["form"].fields["to_community"].queryset]
    # Not the thread's own community, not one alice does not moderate.
    assert choices == [private_community.slug]
    refused = client.post(url, {"to_community": other_community.slug, "reason": "There"})
    assert refused.status_code == 200 and refused.context["form"].errors["to_community"]
    missing_reason = client.post(url, {"to_community": private_community.slug, "reason": ""})
    assert missing_reason.context["form"].errors["reason"]
    thread.refresh_from_db()
    assert thread.community == community
    response = client.post(url, {"to_community": private_community.slug, "reason": "Internal"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.community == private_community
    entries = ModerationAction.objects.filter(action=ActionKind.THREAD_MOVE)
    assert sorted(entries.values_list("community__slug", flat=True)) == sorted(
        [community.slug, private_community.slug]
    )


def test_a_platform_moderator_may_move_a_thread_anywhere(
    login: Callable[[User], Client],
    moderator: User,
    thread: Thread,
    other_community: Community,
) -> None:
    response = login(moderator).post(
        reverse("thread_move", args=[thread.pk]),
        {"to_community": other_community.slug, "reason": "Water topic"},
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.community == other_community

"""Editing a post, its history, reactions, and the quote source.

`thread` is in the public `community` (alice moderates, bob is a member, charlie is not),
with bob's #1 and alice's #2; dave moderates `other_community`.
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diaspora.communities import services
from diaspora.communities.models import Post, Reaction, Thread
from diaspora.moderation.models import ActionKind, ModerationAction
from tests.communities.conftest import add_thread

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def first(thread) -> Post:
    return thread.posts.get(number=1)  # bob's


@pytest.fixture
def secret_post(private_community, alice) -> Post:
    return add_thread(private_community, alice, "Budget", "Numbers").posts.get()


# -- editing --------------------------------------------------------------------------------


def test_it_guards_editing(client, login, first, secret_post, charlie, dave):
    url = reverse("post_edit", args=[first.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert login(charlie).get(url).status_code == 403  # a reader, not the author
    assert login(dave).get(url).status_code == 403  # a moderator elsewhere
    assert login(dave).post(url, {"text": "Mine now", "reason": "x"}).status_code == 403
    assert login(charlie).get(reverse("post_edit", args=[secret_post.pk])).status_code == 404
    first.refresh_from_db()
    assert first.body_md == "What data do we have?"


def test_it_lets_the_author_edit(login, first, bob):
    url = reverse("post_edit", args=[first.pk])
    page = login(bob).get(url).content.decode()
    assert "What data do we have?" in page
    assert 'name="reason"' not in page
    response = login(bob).post(url, {"text": "What *data* exists?"})
    assert response.status_code == 302
    assert (
        response.url == f"{reverse('thread_detail', args=[first.thread_id])}?post=1#post-{first.pk}"
    )
    first.refresh_from_db()
    assert "<em>data</em>" in first.body_html
    assert first.edit_count == 1


def test_it_asks_a_moderator_for_a_reason(login, first, alice):
    url = reverse("post_edit", args=[first.pk])
    page = login(alice).get(url).content.decode()
    assert 'name="reason"' in page
    assert "as a moderator" in page
    response = login(alice).post(url, {"text": "Moderated text"})
    assert response.status_code == 200
    assert "Moderated text" in response.content.decode()
    first.refresh_from_db()
    assert first.body_md == "What data do we have?"

    response = login(alice).post(url, {"text": "Moderated text", "reason": "Personal data"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.body_md == "Moderated text"
    entry = ModerationAction.objects.get(action=ActionKind.POST_EDIT)
    assert entry.before == {"body_md": "What data do we have?"}


def test_it_keeps_the_authors_text_in_a_locked_thread(login, first, bob):
    Thread.objects.filter(pk=first.thread_id).update(locked_at=timezone.now())
    url = reverse("post_edit", args=[first.pk])
    assert "This thread is locked." in login(bob).get(url).content.decode()
    response = login(bob).post(url, {"text": "Sneaky change"})
    assert response.status_code == 403
    assert "Sneaky change" in response.content.decode()
    first.refresh_from_db()
    assert first.body_md == "What data do we have?"


def test_it_previews_an_edit_without_javascript(login, first, bob):
    response = login(bob).post(
        reverse("post_edit", args=[first.pk]), {"text": "`code`", "preview": "1"}
    )
    assert "<code>code</code>" in response.content.decode()
    first.refresh_from_db()
    assert first.edit_count == 0


# -- history --------------------------------------------------------------------------------


def test_it_shows_the_history(client, login, first, secret_post, alice, bob, charlie):
    services.post_edit(editor=bob, post=first, text="Second version")
    services.post_edit(
        editor=alice, post=first, text="Third version", reason="Removed a phone number"
    )
    url = reverse("post_history", args=[first.pk])

    for reader in (login(alice), login(bob)):
        page = reader.get(url).content.decode()
        assert "Third version" in page
        assert "Second version" in page  # replaced by the moderator: for them only
        assert "What data do we have?" in page
        assert "Removed a phone number" in page

    for reader in (client, login(charlie)):
        page = reader.get(url).content.decode()
        assert "Third version" in page
        assert "What data do we have?" in page  # replaced by the author
        assert "Second version" not in page
        assert "A moderator replaced this text" in page

    assert login(charlie).get(reverse("post_history", args=[secret_post.pk])).status_code == 404


def test_it_hides_the_history_of_a_hidden_post(login, first, alice, bob, charlie):
    Post.objects.filter(pk=first.pk).update(hidden_at=timezone.now(), hidden_by=alice)
    url = reverse("post_history", args=[first.pk])
    assert login(charlie).get(url).status_code == 404
    assert login(bob).get(url).status_code == 200  # the author
    assert login(alice).get(url).status_code == 200


def test_it_links_the_history_of_edited_posts(login, thread, first, bob):
    services.post_edit(editor=bob, post=first, text="Changed")
    page = login(bob).get(reverse("thread_detail", args=[thread.pk])).content.decode()
    assert f'<a class="post-history" href="{reverse("post_history", args=[first.pk])}">' in page
    assert '<span class="post-edited">' in page


# -- reactions ------------------------------------------------------------------------------


def test_it_toggles_a_reaction(login, thread, first, alice):
    url = reverse("post_react", args=[first.pk])
    response = login(alice).post(url, {"emoji": "🎉"})
    assert response.status_code == 302
    assert response.url.endswith(f"?post=1#post-{first.pk}")
    assert Reaction.objects.filter(post=first, user=alice, emoji="🎉").exists()
    page = login(alice).get(reverse("thread_detail", args=[thread.pk])).content.decode()
    assert (
        'class="reaction mine" name="emoji" value="🎉" data-emoji="🎉" aria-pressed="true"' in page
    )

    response = login(alice).post(url, {"emoji": "🎉"}, **JSON)
    assert json.loads(response.content) == {"reactions": {}}
    assert not Reaction.objects.exists()


def test_it_refuses_reactions_it_should(client, login, first, secret_post, alice, charlie, dave):
    url = reverse("post_react", args=[first.pk])
    response = client.post(url, {"emoji": "👍"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert login(alice).get(url).status_code == 405
    response = login(charlie).post(url, {"emoji": "👍"}, **JSON)
    assert response.status_code == 403
    assert json.loads(response.content)["error"] == "Join this community to take part."
    response = login(dave).post(url, {"emoji": "👍"}, follow=True)
    assert "Join this community to take part." in response.content.decode()
    response = login(alice).post(url, {"emoji": "💩"}, **JSON)
    assert response.status_code == 400
    react_secret = reverse("post_react", args=[secret_post.pk])
    assert login(charlie).post(react_secret, {"emoji": "👍"}).status_code == 404
    assert not Reaction.objects.exists()


def test_it_refuses_reactions_from_a_silenced_member(login, first, community, alice, bob):
    from diaspora.moderation.models import Silence

    Silence.objects.create(
        community=community,
        member=bob,
        issued_by=alice,
        reason="Flood",
        ends_at=timezone.now() + timedelta(hours=2),
    )
    response = login(bob).post(reverse("post_react", args=[first.pk]), {"emoji": "👍"}, **JSON)
    assert response.status_code == 403
    assert "silenced" in json.loads(response.content)["error"]


# -- the quote source -----------------------------------------------------------------------


def test_it_gives_the_quote_source_to_readers(
    client, login, thread, first, secret_post, alice, charlie
):
    second = thread.posts.get(number=2)
    response = client.get(reverse("post_source", args=[second.pk]))
    data = json.loads(response.content)
    assert data["handle"] == "alice-ndiaye"
    assert data["quote"].startswith("> @alice-ndiaye wrote:\n")
    assert "> The ministry publishes weekly counts." in data["quote"]
    assert login(charlie).get(reverse("post_source", args=[secret_post.pk])).status_code == 404
    Post.objects.filter(pk=first.pk).update(hidden_at=timezone.now())
    assert login(charlie).get(reverse("post_source", args=[first.pk])).status_code == 404
    assert login(alice).get(reverse("post_source", args=[first.pk])).status_code == 200
    assert login(alice).post(reverse("post_source", args=[second.pk])).status_code == 405

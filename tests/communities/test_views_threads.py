"""The thread page (posts, pages, reply form, moderator controls), opening a thread and
watching one.

`thread` is in the public `community` (alice moderates, bob is a member, charlie is not),
opened by bob with two posts: bob's #1 and alice's #2. dave moderates `other_community`.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diaspora.communities import services
from diaspora.communities.models import Post, Reaction, ReadState, Tag, Thread, ThreadWatch
from diaspora.moderation.models import Silence
from tests.communities.conftest import add_post, add_thread

HOSTILE = (
    "<script>alert('x')</script>\n\n"
    "[click](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n"
    '<a href="#" onclick="alert(3)">hi</a> <iframe src="https://evil.example"></iframe>\n\n'
    '<svg onload=alert(4)></svg> <div style="background:url(javascript:alert(5))">s</div>'
)


def assert_harmless(page: str, *, source_shown: bool = False) -> None:
    """None of HOSTILE's attacks made it into the page as markup. With `source_shown` the
    page shows the Markdown itself as text (a form, a snippet), so words such as
    "javascript:" may appear, escaped; no tag may."""
    lowered = page.lower()
    markers = ["<script>alert", "<iframe", "<svg", "<img", '<a href="#" onclick', "<div style"]
    if not source_shown:
        markers += ["javascript:", "onerror=", "onclick=", "onload="]
    for marker in markers:
        assert marker not in lowered, marker


def tag_of(pattern: str, page: str) -> str:
    found = re.search(pattern, page)
    assert found is not None, pattern
    return found.group(0)


def thread_url(thread: Thread, **params: object) -> str:
    url = reverse("thread_detail", args=[thread.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def silence(community, member, *, by) -> Silence:
    return Silence.objects.create(
        community=community,
        member=member,
        issued_by=by,
        reason="Cool down",
        ends_at=timezone.now() + timedelta(days=1),
    )


# -- reading --------------------------------------------------------------------------------


def test_it_shows_a_public_thread_to_everyone(client, thread):
    response = client.get(thread_url(thread))
    page = response.content.decode()
    assert response.status_code == 200
    assert "What data do we have?" in page
    assert "The ministry publishes weekly counts." in page
    # Signed out: the form says why it is off, and links to sign in.
    assert "Sign in to take part." in page
    assert re.search(r'<fieldset class="reply-fields" disabled>', page)


def test_it_renders_the_thread_dom_contract(login, thread, bob, alice):
    page = login(bob).get(thread_url(thread)).content.decode()
    section = tag_of(r'<section id="thread"[^>]*>', page)
    assert f'data-thread-id="{thread.pk}"' in section
    assert f'data-ws-path="/ws/threads/{thread.pk}/"' in section
    assert f'data-last-seq="{thread.last_seq}"' in section
    assert 'data-page-last="true"' in section
    assert 'data-moderator="false"' in section
    assert f'data-me="{bob.pk}"' in section
    assert 'data-locked="false"' in section
    first = thread.posts.get(number=1)
    article = tag_of(rf'<article class="post" id="post-{first.pk}"[^>]*>', page)
    assert f'data-post-id="{first.pk}"' in article
    assert 'data-number="1"' in article
    assert f'data-author-id="{bob.pk}"' in article
    for part in (
        'class="post-meta"',
        'class="post-body',
        'class="post-reactions"',
        'class="post-actions"',
    ):
        assert part in page
    assert 'class="reaction" name="emoji" value="👍" data-emoji="👍"' in page
    assert '<span class="count">' in page
    assert '<template id="post-template">' in page
    template = page.split('<template id="post-template">')[1].split("</template>")[0]
    assert 'id="post-"' in template and "/posts/0/react/" in template
    assert '<div id="posts"' in page
    assert 'id="thread-status" class="thread-status" role="status"' in page
    form = tag_of(r'<form id="reply-form"[^>]*>', page)
    assert f'action="{thread_url(thread)}"' in form
    assert 'name="reply_to"' in page and 'name="client_id"' in page
    assert re.search(r'<textarea name="text"', page)
    assert 'data-moderator="true"' in login(alice).get(thread_url(thread)).content.decode()


def test_it_hides_threads_of_a_members_only_community(
    client, login, private_community, alice, charlie, dave
):
    secret = add_thread(private_community, alice, "Budget", "Numbers")
    url = thread_url(secret)
    assert client.get(url).status_code == 404
    assert login(charlie).get(url).status_code == 404
    assert login(dave).get(url).status_code == 404
    assert login(alice).get(url).status_code == 200
    assert client.get(reverse("thread_detail", args=[999999])).status_code == 404


def test_it_shows_moderator_controls_to_its_moderators_only(login, thread, alice, bob, dave):
    lock = reverse("thread_lock", args=[thread.pk])
    hide = reverse("post_hide", args=[thread.posts.get(number=1).pk])
    page = login(alice).get(thread_url(thread)).content.decode()
    assert lock in page and hide in page
    assert reverse("thread_move", args=[thread.pk]) in page
    # Locking and pinning each ask why (optional), for the audit trail.
    assert 'id="lock-reason"' in page and 'id="pin-reason"' in page
    for person in (bob, dave):
        page = login(person).get(thread_url(thread)).content.decode()
        assert lock not in page and hide not in page


def test_it_offers_edit_to_the_author_and_flag_to_others(login, thread, bob, charlie):
    first, second = thread.posts.order_by("number")
    page = login(bob).get(thread_url(thread)).content.decode()
    body = page.split('<template id="post-template">')[0]
    assert reverse("post_edit", args=[first.pk]) in body
    assert reverse("post_edit", args=[second.pk]) not in body
    assert reverse("post_flag", args=[second.pk]) in body
    assert reverse("post_flag", args=[first.pk]) not in body
    # Not a member: nothing to flag with.
    page = login(charlie).get(thread_url(thread)).content.decode().split("<template")[0]
    assert reverse("post_flag", args=[second.pk]) not in page


def test_it_shows_a_hidden_post_to_moderators_and_its_author_only(
    login, thread, alice, bob, charlie
):
    second = thread.posts.get(number=2)
    Post.objects.filter(pk=second.pk).update(
        hidden_at=timezone.now(), hidden_by=alice, hidden_reason="Doxxing"
    )
    text = "The ministry publishes weekly counts."
    bob_page = login(bob).get(thread_url(thread)).content.decode()
    assert text not in bob_page
    assert "This post was hidden by a moderator." in bob_page
    assert "Doxxing" not in bob_page
    charlie_page = login(charlie).get(thread_url(thread)).content.decode()
    assert text not in charlie_page
    alice_page = login(alice).get(thread_url(thread)).content.decode()
    assert text in alice_page and "Doxxing" in alice_page


def test_it_keeps_hostile_markdown_harmless(login, client, community, alice, bob):
    made = services.thread_create(
        author=bob, community=community, title="<script>alert('t')</script>", text=HOSTILE
    )
    services.post_create(author=alice, thread=made, text=HOSTILE)
    for reader in (client, login(bob), login(alice)):
        page = reader.get(thread_url(made)).content.decode()
        assert_harmless(page)
        assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page  # the title, escaped
    # The quote prefill and the edit form carry the source as text, escaped.
    first = made.posts.get(number=1)
    page = login(alice).get(thread_url(made, quote=first.pk)).content.decode()
    assert_harmless(page, source_shown=True)
    assert "&lt;script&gt;" in page
    page = login(bob).get(reverse("post_edit", args=[first.pk])).content.decode()
    assert_harmless(page, source_shown=True)
    page = login(bob).get(reverse("forum_search"), {"q": "alert"}).content.decode()
    assert "2 posts found" in page
    assert_harmless(page, source_shown=True)


def test_it_marks_read_up_to_the_last_post_shown(settings, login, thread, bob, alice):
    settings.FORUM_POSTS_PER_PAGE = 3
    for n in range(5):
        add_post(thread, alice, f"Post {n}")
    login(bob).get(thread_url(thread))
    assert ReadState.objects.get(thread=thread, user=bob).last_read_number == 3
    login(bob).get(thread_url(thread, page=3))
    assert ReadState.objects.get(thread=thread, user=bob).last_read_number == 7
    # Going back does not unread anything.
    login(bob).get(thread_url(thread, page=1))
    assert ReadState.objects.get(thread=thread, user=bob).last_read_number == 7


# -- pages ----------------------------------------------------------------------------------


def _numbers(page: str) -> list[int]:
    body = page.split('<template id="post-template">')[0]
    return [
        int(n)
        for n in re.findall(
            r'<article class="post[^"]*" id="post-\d+" data-post-id="\d+" data-number="(\d+)"', body
        )
    ]


def test_it_lands_on_the_page_holding_a_post(settings, login, thread, alice, bob):
    settings.FORUM_POSTS_PER_PAGE = 3
    for n in range(8):
        add_post(thread, alice, f"Post {n + 3}")  # posts 3..10
    # A hidden post still takes its place, so every reader gets the same pages.
    Post.objects.filter(thread=thread, number=4).update(hidden_at=timezone.now())
    client = login(bob)
    cases = {
        1: [1, 2, 3],
        3: [1, 2, 3],
        4: [4, 5, 6],
        7: [7, 8, 9],
        9: [7, 8, 9],
        10: [10],
        99: [10],
    }
    for number, expected in cases.items():
        page = client.get(thread_url(thread, post=number)).content.decode()
        assert _numbers(page) == expected, number
        assert ('data-page-last="true"' in page) == (expected == [10])
    assert _numbers(client.get(thread_url(thread, post="x")).content.decode()) == [1, 2, 3]
    assert _numbers(client.get(thread_url(thread, page=2)).content.decode()) == [4, 5, 6]


def test_it_lands_on_the_first_unread_post(settings, login, thread, alice, bob):
    settings.FORUM_POSTS_PER_PAGE = 3
    for n in range(8):
        add_post(thread, alice, f"Post {n + 3}")
    ReadState.objects.create(thread=thread, user=bob, last_read_number=6)
    page = login(bob).get(thread_url(thread, unread=1)).content.decode()
    assert _numbers(page) == [7, 8, 9]


def _thread_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("reader", ["bob", "alice", "anonymous"])
def test_it_shows_a_page_of_posts_in_constant_queries(
    request,
    client,
    login,
    settings,
    thread,
    alice,
    bob,
    charlie,
    reader,
    django_assert_max_num_queries,
):
    settings.FORUM_POSTS_PER_PAGE = 30
    viewer = client if reader == "anonymous" else login(request.getfixturevalue(reader))
    url = thread_url(thread)
    # A first visit creates the read state; after that each visit moves it forward.
    viewer.get(url)
    add_post(thread, alice, "One more")
    few = _thread_queries(viewer, url)
    people = [alice, bob, charlie]
    previous = thread.posts.get(number=2)
    for n in range(25):
        post = add_post(thread, people[n % 3], f"Post {n} @alice-ndiaye", reply_to=previous)
        Reaction.objects.create(post=post, user=people[(n + 1) % 3], emoji="👍")
        if n % 5 == 0:
            post.edited_at = timezone.now()
            post.edit_count = 1
            post.save()
        previous = post
    thread.tags.add(Tag.objects.get(community=thread.community))
    with django_assert_max_num_queries(18):
        assert _thread_queries(viewer, url) == few


# -- replying -------------------------------------------------------------------------------


def test_it_posts_a_reply(login, thread, bob):
    first = thread.posts.get(number=1)
    response = login(bob).post(
        thread_url(thread), {"text": "Thanks **all**", "reply_to": first.pk, "client_id": "c-1"}
    )
    post = thread.posts.get(number=3)
    assert response.status_code == 302
    assert response.url == f"{thread_url(thread)}?post=3#post-{post.pk}"
    assert post.reply_to == first
    assert "<strong>all</strong>" in post.body_html
    # The same form sent twice stores one post.
    again = login(bob).post(thread_url(thread), {"text": "Thanks **all**", "client_id": "c-1"})
    assert again.url == response.url
    assert thread.posts.count() == 3


def test_it_prefills_reply_and_quote_links(login, thread, bob, alice):
    second = thread.posts.get(number=2)
    page = login(bob).get(thread_url(thread, reply_to=second.pk)).content.decode()
    assert f'name="reply_to" value="{second.pk}"' in page
    assert "Replying to #2 by Alice Ndiaye" in page
    page = login(bob).get(thread_url(thread, quote=second.pk)).content.decode()
    assert "&gt; @alice-ndiaye wrote:\n&gt;\n&gt; The ministry publishes weekly counts." in page
    # Only posts of this thread, only visible ones.
    other = add_thread(thread.community, alice, "Other", "Elsewhere")
    page = login(bob).get(thread_url(thread, quote=other.posts.get().pk)).content.decode()
    assert "Elsewhere" not in page


def test_it_sends_anonymous_replies_to_sign_in(client, thread):
    response = client.post(thread_url(thread), {"text": "Hello"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert thread.posts.count() == 2


def test_it_keeps_the_text_of_an_invalid_reply(login, thread, bob):
    response = login(bob).post(thread_url(thread), {"text": "   \n"})
    assert response.status_code == 200
    assert "Write something first." in response.content.decode()
    too_long = "word " * 11_000
    response = login(bob).post(thread_url(thread), {"text": too_long})
    page = response.content.decode()
    assert response.status_code == 200
    assert "word word word" in page
    assert 'class="error"' in page
    assert thread.posts.count() == 2


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("outsider", "Join this community to take part."),
        ("silenced", "silenced you in this community (until"),
        ("locked", "This thread is locked."),
        ("limited", "a minute"),
    ],
)
def test_it_explains_a_refused_reply_and_keeps_the_text(
    settings, login, thread, alice, bob, charlie, case, message
):
    author = charlie if case == "outsider" else bob
    if case == "silenced":
        silence(thread.community, bob, by=alice)
    elif case == "locked":
        Thread.objects.filter(pk=thread.pk).update(locked_at=timezone.now())
    elif case == "limited":
        # bob's opening post (the fixture's) was written a moment ago.
        settings.FORUM_POSTS_PER_MINUTE = 1
    before = thread.posts.count()
    response = login(author).post(
        thread_url(thread), {"text": "My careful words", "client_id": "k"}
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert message in page
    assert "My careful words" in page
    assert thread.posts.count() == before
    if case in ("silenced", "locked", "outsider"):
        # The page also says so before anyone types.
        page = login(author).get(thread_url(thread)).content.decode()
        assert message in page
        assert '<fieldset class="reply-fields" disabled>' in page


def test_it_lets_moderators_post_in_a_locked_thread(login, thread, alice):
    Thread.objects.filter(pk=thread.pk).update(locked_at=timezone.now())
    page = login(alice).get(thread_url(thread)).content.decode()
    assert "This thread is locked: only moderators can post in it." in page
    assert 'data-locked="true"' in page
    assert '<fieldset class="reply-fields">' in page
    response = login(alice).post(thread_url(thread), {"text": "Locked for a while."})
    assert response.status_code == 302


def test_it_previews_a_reply_without_javascript(login, thread, bob):
    response = login(bob).post(thread_url(thread), {"text": "Some *emphasis*", "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<em>emphasis</em>" in page
    assert "Some *emphasis*" in page
    assert thread.posts.count() == 2


# -- opening a thread -----------------------------------------------------------------------


def test_it_opens_a_thread(login, community, bob):
    url = reverse("thread_create", args=[community.slug])
    assert login(bob).get(url).status_code == 200
    response = login(bob).post(
        url,
        {
            "title": "Vaccine cold chain",
            "text": "Who has **data**?",
            "tags": ["epidemiology"],
            "client_id": "t1",
        },
    )
    made = Thread.objects.get(title="Vaccine cold chain")
    assert response.status_code == 302
    assert response.url == thread_url(made)
    assert [t.slug for t in made.tags.all()] == ["epidemiology"]
    assert "<strong>data</strong>" in made.posts.get().body_html
    login(bob).post(
        url, {"title": "Vaccine cold chain", "text": "Who has **data**?", "client_id": "t1"}
    )
    assert Thread.objects.filter(title="Vaccine cold chain").count() == 1


def test_it_guards_opening_threads(client, login, community, private_community, charlie):
    url = reverse("thread_create", args=[community.slug])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert (
        login(charlie).get(reverse("thread_create", args=[private_community.slug])).status_code
        == 404
    )
    page = login(charlie).get(url).content.decode()
    assert "Join this community to take part." in page
    response = login(charlie).post(url, {"title": "Mine", "text": "Kept words"})
    assert response.status_code == 403
    assert "Kept words" in response.content.decode()
    assert not Thread.objects.filter(title="Mine").exists()


def test_it_keeps_a_thread_that_could_not_open(settings, login, community, bob):
    url = reverse("thread_create", args=[community.slug])
    response = login(bob).post(url, {"title": "", "text": "Body kept"})
    assert response.status_code == 200 and "Body kept" in response.content.decode()
    response = login(bob).post(url, {"title": "A title", "text": "x", "tags": ["nope"]})
    assert "nope is not one of the available choices" in response.content.decode()

    settings.FORUM_THREADS_PER_HOUR = 1
    services.thread_create(author=bob, community=community, title="First", text="One")
    response = login(bob).post(url, {"title": "Second", "text": "Second body"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "Second body" in page and "an hour" in page
    assert not Thread.objects.filter(title="Second").exists()


def test_it_previews_a_new_thread_without_javascript(login, community, bob):
    url = reverse("thread_create", args=[community.slug])
    response = login(bob).post(url, {"title": "T", "text": "# Heading", "preview": "1"})
    assert "<h1>Heading</h1>" in response.content.decode()
    assert not Thread.objects.filter(title="T").exists()


# -- watching -------------------------------------------------------------------------------


def test_it_sets_the_thread_watch_level(
    client, login, thread, private_community, alice, bob, charlie
):
    url = reverse("thread_watch", args=[thread.pk])
    assert client.post(url, {"level": "muted"}).status_code == 302
    assert login(bob).get(url).status_code == 405
    assert login(bob).post(url, {"level": "muted"}).status_code == 302
    assert ThreadWatch.objects.get(thread=thread, user=bob).level == "muted"
    page = login(bob).get(thread_url(thread)).content.decode()
    assert '<option value="muted" selected>' in page
    login(bob).post(url, {"level": ""})
    assert not ThreadWatch.objects.filter(thread=thread, user=bob).exists()
    secret = add_thread(private_community, alice, "Budget", "Numbers")
    assert (
        login(charlie)
        .post(reverse("thread_watch", args=[secret.pk]), {"level": "muted"})
        .status_code
        == 404
    )


def test_it_lets_a_member_of_another_community_read_but_not_post(
    login, thread, other_community, dave
):
    page = login(dave).get(thread_url(thread)).content.decode()
    assert "Join this community to take part." in page
    assert reverse("thread_lock", args=[thread.pk]) not in page

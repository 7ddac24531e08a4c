"""Posting over the API: silences, locks and limits refuse with their code; hostile Markdown
comes back harmless; lists cost the same queries whatever their length; search."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities import limits
from diaspora.communities.models import Community, Post, Reaction, Tag, Thread
from diaspora.moderation.models import Silence
from tests.communities.conftest import add_member, add_post, add_thread, make_community
from tests.communities.test_api import error_of, send

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert('x')</script>Hello",
    "[click me](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    '<a href="https://example.org" onclick="alert(1)">a link</a>',
    "<iframe src='https://evil.example/'></iframe>",
    "<svg onload=alert(1)><circle/></svg>",
    "![tracker](https://evil.example/pixel.png)",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<form action="https://evil.example/"><input name="password"></form>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]
FORBIDDEN = [
    "<script",
    "javascript:",
    "onerror",
    "onclick",
    "onload",
    "<iframe",
    "<svg",
    "<img",
    "style=",
    "<form",
    "<input",
    "data:text",
]


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    for bad in FORBIDDEN:
        assert bad not in lowered, (bad, html)


@pytest.fixture
def bob_client(bob: User, login: Callable[[User], Client]) -> Client:
    return login(bob)


def silence(community: Community, member: User, by: User, hours: int = 1) -> Silence:
    return Silence.objects.create(
        community=community,
        member=member,
        issued_by=by,
        reason="Cool down",
        ends_at=timezone.now() + timedelta(hours=hours),
    )


# -- refusals -------------------------------------------------------------------------------


def test_it_refuses_every_kind_of_post_from_a_silenced_member(
    bob_client: Client, community: Community, thread: Thread, alice: User, bob: User
) -> None:
    silence(community, bob, alice)
    own = thread.posts.get(number=1)
    other = thread.posts.get(number=2)
    attempts = [
        ("post", "/api/communities/public-health/threads", {"title": "New", "text": "Text"}),
        ("post", f"/api/threads/{thread.pk}/posts", {"text": "Still here"}),
        ("patch", f"/api/posts/{own.pk}", {"text": "Changed"}),
        ("post", f"/api/posts/{other.pk}/reactions", {"emoji": "👍"}),
    ]
    for method, path, body in attempts:
        error = error_of(send(bob_client, method, path, body), 403, "silenced")
        assert "silenced" in error["message"]
    assert Thread.objects.count() == 1
    assert thread.posts.count() == 2
    own.refresh_from_db()
    assert own.body_md == "What data do we have?"
    assert not Reaction.objects.exists()
    viewer = bob_client.get("/api/communities/public-health").json()["viewer"]
    assert viewer["can_post"] is False
    assert viewer["posting_refused"]["code"] == "silenced"
    assert viewer["silenced_until"] is not None
    assert bob_client.get(f"/api/threads/{thread.pk}").json()["posting_refused"]["code"] == (
        "silenced"
    )


def test_it_silences_in_one_community_only_and_until_lifted(
    bob_client: Client,
    community: Community,
    other_community: Community,
    thread: Thread,
    alice: User,
    bob: User,
) -> None:
    add_member(other_community, bob)
    elsewhere = add_thread(other_community, bob, "Pumps", "Which pump?")
    muzzle = silence(community, bob, alice)
    answer = send(bob_client, "post", f"/api/threads/{elsewhere.pk}/posts", {"text": "This one."})
    assert answer.status_code == 201, answer.content
    Silence.objects.filter(pk=muzzle.pk).update(lifted_at=timezone.now())
    back = send(bob_client, "post", f"/api/threads/{thread.pk}/posts", {"text": "Back again"})
    assert back.status_code == 201, back.content


def test_it_refuses_a_reply_in_a_locked_thread_except_from_moderators(
    bob_client: Client, thread: Thread, alice: User, login: Callable[[User], Client]
) -> None:
    Thread.objects.filter(pk=thread.pk).update(locked_at=timezone.now())
    error_of(
        send(bob_client, "post", f"/api/threads/{thread.pk}/posts", {"text": "But"}), 403, "locked"
    )
    own = thread.posts.get(number=1)
    error_of(send(bob_client, "patch", f"/api/posts/{own.pk}", {"text": "Changed"}), 403, "locked")
    response = send(
        login(alice), "post", f"/api/threads/{thread.pk}/posts", {"text": "Locked: done."}
    )
    assert response.status_code == 201, response.content
    assert thread.posts.count() == 3


def test_it_refuses_a_suspended_accounts_token(thread: Thread, bob: User) -> None:
    from diaspora.accounts.services import api_token_create

    _token, raw = api_token_create(user=bob, name="t")
    User.objects.filter(pk=bob.pk).update(is_active=False)
    response = Client().post(
        f"/api/threads/{thread.pk}/posts",
        json.dumps({"text": "Hi"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    error_of(response, 401, "unauthenticated")
    assert thread.posts.count() == 2


def test_it_refuses_posts_over_the_rate_limit_and_says_the_limit(
    bob_client: Client, thread: Thread, settings: Any
) -> None:
    settings.FORUM_POSTS_PER_MINUTE = 2  # bob's opening post counts as one
    path = f"/api/threads/{thread.pk}/posts"
    assert send(bob_client, "post", path, {"text": "One"}).status_code == 201
    error = error_of(send(bob_client, "post", path, {"text": "Two"}), 403, "limited")
    assert "2" in error["message"]
    assert thread.posts.count() == 3


def test_it_refuses_a_new_members_thread_over_the_limit(
    bob_client: Client, thread: Thread, settings: Any
) -> None:
    settings.FORUM_NEW_MEMBER_THREADS = 1  # bob opened `thread`
    error = error_of(
        send(
            bob_client,
            "post",
            "/api/communities/public-health/threads",
            {"title": "Again", "text": "x"},
        ),
        403,
        "limited",
    )
    assert "1" in error["message"]
    assert Thread.objects.count() == 1


def test_it_refuses_a_new_members_links_but_not_a_moderators(
    bob_client: Client,
    thread: Thread,
    alice: User,
    settings: Any,
    login: Callable[[User], Client],
) -> None:
    settings.FORUM_NEW_MEMBER_LINKS = 1
    text = "See [a](https://a.example/) and [b](https://b.example/)."
    path = f"/api/threads/{thread.pk}/posts"
    error_of(send(bob_client, "post", path, {"text": text}), 403, "limited")
    own = thread.posts.get(number=1)
    error_of(send(bob_client, "patch", f"/api/posts/{own.pk}", {"text": text}), 403, "limited")
    assert thread.posts.count() == 2
    # alice is as new an account, but moderates this community.
    assert send(login(alice), "post", path, {"text": text}).status_code == 201


# -- hostile Markdown -----------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_it_sanitises_hostile_markdown_in_posts_threads_edits_and_preview(
    bob_client: Client, thread: Thread, text: str, settings: Any
) -> None:
    settings.FORUM_NEW_MEMBER_LINKS = -1
    settings.FORUM_POSTS_PER_MINUTE = 0
    made = send(bob_client, "post", f"/api/threads/{thread.pk}/posts", {"text": text})
    assert made.status_code == 201, made.content
    assert_harmless(made.json()["html"])
    assert made.json()["text"] == text  # the source is kept as written
    stored = Post.objects.get(pk=made.json()["id"])
    assert_harmless(stored.body_html)
    listed = bob_client.get(f"/api/threads/{thread.pk}/posts").json()["results"][-1]
    assert_harmless(listed["html"])
    edited = send(bob_client, "patch", f"/api/posts/{stored.pk}", {"text": text + " (edited)"})
    assert edited.status_code == 200, edited.content
    assert_harmless(edited.json()["html"])
    opened = send(
        bob_client, "post", "/api/communities/public-health/threads", {"title": "T", "text": text}
    )
    assert opened.status_code == 201, opened.content
    first = bob_client.get(f"/api/threads/{opened.json()['id']}/posts").json()["results"][0]
    assert_harmless(first["html"])
    preview = send(bob_client, "post", "/api/preview", {"text": text})
    assert preview.status_code == 200, preview.content
    assert_harmless(preview.json()["html"])
    assert preview.json()["html"] == stored.body_html


def test_it_previews_like_a_saved_post_with_mentions(
    bob_client: Client, thread: Thread, alice: User
) -> None:
    text = f"Ask @{alice.handle} about `@{alice.handle}` **now**"
    preview = send(bob_client, "post", "/api/preview", {"text": text}).json()["html"]
    saved = send(bob_client, "post", f"/api/threads/{thread.pk}/posts", {"text": text}).json()
    assert preview == saved["html"]
    assert f'<span class="mention">@{alice.handle}</span>' in preview
    assert f"<code>@{alice.handle}</code>" in preview


def test_it_refuses_a_preview_to_anonymous_callers_and_too_long_texts(
    bob_client: Client, settings: Any, db: None
) -> None:
    error_of(send(Client(), "post", "/api/preview", {"text": "Hi"}), 401, "unauthenticated")
    error = error_of(
        send(
            bob_client, "post", "/api/preview", {"text": "x" * (settings.MARKDOWN_MAX_LENGTH + 1)}
        ),
        400,
        "invalid",
    )
    assert f"{settings.MARKDOWN_MAX_LENGTH:,}" in error["message"]


def test_it_counts_api_previews_against_the_pages_limit(
    bob_client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.clear()
    monkeypatch.setattr(limits, "PREVIEW_PER_MINUTE", 2)
    for _ in range(2):
        assert send(bob_client, "post", "/api/preview", {"text": "*Hi*"}).status_code == 200
    error_of(send(bob_client, "post", "/api/preview", {"text": "*Hi*"}), 429, "rate_limited")
    cache.clear()


def test_it_keeps_the_post_when_an_edit_is_refused(
    bob_client: Client, thread: Thread, settings: Any
) -> None:
    own = thread.posts.get(number=1)
    error = error_of(
        send(
            bob_client,
            "patch",
            f"/api/posts/{own.pk}",
            {"text": "x" * (settings.MARKDOWN_MAX_LENGTH + 1)},
        ),
        400,
        "invalid",
    )
    assert error["fields"]
    own.refresh_from_db()
    assert (own.body_md, own.edit_count) == ("What data do we have?", 0)
    assert not own.revisions.exists()


# -- query counts ---------------------------------------------------------------------------


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.fixture
def crowd(make_user: Callable[..., User], community: Community) -> list[User]:
    people = [make_user(f"member{i}@example.org", name=f"Member {i}") for i in range(6)]
    for person in people:
        add_member(community, person)
    return people


def test_it_lists_posts_in_the_same_queries_whatever_the_page_size(
    bob_client: Client,
    thread: Thread,
    crowd: list[User],
    alice: User,
    django_assert_num_queries: Any,
) -> None:
    previous = thread.posts.get(number=2)
    for i in range(28):
        author = crowd[i % len(crowd)]
        post = add_post(thread, author, f"Reply {i} to @{alice.handle}", reply_to=previous)
        Reaction.objects.create(post=post, user=alice, emoji="👍")
        previous = post
    Post.objects.filter(pk=previous.pk).update(hidden_at=timezone.now())
    path = f"/api/threads/{thread.pk}/posts?page_size="
    small = count_queries(bob_client, path + "2")
    # Session, user, thread, membership, count, page, reactions.
    with django_assert_num_queries(small):
        body = bob_client.get(path + "30").json()
    assert len(body["results"]) == 30
    assert small <= 8


def test_it_lists_threads_in_the_same_queries_whatever_the_page_size(
    bob_client: Client, community: Community, crowd: list[User], django_assert_num_queries: Any
) -> None:
    tags = [
        Tag.objects.create(community=community, name=f"Tag {i}", slug=f"tag-{i}") for i in range(3)
    ]
    for i in range(25):
        made = add_thread(community, crowd[i % len(crowd)], f"Thread {i}", "Text")
        made.tags.set(tags[: i % 4])
    path = "/api/communities/public-health/threads?page_size="
    small = count_queries(bob_client, path + "2")
    with django_assert_num_queries(small):
        assert len(bob_client.get(path + "25").json()["results"]) == 25
    assert small <= 9


def test_it_lists_communities_in_the_same_queries_whatever_the_page_size(
    bob_client: Client, community: Community, crowd: list[User], django_assert_num_queries: Any
) -> None:
    for i in range(20):
        made = make_community(f"community-{i:02d}")
        add_member(made, crowd[i % len(crowd)])
    path = "/api/communities?page_size="
    small = count_queries(bob_client, path + "2")
    with django_assert_num_queries(small):
        assert len(bob_client.get(path + "21").json()["results"]) == 21
    assert small <= 6


def test_it_searches_in_the_same_queries_whatever_the_page_size(
    bob_client: Client, thread: Thread, crowd: list[User], django_assert_num_queries: Any
) -> None:
    for i in range(20):
        add_post(thread, crowd[i % len(crowd)], f"Cholera counts for week {i}")
    path = "/api/search?q=cholera&page_size="
    small = count_queries(bob_client, path + "2")
    with django_assert_num_queries(small):
        assert len(bob_client.get(path + "21").json()["results"]) == 21


# -- search ---------------------------------------------------------------------------------


def test_it_searches_only_what_the_viewer_may_read(
    login: Callable[[User], Client],
    community: Community,
    private_community: Community,
    thread: Thread,
    alice: User,
    bob: User,
    charlie: User,
) -> None:
    add_post(thread, bob, "Cholera cases rose in Thiès.")
    hidden = add_post(thread, bob, "Cholera rumours, unverified.")
    Post.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    add_thread(private_community, alice, "Council cholera budget", "Cholera money.")
    seen = login(charlie).get("/api/search?q=cholera").json()
    assert {hit["thread"]["title"] for hit in seen["results"]} == {"Cholera surveillance in Dakar"}
    # The title matches both posts of the fixture; the hidden post is left out.
    assert seen["meta"]["count"] == 3
    hit = seen["results"][0]
    assert hit["community"] == {"slug": "public-health", "name": "Public Health"}
    assert hit["author"]["id"] == bob.pk
    assert hit["url"].startswith(f"/threads/{thread.pk}/?post=")
    assert "rumours" not in json.dumps(seen)
    assert Client().get("/api/search?q=cholera").json()["meta"]["count"] == seen["meta"]["count"]
    moderated = login(alice).get("/api/search?q=cholera").json()
    assert "Council cholera budget" in {h["thread"]["title"] for h in moderated["results"]}
    assert "rumours" not in json.dumps(moderated)  # never hidden posts, even for moderators


def test_it_filters_search_by_community_author_and_dates(
    login: Callable[[User], Client],
    community: Community,
    other_community: Community,
    thread: Thread,
    alice: User,
    bob: User,
    dave: User,
) -> None:
    add_post(thread, alice, "Malaria in the north.")
    add_thread(other_community, dave, "Malaria and water", "Malaria near dams.")
    client = login(bob)
    in_community = client.get("/api/search?q=malaria&community=public-health").json()
    assert {h["community"]["slug"] for h in in_community["results"]} == {"public-health"}
    by_dave = client.get(f"/api/search?q=malaria&author=@{dave.handle}").json()
    assert {h["author"]["id"] for h in by_dave["results"]} == {dave.pk}
    today = timezone.localdate().isoformat()
    assert client.get(f"/api/search?q=malaria&from={today}&to={today}").json()["meta"]["count"] == 2
    assert client.get("/api/search?q=malaria&to=2000-01-01").json()["meta"]["count"] == 0
    error = error_of(client.get("/api/search?q=malaria&author=nobody-here"), 400, "invalid")
    assert "author" in error["fields"]
    error = error_of(
        client.get("/api/search?q=malaria&from=2030-01-02&to=2030-01-01"), 400, "invalid"
    )
    assert "to" in error["fields"]
    error_of(client.get("/api/search?q=malaria&from=yesterday"), 422, "invalid")
    error_of(client.get("/api/search?q=malaria&community=council"), 404, "not_found")


def test_it_escapes_search_snippets(
    login: Callable[[User], Client], thread: Thread, bob: User, charlie: User
) -> None:
    add_post(thread, bob, "Typhoid `<script>alert(1)</script>` typhoid")
    body = login(charlie).get("/api/search?q=typhoid").json()
    assert body["meta"]["count"] == 1
    assert "<script" not in body["results"][0]["snippet_html"]

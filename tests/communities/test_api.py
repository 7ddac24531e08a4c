"""Communities, threads and posts over the API, with the pages' permissions.

The matrix: anonymous, charlie (outsider), bob (member), dave (moderator of another
community), alice (the community's moderator) and the platform moderator.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    Membership,
    Post,
    ReadState,
    Thread,
    ThreadWatch,
)
from diaspora.moderation.models import ModerationAction
from tests.communities.conftest import add_member, add_post, add_thread, make_community

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "charlie", "bob", "dave", "alice", "moderator"]


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def bearer(user: User) -> dict[str, Any]:
    _token, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


@pytest.fixture
def clients(
    alice: User,
    bob: User,
    charlie: User,
    dave: User,
    moderator: User,
    other_community: Community,
    login: Callable[[User], Client],
) -> dict[str, Client]:
    """A client per person of the matrix; dave moderates `other_community` only."""
    return {
        "anonymous": Client(),
        "charlie": login(charlie),
        "bob": login(bob),
        "dave": login(dave),
        "alice": login(alice),
        "moderator": login(moderator),
    }


# -- communities ----------------------------------------------------------------------------


def test_it_lists_the_communities_each_person_may_see(
    clients: dict[str, Client],
    community: Community,
    private_community: Community,
    other_community: Community,
) -> None:
    invited = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    seen = {
        who: sorted(c["slug"] for c in client.get("/api/communities").json()["results"])
        for who, client in clients.items()
    }
    public = ["public-health", "water-engineering"]
    assert seen["anonymous"] == public
    assert seen["charlie"] == seen["bob"] == seen["dave"] == sorted([*public, invited.slug])
    assert seen["alice"] == sorted([*public, invited.slug, "council"])
    assert seen["moderator"] == sorted([*public, invited.slug, "council"])


def test_it_filters_communities_by_kind_and_mine(
    clients: dict[str, Client], community: Community, other_community: Community
) -> None:
    Community.objects.filter(pk=other_community.pk).update(kind="region")
    bob = clients["bob"]
    mine = bob.get("/api/communities?mine=true").json()
    assert [c["slug"] for c in mine["results"]] == ["public-health"]
    assert mine["results"][0]["is_member"] is True
    assert [c["slug"] for c in bob.get("/api/communities?kind=region").json()["results"]] == [
        "water-engineering"
    ]
    error_of(clients["anonymous"].get("/api/communities?mine=true"), 401, "unauthenticated")
    error_of(bob.get("/api/communities?kind=planet"), 422, "invalid")


def test_it_describes_a_community_and_what_the_viewer_may_do(
    clients: dict[str, Client], community: Community, thread: Thread
) -> None:
    body = clients["bob"].get("/api/communities/public-health").json()
    assert body["slug"] == "public-health"
    assert body["url"] == "/communities/public-health/"
    assert body["description_html"] == "<p>The <strong>public-health</strong> community.</p>"
    assert body["code_of_conduct"].startswith("Be kind.")
    assert body["member_count"] == 2
    assert body["thread_count"] == 1
    assert body["tags"] == [{"slug": "epidemiology", "name": "Epidemiology"}]
    assert body["viewer"] == {
        "is_member": True,
        "role": "member",
        "is_moderator": False,
        "can_read": True,
        "can_join": False,
        "can_post": True,
        "posting_refused": None,
        "silenced_until": None,
        "watch_level": "normal",
    }
    outsider = clients["charlie"].get("/api/communities/public-health").json()["viewer"]
    assert outsider["can_join"] is True
    assert outsider["posting_refused"]["code"] == "not_member"
    assert clients["alice"].get("/api/communities/public-health").json()["viewer"]["is_moderator"]
    anonymous = clients["anonymous"].get("/api/communities/public-health").json()["viewer"]
    assert (anonymous["can_join"], anonymous["posting_refused"]["code"]) == (False, "signed_out")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 404),
        ("charlie", 404),
        ("bob", 404),
        ("dave", 404),
        ("alice", 200),
        ("moderator", 200),
    ],
)
def test_it_hides_a_members_only_community_and_its_threads_from_outsiders(
    clients: dict[str, Client], private_community: Community, alice: User, who: str, expected: int
) -> None:
    secret = add_thread(private_community, alice, "Budget", "Numbers.")
    post = secret.posts.get()
    client = clients[who]
    paths = [
        "/api/communities/council",
        "/api/communities/council/threads",
        f"/api/threads/{secret.pk}",
        f"/api/threads/{secret.pk}/posts",
        f"/api/posts/{post.pk}",
        f"/api/posts/{post.pk}/history",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == expected, (path, response.content)
        if expected == 404:
            # Exactly like a community that does not exist.
            assert response.json() == client.get("/api/communities/nowhere").json()
    if who != "anonymous" and expected == 404:
        writes: list[tuple[str, str, dict[str, Any]]] = [
            ("post", "/api/communities/council/join", {"accept_conduct": True}),
            ("post", "/api/communities/council/leave", {}),
            ("put", "/api/communities/council/watch", {"level": "watching"}),
            ("post", "/api/communities/council/threads", {"title": "Hi", "text": "Hi"}),
            ("post", f"/api/threads/{secret.pk}/posts", {"text": "Hi"}),
            ("put", f"/api/threads/{secret.pk}/watch", {"level": "watching"}),
            ("post", f"/api/threads/{secret.pk}/read", {"number": 1}),
            ("patch", f"/api/posts/{post.pk}", {"text": "Mine now", "reason": "x"}),
            ("post", f"/api/posts/{post.pk}/reactions", {"emoji": "👍"}),
            ("post", f"/api/posts/{post.pk}/flags", {"reason": "spam"}),
        ]
        for method, path, body in writes:
            error_of(send(client, method, path, body), 404, "not_found")
        error_of(client.get("/api/communities/council/watch"), 404, "not_found")
        assert secret.posts.count() == 1
        assert Thread.objects.filter(community=private_community).count() == 1


def test_it_describes_a_by_invitation_community_but_keeps_its_threads_for_members(
    clients: dict[str, Client], alice: User
) -> None:
    invited = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    add_member(invited, alice)
    add_thread(invited, alice, "Reunion", "When?")
    charlie = clients["charlie"]
    assert charlie.get("/api/communities/alumni").json()["viewer"]["can_read"] is False
    error_of(charlie.get("/api/communities/alumni/threads"), 403, "forbidden")
    error_of(
        send(charlie, "post", "/api/communities/alumni/join", {"accept_conduct": True}),
        403,
        "forbidden",
    )
    error_of(clients["anonymous"].get("/api/communities/alumni"), 404, "not_found")
    assert clients["alice"].get("/api/communities/alumni/threads").json()["meta"]["count"] == 1


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("charlie", 403),
        ("bob", 403),
        ("dave", 403),
        ("alice", 403),
        ("moderator", 201),
    ],
)
def test_it_lets_only_platform_moderators_create_communities(
    clients: dict[str, Client], community: Community, moderator: User, who: str, expected: int
) -> None:
    body = {
        "name": "Soil science",
        "slug": "soil-science",
        "kind": "discipline",
        "visibility": "public",
        "description": "Dirt, *seriously*.",
        "code_of_conduct": "Be kind.",
        "country": "SN",
    }
    response = send(clients[who], "post", "/api/communities", body)
    assert response.status_code == expected, response.content
    made = Community.objects.filter(slug="soil-science").first()
    if expected == 201:
        assert made is not None
        got = response.json()
        assert (got["slug"], got["country"], got["viewer"]["role"]) == (
            "soil-science",
            "SN",
            "moderator",
        )
        assert got["description_html"] == "<p>Dirt, <em>seriously</em>.</p>"
        assert Membership.objects.get(community=made, user=moderator).role == "moderator"
    else:
        assert made is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "public-health"}, "slug"),
        ({"kind": "castle"}, "kind"),
        ({"visibility": "secret"}, "visibility"),
        ({"country": "XX"}, "country"),
        ({"code_of_conduct": "  "}, "code_of_conduct"),
        ({"description": "x" * 100_001}, "description"),
    ],
)
def test_it_refuses_a_community_the_service_refuses_and_creates_nothing(
    clients: dict[str, Client], community: Community, change: dict[str, Any], field: str
) -> None:
    count = Community.objects.count()
    body = {"name": "Soil", "slug": "soil", "kind": "discipline", "code_of_conduct": "Be kind."}
    error = error_of(
        send(clients["moderator"], "post", "/api/communities", {**body, **change}), 400, "invalid"
    )
    assert field in error["fields"], error
    assert Community.objects.count() == count


def test_it_answers_422_for_a_community_missing_fields(
    clients: dict[str, Client], community: Community
) -> None:
    error = error_of(
        send(clients["moderator"], "post", "/api/communities", {"name": "X"}), 422, "invalid"
    )
    assert {"slug", "kind", "code_of_conduct"} <= set(error["fields"])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("charlie", 403),
        ("bob", 403),
        ("dave", 403),
        ("alice", 200),
        ("moderator", 200),
    ],
)
def test_it_lets_the_communitys_moderators_change_it(
    clients: dict[str, Client], community: Community, who: str, expected: int
) -> None:
    response = send(
        clients[who],
        "patch",
        "/api/communities/public-health",
        {"name": "Global health", "description": "<script>x()</script>**Hi**"},
    )
    assert response.status_code == expected, response.content
    community.refresh_from_db()
    if expected == 200:
        assert response.json()["name"] == "Global health"
        assert community.name == "Global health"
        assert "<script" not in community.description_html
        assert community.kind == "discipline"  # not sent, not changed
        entry = ModerationAction.objects.get(action="community_update")
        assert entry.before["name"] == "Public Health"
    else:
        assert community.name == "Public Health"
        assert not ModerationAction.objects.exists()


def test_it_refuses_a_bad_change_and_keeps_the_community(
    clients: dict[str, Client], community: Community
) -> None:
    error = error_of(
        send(
            clients["alice"],
            "patch",
            "/api/communities/public-health",
            {"name": "Renamed", "visibility": "secret"},
        ),
        400,
        "invalid",
    )
    assert "visibility" in error["fields"]
    error = error_of(
        send(clients["alice"], "patch", "/api/communities/public-health", {"name": None}),
        400,
        "invalid",
    )
    assert "name" in error["fields"]
    community.refresh_from_db()
    assert (community.name, community.visibility) == ("Public Health", "public")


def test_it_joins_with_the_code_of_conduct_and_leaves(
    clients: dict[str, Client], community: Community, charlie: User
) -> None:
    client = clients["charlie"]
    error = error_of(send(client, "post", "/api/communities/public-health/join"), 400, "invalid")
    assert "accept_conduct" in error["fields"]
    assert not Membership.objects.filter(user=charlie).exists()
    joined = send(client, "post", "/api/communities/public-health/join", {"accept_conduct": True})
    assert joined.status_code == 200, joined.content
    assert joined.json()["role"] == "member"
    assert joined.json()["left_at"] is None
    left = send(client, "post", "/api/communities/public-health/leave")
    assert left.status_code == 200
    assert left.json()["left_at"] is not None
    assert Membership.objects.get(user=charlie).left_at is not None
    for path in ("/api/communities/public-health/join", "/api/communities/public-health/leave"):
        error_of(
            send(clients["anonymous"], "post", path, {"accept_conduct": True}),
            401,
            "unauthenticated",
        )


def test_it_reads_and_sets_the_community_watch_level(
    clients: dict[str, Client], community: Community
) -> None:
    bob = clients["bob"]
    assert bob.get("/api/communities/public-health/watch").json() == {"level": "normal"}
    put = send(bob, "put", "/api/communities/public-health/watch", {"level": "watching"})
    assert put.json() == {"level": "watching"}
    assert bob.get("/api/communities/public-health/watch").json() == {"level": "watching"}
    error_of(
        send(bob, "put", "/api/communities/public-health/watch", {"level": "loud"}), 422, "invalid"
    )
    error_of(
        clients["anonymous"].get("/api/communities/public-health/watch"), 401, "unauthenticated"
    )


# -- threads --------------------------------------------------------------------------------


def test_it_lists_threads_pinned_first_with_tags_and_unread(
    clients: dict[str, Client], community: Community, thread: Thread, alice: User, bob: User
) -> None:
    older = add_thread(community, alice, "Pinned rules", "Read these.")
    Thread.objects.filter(pk=older.pk).update(
        pinned_at=timezone.now(), last_posted_at=timezone.now() - timedelta(days=3)
    )
    thread.tags.set(community.tags.all())
    ReadState.objects.create(thread=thread, user=bob, last_read_number=1)
    body = clients["bob"].get("/api/communities/public-health/threads").json()
    assert body["meta"]["count"] == 2
    first, second = body["results"]
    assert (first["title"], first["pinned"]) == ("Pinned rules", True)
    assert second["title"] == "Cholera surveillance in Dakar"
    assert second["tags"] == [{"slug": "epidemiology", "name": "Epidemiology"}]
    assert second["unread"] == 1
    assert second["author"] == {"id": bob.pk, "name": "Bob Mensah", "handle": bob.handle}
    assert second["url"] == f"/threads/{thread.pk}/"
    tagged = clients["bob"].get("/api/communities/public-health/threads?tag=epidemiology").json()
    assert [t["title"] for t in tagged["results"]] == ["Cholera surveillance in Dakar"]
    ReadState.objects.create(thread=older, user=bob, last_read_number=1)
    unread = clients["bob"].get("/api/communities/public-health/threads?unread=true").json()
    assert [t["id"] for t in unread["results"]] == [thread.pk]
    anonymous = clients["anonymous"].get("/api/communities/public-health/threads").json()
    assert all(t["unread"] == 0 for t in anonymous["results"])
    error_of(
        clients["anonymous"].get("/api/communities/public-health/threads?unread=true"),
        401,
        "unauthenticated",
    )


@pytest.mark.parametrize(
    ("who", "expected", "code"),
    [
        ("anonymous", 401, "unauthenticated"),
        ("charlie", 403, "not_member"),
        ("bob", 201, ""),
        ("dave", 403, "not_member"),
        ("alice", 201, ""),
        ("moderator", 201, ""),
    ],
)
def test_it_lets_members_open_threads(
    clients: dict[str, Client], community: Community, who: str, expected: int, code: str
) -> None:
    response = send(
        clients[who],
        "post",
        "/api/communities/public-health/threads",
        {"title": "Vaccination data", "text": "Who has *numbers*?", "tags": ["epidemiology"]},
    )
    made = Thread.objects.filter(title="Vaccination data").first()
    if expected == 201:
        assert response.status_code == 201, response.content
        body = response.json()
        assert made is not None and body["id"] == made.pk
        assert body["tags"] == [{"slug": "epidemiology", "name": "Epidemiology"}]
        assert body["post_count"] == 1
        assert body["ws_path"] == f"/ws/threads/{made.pk}/"
        assert made.posts.get().body_html == "<p>Who has <em>numbers</em>?</p>"
    else:
        error_of(response, expected, code)
        assert made is None


def test_it_refuses_a_thread_the_service_refuses_and_creates_nothing(
    clients: dict[str, Client], community: Community
) -> None:
    bob = clients["bob"]
    for body, field in (
        ({"title": "", "text": "Text"}, "title"),
        ({"title": "T" * 201, "text": "Text"}, "title"),
        ({"title": "Fine", "text": "Text", "tags": ["no-such-tag"]}, "tags"),
    ):
        error = error_of(
            send(bob, "post", "/api/communities/public-health/threads", body), 400, "invalid"
        )
        assert field in error["fields"], error
    error = error_of(
        send(bob, "post", "/api/communities/public-health/threads", {"text": "x"}), 422, "invalid"
    )
    assert "title" in error["fields"]
    assert not Thread.objects.exists()
    assert not Post.objects.exists()


def test_it_describes_a_thread_with_its_live_state(
    clients: dict[str, Client], thread: Thread, bob: User
) -> None:
    ThreadWatch.objects.create(thread=thread, user=bob, level="watching")
    Thread.objects.filter(pk=thread.pk).update(last_seq=7, locked_at=timezone.now())
    body = clients["bob"].get(f"/api/threads/{thread.pk}").json()
    assert body["last_seq"] == 7
    assert body["locked"] is True
    assert body["pinned"] is False
    assert body["watch_level"] == "watching"
    assert body["community"] == {"slug": "public-health", "name": "Public Health"}
    assert (body["can_post"], body["posting_refused"]["code"]) == (False, "locked")
    assert body["is_moderator"] is False
    moderating = clients["alice"].get(f"/api/threads/{thread.pk}").json()
    assert (moderating["can_post"], moderating["is_moderator"]) == (True, True)
    error_of(clients["bob"].get("/api/threads/987654"), 404, "not_found")


# -- posts ----------------------------------------------------------------------------------


def test_it_lists_posts_in_order_with_reactions(
    clients: dict[str, Client], thread: Thread, alice: User, bob: User
) -> None:
    first, second = thread.posts.order_by("number")
    third = add_post(thread, bob, "Thanks!", reply_to=second)
    first.reactions.create(user=alice, emoji="👍")
    first.reactions.create(user=bob, emoji="👍")
    body = clients["bob"].get(f"/api/threads/{thread.pk}/posts").json()
    assert body["meta"] == {"count": 3, "page": 1, "pages": 1, "page_size": 20}
    assert [p["number"] for p in body["results"]] == [1, 2, 3]
    one = body["results"][0]
    assert one["reactions"] == {"counts": {"👍": 2}, "mine": ["👍"]}
    assert one["html"] == "<p>What data do we have?</p>"
    assert one["text"] == "What data do we have?"
    assert body["results"][2]["reply_to"] == {
        "id": second.pk,
        "number": 2,
        "author": {"id": alice.pk, "name": "Alice Ndiaye", "handle": alice.handle},
    }
    assert body["results"][2]["url"] == f"/threads/{thread.pk}/?post=3#post-{third.pk}"
    paged = clients["anonymous"].get(f"/api/threads/{thread.pk}/posts?page=2&page_size=2").json()
    assert [p["number"] for p in paged["results"]] == [3]
    assert paged["results"][0]["reactions"]["mine"] == []


@pytest.mark.parametrize(
    ("who", "sees_text"),
    [
        ("anonymous", False),
        ("charlie", False),
        ("dave", False),
        ("bob", True),  # the author
        ("alice", True),  # the community's moderator
        ("moderator", True),
    ],
)
def test_it_shows_a_hidden_posts_text_only_to_moderators_and_its_author(
    clients: dict[str, Client], thread: Thread, alice: User, who: str, sees_text: bool
) -> None:
    post = thread.posts.get(number=1)
    Post.objects.filter(pk=post.pk).update(
        hidden_at=timezone.now(), hidden_by=alice, hidden_reason="Off-topic"
    )
    client = clients[who]
    listed = client.get(f"/api/threads/{thread.pk}/posts").json()["results"][0]
    assert listed["hidden"] is True
    one = client.get(f"/api/posts/{post.pk}")
    if sees_text:
        assert listed["text"] == "What data do we have?"
        assert listed["hidden_reason"] == "Off-topic"
        assert one.json()["text"] == "What data do we have?"
    else:
        assert (listed["text"], listed["html"], listed["hidden_reason"]) == ("", "", "")
        assert "What data" not in json.dumps(listed)
        error_of(one, 404, "not_found")
        error_of(client.get(f"/api/posts/{post.pk}/history"), 404, "not_found")


@pytest.mark.parametrize(
    ("who", "expected", "code"),
    [
        ("anonymous", 401, "unauthenticated"),
        ("charlie", 403, "not_member"),
        ("bob", 201, ""),
        ("dave", 403, "not_member"),
        ("alice", 201, ""),
        ("moderator", 201, ""),
    ],
)
def test_it_lets_members_reply(
    clients: dict[str, Client], thread: Thread, who: str, expected: int, code: str
) -> None:
    first = thread.posts.get(number=1)
    response = send(
        clients[who],
        "post",
        f"/api/threads/{thread.pk}/posts",
        {"text": "The **WHO** has some.", "reply_to": first.pk},
    )
    if expected == 201:
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["number"] == 3
        assert body["html"] == "<p>The <strong>WHO</strong> has some.</p>"
        assert body["reply_to"]["id"] == first.pk
        assert thread.posts.count() == 3
    else:
        error_of(response, expected, code)
        assert thread.posts.count() == 2


def test_it_returns_the_stored_post_when_a_client_id_comes_again(
    clients: dict[str, Client], thread: Thread
) -> None:
    body = {"text": "Once only", "client_id": "c-1"}
    first = send(clients["bob"], "post", f"/api/threads/{thread.pk}/posts", body)
    again = send(clients["bob"], "post", f"/api/threads/{thread.pk}/posts", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert thread.posts.filter(body_md="Once only").count() == 1


def test_it_refuses_a_reply_to_a_post_elsewhere_and_keeps_nothing(
    clients: dict[str, Client], community: Community, thread: Thread, alice: User
) -> None:
    elsewhere = add_thread(community, alice, "Other", "Other text").posts.get()
    bob = clients["bob"]
    for reply_to in (elsewhere.pk, 987654):
        error = error_of(
            send(
                bob, "post", f"/api/threads/{thread.pk}/posts", {"text": "Hi", "reply_to": reply_to}
            ),
            400,
            "invalid",
        )
        assert "reply_to" in error["fields"]
    error = error_of(
        send(bob, "post", f"/api/threads/{thread.pk}/posts", {"text": "  "}), 400, "invalid"
    )
    assert error["fields"]
    assert thread.posts.count() == 2


def test_it_works_with_a_bearer_token(thread: Thread, bob: User) -> None:
    response = Client().post(
        f"/api/threads/{thread.pk}/posts",
        json.dumps({"text": "By token"}),
        content_type="application/json",
        **bearer(bob),
    )
    assert response.status_code == 201, response.content
    assert response.json()["author"]["id"] == bob.pk


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("charlie", 403),
        ("dave", 403),
        ("alice", 403),  # a moderator edits someone else's post only with a reason
        ("bob", 200),
        ("moderator", 403),
    ],
)
def test_it_lets_the_author_edit_a_post(
    clients: dict[str, Client], thread: Thread, who: str, expected: int
) -> None:
    post = thread.posts.get(number=1)
    response = send(clients[who], "patch", f"/api/posts/{post.pk}", {"text": "Edited"})
    post.refresh_from_db()
    if expected == 200:
        assert response.status_code == 200, response.content
        assert (response.json()["text"], response.json()["edit_count"]) == ("Edited", 1)
        assert post.body_md == "Edited"
    else:
        if who in ("alice", "moderator"):
            error = error_of(response, 400, "invalid")
            assert "reason" in error["fields"]
        else:
            assert response.status_code == expected, response.content
        assert post.body_md == "What data do we have?"


@pytest.mark.parametrize("who", ["alice", "moderator"])
def test_it_lets_a_moderator_edit_with_a_reason_into_the_audit_trail(
    clients: dict[str, Client], thread: Thread, who: str
) -> None:
    post = thread.posts.get(number=1)
    response = send(
        clients[who],
        "patch",
        f"/api/posts/{post.pk}",
        {"text": "[phone number removed]", "reason": "Personal data"},
    )
    assert response.status_code == 200, response.content
    entry = ModerationAction.objects.get(action="post_edit")
    assert entry.before == {"body_md": "What data do we have?"}
    assert entry.reason == "Personal data"
    history = clients["bob"].get(f"/api/posts/{post.pk}/history").json()
    assert [h["text"] for h in history] == ["What data do we have?"]
    assert (history[0]["reason"], history[0]["by_moderator"]) == ("Personal data", True)
    # What a moderator edited away stays with the moderators and the author.
    for other in ("anonymous", "charlie", "dave"):
        seen = clients[other].get(f"/api/posts/{post.pk}/history").json()
        assert [(h["text"], h["html"]) for h in seen] == [("", "")]
        assert "What data" not in json.dumps(seen)
    assert clients["alice"].get(f"/api/posts/{post.pk}/history").json()[0]["text"]


def test_it_shows_the_authors_own_earlier_texts_to_every_reader(
    clients: dict[str, Client], thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    send(clients["bob"], "patch", f"/api/posts/{post.pk}", {"text": "Which data do we have?"})
    history = clients["charlie"].get(f"/api/posts/{post.pk}/history").json()
    assert [(h["text"], h["by_moderator"]) for h in history] == [("What data do we have?", False)]


def test_it_edits_by_a_moderator_of_another_community_are_refused(
    clients: dict[str, Client], thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    response = send(
        clients["dave"], "patch", f"/api/posts/{post.pk}", {"text": "Mine", "reason": "Because"}
    )
    error_of(response, 403, "forbidden")
    post.refresh_from_db()
    assert post.body_md == "What data do we have?"
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected", "code"),
    [
        ("anonymous", 401, "unauthenticated"),
        ("charlie", 403, "not_member"),
        ("dave", 403, "not_member"),
        ("bob", 200, ""),
        ("alice", 200, ""),
        ("moderator", 200, ""),
    ],
)
def test_it_toggles_a_reaction(
    clients: dict[str, Client], thread: Thread, who: str, expected: int, code: str
) -> None:
    post = thread.posts.get(number=2)
    path = f"/api/posts/{post.pk}/reactions"
    response = send(clients[who], "post", path, {"emoji": "🎉"})
    if expected == 200:
        assert response.json() == {"counts": {"🎉": 1}, "mine": ["🎉"]}
        again = send(clients[who], "post", path, {"emoji": "🎉"})
        assert again.json() == {"counts": {}, "mine": []}
    else:
        error_of(response, expected, code)
        assert not post.reactions.exists()


def test_it_refuses_an_unknown_reaction(clients: dict[str, Client], thread: Thread) -> None:
    post = thread.posts.get(number=2)
    error_of(
        send(clients["bob"], "post", f"/api/posts/{post.pk}/reactions", {"emoji": "💩"}),
        400,
        "invalid",
    )
    assert not post.reactions.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("charlie", 403), ("dave", 403), ("alice", 201), ("moderator", 201)],
)
def test_it_lets_members_flag_a_post(
    clients: dict[str, Client], thread: Thread, who: str, expected: int
) -> None:
    post = thread.posts.get(number=1)  # bob's
    response = send(clients[who], "post", f"/api/posts/{post.pk}/flags", {"reason": "spam"})
    assert response.status_code == expected, response.content
    assert post.flags.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.json()["status"] == "pending"


def test_it_refuses_a_flag_the_service_refuses(clients: dict[str, Client], thread: Thread) -> None:
    own = thread.posts.get(number=1)
    other = thread.posts.get(number=2)
    bob = clients["bob"]
    error_of(send(bob, "post", f"/api/posts/{own.pk}/flags", {"reason": "spam"}), 400, "invalid")
    error = error_of(
        send(bob, "post", f"/api/posts/{other.pk}/flags", {"reason": "other"}), 400, "invalid"
    )
    assert "note" in error["fields"]
    error_of(send(bob, "post", f"/api/posts/{other.pk}/flags", {"reason": "rude"}), 422, "invalid")
    assert not other.flags.exists()


def test_it_sets_the_thread_watch_level_and_marks_read(
    clients: dict[str, Client], thread: Thread, bob: User
) -> None:
    client = clients["bob"]
    put = send(client, "put", f"/api/threads/{thread.pk}/watch", {"level": "muted"})
    assert put.json() == {"level": "muted"}
    assert ThreadWatch.objects.get(thread=thread, user=bob).level == "muted"
    read = send(client, "post", f"/api/threads/{thread.pk}/read", {"number": 2})
    assert read.json() == {"last_read_number": 2}
    back = send(client, "post", f"/api/threads/{thread.pk}/read", {"number": 1})
    assert back.json() == {"last_read_number": 2}
    error_of(send(client, "post", f"/api/threads/{thread.pk}/read", {"number": -1}), 422, "invalid")
    for method, path in (("put", "watch"), ("post", "read")):
        error_of(
            send(
                clients["anonymous"],
                method,
                f"/api/threads/{thread.pk}/{path}",
                {"level": "muted", "number": 1},
            ),
            401,
            "unauthenticated",
        )

"""Moderation over the API: who may act where, what each act leaves in the audit trail,
and what members see of it.

The matrix: anonymous, charlie (outsider), bob (member), dave (moderator of another
community), alice (the community's moderator), the platform moderator, and staff.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Membership, Post, Thread
from diaspora.moderation.models import Flag, ModerationAction, Silence
from diaspora.moderation.models import Warning as MemberWarning
from tests.communities.conftest import add_member, add_post, add_thread
from tests.communities.test_api import clients, error_of, send  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("staff@example.org", name="Sam Staff", is_staff=True)


@pytest.fixture
def everyone(
    clients: dict[str, Client],  # noqa: F811 (the imported fixture)
    staff: User,
    login: Callable[[User], Client],
) -> dict[str, Client]:
    return {**clients, "staff": login(staff)}


@pytest.fixture
def flagged(thread: Thread, community: Community, make_user: Callable[..., User]) -> Post:
    """bob's opening post, flagged as spam by another member, Hana."""
    hana = make_user("hana@example.org", name="Hana Flagger")
    add_member(community, hana)
    post = thread.posts.get(number=1)
    Flag.objects.create(post=post, community=community, flagged_by=hana, reason="spam")
    return post


def hide(post: Post, by: User) -> None:
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now(), hidden_by=by)
    Thread.objects.filter(pk=post.thread_id).update(post_count=post.thread.post_count - 1)


def in_a_day() -> str:
    return (timezone.now() + timedelta(days=1)).isoformat()


# (method, path template, body, expected status for a moderator, audited action)
ACTS = [
    ("post", "/api/posts/{post}/hide", {"reason": "Spam"}, 200, "post_hide"),
    ("post", "/api/posts/{hidden}/restore", {"reason": "Fine after all"}, 200, "post_restore"),
    ("post", "/api/posts/{flagged}/flags/resolve", {"agree": False}, 200, "flag_disagree"),
    ("post", "/api/threads/{thread}/lock", {"reason": "Heated"}, 200, "thread_lock"),
    ("post", "/api/threads/{locked}/unlock", {}, 200, "thread_unlock"),
    ("post", "/api/threads/{thread}/pin", {}, 200, "thread_pin"),
    ("post", "/api/threads/{pinned}/unpin", {}, 200, "thread_unpin"),
    (
        "post",
        "/api/threads/{thread}/move",
        {"community": "health-two", "reason": "Fits"},
        200,
        "thread_move",
    ),
    (
        "post",
        "/api/communities/{slug}/members/{bob}/warn",
        {"message": "Be civil"},
        201,
        "member_warn",
    ),
    (
        "post",
        "/api/communities/{slug}/members/{bob}/silence",
        {"ends_at": "IN_A_DAY", "reason": "Cool off"},
        201,
        "member_silence",
    ),
    (
        "post",
        "/api/communities/{slug}/members/{silenced}/unsilence",
        {"reason": "Early"},
        200,
        "member_unsilence",
    ),
    (
        "post",
        "/api/communities/{slug}/members/{bob}/remove",
        {"reason": "Spam"},
        200,
        "member_remove",
    ),
]
READS = [
    "/api/communities/{slug}/review-queue",
    "/api/communities/{slug}/audit",
]


@pytest.fixture
def targets(
    community: Community,
    thread: Thread,
    flagged: Post,
    alice: User,
    bob: User,
    moderator: User,
    make_user: Callable[..., User],
) -> dict[str, Any]:
    """Something for every act to act on, in `community` (public) or a members-only one."""
    ivan = make_user("ivan@example.org", name="Ivan Hidden")
    add_member(community, ivan)
    hidden = add_post(thread, ivan, "Hidden already")
    hide(hidden, alice)
    locked = add_thread(community, bob, "Locked one", "x")
    Thread.objects.filter(pk=locked.pk).update(locked_at=timezone.now())
    pinned = add_thread(community, bob, "Pinned one", "x")
    Thread.objects.filter(pk=pinned.pk).update(pinned_at=timezone.now())
    erin = make_user("erin@example.org", name="Erin Silenced")
    add_member(community, erin)
    Silence.objects.create(
        community=community,
        member=erin,
        issued_by=alice,
        reason="Earlier",
        ends_at=timezone.now() + timedelta(hours=2),
    )
    # The move's destination: alice and the platform moderator moderate it.
    from tests.communities.conftest import make_community

    two = make_community("health-two")
    add_member(two, alice, "moderator")
    return {
        "slug": community.slug,
        "post": thread.posts.get(number=2).pk,
        "hidden": hidden.pk,
        "flagged": flagged.pk,
        "thread": thread.pk,
        "locked": locked.pk,
        "pinned": pinned.pk,
        "bob": bob.pk,
        "silenced": erin.pk,
    }


def fill(template: str, targets: dict[str, Any]) -> str:
    return template.format(**targets)


def body_of(body: dict[str, Any]) -> dict[str, Any]:
    return {k: (in_a_day() if v == "IN_A_DAY" else v) for k, v in body.items()}


@pytest.mark.parametrize(("method", "template", "body", "ok", "action"), ACTS)
@pytest.mark.parametrize(
    "who", ["anonymous", "charlie", "bob", "dave", "alice", "moderator", "staff"]
)
def test_it_lets_only_the_communitys_moderators_act(
    everyone: dict[str, Client],
    targets: dict[str, Any],
    who: str,
    method: str,
    template: str,
    body: dict[str, Any],
    ok: int,
    action: str,
) -> None:
    before = ModerationAction.objects.count()
    response = send(everyone[who], method, fill(template, targets), body_of(body))
    if who == "anonymous":
        error_of(response, 401, "unauthenticated")
    elif who in ("charlie", "bob", "dave") and "{hidden}" in template:
        # A hidden post does not exist for anyone but its author and moderators.
        error_of(response, 404, "not_found")
    elif who in ("charlie", "bob", "dave"):
        # They can see the community (it is public), so it is a 403, not a 404.
        error_of(response, 403, "forbidden")
    else:  # alice moderates it; the platform moderator and staff moderate everything
        assert response.status_code == ok, response.content
        entry = ModerationAction.objects.filter(action=action).select_related("actor").first()
        assert entry is not None and entry.actor is not None
        emails = {"alice": "alice@example.org", "moderator": "mod@example.org"}
        assert entry.actor.email == emails.get(who, "staff@example.org")
        return
    assert ModerationAction.objects.count() == before


@pytest.mark.parametrize(
    ("template", "body"), [(t, b) for _m, t, b, _o, _a in ACTS] + [(t, {}) for t in READS]
)
@pytest.mark.parametrize("who", ["charlie", "bob", "dave"])
def test_it_hides_a_members_only_community_from_outsiders_moderation_too(
    everyone: dict[str, Client],
    private_community: Community,
    alice: User,
    bob: User,
    who: str,
    template: str,
    body: dict[str, Any],
) -> None:
    secret = add_thread(private_community, alice, "Budget", "Numbers.")
    post = secret.posts.get()
    targets = {
        "slug": "council",
        "post": post.pk,
        "hidden": post.pk,
        "flagged": post.pk,
        "thread": secret.pk,
        "locked": secret.pk,
        "pinned": secret.pk,
        "bob": bob.pk,
        "silenced": bob.pk,
    }
    client = everyone[who]
    path = fill(template, targets)
    response = client.get(path) if template in READS else send(client, "post", path, body_of(body))
    error_of(response, 404, "not_found")


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("charlie", 403),
        ("bob", 403),
        ("dave", 403),
        ("alice", 200),
        ("moderator", 200),
        ("staff", 200),
    ],
)
def test_it_shows_the_queue_and_the_trail_to_the_communitys_moderators(
    everyone: dict[str, Client], targets: dict[str, Any], path: str, who: str, expected: int
) -> None:
    assert everyone[who].get(fill(path, targets)).status_code == expected


def test_it_describes_the_review_queue_with_the_hidden_text_for_moderators(
    everyone: dict[str, Client], flagged: Post, community: Community, make_user: Callable[..., User]
) -> None:
    fiona = make_user("fiona@example.org", name="Fiona")
    add_member(community, fiona)
    Flag.objects.create(
        post=flagged, community=community, flagged_by=fiona, reason="other", note="Advert"
    )
    hide(flagged, fiona)
    queue = everyone["alice"].get("/api/communities/public-health/review-queue").json()
    assert len(queue) == 1
    item = queue[0]
    assert item["post"]["id"] == flagged.pk
    assert item["post"]["hidden"] is True
    assert item["post"]["text"] == "What data do we have?"  # moderators read hidden posts
    assert item["flag_count"] == 2
    assert {r["reason"]: r["count"] for r in item["reasons"]} == {"spam": 1, "other": 1}
    assert [n["note"] for n in item["notes"]] == ["Advert"]
    assert item["thread"]["title"] == "Cholera surveillance in Dakar"
    assert item["author"]["name"] == "Bob Mensah"


def test_it_lists_the_queue_in_the_same_queries_whatever_its_length(
    everyone: dict[str, Client],
    community: Community,
    thread: Thread,
    make_user: Callable[..., User],
    django_assert_num_queries: Any,
) -> None:
    flaggers = [make_user(f"f{i}@example.org", name=f"F {i}") for i in range(2)]
    for person in flaggers:
        add_member(community, person)

    first = thread.posts.get(number=1)

    def flag_some(n: int) -> None:
        for i in range(n):
            post = add_post(thread, thread.author, f"Post {i}", reply_to=first)
            for person in flaggers:
                Flag.objects.create(
                    post=post, community=community, flagged_by=person, reason="spam", note="n"
                )

    client = everyone["alice"]
    flag_some(1)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/communities/public-health/review-queue").json()) == 1
    flag_some(15)
    with django_assert_num_queries(len(few)):
        assert len(client.get("/api/communities/public-health/review-queue").json()) == 16


def test_it_resolves_flags_by_agreeing(everyone: dict[str, Client], flagged: Post) -> None:
    response = send(
        everyone["alice"],
        "post",
        f"/api/posts/{flagged.pk}/flags/resolve",
        {"agree": True, "reason": "Spam"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["resolved"] == 1
    assert body["post"]["hidden"] is True
    assert Flag.objects.get().status == "agreed"
    assert ModerationAction.objects.filter(action="flag_agree").exists()
    again = send(
        everyone["alice"], "post", f"/api/posts/{flagged.pk}/flags/resolve", {"agree": True}
    )
    error_of(again, 400, "invalid")


def test_it_hides_and_restores_a_post_showing_the_text_to_moderators(
    everyone: dict[str, Client], thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    hidden = send(everyone["alice"], "post", f"/api/posts/{post.pk}/hide", {"reason": "Spam"})
    assert hidden.status_code == 200, hidden.content
    assert (hidden.json()["hidden"], hidden.json()["text"]) == (True, "What data do we have?")
    entry = ModerationAction.objects.get(action="post_hide")
    assert entry.before["body_md"] == "What data do we have?"
    error_of(everyone["charlie"].get(f"/api/posts/{post.pk}"), 404, "not_found")
    # A hidden post is invisible to a moderator of another community: 404 before 403.
    error_of(send(everyone["dave"], "post", f"/api/posts/{post.pk}/restore", {}), 404, "not_found")
    restored = send(everyone["alice"], "post", f"/api/posts/{post.pk}/restore", {})
    assert restored.json()["hidden"] is False
    assert everyone["charlie"].get(f"/api/posts/{post.pk}").status_code == 200


def test_it_refuses_a_hide_without_a_reason_and_changes_nothing(
    everyone: dict[str, Client], thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    error = error_of(
        send(everyone["alice"], "post", f"/api/posts/{post.pk}/hide", {}), 400, "invalid"
    )
    assert "reason" in error["fields"]
    post.refresh_from_db()
    assert not post.is_hidden
    assert not ModerationAction.objects.exists()


def test_it_locks_and_a_member_cannot_reply_then(
    everyone: dict[str, Client], thread: Thread
) -> None:
    locked = send(everyone["alice"], "post", f"/api/threads/{thread.pk}/lock", {"reason": "Heated"})
    assert locked.json()["locked"] is True
    assert locked.json()["last_seq"] == 1
    error_of(
        send(everyone["bob"], "post", f"/api/threads/{thread.pk}/posts", {"text": "But"}),
        403,
        "locked",
    )
    error_of(send(everyone["alice"], "post", f"/api/threads/{thread.pk}/lock", {}), 400, "invalid")


def test_it_moves_a_thread_only_between_communities_the_actor_moderates(
    everyone: dict[str, Client], thread: Thread, other_community: Community
) -> None:
    path = f"/api/threads/{thread.pk}/move"
    # alice does not moderate dave's community.
    error_of(
        send(everyone["alice"], "post", path, {"community": "water-engineering", "reason": "x"}),
        403,
        "forbidden",
    )
    error = error_of(
        send(everyone["alice"], "post", path, {"community": "nowhere", "reason": "x"}),
        400,
        "invalid",
    )
    assert "community" in error["fields"]
    error = error_of(
        send(everyone["alice"], "post", path, {"community": "public-health", "reason": "x"}),
        400,
        "invalid",
    )
    assert "community" in error["fields"]
    thread.refresh_from_db()
    assert thread.community.slug == "public-health"
    moved = send(
        everyone["moderator"],
        "post",
        path,
        {"community": "water-engineering", "reason": "Fits there"},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["community"]["slug"] == "water-engineering"
    assert ModerationAction.objects.filter(action="thread_move").count() == 2


def test_it_silences_a_member_who_then_cannot_post_by_the_api(
    everyone: dict[str, Client], thread: Thread, bob: User
) -> None:
    response = send(
        everyone["alice"],
        "post",
        f"/api/communities/public-health/members/{bob.pk}/silence",
        {"ends_at": in_a_day(), "reason": "Cool off"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["member"]["id"] == bob.pk
    error_of(
        send(everyone["bob"], "post", f"/api/threads/{thread.pk}/posts", {"text": "Hey"}),
        403,
        "silenced",
    )
    lifted = send(
        everyone["alice"], "post", f"/api/communities/public-health/members/{bob.pk}/unsilence", {}
    )
    assert lifted.status_code == 200, lifted.content
    assert lifted.json()[0]["lifted_at"] is not None
    assert (
        send(
            everyone["bob"], "post", f"/api/threads/{thread.pk}/posts", {"text": "Hey"}
        ).status_code
        == 201
    )
    error_of(
        send(
            everyone["alice"],
            "post",
            f"/api/communities/public-health/members/{bob.pk}/unsilence",
            {},
        ),
        400,
        "invalid",
    )


@pytest.mark.parametrize(
    ("ends_at", "words"),
    [
        ("2000-01-01T00:00:00+00:00", "future"),
        ("2031-01-01T00:00:00", "time zone"),
        ("9999-12-31T23:59:59-12:00", ""),
    ],
)
def test_it_refuses_a_silence_that_does_not_end_in_the_future(
    everyone: dict[str, Client], community: Community, bob: User, ends_at: str, words: str
) -> None:
    error = error_of(
        send(
            everyone["alice"],
            "post",
            f"/api/communities/public-health/members/{bob.pk}/silence",
            {"ends_at": ends_at, "reason": "x"},
        ),
        400,
        "invalid",
    )
    assert "ends_at" in error["fields"]
    assert words in error["message"]
    assert not Silence.objects.exists()


def test_it_lets_only_platform_moderators_act_on_a_fellow_moderator(
    everyone: dict[str, Client], community: Community, make_user: Callable[..., User]
) -> None:
    gina = make_user("gina@example.org", name="Gina")
    add_member(community, gina, "moderator")
    path = f"/api/communities/public-health/members/{gina.pk}/silence"
    body = {"ends_at": in_a_day(), "reason": "x"}
    error_of(send(everyone["alice"], "post", path, body), 403, "forbidden")
    assert send(everyone["moderator"], "post", path, body).status_code == 201


def test_it_answers_404_for_an_unknown_member(
    everyone: dict[str, Client], community: Community
) -> None:
    error_of(
        send(
            everyone["alice"],
            "post",
            "/api/communities/public-health/members/987654/warn",
            {"message": "x"},
        ),
        404,
        "not_found",
    )


def test_it_removes_a_member(everyone: dict[str, Client], community: Community, bob: User) -> None:
    response = send(
        everyone["alice"],
        "post",
        f"/api/communities/public-health/members/{bob.pk}/remove",
        {"reason": "Spam"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["left_at"] is not None
    assert Membership.objects.get(community=community, user=bob).left_at is not None


def test_it_warns_and_the_member_reads_and_acknowledges(
    everyone: dict[str, Client], thread: Thread, bob: User
) -> None:
    post = thread.posts.get(number=1)
    warned = send(
        everyone["alice"],
        "post",
        f"/api/communities/public-health/members/{bob.pk}/warn",
        {"message": "Please cite sources.", "post": post.pk},
    )
    assert warned.status_code == 201, warned.content
    mine = everyone["bob"].get("/api/me/warnings").json()
    assert [(w["message"], w["post_id"], w["acknowledged_at"]) for w in mine] == [
        ("Please cite sources.", post.pk, None)
    ]
    assert mine[0]["community"] == {"slug": "public-health", "name": "Public Health"}
    warning_id = mine[0]["id"]
    error_of(
        send(everyone["charlie"], "post", f"/api/me/warnings/{warning_id}/acknowledge"),
        404,
        "not_found",
    )
    error_of(
        send(everyone["anonymous"], "post", f"/api/me/warnings/{warning_id}/acknowledge"),
        401,
        "unauthenticated",
    )
    assert everyone["charlie"].get("/api/me/warnings").json() == []
    acknowledged = send(everyone["bob"], "post", f"/api/me/warnings/{warning_id}/acknowledge")
    assert acknowledged.json()["acknowledged_at"] is not None
    assert MemberWarning.objects.get().acknowledged_at is not None


def test_it_refuses_a_warning_about_a_post_elsewhere(
    everyone: dict[str, Client],
    community: Community,
    other_community: Community,
    dave: User,
    bob: User,
) -> None:
    elsewhere = add_thread(other_community, dave, "Pumps", "x").posts.get()
    error = error_of(
        send(
            everyone["alice"],
            "post",
            f"/api/communities/public-health/members/{bob.pk}/warn",
            {"message": "x", "post": elsewhere.pk},
        ),
        400,
        "invalid",
    )
    assert "post" in error["fields"]
    assert not MemberWarning.objects.exists()


def test_it_lists_my_warnings_in_the_same_queries_whatever_their_number(
    everyone: dict[str, Client],
    community: Community,
    thread: Thread,
    alice: User,
    bob: User,
    django_assert_num_queries: Any,
) -> None:
    post = thread.posts.get(number=1)
    MemberWarning.objects.create(
        community=community, member=bob, issued_by=alice, message="1", post=post
    )
    with CaptureQueriesContext(connection) as few:
        everyone["bob"].get("/api/me/warnings")
    for i in range(10):
        MemberWarning.objects.create(
            community=community, member=bob, issued_by=alice, message=str(i), post=post
        )
    with django_assert_num_queries(len(few)):
        assert len(everyone["bob"].get("/api/me/warnings").json()) == 11


# -- suspension -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("charlie", 403),
        ("bob", 403),
        ("dave", 403),
        ("alice", 403),
        ("moderator", 403),  # a platform moderator, but not staff
        ("staff", 200),
    ],
)
def test_it_lets_only_staff_suspend_and_reinstate(
    everyone: dict[str, Client], community: Community, bob: User, who: str, expected: int
) -> None:
    response = send(everyone[who], "post", f"/api/users/{bob.pk}/suspend", {"reason": "Spam ring"})
    assert response.status_code == expected, response.content
    bob.refresh_from_db()
    assert bob.is_active is (expected != 200)
    if expected == 200:
        assert response.json()["is_active"] is False
        entry = ModerationAction.objects.get(action="member_suspend")
        assert (entry.community, entry.member, entry.reason) == (None, bob, "Spam ring")
        back = send(everyone[who], "post", f"/api/users/{bob.pk}/reinstate", {"reason": "Appeal"})
        assert back.json()["is_active"] is True
        assert ModerationAction.objects.filter(action="member_reinstate").exists()
    else:
        assert not ModerationAction.objects.exists()


def test_it_answers_404_when_suspending_nobody(everyone: dict[str, Client], db: None) -> None:
    error_of(
        send(everyone["staff"], "post", "/api/users/987654/suspend", {"reason": "x"}),
        404,
        "not_found",
    )


# -- the audit trail ------------------------------------------------------------------------


def test_it_filters_the_audit_trail(
    everyone: dict[str, Client], thread: Thread, alice: User, moderator: User, bob: User
) -> None:
    alice_client = everyone["alice"]
    send(alice_client, "post", f"/api/threads/{thread.pk}/pin", {})
    send(everyone["moderator"], "post", f"/api/threads/{thread.pk}/lock", {"reason": "Heated"})
    send(
        alice_client,
        "post",
        f"/api/communities/public-health/members/{bob.pk}/warn",
        {"message": "Calm down"},
    )
    page = alice_client.get("/api/communities/public-health/audit").json()
    assert [e["action"] for e in page["results"]] == ["member_warn", "thread_lock", "thread_pin"]
    lock = page["results"][1]
    assert lock["actor"]["id"] == moderator.pk
    assert lock["reason"] == "Heated"
    assert lock["thread_id"] == thread.pk
    assert lock["community"] == {"slug": "public-health", "name": "Public Health"}
    assert lock["action_label"]
    by_action = alice_client.get("/api/communities/public-health/audit?action=thread_pin").json()
    assert [e["action"] for e in by_action["results"]] == ["thread_pin"]
    by_actor = alice_client.get(
        f"/api/communities/public-health/audit?actor={moderator.handle}"
    ).json()
    assert [e["action"] for e in by_actor["results"]] == ["thread_lock"]
    by_member = alice_client.get(
        f"/api/communities/public-health/audit?member=@{bob.handle}"
    ).json()
    assert "member_warn" in [e["action"] for e in by_member["results"]]
    today = timezone.localdate().isoformat()
    assert (
        alice_client.get(
            f"/api/communities/public-health/audit?since={today}&until={today}"
        ).json()["meta"]["count"]
        == 3
    )
    assert (
        alice_client.get("/api/communities/public-health/audit?until=2000-01-01").json()["meta"][
            "count"
        ]
        == 0
    )
    for query, field in (
        ("action=explode", "action"),
        ("actor=nobody-here", "actor"),
        ("since=2030-01-02&until=2030-01-01", "until"),
    ):
        error = error_of(
            alice_client.get(f"/api/communities/public-health/audit?{query}"), 400, "invalid"
        )
        assert field in error["fields"]


def test_it_lists_the_audit_trail_in_the_same_queries_whatever_its_length(
    everyone: dict[str, Client],
    community: Community,
    thread: Thread,
    alice: User,
    bob: User,
    django_assert_num_queries: Any,
) -> None:
    def act(n: int) -> None:
        for i in range(n):
            ModerationAction.objects.create(
                community=community,
                actor=alice,
                action="member_warn",
                member=bob,
                thread=thread,
                post=thread.posts.first(),
                reason=str(i),
            )

    act(2)
    path = "/api/communities/public-health/audit?page_size="
    with CaptureQueriesContext(connection) as few:
        everyone["alice"].get(path + "1")
    act(20)
    with django_assert_num_queries(len(few)):
        assert len(everyone["alice"].get(path + "22").json()["results"]) == 22


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("bob", 403),
        ("alice", 403),
        ("dave", 403),
        ("moderator", 200),
        ("staff", 200),
    ],
)
def test_it_shows_the_platform_wide_trail_to_platform_moderators(
    everyone: dict[str, Client],
    community: Community,
    other_community: Community,
    alice: User,
    dave: User,
    bob: User,
    who: str,
    expected: int,
) -> None:
    ModerationAction.objects.create(
        community=community, actor=alice, action="member_warn", member=bob
    )
    ModerationAction.objects.create(
        community=other_community, actor=dave, action="member_warn", member=bob
    )
    ModerationAction.objects.create(community=None, actor=None, action="member_suspend", member=bob)
    response = everyone[who].get("/api/moderation/audit")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["meta"]["count"] == 3
        assert response.json()["results"][0]["community"] is None


def test_it_shows_a_community_moderator_only_their_communitys_trail(
    everyone: dict[str, Client],
    community: Community,
    other_community: Community,
    alice: User,
    dave: User,
    bob: User,
) -> None:
    ModerationAction.objects.create(
        community=community, actor=alice, action="member_warn", member=bob
    )
    ModerationAction.objects.create(
        community=other_community, actor=dave, action="member_warn", member=bob
    )
    assert (
        everyone["alice"].get("/api/communities/public-health/audit").json()["meta"]["count"] == 1
    )
    error_of(everyone["alice"].get("/api/communities/water-engineering/audit"), 403, "forbidden")

"""The audit trail pages (filters, pages, CSV), that every act sent through the pages is in
it, the moderator's home, a member's warnings, and the navigation link to moderation."""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import formats, timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Post, Thread
from diaspora.moderation.audit import audit_record
from diaspora.moderation.context_processors import moderates_something
from diaspora.moderation.models import ActionKind, Flag, ModerationAction, Silence, Warning
from tests.communities.conftest import add_member

pytestmark = pytest.mark.django_db


def entry(
    community: Community | None,
    actor: User | None,
    action: str,
    *,
    member: User | None = None,
    at: datetime | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
) -> ModerationAction:
    made = audit_record(
        actor=actor,
        action=action,
        community=community,
        member=member,
        reason=reason,
        before=before,
    )
    if at is not None:
        ModerationAction.objects.filter(pk=made.pk).update(created_at=at)
    return made


def trail(community: Community) -> str:
    return reverse("audit_trail", args=[community.slug])


def listed(response: Any) -> list[int]:
    return [row.entry.pk for row in response.context["rows"]]


# -- a community's trail --------------------------------------------------------------------


def test_it_shows_only_this_communitys_entries(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    dave: User,
    community: Community,
    other_community: Community,
) -> None:
    mine = entry(community, alice, ActionKind.MEMBER_WARN, member=bob, reason="Be <kind>")
    entry(other_community, dave, ActionKind.THREAD_LOCK)
    entry(None, alice, ActionKind.MEMBER_SUSPEND, member=bob)
    response = login(alice).get(trail(community))
    assert listed(response) == [mine.pk]
    html = response.content.decode()
    assert "Warned a member" in html
    assert "Be &lt;kind&gt;" in html


def test_it_shows_the_content_before_the_act_escaped(
    login: Callable[[User], Client], alice: User, community: Community, thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    text = "<script>alert(1)</script>\n" + "long words " * 20
    audit_record(
        actor=alice,
        action=ActionKind.POST_HIDE,
        community=community,
        post=post,
        reason="Rude",
        before={"body_md": text, "hidden_at": None},
        after={"hidden_at": "2030-01-02T00:00:00Z"},
    )
    alice.timezone = "Asia/Tokyo"
    alice.save()
    html = login(alice).get(trail(community)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<pre class="mod-text">' in html
    # Stored in UTC, read in the viewer's zone: 09:00 in Tokyo.
    nine = datetime(2030, 1, 2, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert formats.date_format(nine, "DATETIME_FORMAT") in html
    assert f"?post={post.number}#post-{post.pk}" in html
    # Fields by their names for people, not the stored keys.
    assert "<dt>Text</dt>" in html and "<dt>Hidden at</dt>" in html
    assert "body_md" not in html


def test_it_filters_by_action_actor_member_and_days(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    moderator: User,
    community: Community,
) -> None:
    add_member(community, charlie)
    day = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
    warn_bob = entry(community, alice, ActionKind.MEMBER_WARN, member=bob, at=day)
    warn_charlie = entry(
        community, moderator, ActionKind.MEMBER_WARN, member=charlie, at=day - timedelta(days=2)
    )
    silence_bob = entry(
        community, alice, ActionKind.MEMBER_SILENCE, member=bob, at=day + timedelta(days=2)
    )
    client = login(alice)
    url = trail(community)
    assert listed(client.get(url)) == [silence_bob.pk, warn_bob.pk, warn_charlie.pk]
    assert listed(client.get(url, {"action": "member_warn"})) == [warn_bob.pk, warn_charlie.pk]
    assert listed(client.get(url, {"actor": f"@{alice.handle}"})) == [silence_bob.pk, warn_bob.pk]
    assert listed(client.get(url, {"member": str(charlie.handle)})) == [warn_charlie.pk]
    assert listed(client.get(url, {"since": "2030-03-10", "until": "2030-03-10"})) == [warn_bob.pk]
    assert listed(client.get(url, {"since": "2030-03-09"})) == [silence_bob.pk, warn_bob.pk]
    assert listed(client.get(url, {"until": "2030-03-09"})) == [warn_charlie.pk]


def test_the_days_are_the_viewers_days(
    login: Callable[[User], Client], alice: User, bob: User, community: Community
) -> None:
    # 20:00 UTC on the 10th is already the 11th in Tokyo.
    late = entry(
        community,
        alice,
        ActionKind.MEMBER_WARN,
        member=bob,
        at=datetime(2030, 3, 10, 20, 0, tzinfo=UTC),
    )
    alice.timezone = "Asia/Tokyo"
    alice.save()
    client = login(alice)
    assert listed(client.get(trail(community), {"since": "2030-03-11"})) == [late.pk]
    assert listed(client.get(trail(community), {"until": "2030-03-10"})) == []


def test_a_bad_filter_is_shown_and_the_others_still_apply(
    login: Callable[[User], Client], alice: User, bob: User, community: Community
) -> None:
    warned = entry(community, alice, ActionKind.MEMBER_WARN, member=bob)
    entry(community, alice, ActionKind.THREAD_PIN)
    client = login(alice)
    response = client.get(trail(community), {"actor": "nobody-here", "action": "member_warn"})
    assert response.context["form"].errors["actor"]
    assert "No account has the handle @nobody-here." in response.content.decode()
    assert listed(response) == [warned.pk]
    response = client.get(trail(community), {"since": "2030-01-02", "until": "2030-01-01"})
    assert response.context["form"].errors["until"]
    # A download with a bad filter shows the page and its errors instead.
    refused = client.get(trail(community), {"actor": "nobody-here", "format": "csv"})
    assert refused["Content-Type"].startswith("text/html")


def test_the_trail_pages_in_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    thread: Thread,
    settings: Any,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = 50
    post = thread.posts.get(number=1)
    audit_record(actor=alice, action=ActionKind.POST_HIDE, community=community, post=post)
    client = login(alice)
    client.get(trail(community))
    with django_assert_num_queries(AUDIT_QUERIES):
        client.get(trail(community))
    for i in range(12):
        audit_record(
            actor=alice if i % 2 else None,
            action=ActionKind.POST_RESTORE,
            community=community,
            post=post,
            reason=f"r{i}",
        )
        entry(community, alice, ActionKind.MEMBER_WARN, member=bob)
    with django_assert_num_queries(AUDIT_QUERIES):
        response = client.get(trail(community))
    assert len(response.context["rows"]) == 25


# session, user, community, access (the view), access (the selector checks again), count,
# page of entries, unread count
AUDIT_QUERIES = 8


def test_it_pages_the_trail(
    login: Callable[[User], Client], alice: User, bob: User, community: Community, settings: Any
) -> None:
    settings.DIRECTORY_PAGE_SIZE = 2
    made = [entry(community, alice, ActionKind.MEMBER_WARN, member=bob) for _ in range(5)]
    client = login(alice)
    first = client.get(trail(community), {"action": "member_warn"})
    assert listed(first) == [made[4].pk, made[3].pk]
    html = first.content.decode()
    assert "action=member_warn&amp;page=2" in html
    assert listed(client.get(trail(community), {"action": "member_warn", "page": "3"})) == [
        made[0].pk
    ]


def test_it_exports_the_filtered_entries_as_csv(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    other_community: Community,
    dave: User,
    settings: Any,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = 1
    entry(community, alice, ActionKind.MEMBER_WARN, member=bob, reason="=HYPERLINK(1)")
    entry(community, alice, ActionKind.MEMBER_WARN, member=bob, reason="second")
    entry(community, alice, ActionKind.THREAD_PIN)
    entry(other_community, dave, ActionKind.MEMBER_WARN)
    client = login(alice)
    page = client.get(trail(community), {"action": "member_warn", "page": "2"})
    assert "action=member_warn&amp;format=csv" in page.content.decode()
    response = client.get(trail(community), {"action": "member_warn", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-public-health.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    # Every filtered entry, not just the page: two warnings in this community.
    assert len(rows) == 3
    assert rows[0][0].startswith("when")
    assert {row[6] for row in rows[1:]} == {"'=HYPERLINK(1)", "second"}
    assert all(row[1] == community.name for row in rows[1:])


# -- the platform-wide trail ----------------------------------------------------------------


def test_the_platform_wide_trail_has_every_entry_and_filters_by_community(
    login: Callable[[User], Client],
    moderator: User,
    alice: User,
    bob: User,
    dave: User,
    community: Community,
    other_community: Community,
) -> None:
    here = entry(community, alice, ActionKind.MEMBER_WARN, member=bob)
    there = entry(other_community, dave, ActionKind.THREAD_LOCK)
    suspended = entry(None, moderator, ActionKind.MEMBER_SUSPEND, member=bob)
    client = login(moderator)
    response = client.get(reverse("audit_all"))
    assert listed(response) == [suspended.pk, there.pk, here.pk]
    assert "Platform-wide" in response.content.decode()
    assert listed(client.get(reverse("audit_all"), {"community": other_community.slug})) == [
        there.pk
    ]
    assert listed(client.get(reverse("audit_all"), {"member": str(bob.handle)})) == [
        suspended.pk,
        here.pk,
    ]
    csv_response = client.get(reverse("audit_all"), {"format": "csv"})
    assert 'filename="audit.csv"' in csv_response["Content-Disposition"]
    assert len(list(csv.reader(io.StringIO(csv_response.content.decode())))) == 4


# -- every act is in the trail --------------------------------------------------------------


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("root@example.org", name="Root Staff", is_staff=True)


def _acts(
    community: Community,
    private: Community,
    thread: Thread,
    bob: User,
    charlie: User,
    alice: User,
) -> list[tuple[str, str, dict[str, Any], str]]:
    """(who acts, url, data, expected action) for every act the pages can send."""
    post = thread.posts.get(number=1)
    other = thread.posts.get(number=2)
    add_member(community, charlie)
    Flag.objects.create(post=other, community=community, flagged_by=bob, reason="spam")
    Flag.objects.create(post=post, community=community, flagged_by=charlie, reason="spam")
    lift = Silence.objects.create(
        community=community,
        member=charlie,
        issued_by=alice,
        reason="x",
        ends_at=timezone.now() + timedelta(days=1),
    )
    slug = community.slug
    return [
        (
            "alice",
            reverse("flags_resolve", args=[other.pk]),
            {"decision": "disagree"},
            "flag_disagree",
        ),
        ("alice", reverse("flags_resolve", args=[post.pk]), {"decision": "agree"}, "flag_agree"),
        ("alice", reverse("post_restore", args=[post.pk]), {}, "post_restore"),
        ("alice", reverse("post_hide", args=[post.pk]), {"reason": "r"}, "post_hide"),
        ("alice", reverse("thread_lock", args=[thread.pk]), {}, "thread_lock"),
        ("alice", reverse("thread_unlock", args=[thread.pk]), {}, "thread_unlock"),
        ("alice", reverse("thread_pin", args=[thread.pk]), {}, "thread_pin"),
        ("alice", reverse("thread_unpin", args=[thread.pk]), {}, "thread_unpin"),
        ("alice", reverse("member_warn", args=[slug, bob.pk]), {"message": "m"}, "member_warn"),
        (
            "alice",
            reverse("member_silence", args=[slug, bob.pk]),
            {"duration": "1h", "reason": "r"},
            "member_silence",
        ),
        ("alice", reverse("member_unsilence", args=[slug, lift.pk]), {}, "member_unsilence"),
        (
            "alice",
            reverse("member_remove", args=[slug, charlie.pk]),
            {"reason": "r"},
            "member_remove",
        ),
        (
            "moderator",
            reverse("moderator_set", args=[slug, bob.pk]),
            {"is_moderator": "1"},
            "moderator_add",
        ),
        (
            "moderator",
            reverse("moderator_set", args=[slug, bob.pk]),
            {"is_moderator": "0"},
            "moderator_remove",
        ),
        ("staff", reverse("member_suspend", args=[bob.pk]), {"reason": "r"}, "member_suspend"),
        ("staff", reverse("member_reinstate", args=[bob.pk]), {}, "member_reinstate"),
        (
            "alice",
            reverse("thread_move", args=[thread.pk]),
            {"to_community": private.slug, "reason": "r"},
            "thread_move",
        ),
    ]


def test_every_act_sent_through_the_pages_is_in_the_audit_trail(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    moderator: User,
    staff: User,
    community: Community,
    private_community: Community,
    thread: Thread,
) -> None:
    people = {"alice": alice, "moderator": moderator, "staff": staff}
    acts = _acts(community, private_community, thread, bob, charlie, alice)
    # Every kind a page can cause (the automatic hide and the settings/invitation acts belong
    # to other pages).
    assert {act[3] for act in acts} == set(ActionKind.values) - {
        "post_auto_hide",
        "post_edit",
        "invitation_send",
        "invitation_revoke",
        "community_update",
        "tag_create",
    }
    for who, url, data, action in acts:
        count = ModerationAction.objects.count()
        response = login(people[who]).post(url, data)
        assert response.status_code == 302, (url, response.content.decode()[-3000:])
        latest = ModerationAction.objects.order_by("-id").first()
        assert latest is not None and latest.action == action, url
        assert latest.actor == people[who]
        assert ModerationAction.objects.count() > count


# -- the moderator's home -------------------------------------------------------------------


def test_the_home_lists_my_communities_with_posts_to_review_first(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    private_community: Community,
    other_community: Community,
    thread: Thread,
) -> None:
    post = thread.posts.get(number=2)
    Flag.objects.create(post=post, community=community, flagged_by=bob, reason="spam")
    response = login(alice).get(reverse("moderation_home"))
    communities = list(response.context["page"].object_list)
    # Not other_community, which dave moderates.
    assert [c.slug for c in communities] == [community.slug, private_community.slug]
    assert [(c.flagged_posts, c.pending_flags) for c in communities] == [(1, 1), (0, 0)]
    html = response.content.decode()
    assert reverse("review_queue", args=[community.slug]) in html
    assert reverse("audit_all") not in html


def test_a_platform_moderator_sees_every_community_and_the_whole_trail(
    login: Callable[[User], Client],
    moderator: User,
    community: Community,
    other_community: Community,
) -> None:
    response = login(moderator).get(reverse("moderation_home"))
    assert {c.slug for c in response.context["page"].object_list} == {
        community.slug,
        other_community.slug,
    }
    assert reverse("audit_all") in response.content.decode()


def test_the_home_costs_the_same_queries_however_many_communities(
    login: Callable[[User], Client],
    alice: User,
    community: Community,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    from tests.communities.conftest import make_community

    client = login(alice)
    client.get(reverse("moderation_home"))
    with django_assert_num_queries(HOME_QUERIES):
        client.get(reverse("moderation_home"))
    for i in range(5):
        add_member(make_community(f"c-{i}"), alice, MemberRole.MODERATOR)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("moderation_home"))
    assert len(response.context["page"].object_list) == 6


# session, user, count, page, the navigation flag refreshed, unread count
HOME_QUERIES = 6


# -- a member's warnings --------------------------------------------------------------------


def test_a_member_reads_and_acknowledges_their_warnings(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    community: Community,
    thread: Thread,
) -> None:
    post = thread.posts.get(number=1)
    mine = Warning.objects.create(
        community=community, member=bob, issued_by=alice, message="Cite <sources>", post=post
    )
    Warning.objects.create(community=community, member=charlie, issued_by=alice, message="Other")
    client = login(bob)
    response = client.get(reverse("my_warnings"))
    assert [w.pk for w in response.context["page"].object_list] == [mine.pk]
    html = response.content.decode()
    assert "Cite &lt;sources&gt;" in html
    assert "Other" not in html
    assert f"?post={post.number}#post-{post.pk}" in html
    assert reverse("warning_acknowledge", args=[mine.pk]) in html
    response = client.post(reverse("warning_acknowledge", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("my_warnings")
    html = client.get(reverse("my_warnings")).content.decode()
    assert reverse("warning_acknowledge", args=[mine.pk]) not in html


# -- the navigation -------------------------------------------------------------------------


def test_the_navigation_links_to_moderation_for_moderators_only(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    moderator: User,
    community: Community,
) -> None:
    link = f'href="{reverse("moderation_home")}"'
    assert link in login(alice).get("/dashboard/").content.decode()
    assert link in login(moderator).get("/dashboard/").content.decode()
    assert link not in login(bob).get("/dashboard/").content.decode()
    assert link not in login(charlie).get("/dashboard/").content.decode()


def test_the_navigation_follows_a_change_of_role_without_signing_in_again(
    login: Callable[[User], Client], moderator: User, bob: User, community: Community
) -> None:
    link = f'href="{reverse("moderation_home")}"'
    bob_client = login(bob)
    assert link not in bob_client.get("/dashboard/").content.decode()
    login(moderator).post(
        reverse("moderator_set", args=[community.slug, bob.pk]), {"is_moderator": "1"}
    )
    assert link in bob_client.get("/dashboard/").content.decode()
    login(moderator).post(
        reverse("moderator_set", args=[community.slug, bob.pk]), {"is_moderator": "0"}
    )
    assert link not in bob_client.get("/dashboard/").content.decode()


def test_the_navigation_flag_costs_no_query(
    alice: User, bob: User, community: Community, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    from diaspora.moderation.context_processors import moderates_something_refresh

    moderates_something_refresh(alice.pk)
    moderates_something_refresh(bob.pk)
    for user, expected in ((alice, True), (bob, False)):
        request = RequestFactory().get("/")
        request.user = user
        with django_assert_num_queries(0):
            assert moderates_something(request) == {"moderates_something": expected}


def test_removal_of_a_post_keeps_its_trail(
    login: Callable[[User], Client], alice: User, community: Community, thread: Thread
) -> None:
    post: Post = thread.posts.get(number=1)
    made = audit_record(actor=alice, action=ActionKind.POST_HIDE, community=community, post=post)
    Post.objects.filter(pk=post.pk).delete()
    response = login(alice).get(trail(community))
    assert listed(response) == [made.pk]
    assert made.target_label in response.content.decode()


def test_my_warnings_cost_the_same_queries_however_many(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    thread: Thread,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    post = thread.posts.get(number=1)
    Warning.objects.create(community=community, member=bob, issued_by=alice, message="One")
    client = login(bob)
    client.get(reverse("my_warnings"))
    with django_assert_num_queries(WARNINGS_QUERIES):
        client.get(reverse("my_warnings"))
    for i in range(6):
        Warning.objects.create(
            community=community, member=bob, issued_by=alice, message=f"W{i}", post=post
        )
    with django_assert_num_queries(WARNINGS_QUERIES):
        response = client.get(reverse("my_warnings"))
    assert len(response.context["page"].object_list) == 7


# session, user, count, page of warnings, unread count
WARNINGS_QUERIES = 5


def test_the_platform_wide_trail_costs_the_same_queries_however_long(
    login: Callable[[User], Client],
    moderator: User,
    alice: User,
    bob: User,
    community: Community,
    other_community: Community,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    entry(community, alice, ActionKind.MEMBER_WARN, member=bob)
    client = login(moderator)
    client.get(reverse("audit_all"))
    with django_assert_num_queries(ALL_QUERIES):
        client.get(reverse("audit_all"))
    for i in range(6):
        entry(other_community if i % 2 else None, moderator, ActionKind.MEMBER_SUSPEND, member=bob)
    with django_assert_num_queries(ALL_QUERIES):
        response = client.get(reverse("audit_all"))
    assert len(response.context["rows"]) == 7


# session, user, count, page of entries, the community filter's choices, unread count
ALL_QUERIES = 6

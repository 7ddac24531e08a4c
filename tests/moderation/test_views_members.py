"""The members page and the acts on people: warn, silence and lift, remove, choose
moderators, suspend and reinstate accounts."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Membership, Thread
from diaspora.moderation.models import ActionKind, ModerationAction, Silence, Warning
from tests.communities.conftest import add_member, add_thread

pytestmark = pytest.mark.django_db


def members_url(community: Community) -> str:
    return reverse("community_members", args=[community.slug])


def silence(community: Community, member: User, by: User, hours: float = 24) -> Silence:
    return Silence.objects.create(
        community=community,
        member=member,
        issued_by=by,
        reason="Heated",
        ends_at=timezone.now() + timedelta(hours=hours),
    )


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("root@example.org", name="Root Staff", is_staff=True)


# -- the page -------------------------------------------------------------------------------


def test_it_lists_members_with_role_joined_and_silence(
    login: Callable[[User], Client], alice: User, bob: User, charlie: User, community: Community
) -> None:
    add_member(community, charlie)
    silence(community, charlie, alice)
    response = login(alice).get(members_url(community))
    assert response.status_code == 200
    rows = response.context["rows"]
    # Moderators first, then by name.
    assert [row.user for row in rows] == [alice, bob, charlie]
    assert [row.membership.role for row in rows] == ["moderator", "member", "member"]
    assert [row.silence is not None for row in rows] == [False, False, True]
    # alice cannot act on herself; she can on the members.
    assert [row.actionable for row in rows] == [False, True, True]
    html = response.content.decode()
    assert "Silenced until" in html
    assert reverse("member_warn", args=[community.slug, bob.pk]) in html
    assert reverse("member_remove", args=[community.slug, bob.pk]) in html
    lift = reverse("member_unsilence", args=[community.slug, Silence.objects.get().pk])
    assert lift in html
    # Choosing moderators and suspending accounts are not hers to do.
    assert reverse("moderator_set", args=[community.slug, bob.pk]) not in html
    assert reverse("member_suspend", args=[bob.pk]) not in html


def test_a_community_moderator_cannot_act_on_a_fellow_moderator(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    make_user: Callable[..., User],
    moderator: User,
) -> None:
    fellow = make_user("fela@example.org", name="Fela Fellow")
    add_member(community, fellow, MemberRole.MODERATOR)
    rows = {row.user: row for row in login(alice).get(members_url(community)).context["rows"]}
    assert not rows[fellow].actionable
    # ... and if she sends the form anyway, the service's refusal is shown with a 403.
    response = login(alice).post(
        reverse("member_warn", args=[community.slug, fellow.pk]), {"message": "Hm"}
    )
    assert response.status_code == 403
    assert "platform moderator" in response.content.decode()
    assert not Warning.objects.exists()
    # A platform moderator can, and sees the moderator buttons.
    platform_page = login(moderator).get(members_url(community))
    assert {row.user: row for row in platform_page.context["rows"]}[fellow].actionable
    assert reverse("moderator_set", args=[community.slug, fellow.pk]) in (
        platform_page.content.decode()
    )


def test_staff_see_the_suspend_link(
    login: Callable[[User], Client], staff: User, bob: User, community: Community
) -> None:
    html = login(staff).get(members_url(community)).content.decode()
    assert reverse("member_suspend", args=[bob.pk]) in html


def test_it_finds_members_by_name_or_handle(
    login: Callable[[User], Client], alice: User, bob: User, charlie: User, community: Community
) -> None:
    add_member(community, charlie)
    client = login(alice)
    assert [
        r.user for r in client.get(members_url(community), {"q": "mensah"}).context["rows"]
    ] == [bob]
    handle = f"@{charlie.handle}"
    assert [r.user for r in client.get(members_url(community), {"q": handle}).context["rows"]] == [
        charlie
    ]


def test_the_members_page_costs_the_same_queries_however_many_members(
    login: Callable[[User], Client],
    alice: User,
    community: Community,
    make_user: Callable[..., User],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    client.get(members_url(community))
    with django_assert_num_queries(MEMBERS_QUERIES):
        client.get(members_url(community))
    for i in range(8):
        person = make_user(f"m{i}@example.org", name=f"Member {i}")
        add_member(community, person)
        if i % 2:
            silence(community, person, alice)
    with django_assert_num_queries(MEMBERS_QUERIES):
        response = client.get(members_url(community))
    assert len(response.context["rows"]) == 10


# session, user, community, access, count, page of members, silences, unread count
MEMBERS_QUERIES = 8


# -- warn -----------------------------------------------------------------------------------


def test_it_warns_a_member_about_a_post(
    login: Callable[[User], Client], alice: User, bob: User, community: Community, thread: Thread
) -> None:
    post = thread.posts.get(number=1)
    client = login(alice)
    url = reverse("member_warn", args=[community.slug, bob.pk])
    page = client.get(url, {"post": str(post.pk), "next": "/communities/public-health/review/"})
    html = page.content.decode()
    assert "What data do we have?" in html
    assert f'name="post" value="{post.pk}"' in html
    empty = client.post(url, {"message": "  ", "post": post.pk})
    assert empty.status_code == 200 and empty.context["form"].errors["message"]
    response = client.post(
        url,
        {
            "message": "Please cite sources.",
            "post": post.pk,
            "next": "/communities/public-health/review/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/communities/public-health/review/"
    warning = Warning.objects.get()
    assert (warning.member, warning.post, warning.message) == (bob, post, "Please cite sources.")
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.member, entry.reason) == (
        ActionKind.MEMBER_WARN,
        bob,
        "Please cite sources.",
    )


def test_a_warning_cannot_name_a_post_of_another_community(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    other_community: Community,
    dave: User,
) -> None:
    elsewhere = add_thread(other_community, dave, "Pumps", "Hand pumps.").posts.get()
    response = login(alice).post(
        reverse("member_warn", args=[community.slug, bob.pk]),
        {"message": "Hm", "post": elsewhere.pk},
    )
    assert response.status_code == 200
    assert "not in this community" in response.content.decode()
    assert not Warning.objects.exists()


# -- silence --------------------------------------------------------------------------------


@pytest.mark.parametrize(("duration", "delta"), [("1h", 1), ("1d", 24), ("1w", 24 * 7)])
def test_it_silences_for_a_chosen_duration(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    duration: str,
    delta: int,
) -> None:
    before = timezone.now()
    response = login(alice).post(
        reverse("member_silence", args=[community.slug, bob.pk]),
        {"duration": duration, "reason": "Heated", "next": members_url(community)},
    )
    assert response.status_code == 302
    assert response["Location"] == members_url(community)
    made = Silence.objects.get()
    expected = before + timedelta(hours=delta)
    assert expected <= made.ends_at <= expected + timedelta(seconds=30)
    entry = ModerationAction.objects.get()
    assert entry.action == ActionKind.MEMBER_SILENCE and entry.reason == "Heated"


def test_it_reads_a_custom_end_in_the_moderators_time_zone(
    login: Callable[[User], Client], alice: User, bob: User, community: Community
) -> None:
    alice.timezone = "Asia/Tokyo"
    alice.save()
    tokyo = ZoneInfo("Asia/Tokyo")
    day = (timezone.now().astimezone(tokyo) + timedelta(days=3)).date()
    response = login(alice).post(
        reverse("member_silence", args=[community.slug, bob.pk]),
        {"duration": "custom", "until": f"{day.isoformat()}T09:00", "reason": "Until Monday"},
    )
    assert response.status_code == 302
    ends = Silence.objects.get().ends_at
    # 09:00 in Tokyo is midnight UTC.
    assert ends == datetime(day.year, day.month, day.day, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("", "Give the date and time"),
        ("2001-01-01T10:00", "in the future"),
        ("9999-12-31T23:59", "within 10 years"),
        ("not a date", "Enter a valid date/time"),
    ],
)
def test_a_bad_custom_end_is_shown_on_the_form(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    until: str,
    message: str,
) -> None:
    response = login(alice).post(
        reverse("member_silence", args=[community.slug, bob.pk]),
        {"duration": "custom", "until": until, "reason": "Kept reason"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Kept reason" in html
    assert not Silence.objects.exists()


def test_silencing_needs_a_reason(
    login: Callable[[User], Client], alice: User, bob: User, community: Community
) -> None:
    response = login(alice).post(
        reverse("member_silence", args=[community.slug, bob.pk]), {"duration": "1h", "reason": ""}
    )
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert not Silence.objects.exists()


def test_it_lifts_a_silence(
    login: Callable[[User], Client], alice: User, bob: User, community: Community
) -> None:
    made = silence(community, bob, alice)
    url = reverse("member_unsilence", args=[community.slug, made.pk])
    response = login(alice).post(url, {"reason": "Apologised", "next": members_url(community)})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.lifted_at is not None and made.lifted_by == alice
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.reason) == (ActionKind.MEMBER_UNSILENCE, "Apologised")
    # A lifted silence cannot be lifted again: said on the page.
    again = login(alice).post(url, {"reason": "again"})
    assert again.status_code == 200 and "no longer in force" in again.content.decode()


# -- remove ---------------------------------------------------------------------------------


def test_it_removes_a_member_with_a_reason(
    login: Callable[[User], Client], alice: User, bob: User, community: Community
) -> None:
    client = login(alice)
    url = reverse("member_remove", args=[community.slug, bob.pk])
    assert "data-confirm" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).context["form"].errors["reason"]
    response = client.post(url, {"reason": "Spam", "next": members_url(community)})
    assert response.status_code == 302
    assert Membership.objects.get(community=community, user=bob).left_at is not None
    assert ModerationAction.objects.get().action == ActionKind.MEMBER_REMOVE
    assert bob not in [r.user for r in client.get(members_url(community)).context["rows"]]


def test_nobody_acts_on_themselves(
    login: Callable[[User], Client], alice: User, moderator: User, community: Community
) -> None:
    add_member(community, moderator)
    response = login(moderator).post(
        reverse("member_remove", args=[community.slug, moderator.pk]), {"reason": "Me"}
    )
    assert response.status_code == 200
    assert "yourself" in response.content.decode()
    assert not ModerationAction.objects.exists()


# -- moderators -----------------------------------------------------------------------------


def test_a_platform_moderator_makes_and_unmakes_moderators(
    login: Callable[[User], Client], moderator: User, bob: User, community: Community
) -> None:
    client = login(moderator)
    url = reverse("moderator_set", args=[community.slug, bob.pk])
    page = client.get(url)
    assert page.context["form"]["is_moderator"].value() == "1"
    assert client.post(url, {"is_moderator": "1", "reason": "Active member"}).status_code == 302
    assert Membership.objects.get(community=community, user=bob).role == MemberRole.MODERATOR
    # Sending the same again changes nothing and writes nothing.
    assert client.post(url, {"is_moderator": "1"}).status_code == 302
    assert client.get(url).context["form"]["is_moderator"].value() == "0"
    assert client.post(url, {"is_moderator": "0"}).status_code == 302
    assert Membership.objects.get(community=community, user=bob).role == MemberRole.MEMBER
    assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == [
        ActionKind.MODERATOR_ADD,
        ActionKind.MODERATOR_REMOVE,
    ]


# -- suspend --------------------------------------------------------------------------------


def test_staff_suspend_and_reinstate_an_account(
    login: Callable[[User], Client], staff: User, bob: User, community: Community
) -> None:
    client = login(staff)
    suspend = reverse("member_suspend", args=[bob.pk])
    page = client.get(suspend, {"next": members_url(community)})
    assert "data-confirm" in page.content.decode()
    assert client.post(suspend, {"reason": ""}).context["form"].errors["reason"]
    response = client.post(suspend, {"reason": "Spam bot", "next": members_url(community)})
    assert response.status_code == 302 and response["Location"] == members_url(community)
    bob.refresh_from_db()
    assert not bob.is_active
    again = client.post(suspend, {"reason": "Twice"})
    assert again.status_code == 200 and "already suspended" in again.content.decode()
    reinstate = reverse("member_reinstate", args=[bob.pk])
    response = client.post(reinstate, {"reason": "Appeal upheld"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('audit_all')}?member={bob.handle}"
    bob.refresh_from_db()
    assert bob.is_active
    entries = ModerationAction.objects.order_by("id")
    assert [(e.action, e.community_id, e.reason) for e in entries] == [
        (ActionKind.MEMBER_SUSPEND, None, "Spam bot"),
        (ActionKind.MEMBER_REINSTATE, None, "Appeal upheld"),
    ]

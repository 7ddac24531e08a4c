"""Community pages: the directory, a community's page, settings, joining, leaving,
invitations and watching.

Fixtures (tests/communities/conftest.py): `community` is public (alice moderates, bob is a
member, charlie is not), `private_community` is members only (alice), `other_community` is
moderated by dave.
"""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diaspora.communities import services
from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    CommunityWatch,
    MemberRole,
    Membership,
    Tag,
)
from diaspora.moderation.models import ActionKind, ModerationAction
from tests.communities.conftest import add_member, add_thread, make_community

# -- the directory --------------------------------------------------------------------------


def test_it_lists_what_each_person_may_see(client, login, community, private_community, charlie):
    invited = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    url = reverse("community_list")

    anonymous = client.get(url).content.decode()
    assert community.name in anonymous
    assert invited.name not in anonymous
    assert private_community.name not in anonymous

    outsider = login(charlie).get(url).content.decode()
    assert community.name in outsider
    assert invited.name in outsider
    assert private_community.name not in outsider

    member = login(private_community.memberships.get().user).get(url).content.decode()
    assert private_community.name in member


def test_it_filters_the_directory(login, community, other_community, bob):
    page = login(bob).get(reverse("community_list"), {"mine": "on"}).content.decode()
    assert community.name in page
    assert other_community.name not in page

    page = login(bob).get(reverse("community_list"), {"q": "water"}).content.decode()
    assert other_community.name in page
    assert community.name not in page

    page = login(bob).get(reverse("community_list"), {"kind": "region"}).content.decode()
    assert other_community.name not in page and community.name not in page


def test_it_offers_join_to_non_members_of_public_communities(login, community, bob, charlie):
    join = reverse("community_join", args=[community.slug])
    assert join in login(charlie).get(reverse("community_list")).content.decode()
    assert join not in login(bob).get(reverse("community_list")).content.decode()


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_it_lists_communities_in_constant_queries(login, bob, django_assert_max_num_queries):
    client = login(bob)
    url = reverse("community_list")
    for n in range(2):
        made = make_community(f"c-{n}")
        add_member(made, bob)
    few = _count_queries(client, url)
    for n in range(2, 14):
        made = make_community(f"c-{n}")
        add_member(made, bob)
        add_thread(made, bob, f"Thread {n}", "Text")
    assert _count_queries(client, url) == few
    with django_assert_max_num_queries(8):
        client.get(url)


# -- creating and editing -------------------------------------------------------------------


def _community_form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Soil Science",
        "slug": "soil-science",
        "kind": "discipline",
        "visibility": "public",
        "country": "",
        "description": "Soils **and** crops.",
        "code_of_conduct": "Be kind.",
    }
    data.update(changes)
    return data


def test_it_sends_anonymous_people_to_sign_in(client, community):
    for url in (
        reverse("community_create"),
        reverse("community_edit", args=[community.slug]),
        reverse("community_join", args=[community.slug]),
        reverse("community_invitations", args=[community.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_it_lets_only_platform_moderators_create(login, charlie, alice):
    assert login(charlie).get(reverse("community_create")).status_code == 403
    # A community moderator is not a platform moderator.
    response = login(charlie).post(reverse("community_create"), _community_form())
    assert response.status_code == 403
    assert not Community.objects.filter(slug="soil-science").exists()


def test_it_creates_a_community(login, moderator):
    response = login(moderator).post(reverse("community_create"), _community_form())
    community = Community.objects.get(slug="soil-science")
    assert response.status_code == 302
    assert response.url == reverse("community_detail", args=["soil-science"])
    assert "<strong>and</strong>" in community.description_html
    assert community.memberships.get(user=moderator).role == MemberRole.MODERATOR


def test_it_keeps_the_text_when_creation_fails(login, moderator, community):
    # The short name is taken: the service's error, beside its field, and the text kept.
    data = _community_form(slug=community.slug, description="Keep me")
    response = login(moderator).post(reverse("community_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Keep me" in page
    assert "already exists" in page
    assert 'class="field has-error"' in page
    assert Community.objects.count() == 1

    response = login(moderator).post(reverse("community_create"), _community_form(slug="new"))
    assert "taken by a page" in response.content.decode()


def test_it_refuses_edits_to_non_moderators(
    client, login, community, private_community, bob, charlie, dave
):
    url = reverse("community_edit", args=[community.slug])
    assert login(bob).get(url).status_code == 403
    assert login(charlie).get(url).status_code == 403
    assert login(dave).get(url).status_code == 403  # moderates another community
    assert (
        login(charlie).get(reverse("community_edit", args=[private_community.slug])).status_code
        == 404
    )
    assert login(dave).post(url, _community_form(name="Taken")).status_code == 403
    community.refresh_from_db()
    assert community.name != "Taken"


def test_it_edits_and_audits(login, community, alice):
    data = _community_form(name="Global Health", code_of_conduct="Be kinder.")
    response = login(alice).post(reverse("community_edit", args=[community.slug]), data)
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.name == "Global Health"
    assert community.slug == "public-health"  # the address does not change
    entry = ModerationAction.objects.get(action=ActionKind.COMMUNITY_UPDATE)
    assert entry.after["name"] == "Global Health"


def test_it_keeps_edits_on_error(login, community, alice):
    data = _community_form(name="Kept name", code_of_conduct="")
    response = login(alice).post(reverse("community_edit", args=[community.slug]), data)
    assert response.status_code == 200
    assert "Kept name" in response.content.decode()


def test_it_adds_tags(login, community, alice, bob):
    url = reverse("community_edit", args=[community.slug])
    response = login(alice).post(url, {"add_tag": "1", "name": "Field work"})
    assert response.status_code == 302
    assert Tag.objects.filter(community=community, slug="field-work").exists()
    response = login(alice).post(url, {"add_tag": "1", "name": "Field  work"})
    assert "already has that tag" in response.content.decode()
    assert login(bob).post(url, {"add_tag": "1", "name": "Mine"}).status_code == 403


# -- the community page ---------------------------------------------------------------------


def test_it_shows_a_public_community_to_everyone(client, community, thread):
    response = client.get(reverse("community_detail", args=[community.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert thread.title in page
    assert "<strong>public-health</strong>" in page  # the description, rendered
    assert reverse("thread_create", args=[community.slug]) not in page


def test_it_hides_a_members_only_community(client, login, private_community, charlie, dave, alice):
    url = reverse("community_detail", args=[private_community.slug])
    assert client.get(url).status_code == 404
    assert login(charlie).get(url).status_code == 404
    assert login(dave).get(url).status_code == 404
    assert login(alice).get(url).status_code == 200
    assert client.get(reverse("community_detail", args=["no-such-thing"])).status_code == 404


def test_it_describes_an_invitation_community_without_its_threads(client, login, alice, charlie):
    invited = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    add_member(invited, alice, MemberRole.MODERATOR)
    secret = add_thread(invited, alice, "Reunion planning", "Secret")
    url = reverse("community_detail", args=[invited.slug])
    assert client.get(url).status_code == 404
    page = login(charlie).get(url).content.decode()
    assert invited.name in page
    assert secret.title not in page
    assert "by invitation" in page
    assert secret.title in login(alice).get(url).content.decode()


def test_it_shows_moderation_links_to_moderators_only(login, community, alice, bob, dave):
    url = reverse("community_detail", args=[community.slug])
    review = reverse("review_queue", args=[community.slug])
    assert review in login(alice).get(url).content.decode()
    assert review not in login(bob).get(url).content.decode()
    assert review not in login(dave).get(url).content.decode()


def test_it_filters_threads_by_tag_and_unread(login, community, thread, alice, bob):
    other = add_thread(community, alice, "Water quality", "Untagged")
    thread.tags.add(Tag.objects.get(community=community, slug="epidemiology"))
    url = reverse("community_detail", args=[community.slug])
    page = login(bob).get(url, {"tag": "epidemiology"}).content.decode()
    assert thread.title in page and other.title not in page

    # bob has read neither; reading the thread leaves only the other one unread.
    login(bob).get(reverse("thread_detail", args=[thread.pk]))
    page = login(bob).get(url, {"unread": "on"}).content.decode()
    assert other.title in page and thread.title not in page


def test_it_shows_unread_counts(login, community, thread, alice, bob):
    login(bob).get(reverse("thread_detail", args=[thread.pk]))
    services.post_create(author=alice, thread=thread, text="New one")
    page = login(bob).get(reverse("community_detail", args=[community.slug])).content.decode()
    assert f'href="{reverse("thread_detail", args=[thread.pk])}?unread=1"' in page
    assert "1 unread post" in page


def test_it_lists_threads_in_constant_queries(
    login, community, bob, alice, django_assert_max_num_queries
):
    client = login(bob)
    url = reverse("community_detail", args=[community.slug])
    tag = Tag.objects.get(community=community)
    for n in range(2):
        add_thread(community, alice, f"T{n}", "x").tags.add(tag)
    few = _count_queries(client, url)
    for n in range(2, 20):
        made = add_thread(community, alice, f"T{n}", "x")
        made.tags.add(tag)
        CommunityWatch.objects.get_or_create(community=community, user=bob, level="watching")
    with django_assert_max_num_queries(12):
        assert _count_queries(client, url) == few


# -- joining and leaving --------------------------------------------------------------------


def test_it_joins_after_accepting_the_conduct(login, community, charlie):
    url = reverse("community_join", args=[community.slug])
    page = login(charlie).get(url).content.decode()
    assert "Cite your sources" in page  # the code of conduct is shown

    response = login(charlie).post(url, {})
    assert response.status_code == 200
    assert "accept the code of conduct" in response.content.decode()
    assert not Membership.objects.filter(community=community, user=charlie).exists()

    response = login(charlie).post(url, {"accept_conduct": "on"})
    assert response.status_code == 302
    assert Membership.objects.current().filter(community=community, user=charlie).exists()


def test_it_refuses_joining_without_an_invitation(login, private_community, charlie, alice):
    invited = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    url = reverse("community_join", args=[invited.slug])
    assert "by invitation only" in login(charlie).get(url).content.decode()
    response = login(charlie).post(url, {"accept_conduct": "on"})
    assert "by invitation only" in response.content.decode()
    assert not Membership.objects.filter(community=invited, user=charlie).exists()
    join_private = reverse("community_join", args=[private_community.slug])
    assert login(charlie).post(join_private, {"accept_conduct": "on"}).status_code == 404


def test_it_leaves(client, login, community, private_community, bob, alice):
    url = reverse("community_leave", args=[community.slug])
    assert login(bob).get(url).status_code == 405
    assert (
        client.post(url).status_code == 302
        and Membership.objects.current().filter(user=bob).exists()
    )
    response = login(bob).post(url)
    assert response.url == reverse("community_detail", args=[community.slug])
    assert not Membership.objects.current().filter(community=community, user=bob).exists()

    assert (
        login(bob).post(reverse("community_leave", args=[private_community.slug])).status_code
        == 404
    )

    # Leaving a members-only community: its page is gone for them, so back to the list.
    add_member(private_community, bob)
    response = login(bob).post(reverse("community_leave", args=[private_community.slug]))
    assert response.url == reverse("community_list")


# -- invitations ----------------------------------------------------------------------------


def test_it_keeps_invitations_to_moderators(
    login, community, private_community, bob, charlie, dave
):
    url = reverse("community_invitations", args=[community.slug])
    assert login(bob).get(url).status_code == 403
    assert login(dave).get(url).status_code == 403
    assert login(dave).post(url, {"email": "x@example.org"}).status_code == 403
    private = reverse("community_invitations", args=[private_community.slug])
    assert login(charlie).get(private).status_code == 404


def test_it_sends_and_revokes_invitations(
    login, private_community, alice, django_capture_on_commit_callbacks
):
    url = reverse("community_invitations", args=[private_community.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = login(alice).post(url, {"email": "New.Person@Example.org"})
    assert response.status_code == 302
    invitation = private_community.invitations.get()
    assert invitation.email == "new.person@example.org"
    assert len(mail.outbox) == 1
    assert "new.person@example.org" in login(alice).get(url).content.decode()

    response = login(alice).post(url, {"email": "new.person@example.org"})
    assert "already has a pending invitation" in response.content.decode()

    response = login(alice).post(url, {"revoke": str(invitation.pk)})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert login(alice).post(url, {"revoke": "nope"}).status_code == 404


def test_it_keeps_a_bad_address(login, private_community, alice):
    url = reverse("community_invitations", args=[private_community.slug])
    response = login(alice).post(url, {"email": "not-an-address"})
    assert response.status_code == 200
    assert 'value="not-an-address"' in response.content.decode()


def test_it_accepts_an_invitation(client, login, private_community, alice, charlie, bob):
    invitation = services.invitation_send(
        actor=alice, community=private_community, email=charlie.email
    )
    url = reverse("community_invitation_accept", args=[invitation.token])
    assert client.get(url).status_code == 302  # sign in first
    assert (
        login(charlie).get(reverse("community_invitation_accept", args=["x" * 20])).status_code
        == 404
    )

    page = login(bob).get(url).content.decode()
    assert "sent to another email address" in page
    assert "sent to another email address" not in login(charlie).get(url).content.decode()
    response = login(bob).post(url, {"accept_conduct": "on"})
    assert "Sign in with that address" in response.content.decode()
    assert not Membership.objects.filter(community=private_community, user=bob).exists()

    page = login(charlie).get(url).content.decode()
    assert "Cite your sources" in page
    response = login(charlie).post(url, {"accept_conduct": "on"})
    assert response.status_code == 302
    assert Membership.objects.current().filter(community=private_community, user=charlie).exists()
    # Used: the link now says so.
    assert "already used" in login(charlie).get(url).content.decode()


# -- watching -------------------------------------------------------------------------------


def test_it_sets_the_community_watch_level(
    client, login, community, private_community, bob, charlie
):
    url = reverse("community_watch", args=[community.slug])
    assert client.post(url, {"level": "watching"}).status_code == 302
    assert not CommunityWatch.objects.exists()
    assert login(bob).get(url).status_code == 405

    response = login(bob).post(url, {"level": "watching"})
    assert response.status_code == 302
    assert CommunityWatch.objects.get(user=bob).level == "watching"
    page = login(bob).get(reverse("community_detail", args=[community.slug])).content.decode()
    assert '<option value="watching" selected>' in page

    login(bob).post(url, {"level": "loud"})
    assert CommunityWatch.objects.get(user=bob).level == "watching"
    private = reverse("community_watch", args=[private_community.slug])
    assert login(charlie).post(private, {"level": "muted"}).status_code == 404

    invited = make_community("alumni", visibility=CommunityVisibility.INVITATION)
    invited_url = reverse("community_watch", args=[invited.slug])
    assert login(charlie).post(invited_url, {"level": "muted"}).status_code == 403

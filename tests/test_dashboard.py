from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)

QUEUE = "Institutions awaiting verification"


def main(client: Client) -> str:
    r = client.get("/dashboard/")
    assert r.status_code == 200
    # The navigation links to #moderation for moderators; look at the page itself.
    return r.content.decode().split('<main id="main"', 1)[1]


@pytest.fixture
def unverified(db: None) -> Institution:
    return Institution.objects.create(
        name="Institut Pasteur de Dakar", country="SN", type=InstitutionType.RESEARCH_CENTRE
    )


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, db: None) -> None:
    r = client.get("/dashboard/")
    assert r.status_code == 302
    assert r["Location"] == "/accounts/login/?next=/dashboard/"


def test_it_invites_a_newcomer_to_create_a_profile(
    login: Callable[[User], Client], charlie: User
) -> None:
    page = main(login(charlie))
    assert "Welcome, Charlie" in page
    assert "Create an expert profile" in page
    assert "You do not represent an institution." in page


def test_it_shows_the_experts_profile_and_institutions(
    login: Callable[[User], Client], alice: User, institution: Institution, unverified: Institution
) -> None:
    Membership.objects.create(institution=unverified, user=alice, role=MemberRole.MEMBER)
    page = main(login(alice))
    assert "Your profile is listed in the directory." in page
    assert reverse("expert_detail", args=[alice.expert_profile.pk]) in page
    assert 'Université Cheikh Anta Diop</a> <span class="pill">Administrator</span></li>' in page
    assert (
        'Institut Pasteur de Dakar</a> <span class="pill">Member</span> '
        '<span class="pill warn">awaiting verification</span>'
    ) in page


def test_it_says_when_the_profile_is_unlisted(login: Callable[[User], Client], alice: User) -> None:
    profile = alice.expert_profile
    profile.is_listed = False
    profile.save()
    assert "Your profile is not listed: only you can see it." in main(login(alice))


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
def test_it_hides_the_moderation_queue_from_non_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    unverified: Institution,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    page = main(client)
    assert QUEUE not in page
    assert 'id="moderation"' not in page
    assert "Institut Pasteur de Dakar" not in page
    assert client.get("/dashboard/").context["awaiting_verification"] is None


def test_it_shows_moderators_the_institutions_to_verify(
    login: Callable[[User], Client],
    moderator: User,
    institution: Institution,
    unverified: Institution,
) -> None:
    page = main(login(moderator))
    queue = page.split('id="moderation"', 1)[1]
    assert QUEUE in queue
    assert "Institut Pasteur de Dakar" in queue
    assert reverse("institution_detail", args=[unverified.pk]) in queue
    # Verified ones are done.
    assert "Université Cheikh Anta Diop" not in queue


def test_it_shows_staff_the_queue(
    login: Callable[[User], Client], make_user: Callable[..., User], unverified: Institution
) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    assert "Institut Pasteur de Dakar" in main(login(staff))


def test_it_tells_moderators_when_there_is_nothing_to_review(
    login: Callable[[User], Client], moderator: User, institution: Institution
) -> None:
    page = main(login(moderator))
    assert QUEUE in page
    assert "Nothing to review." in page


def test_it_drops_an_institution_from_the_queue_once_verified(
    login: Callable[[User], Client], moderator: User, unverified: Institution
) -> None:
    client = login(moderator)
    client.post(reverse("institution_verify", args=[unverified.pk]), {"verified": "1"})
    unverified.refresh_from_db()
    assert unverified.verification_status == VerificationStatus.VERIFIED
    assert "Nothing to review." in main(client)

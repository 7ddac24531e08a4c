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
from diaspora.people.models import Visibility


def url(institution: Institution) -> str:
    return reverse("institution_verify", args=[institution.pk])


@pytest.fixture
def unverified(db: None) -> Institution:
    return Institution.objects.create(
        name="Institut Pasteur de Dakar", country="SN", type=InstitutionType.RESEARCH_CENTRE
    )


def test_it_lets_a_moderator_verify(
    login: Callable[[User], Client], moderator: User, unverified: Institution
) -> None:
    client = login(moderator)
    r = client.post(url(unverified), {"verified": "1"})
    assert r.status_code == 302
    assert r["Location"] == reverse("institution_detail", args=[unverified.pk])
    unverified.refresh_from_db()
    assert unverified.verification_status == VerificationStatus.VERIFIED
    assert unverified.verified_by == moderator
    assert unverified.verified_at is not None
    page = client.get(r["Location"]).content.decode()
    assert "Verified." in page
    assert "Withdraw verification" in page


def test_it_lets_a_moderator_withdraw_a_verification(
    login: Callable[[User], Client], moderator: User, institution: Institution
) -> None:
    r = login(moderator).post(url(institution), {"verified": "0"}, follow=True)
    assert "Verification withdrawn." in r.content.decode()
    institution.refresh_from_db()
    assert institution.verification_status == VerificationStatus.UNVERIFIED
    assert institution.verified_by is None
    assert institution.verified_at is None


def test_it_lets_staff_verify(
    login: Callable[[User], Client], make_user: Callable[..., User], unverified: Institution
) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    login(staff).post(url(unverified), {"verified": "1"})
    unverified.refresh_from_db()
    assert unverified.verified_by == staff


@pytest.mark.parametrize("viewer", ["charlie", "bob", "alice"])
def test_it_forbids_anyone_else_even_the_institutions_admin(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    viewer: str,
) -> None:
    institution.verification_status = VerificationStatus.UNVERIFIED
    institution.save()
    r = login(request.getfixturevalue(viewer)).post(url(institution), {"verified": "1"})
    assert r.status_code == 403
    institution.refresh_from_db()
    assert institution.verification_status == VerificationStatus.UNVERIFIED
    assert institution.verified_by is None


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, unverified: Institution) -> None:
    r = client.post(url(unverified), {"verified": "1"})
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url(unverified)}"
    unverified.refresh_from_db()
    assert unverified.verification_status == VerificationStatus.UNVERIFIED


def test_it_takes_post_only(
    login: Callable[[User], Client], moderator: User, unverified: Institution
) -> None:
    assert login(moderator).get(url(unverified)).status_code == 405
    unverified.refresh_from_db()
    assert unverified.verification_status == VerificationStatus.UNVERIFIED


def test_it_gives_404_for_a_missing_institution(
    login: Callable[[User], Client], moderator: User
) -> None:
    r = login(moderator).post(reverse("institution_verify", args=[999999]), {"verified": "1"})
    assert r.status_code == 404


def test_it_grants_members_institution_level_visibility_once_verified(
    login: Callable[[User], Client],
    moderator: User,
    make_user: Callable[..., User],
    unverified: Institution,
    alice: User,
) -> None:
    profile = alice.expert_profile
    profile.city = "Gaziantep"
    profile.city_visibility = Visibility.INSTITUTIONS
    profile.save()
    rep = make_user("rep@example.org")
    Membership.objects.create(institution=unverified, user=rep, role=MemberRole.ADMIN)
    detail = reverse("expert_detail", args=[profile.pk])
    rep_client = login(rep)
    assert "Gaziantep" not in rep_client.get(detail).content.decode()
    login(moderator).post(url(unverified), {"verified": "1"})
    assert "Gaziantep" in rep_client.get(detail).content.decode()


def test_it_changes_nothing_without_a_clear_choice(
    moderator: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    response = login(moderator).post(reverse("institution_verify", args=[institution.pk]), {})
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.is_verified

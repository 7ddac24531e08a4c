from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, VerificationStatus


def url(institution: Institution) -> str:
    return reverse("institution_detail", args=[institution.pk])


def main(content: bytes) -> str:
    # The navigation has its own links; look at the page itself.
    return content.decode().split('<main id="main"', 1)[1]


@pytest.fixture
def described(institution: Institution) -> Institution:
    institution.set_description("Founded in 1957. <script>alert(1)</script>**Open** to all.")
    institution.website = "https://www.ucad.sn"
    institution.save()
    return institution


def test_it_shows_an_institution_to_anonymous_visitors_without_its_people(
    client: Client, described: Institution, alice: User, bob: User
) -> None:
    r = client.get(url(described))
    assert r.status_code == 200
    page = main(r.content)
    assert "Université Cheikh Anta Diop" in page
    assert "University · Dakar, Senegal" in page
    assert "Verified by a moderator" in page
    assert "<strong>Open</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="https://www.ucad.sn"' in page
    assert "Representatives" not in page
    assert "Alice Ndiaye" not in page
    assert "Bob Mensah" not in page


@pytest.mark.parametrize("viewer", ["charlie", "bob"])
def test_it_shows_representatives_to_members_but_no_admin_links(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    viewer: str,
) -> None:
    r = login(request.getfixturevalue(viewer)).get(url(institution))
    assert r.status_code == 200
    page = main(r.content)
    assert "Representatives" in page
    assert "Alice Ndiaye" in page
    assert "Bob Mensah" in page
    assert "Administrator" in page
    assert reverse("institution_edit", args=[institution.pk]) not in page
    assert reverse("institution_members", args=[institution.pk]) not in page
    assert reverse("institution_verify", args=[institution.pk]) not in page
    assert r.context["is_admin"] is False


def test_it_offers_the_admin_edit_and_members_links(
    login: Callable[[User], Client], institution: Institution, alice: User
) -> None:
    r = login(alice).get(url(institution))
    page = main(r.content)
    assert r.context["is_admin"] is True
    assert reverse("institution_edit", args=[institution.pk]) in page
    assert reverse("institution_members", args=[institution.pk]) in page
    assert reverse("institution_verify", args=[institution.pk]) not in page


def test_it_offers_moderators_to_withdraw_a_verification(
    login: Callable[[User], Client], institution: Institution, moderator: User
) -> None:
    page = main(login(moderator).get(url(institution)).content)
    assert reverse("institution_verify", args=[institution.pk]) in page
    assert "Withdraw verification" in page
    assert 'name="verified" value="0"' in page


def test_it_offers_moderators_to_verify_an_unverified_institution(
    login: Callable[[User], Client], institution: Institution, moderator: User
) -> None:
    institution.verification_status = VerificationStatus.UNVERIFIED
    institution.save()
    page = main(login(moderator).get(url(institution)).content)
    assert "Not verified yet" in page
    assert "Verify this institution" in page
    assert 'name="verified" value="1"' in page


def test_it_gives_404_for_a_missing_institution(client: Client, db: None) -> None:
    assert client.get(reverse("institution_detail", args=[999999])).status_code == 404

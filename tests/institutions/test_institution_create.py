from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import (
    Institution,
    MemberRole,
    Membership,
    VerificationStatus,
)

URL = "/institutions/new/"


def data(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "Université de Bamako",
        "type": "university",
        "country": "ML",
        "city": "Bamako",
        "website": "https://www.ub.edu.ml",
        "description": "Public university. **Five faculties.**",
    }
    values.update(overrides)
    return values


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, db: None) -> None:
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={URL}"
    r = client.post(URL, data())
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")
    assert not Institution.objects.exists()


def test_it_shows_the_form(login: Callable[[User], Client], charlie: User) -> None:
    r = login(charlie).get(URL)
    assert r.status_code == 200
    assert "Add your institution" in r.content.decode()


def test_it_makes_the_creator_admin_of_an_unverified_institution(
    login: Callable[[User], Client], charlie: User
) -> None:
    client = login(charlie)
    r = client.post(URL, data(verification_status="verified"))
    institution = Institution.objects.get(name="Université de Bamako")
    assert r.status_code == 302
    assert r["Location"] == reverse("institution_detail", args=[institution.pk])
    assert institution.verification_status == VerificationStatus.UNVERIFIED
    assert institution.verified_by is None
    assert institution.verified_at is None
    assert (institution.country, institution.city, institution.type) == (
        "ML",
        "Bamako",
        "university",
    )
    assert (
        institution.description_html == "<p>Public university. <strong>Five faculties.</strong></p>"
    )
    membership = Membership.objects.get(institution=institution)
    assert (membership.user, membership.role) == (charlie, MemberRole.ADMIN)

    page = client.get(r["Location"]).content.decode()
    assert "A moderator will verify it." in page
    assert "Not verified yet" in page


def test_it_assumes_https_for_a_bare_website(
    login: Callable[[User], Client], charlie: User
) -> None:
    login(charlie).post(URL, data(website="www.ub.edu.ml"))
    assert Institution.objects.get().website == "https://www.ub.edu.ml"


def test_it_sanitises_the_description(login: Callable[[User], Client], charlie: User) -> None:
    hostile = "<script>alert(1)</script>[x](javascript:alert(1))"
    login(charlie).post(URL, data(description=hostile))
    institution = Institution.objects.get()
    assert institution.description == hostile
    assert "script" not in institution.description_html
    assert "javascript" not in institution.description_html


def test_it_explains_a_missing_name_and_keeps_the_rest(
    login: Callable[[User], Client], charlie: User
) -> None:
    r = login(charlie).post(URL, data(name=""))
    assert r.status_code == 200
    assert r.context["form"].errors["name"] == ["This field is required."]
    content = r.content.decode()
    assert 'value="Bamako"' in content
    assert "Public university." in content
    assert not Institution.objects.exists()
    assert not Membership.objects.exists()


def test_it_refuses_a_duplicate_in_the_same_country(
    login: Callable[[User], Client], charlie: User, institution: Institution
) -> None:
    r = login(charlie).post(URL, data(name=institution.name, country=str(institution.country)))
    assert r.status_code == 200
    assert "already exists" in r.content.decode()
    assert Institution.objects.count() == 1
    assert not Membership.objects.filter(user=charlie).exists()


def test_it_allows_the_same_name_in_another_country(
    login: Callable[[User], Client], charlie: User, institution: Institution
) -> None:
    r = login(charlie).post(URL, data(name=institution.name, country="CI"))
    assert r.status_code == 302
    assert Institution.objects.filter(name=institution.name).count() == 2

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, InstitutionType, VerificationStatus


def url(institution: Institution) -> str:
    return reverse("institution_edit", args=[institution.pk])


def data(**overrides: Any) -> dict[str, Any]:
    values = {
        "name": "UCAD",
        "type": "university",
        "country": "SN",
        "city": "Dakar-Fann",
        "website": "https://www.ucad.sn",
        "description": "Renamed *for short*.",
    }
    values.update(overrides)
    return values


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, institution: Institution) -> None:
    r = client.get(url(institution))
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url(institution)}"
    assert client.post(url(institution), data()).status_code == 302
    institution.refresh_from_db()
    assert institution.name == "Université Cheikh Anta Diop"


def test_it_shows_the_admin_the_current_values(
    login: Callable[[User], Client], alice: User, institution: Institution
) -> None:
    r = login(alice).get(url(institution))
    assert r.status_code == 200
    content = r.content.decode()
    assert "Edit Université Cheikh Anta Diop" in content
    assert 'value="Dakar"' in content


def test_it_saves_the_admins_changes(
    login: Callable[[User], Client], alice: User, institution: Institution
) -> None:
    client = login(alice)
    r = client.post(url(institution), data())
    assert r.status_code == 302
    assert r["Location"] == reverse("institution_detail", args=[institution.pk])
    institution.refresh_from_db()
    assert institution.name == "UCAD"
    assert institution.city == "Dakar-Fann"
    assert institution.website == "https://www.ucad.sn"
    assert institution.description_html == "<p>Renamed <em>for short</em>.</p>"
    # Editing never touches the verification.
    assert institution.verification_status == VerificationStatus.VERIFIED
    assert "Saved." in client.get(r["Location"]).content.decode()


def test_it_ignores_an_attempt_to_unverify_or_verify_through_the_form(
    login: Callable[[User], Client], alice: User, institution: Institution
) -> None:
    institution.verification_status = VerificationStatus.UNVERIFIED
    institution.save()
    login(alice).post(url(institution), data(verification_status="verified"))
    institution.refresh_from_db()
    assert institution.verification_status == VerificationStatus.UNVERIFIED


@pytest.mark.parametrize("viewer", ["bob", "charlie", "moderator"])
def test_it_forbids_anyone_but_an_admin(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    assert client.get(url(institution)).status_code == 403
    assert client.post(url(institution), data()).status_code == 403
    institution.refresh_from_db()
    assert institution.name == "Université Cheikh Anta Diop"


def test_it_forbids_the_admin_of_another_institution(
    login: Callable[[User], Client], alice: User, institution: Institution
) -> None:
    other = Institution.objects.create(
        name="Ministère de la Santé", country="ML", type=InstitutionType.MINISTRY
    )
    assert login(alice).post(url(other), data(name="Taken over")).status_code == 403
    other.refresh_from_db()
    assert other.name == "Ministère de la Santé"


def test_it_gives_404_for_a_missing_institution(
    login: Callable[[User], Client], alice: User
) -> None:
    assert login(alice).get(reverse("institution_edit", args=[999999])).status_code == 404


def test_it_refuses_the_name_of_another_institution_in_the_same_country(
    login: Callable[[User], Client], alice: User, institution: Institution
) -> None:
    Institution.objects.create(
        name="Hôpital Principal", country="SN", type=InstitutionType.HOSPITAL
    )
    r = login(alice).post(url(institution), data(name="Hôpital Principal"))
    assert r.status_code == 200
    assert "already exists" in r.content.decode()
    institution.refresh_from_db()
    assert institution.name == "Université Cheikh Anta Diop"


def test_it_explains_a_bad_website(
    login: Callable[[User], Client], alice: User, institution: Institution
) -> None:
    r = login(alice).post(url(institution), data(website="not a url"))
    assert r.status_code == 200
    assert r.context["form"].errors["website"] == ["Enter a valid URL."]
    assert 'value="Dakar-Fann"' in r.content.decode()
    institution.refresh_from_db()
    assert institution.city == "Dakar"


def test_it_keeps_the_saved_name_in_the_heading_after_an_error(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    response = login(alice).post(
        reverse("institution_edit", args=[institution.pk]),
        {"name": "Renamed", "type": "not-a-type", "country": "SN"},
    )
    assert response.status_code == 200
    assert "Edit Université Cheikh Anta Diop" in response.content.decode()
    institution.refresh_from_db()
    assert institution.name == "Université Cheikh Anta Diop"

"""Institutions over the API: the directory, one institution, creating and editing."""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["name"] for r in response.json()["results"]]


def send(client: Client, method: str, path: str, body: dict, **extra: str):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def several(institution: Institution) -> None:
    Institution.objects.create(
        name="Kwame Nkrumah University of Science and Technology",
        country="GH",
        city="Kumasi",
        type=InstitutionType.UNIVERSITY,
        verification_status=VerificationStatus.UNVERIFIED,
    )
    Institution.objects.create(
        name="Ministère de la Santé",
        country="SN",
        city="Dakar",
        type=InstitutionType.MINISTRY,
        verification_status=VerificationStatus.VERIFIED,
    )
    Institution.objects.create(
        name="Korle Bu Teaching Hospital",
        country="GH",
        city="Accra",
        type=InstitutionType.HOSPITAL,
        description="Teaching hospital with a malaria unit.",
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "",
            [
                "Korle Bu Teaching Hospital",
                "Kwame Nkrumah University of Science and Technology",
                "Ministère de la Santé",
                "Université Cheikh Anta Diop",
            ],
        ),
        ("country=SN", ["Ministère de la Santé", "Université Cheikh Anta Diop"]),
        (
            "country=GH",
            ["Korle Bu Teaching Hospital", "Kwame Nkrumah University of Science and Technology"],
        ),
        ("country=FR", []),
        (
            "type=university",
            ["Kwame Nkrumah University of Science and Technology", "Université Cheikh Anta Diop"],
        ),
        ("type=hospital", ["Korle Bu Teaching Hospital"]),
        ("verified=true", ["Ministère de la Santé", "Université Cheikh Anta Diop"]),
        ("country=GH&verified=true", []),
        ("country=SN&type=ministry&verified=true", ["Ministère de la Santé"]),
        ("q=malaria", ["Korle Bu Teaching Hospital"]),
        ("q=kumasi", ["Kwame Nkrumah University of Science and Technology"]),
    ],
)
def test_it_filters_the_institution_directory(
    several: None, query: str, expected: list[str]
) -> None:
    response = Client().get(f"/api/institutions/?{query}")
    assert names(response) == expected
    assert response.json()["meta"]["count"] == len(expected)


def test_it_pages_the_institution_directory(several: None) -> None:
    body = Client().get("/api/institutions/?page_size=3&page=2").json()
    assert body["meta"] == {"count": 4, "page": 2, "pages": 2, "page_size": 3}
    assert [r["name"] for r in body["results"]] == ["Université Cheikh Anta Diop"]


def test_it_never_lists_members_in_the_directory(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    [entry] = login(alice).get("/api/institutions/").json()["results"]
    assert entry["members"] is None


def test_it_describes_an_institution(institution: Institution) -> None:
    institution.set_description("A **public** university.")
    institution.website = "https://ucad.sn"
    institution.save()
    body = Client().get(f"/api/institutions/{institution.pk}").json()
    assert body["name"] == "Université Cheikh Anta Diop"
    assert (body["country"], body["city"], body["type"]) == ("SN", "Dakar", "university")
    assert body["verified"] is True
    assert body["website"] == "https://ucad.sn"
    assert body["description_html"] == "<p>A <strong>public</strong> university.</p>"


def test_it_hides_members_from_anonymous_callers(
    alice: User, bob: User, institution: Institution
) -> None:
    response = Client().get(f"/api/institutions/{institution.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["members"] is None
    assert "Alice" not in response.content.decode()
    assert "Bob" not in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_it_shows_members_to_signed_in_callers(
    alice: User,
    bob: User,
    charlie: User,
    institution: Institution,
    login: Callable[[User], Client],
    who: str,
) -> None:
    Membership.objects.filter(user=bob).update(title="Dean of research")
    client = login({"alice": alice, "bob": bob, "charlie": charlie}[who])
    body = client.get(f"/api/institutions/{institution.pk}").json()
    assert body["members"] == [
        {"name": "Bob Mensah", "role": "member", "title": "Dean of research"},
        {"name": "Alice Ndiaye", "role": "admin", "title": ""},
    ]
    # Members are shown by name and role only: no email addresses.
    assert "@" not in json.dumps(body["members"])


def test_it_shows_members_to_a_token_caller(
    alice: User, bob: User, charlie: User, institution: Institution
) -> None:
    _token, raw = api_token_create(user=charlie, name="cli")
    body = (
        Client()
        .get(f"/api/institutions/{institution.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
        .json()
    )
    assert {m["name"] for m in body["members"]} == {"Alice Ndiaye", "Bob Mensah"}


def test_it_creates_an_institution_and_makes_the_caller_its_admin(
    charlie: User, login: Callable[[User], Client]
) -> None:
    response = send(
        login(charlie),
        "post",
        "/api/institutions/",
        {
            "name": "Institut Pasteur de Dakar",
            "type": "research_centre",
            "country": "SN",
            "city": "Dakar",
            "website": "https://pasteur.sn",
            "description": "Vaccines.\n\n<script>alert(1)</script>",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    institution = Institution.objects.get(pk=body["id"])
    assert institution.name == body["name"] == "Institut Pasteur de Dakar"
    assert (institution.type, str(institution.country), institution.city) == (
        "research_centre",
        "SN",
        "Dakar",
    )
    assert body["verified"] is False
    assert institution.verification_status == VerificationStatus.UNVERIFIED
    assert "<script" not in institution.description_html
    assert body["description_html"] == institution.description_html
    assert institution.description_html.strip() == "<p>Vaccines.</p>"
    membership = Membership.objects.get(institution=institution)
    assert (membership.user, membership.role) == (charlie, MemberRole.ADMIN)


def test_it_ignores_a_verification_claim_on_create(
    charlie: User, login: Callable[[User], Client]
) -> None:
    response = send(
        login(charlie),
        "post",
        "/api/institutions/",
        {
            "name": "Self-verified",
            "type": "ngo",
            "country": "SN",
            "verified": True,
            "verification_status": "verified",
        },
    )
    assert response.status_code == 201
    assert response.json()["verified"] is False
    assert not Institution.objects.get(name="Self-verified").is_verified


def test_it_lets_a_token_create_an_institution(charlie: User) -> None:
    _token, raw = api_token_create(user=charlie, name="cli")
    response = send(
        Client(enforce_csrf_checks=True),
        "post",
        "/api/institutions/",
        {"name": "Lagos Lab", "type": "research_centre", "country": "NG"},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201
    assert Membership.objects.get(institution_id=response.json()["id"]).user == charlie


def test_it_lets_an_admin_patch_their_institution(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    response = send(
        login(alice),
        "patch",
        f"/api/institutions/{institution.pk}",
        {"city": "Thiès", "website": "https://ucad.sn", "description": "Founded in *1957*."},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    institution.refresh_from_db()
    assert (institution.city, institution.website) == ("Thiès", "https://ucad.sn")
    assert institution.description_html == "<p>Founded in <em>1957</em>.</p>"
    assert body["city"] == "Thiès"
    assert body["description_html"] == institution.description_html
    # What was not sent stays as it was.
    assert institution.name == body["name"] == "Université Cheikh Anta Diop"
    assert institution.type == "university"
    assert institution.is_verified


def test_it_keeps_verification_out_of_an_admins_reach(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    Institution.objects.filter(pk=institution.pk).update(
        verification_status=VerificationStatus.UNVERIFIED
    )
    response = send(
        login(alice),
        "patch",
        f"/api/institutions/{institution.pk}",
        {"verification_status": "verified", "verified": True},
    )
    assert response.status_code == 200
    institution.refresh_from_db()
    assert not institution.is_verified


def test_it_lets_an_admin_clear_an_optional_field(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    response = send(login(alice), "patch", f"/api/institutions/{institution.pk}", {"city": None})
    assert response.status_code == 200
    institution.refresh_from_db()
    assert institution.city == ""

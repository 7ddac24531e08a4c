"""Every API error has one shape: `{"error": {"code", "message", "fields"?}}`."""

import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.people.models import ExpertLanguage, ExpertProfile
from diaspora.reference.models import Discipline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Every test makes a few users; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def patch(client: Client, path: str, body: object):
    return client.patch(path, json.dumps(body), content_type="application/json")


def profile_state(user: User) -> dict:
    profile = ExpertProfile.objects.get(user=user)
    return {
        "headline": profile.headline,
        "timezone": profile.timezone,
        "hours_per_month": profile.hours_per_month,
        "bio": profile.bio,
        "disciplines": sorted(profile.disciplines.values_list("code", flat=True)),
        "languages": sorted(profile.languages.values_list("code", "level")),
        "keywords": sorted(profile.keywords.values_list("name", flat=True)),
    }


@pytest.fixture
def alice_client(alice: User, login: Callable[[User], Client]) -> Client:
    profile = alice.expert_profile
    profile.disciplines.set([Discipline.objects.get(code="3.3")])
    ExpertLanguage.objects.create(profile=profile, code="fr", level="native")
    return login(alice)


# --- 404 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["anonymous", "charlie"])
def test_it_answers_404_for_an_unknown_expert(
    alice: User, charlie: User, login: Callable[[User], Client], viewer: str
) -> None:
    client = Client() if viewer == "anonymous" else login(charlie)
    error_of(client.get("/api/experts/987654"), 404, "not_found")


@pytest.mark.parametrize("viewer", ["anonymous", "charlie"])
def test_it_answers_an_unlisted_expert_exactly_like_a_missing_one(
    alice: User, charlie: User, login: Callable[[User], Client], viewer: str
) -> None:
    ExpertProfile.objects.filter(user=alice).update(is_listed=False)
    client = Client() if viewer == "anonymous" else login(charlie)
    unlisted = client.get(f"/api/experts/{alice.expert_profile.pk}")
    missing = client.get("/api/experts/987654")
    error_of(unlisted, 404, "not_found")
    assert unlisted.content == missing.content


def test_it_answers_an_expert_of_a_deactivated_account_like_a_missing_one(
    alice: User, charlie: User, login: Callable[[User], Client]
) -> None:
    User.objects.filter(pk=alice.pk).update(is_active=False)
    error_of(login(charlie).get(f"/api/experts/{alice.expert_profile.pk}"), 404, "not_found")


def test_it_answers_404_for_an_unknown_institution(alice: User) -> None:
    error_of(Client().get("/api/institutions/987654"), 404, "not_found")


def test_it_answers_404_when_an_admin_patches_an_unknown_institution(
    alice: User, login: Callable[[User], Client]
) -> None:
    error_of(patch(login(alice), "/api/institutions/987654", {"name": "X"}), 404, "not_found")


# --- 403 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_it_forbids_a_non_admin_to_patch_an_institution(
    alice: User,
    bob: User,
    charlie: User,
    institution: Institution,
    login: Callable[[User], Client],
    who: str,
) -> None:
    user = {"bob": bob, "charlie": charlie}[who]
    response = patch(
        login(user),
        f"/api/institutions/{institution.pk}",
        {"name": "Taken over", "description": "<b>pwned</b>"},
    )
    error_of(response, 403, "forbidden")
    institution.refresh_from_db()
    assert institution.name == "Université Cheikh Anta Diop"
    assert institution.description == ""


def test_it_forbids_a_demoted_admin_to_patch_an_institution(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    Membership.objects.filter(user=alice).update(role=MemberRole.MEMBER)
    error_of(
        patch(login(alice), f"/api/institutions/{institution.pk}", {"city": "Thiès"}),
        403,
        "forbidden",
    )


# --- 422: the request does not match the schema -------------------------------------------


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        (path, query, field)
        for path in ("/api/experts/", "/api/institutions/")
        for query, field in (
            ("page_size=1000", "page_size"),
            ("page_size=0", "page_size"),
            ("page=0", "page"),
            ("page=first", "page"),
        )
    ]
    + [
        ("/api/experts/", "has_capacity=maybe", "has_capacity"),
        ("/api/institutions/", "verified=maybe", "verified"),
    ],
)
def test_it_answers_422_with_fields_for_bad_query_params(
    db: None, path: str, query: str, field: str
) -> None:
    error = error_of(Client().get(f"{path}?{query}"), 422, "invalid")
    assert list(error["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in error["fields"][field])


def test_it_names_the_maximum_page_size(db: None) -> None:
    error = error_of(Client().get("/api/experts/?page_size=1000"), 422, "invalid")
    assert "100" in error["fields"]["page_size"][0]


def test_it_answers_422_for_a_body_of_the_wrong_type(alice_client: Client, alice: User) -> None:
    before = profile_state(alice)
    error = error_of(
        patch(alice_client, "/api/experts/me", {"hours_per_month": "lots"}), 422, "invalid"
    )
    assert any(key.endswith("hours_per_month") for key in error["fields"])
    error = error_of(
        patch(alice_client, "/api/experts/me", {"languages": [{"code": "fr"}]}), 422, "invalid"
    )
    assert any("level" in key for key in error["fields"])
    assert profile_state(alice) == before


def test_it_answers_an_unparseable_body_in_the_error_format(alice_client: Client) -> None:
    response = alice_client.patch("/api/experts/me", "{not json", content_type="application/json")
    error_of(response, 400, "error")


# --- 400: the model refuses the values ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"disciplines": ["3.3", "9.9"]}, "disciplines", "9.9"),
        ({"disciplines": ["3"]}, "disciplines", "3"),  # a major field is not a field
        ({"engagement_types": ["skydiving"]}, "engagement_types", "skydiving"),
        ({"modes": ["telepathy"]}, "modes", "telepathy"),
        ({"languages": [{"code": "zz", "level": "native"}]}, None, "zz"),
        ({"languages": [{"code": "fr", "level": "superb"}]}, None, "superb"),
        (
            {"languages": [{"code": "fr", "level": "native"}, {"code": "fr", "level": "basic"}]},
            None,
            "once",
        ),
        ({"origin_country": "XX"}, "origin_country", "XX"),
        ({"city_visibility": "everyone"}, "city_visibility", "everyone"),
        (
            {
                "qualifications": [
                    {
                        "degree": "master",
                        "field": "x",
                        "institution": "y",
                        "country": "SN",
                        "year": 3000,
                    }
                ]
            },
            None,
            "future",
        ),
        (
            {
                "qualifications": [
                    {
                        "id": 987654,
                        "degree": "master",
                        "field": "x",
                        "institution": "y",
                        "country": "SN",
                        "year": 2000,
                    }
                ]
            },
            None,
            "qualification",
        ),
    ],
)
def test_it_answers_400_for_values_the_model_refuses_and_changes_nothing(
    alice_client: Client, alice: User, body: dict, field: str | None, words: str
) -> None:
    before = profile_state(alice)
    # Valid changes sent together with the invalid one must not be half-applied.
    response = patch(
        alice_client, "/api/experts/me", {"headline": "Half applied", "hours_per_month": 99, **body}
    )
    error = error_of(response, 400, "invalid")
    assert words in error["message"]
    assert error["fields"]
    if field:
        assert words in " ".join(error["fields"][field])
    assert profile_state(alice) == before


def test_it_keeps_languages_when_a_later_list_is_refused(alice_client: Client, alice: User) -> None:
    before = profile_state(alice)
    response = patch(
        alice_client,
        "/api/experts/me",
        {
            "keywords": ["malaria"],
            "languages": [{"code": "en", "level": "fluent"}],
            "qualifications": [
                {"degree": "phd?", "field": "x", "institution": "y", "country": "SN", "year": 2000}
            ],
        },
    )
    error_of(response, 400, "invalid")
    assert profile_state(alice) == before


def test_it_states_the_limit_when_a_bio_is_too_long(alice_client: Client, alice: User) -> None:
    before = profile_state(alice)
    limit = settings.MARKDOWN_MAX_LENGTH
    error = error_of(
        patch(alice_client, "/api/experts/me", {"bio": "x" * (limit + 1)}), 400, "invalid"
    )
    assert f"{limit:,}" in error["message"]
    assert profile_state(alice) == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "type": "university", "country": "SN"}, {"name"}),
        ({"name": "U", "type": "castle", "country": "SN"}, {"type"}),
        ({"name": "U", "type": "ngo", "country": "XX"}, {"country"}),
        ({"name": "U", "type": "ngo", "country": "SN", "website": "not a url"}, {"website"}),
        ({"name": "Université Cheikh Anta Diop", "type": "ngo", "country": "SN"}, {"__all__"}),
    ],
)
def test_it_answers_400_for_an_institution_the_model_refuses(
    alice: User,
    charlie: User,
    institution: Institution,
    login: Callable[[User], Client],
    body: dict,
    fields: set[str],
) -> None:
    count = Institution.objects.count()
    error = error_of(
        login(charlie).post(
            "/api/institutions/", json.dumps(body), content_type="application/json"
        ),
        400,
        "invalid",
    )
    assert set(error["fields"]) == fields
    assert Institution.objects.count() == count
    assert not Membership.objects.filter(user=charlie).exists()


def test_it_refuses_to_blank_an_institutions_name(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    error = error_of(
        patch(login(alice), f"/api/institutions/{institution.pk}", {"name": None, "city": "Thiès"}),
        400,
        "invalid",
    )
    assert set(error["fields"]) == {"name"}
    institution.refresh_from_db()
    assert (institution.name, institution.city) == ("Université Cheikh Anta Diop", "Dakar")


def test_it_answers_an_unknown_api_path_in_the_error_format(client: Client) -> None:
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_it_refuses_an_authorization_header_of_another_scheme(client: Client) -> None:
    response = client.get("/api/experts/", HTTP_AUTHORIZATION="Token abc")
    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]


def test_it_does_not_create_a_profile_on_read(
    charlie: User, login: Callable[[User], Client]
) -> None:
    response = login(charlie).get("/api/experts/me")
    assert response.status_code == 404
    assert not ExpertProfile.objects.filter(user=charlie).exists()

"""Who the API thinks the caller is: anonymous, session (with CSRF for writes) or token."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from diaspora.accounts.models import APIToken, User
from diaspora.accounts.services import api_token_create, api_token_revoke
from diaspora.people.models import ExpertProfile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Every test makes a few users; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PUBLIC_GETS = [
    "/api/experts/",
    "/api/institutions/",
    "/api/reference/disciplines",
    "/api/reference/languages",
]


def bearer(raw: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def patch(client: Client, path: str, body: dict, **extra: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json", **extra)


def assert_unauthenticated(response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "unauthenticated"
    assert body["error"]["message"]


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_it_lets_anonymous_callers_read_public_data(alice: User, institution, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    body = response.json()
    # Paged lists carry their rows in `results`; reference lists are plain lists.
    assert body["results"] if isinstance(body, dict) else body


def test_it_refuses_me_without_auth(db: None) -> None:
    assert_unauthenticated(Client().get("/api/me"))


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_it_refuses_a_profile_patch_without_auth(alice: User, enforce_csrf: bool) -> None:
    # A real client without a session has no CSRF cookie either: it must still get 401.
    client = Client(enforce_csrf_checks=enforce_csrf)
    assert_unauthenticated(patch(client, "/api/experts/me", {"headline": "Hijacked"}))
    assert_unauthenticated(client.get("/api/experts/me"))
    assert ExpertProfile.objects.get(user=alice).headline == "Epidemiologist"


def test_it_refuses_institution_writes_without_auth(alice: User, institution) -> None:
    client = Client(enforce_csrf_checks=True)
    assert_unauthenticated(
        client.post(
            "/api/institutions/",
            json.dumps({"name": "X", "type": "ngo", "country": "SN"}),
            content_type="application/json",
        )
    )
    assert_unauthenticated(patch(client, f"/api/institutions/{institution.pk}", {"name": "X"}))
    institution.refresh_from_db()
    assert institution.name == "Université Cheikh Anta Diop"


def test_it_accepts_a_bearer_token(alice: User) -> None:
    _token, raw = api_token_create(user=alice, name="script")
    response = Client().get("/api/me", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"


def test_it_records_when_a_token_was_last_used(alice: User) -> None:
    token, raw = api_token_create(user=alice, name="script")
    assert token.last_used_at is None
    Client().get("/api/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_lets_a_token_write_without_csrf(alice: User) -> None:
    _token, raw = api_token_create(user=alice, name="script")
    client = Client(enforce_csrf_checks=True)
    response = patch(client, "/api/experts/me", {"headline": "Via token"}, **bearer(raw))
    assert response.status_code == 200
    assert ExpertProfile.objects.get(user=alice).headline == "Via token"


@pytest.mark.parametrize("path", ["/api/me", *PUBLIC_GETS])
def test_it_refuses_a_wrong_token_even_on_public_routes(alice: User, path: str) -> None:
    api_token_create(user=alice, name="script")
    assert_unauthenticated(Client().get(path, **bearer("dkn_not-a-real-token")))


@pytest.mark.parametrize("path", ["/api/me", *PUBLIC_GETS])
def test_it_refuses_a_revoked_token_even_on_public_routes(alice: User, path: str) -> None:
    token, raw = api_token_create(user=alice, name="script")
    api_token_revoke(token=token)
    response = Client().get(path, **bearer(raw))
    assert_unauthenticated(response)
    assert "revoked" in response.json()["error"]["message"]


def test_it_refuses_the_token_of_a_deactivated_user(alice: User) -> None:
    _token, raw = api_token_create(user=alice, name="script")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert_unauthenticated(Client().get("/api/me", **bearer(raw)))


def test_it_does_not_let_a_wrong_token_fall_back_to_the_session(
    alice: User, login: Callable[[User], Client]
) -> None:
    client = login(alice)
    assert_unauthenticated(client.get("/api/me", **bearer("dkn_wrong")))


def test_it_stores_only_the_hash_of_a_token(alice: User) -> None:
    token, raw = api_token_create(user=alice, name="script")
    assert raw.startswith(APIToken.PREFIX)
    stored = APIToken.objects.get(pk=token.pk)
    assert raw not in {stored.key_hash, stored.hint, stored.name}
    assert stored.hint == raw[:8]


def test_it_accepts_a_session_for_reads(alice: User, login: Callable[[User], Client]) -> None:
    response = login(alice).get("/api/me")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"


def test_it_accepts_a_session_read_without_csrf(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/experts/me").status_code == 200


def csrf_client(user: User) -> tuple[Client, str]:
    """A browser-like client: signed in, CSRF enforced, holding the csrftoken cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/docs")  # the docs page renders the token, which sets the cookie
    token = client.cookies["csrftoken"].value
    assert token
    return client, token


def test_it_refuses_a_session_patch_without_the_csrf_token(alice: User) -> None:
    client, _token = csrf_client(alice)
    response = patch(client, "/api/experts/me", {"headline": "Forged"})
    assert response.status_code == 403
    assert set(response.json()) == {"error"}
    assert ExpertProfile.objects.get(user=alice).headline == "Epidemiologist"


def test_it_refuses_a_session_patch_with_a_wrong_csrf_token(alice: User) -> None:
    client, _token = csrf_client(alice)
    response = patch(client, "/api/experts/me", {"headline": "Forged"}, HTTP_X_CSRFTOKEN="x" * 32)
    assert response.status_code == 403
    assert ExpertProfile.objects.get(user=alice).headline == "Epidemiologist"


def test_it_accepts_a_session_patch_with_the_csrf_token(alice: User) -> None:
    client, token = csrf_client(alice)
    response = patch(client, "/api/experts/me", {"headline": "Legit"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert ExpertProfile.objects.get(user=alice).headline == "Legit"


def test_it_refuses_a_session_post_without_the_csrf_token(charlie: User) -> None:
    client, token = csrf_client(charlie)
    body = json.dumps({"name": "Lagos Lab", "type": "research_centre", "country": "NG"})
    refused = client.post("/api/institutions/", body, content_type="application/json")
    assert refused.status_code == 403
    accepted = client.post(
        "/api/institutions/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
    assert accepted.json()["name"] == "Lagos Lab"

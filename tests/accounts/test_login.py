"""Email and password login through allauth, its rate limits, and logout."""

import uuid
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client

from diaspora.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
WRONG = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    """allauth counts attempts in the cache: give every test its own, on any backend."""
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}
    # Django's default hasher costs a quarter second per attempt; these tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _login(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(LOGIN_URL, {"login": email, "password": password}, **extra)


def _page(response: Any) -> str:
    return response.content.decode()


def test_it_logs_in_with_email_and_password(client: Client, charlie: User) -> None:
    response = _login(client, "charlie@example.org", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.session["_auth_user_id"] == str(charlie.pk)
    assert client.get("/dashboard/").status_code == 200


def test_it_accepts_the_email_in_any_case(client: Client, charlie: User) -> None:
    response = _login(client, "Charlie@EXAMPLE.org", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(charlie.pk)


def test_it_returns_to_the_page_that_asked_for_login(client: Client, charlie: User) -> None:
    response = client.get("/account/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/settings/"

    response = client.post(
        response["Location"], {"login": "charlie@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/account/settings/"


def test_it_refuses_a_wrong_password(client: Client, charlie: User) -> None:
    response = _login(client, "charlie@example.org", "not-the-password")

    assert response.status_code == 200
    assert WRONG in _page(response)
    assert "_auth_user_id" not in client.session
    assert client.get("/dashboard/").status_code == 302


def test_it_gives_the_same_answer_for_an_unknown_email(client: Client, charlie: User) -> None:
    response = _login(client, "nobody@example.org", PASSWORD)

    assert response.status_code == 200
    assert WRONG in _page(response)


def test_it_refuses_an_inactive_user(client: Client, charlie: User) -> None:
    charlie.is_active = False
    charlie.save(update_fields=["is_active"])

    response = _login(client, "charlie@example.org", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    assert client.get("/dashboard/").status_code == 302


def test_it_locks_an_account_after_too_many_failed_logins(
    client: Client, charlie: User, bob: User
) -> None:
    rate = django_settings.ACCOUNT_RATE_LIMITS["login_failed"]
    assert "5/5m/key" in rate

    for _ in range(5):
        response = _login(client, "charlie@example.org", "guess")
        assert WRONG in _page(response)

    response = _login(client, "charlie@example.org", "guess")
    assert TOO_MANY in _page(response)
    # Even the right password is refused while the account is locked...
    response = _login(client, "Charlie@example.org", PASSWORD)
    assert response.status_code == 200
    assert TOO_MANY in _page(response)
    assert "_auth_user_id" not in client.session
    # ...but only that account is: bob still gets in from the same address.
    response = _login(Client(), "bob@example.org", PASSWORD)
    assert response.status_code == 302


def test_it_limits_failed_logins_from_one_address(client: Client, charlie: User) -> None:
    for number in range(10):
        response = _login(client, f"guess{number}@example.org", "guess")
        assert WRONG in _page(response)

    response = _login(client, "charlie@example.org", PASSWORD)

    assert TOO_MANY in _page(response)
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert _login(other, "charlie@example.org", PASSWORD).status_code == 302


def test_it_does_not_count_successful_logins_as_failures(client: Client, charlie: User) -> None:
    for _ in range(6):
        assert _login(Client(), "charlie@example.org", PASSWORD).status_code == 302

    response = _login(client, "charlie@example.org", "guess")

    assert WRONG in _page(response)


def test_it_answers_429_to_a_flood_of_login_posts(client: Client) -> None:
    for _ in range(30):
        assert client.post(LOGIN_URL, {}).status_code == 200

    response = client.post(LOGIN_URL, {})

    assert response.status_code == 429
    # Reading the page is never limited.
    assert client.get(LOGIN_URL).status_code == 200


def test_it_logs_out_on_post_only(client: Client, charlie: User) -> None:
    _login(client, "charlie@example.org", PASSWORD)

    response = client.get("/accounts/logout/")
    assert response.status_code == 200  # a confirmation page, not a logout
    assert client.get("/dashboard/").status_code == 200

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_closes_the_users_sockets_when_they_log_out(
    login: Any, charlie: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(charlie)

    with (
        mock.patch("realtime.broadcast.user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post("/accounts/logout/")

    disconnect.assert_called_once_with(charlie.pk)

"""Forgotten password: ask by email, follow the link, set a new password, log in with it."""

import re
import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from diaspora.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

RESET_URL = "/accounts/password/reset/"
RESET_LINK = re.compile(r"https?://testserver(/accounts/password/reset/key/\S+/)")
NEW_PASSWORD = "amber-savanna-compass-73"


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    """allauth counts reset requests in the cache: give every test its own."""
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}
    # Django's default hasher costs a quarter second per attempt; these tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _request_reset(client: Client, email: str) -> str:
    response = client.post(RESET_URL, {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    link = RESET_LINK.search(str(mail.outbox[0].body))
    assert link is not None, mail.outbox[0].body
    return link.group(1)


def _set_password(client: Client, link: str, password: str) -> Any:
    # The link stores the key in the session and redirects to a URL without it.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("-set-password/")
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"password1": password, "password2": password})


def _login(email: str, password: str) -> Any:
    return Client().post("/accounts/login/", {"login": email, "password": password})


def test_it_resets_a_password_through_the_emailed_link(client: Client, charlie: User) -> None:
    link = _request_reset(client, "charlie@example.org")
    assert mail.outbox[0].to == ["charlie@example.org"]

    response = _set_password(client, link, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    charlie.refresh_from_db()
    assert charlie.check_password(NEW_PASSWORD)
    assert _login("charlie@example.org", NEW_PASSWORD)["Location"] == "/dashboard/"
    assert _login("charlie@example.org", PASSWORD).status_code == 200  # the old one is gone


def test_it_accepts_the_email_in_any_case(client: Client, charlie: User) -> None:
    _request_reset(client, "CHARLIE@example.org")

    assert mail.outbox[0].to == ["charlie@example.org"]


def test_it_refuses_a_link_used_twice(client: Client, charlie: User) -> None:
    link = _request_reset(client, "charlie@example.org")
    _set_password(client, link, NEW_PASSWORD)

    response = Client().get(link, follow=True)

    assert "The password reset link was invalid" in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(NEW_PASSWORD)


def test_it_refuses_a_forged_link(client: Client, charlie: User) -> None:
    response = client.get(f"/accounts/password/reset/key/{charlie.pk}-forged-key/", follow=True)

    assert "The password reset link was invalid" in response.content.decode()


def test_it_rejects_a_weak_new_password(client: Client, charlie: User) -> None:
    link = _request_reset(client, "charlie@example.org")

    response = _set_password(client, link, "12345678")

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.check_password(PASSWORD)


def test_it_does_not_reveal_whether_an_email_is_registered(client: Client, charlie: User) -> None:
    response = client.post(RESET_URL, {"email": "stranger@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    # The stranger hears that there is no account; no link is sent.
    assert [message.to for message in mail.outbox] == [["stranger@example.org"]]
    assert not RESET_LINK.search(str(mail.outbox[0].body))


def test_it_unlocks_an_account_locked_by_failed_logins(client: Client, charlie: User) -> None:
    for _ in range(6):
        _login("charlie@example.org", "guess")
    assert (
        "Too many failed login attempts" in _login("charlie@example.org", PASSWORD).content.decode()
    )

    link = _request_reset(client, "charlie@example.org")
    _set_password(client, link, NEW_PASSWORD)

    assert _login("charlie@example.org", NEW_PASSWORD).status_code == 302

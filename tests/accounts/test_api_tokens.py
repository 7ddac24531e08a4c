"""`/account/tokens/`: the page where a member creates and revokes API tokens.

What a token lets you do in the API is tested with the API.
"""

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from diaspora.accounts.models import APIToken, User, hash_token
from diaspora.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The fixtures create several users; Django's default hasher costs a quarter second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


URL = "/account/tokens/"
RAW_TOKEN = re.compile(r'<code class="token">(dkn_[A-Za-z0-9_-]+)</code>')


def _revoke_url(token: APIToken) -> str:
    return f"/account/tokens/{token.pk}/revoke/"


def test_it_sends_an_anonymous_visitor_to_login(client: Client, alice: User) -> None:
    token, _raw = api_token_create(user=alice, name="Import script")

    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"

    assert client.post(URL, {"name": "Sneaky"}).status_code == 302
    response = client.post(_revoke_url(token))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert APIToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_shows_the_new_token_once_and_stores_only_its_hash(login: Any, alice: User) -> None:
    client = login(alice)

    response = client.post(URL, {"name": "Programme office import"})

    assert response.status_code == 200
    match = RAW_TOKEN.search(response.content.decode())
    assert match is not None
    raw = match.group(1)
    assert len(raw) > 40
    token = APIToken.objects.get()
    assert token.user == alice
    assert token.name == "Programme office import"
    assert token.key_hash != raw
    assert token.key_hash == hash_token(raw)
    assert token.hint == raw[:8]
    assert not APIToken.objects.filter(key_hash=raw).exists()
    # The form is blank again, ready for another token.
    assert response.context["form"]["name"].value() is None

    again = client.get(URL).content.decode()
    assert raw not in again
    assert "Programme office import" in again
    assert f"{raw[:8]}…" in again


def test_it_creates_a_different_token_each_time(login: Any, alice: User) -> None:
    client = login(alice)

    first = RAW_TOKEN.search(client.post(URL, {"name": "One"}).content.decode())
    second = RAW_TOKEN.search(client.post(URL, {"name": "Two"}).content.decode())

    assert first is not None and second is not None
    assert first.group(1) != second.group(1)
    assert APIToken.objects.filter(user=alice).count() == 2


def test_it_requires_a_name(login: Any, alice: User) -> None:
    response = login(alice).post(URL, {"name": ""})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not RAW_TOKEN.search(response.content.decode())
    assert not APIToken.objects.exists()


def test_it_lists_only_the_members_own_live_tokens(login: Any, alice: User, charlie: User) -> None:
    api_token_create(user=alice, name="Alice script")
    revoked, _raw = api_token_create(user=charlie, name="Old laptop")
    APIToken.objects.filter(pk=revoked.pk).update(revoked_at=revoked.created_at)
    api_token_create(user=charlie, name="Charlie script")

    content = login(charlie).get(URL).content.decode()

    assert "Charlie script" in content
    assert "Old laptop" not in content
    assert "Alice script" not in content


def test_it_revokes_the_members_own_token(login: Any, alice: User) -> None:
    token, _raw = api_token_create(user=alice, name="Import script")
    client = login(alice)

    response = client.post(_revoke_url(token))

    assert response.status_code == 302
    assert response["Location"] == URL
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not APIToken.objects.active().exists()
    page = client.get(URL).content.decode()
    assert "Token revoked." in page
    assert "Import script" not in page


def test_it_answers_404_to_revoking_someone_elses_token(
    login: Any, alice: User, charlie: User
) -> None:
    token, _raw = api_token_create(user=alice, name="Import script")

    response = login(charlie).post(_revoke_url(token))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_answers_404_to_revoking_twice_or_a_missing_token(login: Any, alice: User) -> None:
    token, _raw = api_token_create(user=alice, name="Import script")
    client = login(alice)
    client.post(_revoke_url(token))
    token.refresh_from_db()
    revoked_at = token.revoked_at

    assert client.post(_revoke_url(token)).status_code == 404
    assert client.post("/account/tokens/999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_it_revokes_only_on_post(login: Any, alice: User) -> None:
    token, _raw = api_token_create(user=alice, name="Import script")

    assert login(alice).get(_revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def _token_created_at_noon_utc(user: User) -> APIToken:
    token, _raw = api_token_create(user=user, name="Import script")
    noon = datetime.datetime(2024, 1, 15, 12, 0, tzinfo=datetime.UTC)
    APIToken.objects.filter(pk=token.pk).update(created_at=noon)
    return token


def test_it_shows_times_in_the_members_time_zone(login: Any, charlie: User) -> None:
    charlie.timezone = "Asia/Kathmandu"  # UTC+05:45
    charlie.save(update_fields=["timezone"])
    _token_created_at_noon_utc(charlie)

    content = login(charlie).get(URL).content.decode()

    assert "Jan. 15, 2024, 5:45 p.m." in content
    assert "Jan. 15, 2024, noon" not in content


def test_it_shows_times_in_utc_for_a_utc_member(login: Any, charlie: User) -> None:
    _token_created_at_noon_utc(charlie)

    content = login(charlie).get(URL).content.decode()

    assert "Jan. 15, 2024, noon" in content


def test_it_does_not_carry_one_members_time_zone_into_the_next_request(
    login: Any, charlie: User, alice: User
) -> None:
    charlie.timezone = "Asia/Kathmandu"
    charlie.save(update_fields=["timezone"])
    _token_created_at_noon_utc(alice)
    login(charlie).get(URL)

    content = login(alice).get(URL).content.decode()

    assert "Jan. 15, 2024, noon" in content


def test_it_falls_back_to_utc_for_an_unknown_stored_time_zone(login: Any, charlie: User) -> None:
    # The field validates on save; a zone can still vanish from the tz database later.
    User.objects.filter(pk=charlie.pk).update(timezone="Atlantis/Capital")
    _token_created_at_noon_utc(charlie)

    response = login(charlie).get(URL)

    assert response.status_code == 200
    assert "Jan. 15, 2024, noon" in response.content.decode()

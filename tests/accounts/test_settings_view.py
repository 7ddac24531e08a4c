"""`/account/settings/`: a member changes their name and time zone."""

from typing import Any

import pytest
from django.test import Client

from diaspora.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The fixtures create several users; Django's default hasher costs a quarter second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


URL = "/account/settings/"


def test_it_sends_an_anonymous_visitor_to_login(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"
    assert client.post(URL, {"name": "X", "timezone": "UTC"}).status_code == 302


def test_it_shows_the_current_values(login: Any, charlie: User) -> None:
    charlie.timezone = "Africa/Lagos"
    charlie.save(update_fields=["timezone"])

    response = login(charlie).get(URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "Charlie Outsider"
    assert form["timezone"].value() == "Africa/Lagos"
    content = response.content.decode()
    assert 'value="Charlie Outsider"' in content
    assert '<option value="Africa/Lagos" selected>' in content


def test_it_saves_name_and_time_zone(login: Any, charlie: User) -> None:
    client = login(charlie)

    response = client.post(URL, {"name": "  Charlie Owusu  ", "timezone": "Asia/Kathmandu"})

    assert response.status_code == 302
    assert response["Location"] == URL
    charlie.refresh_from_db()
    assert charlie.name == "Charlie Owusu"
    assert charlie.timezone == "Asia/Kathmandu"
    assert "Your account is saved." in client.get(URL).content.decode()


def test_it_changes_only_the_signed_in_member(login: Any, charlie: User, alice: User) -> None:
    login(charlie).post(URL, {"name": "Charlie Owusu", "timezone": "Asia/Kathmandu"})

    alice.refresh_from_db()
    assert alice.name == "Alice Ndiaye"
    assert alice.timezone == "UTC"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Charlie Owusu", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"name": "Charlie Owusu", "timezone": ""}, "timezone"),
        ({"name": "", "timezone": "Asia/Kathmandu"}, "name"),
        ({"name": "x" * 151, "timezone": "Asia/Kathmandu"}, "name"),
    ],
)
def test_it_rejects_invalid_values(
    login: Any, charlie: User, data: dict[str, str], field: str
) -> None:
    response = login(charlie).post(URL, data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert 'class="error" role="alert"' in response.content.decode()
    charlie.refresh_from_db()
    assert charlie.name == "Charlie Outsider"
    assert charlie.timezone == "UTC"


def test_it_does_not_accept_other_methods(login: Any, charlie: User) -> None:
    assert login(charlie).put(URL).status_code == 405

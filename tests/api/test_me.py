"""GET /api/me: who the API thinks you are."""

from collections.abc import Callable

import pytest
from django.test import Client

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import Institution, InstitutionType, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Every test makes a few users; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_it_describes_an_expert_who_admins_an_institution(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    body = login(alice).get("/api/me").json()
    assert body == {
        "id": alice.pk,
        "email": "alice@example.org",
        "name": "Alice Ndiaye",
        "role": "expert",
        "timezone": "UTC",
        "is_moderator": False,
        "expert_profile_id": alice.expert_profile.pk,
        "institution_ids": [institution.pk],
    }


def test_it_describes_a_learner_without_profile_or_institution(
    charlie: User, login: Callable[[User], Client]
) -> None:
    body = login(charlie).get("/api/me").json()
    assert body["role"] == "learner"
    assert body["expert_profile_id"] is None
    assert body["institution_ids"] == []


def test_it_lists_every_institution_of_the_caller(
    bob: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    other = Institution.objects.create(name="Other", country="GH", type=InstitutionType.NGO)
    Membership.objects.create(institution=other, user=bob)
    body = login(bob).get("/api/me").json()
    assert sorted(body["institution_ids"]) == sorted([institution.pk, other.pk])
    assert body["role"] == "institution"


def test_it_flags_a_moderator(moderator: User, login: Callable[[User], Client]) -> None:
    assert login(moderator).get("/api/me").json()["is_moderator"] is True


def test_it_answers_for_the_tokens_owner_not_the_session(
    alice: User, charlie: User, login: Callable[[User], Client]
) -> None:
    _token, raw = api_token_create(user=charlie, name="cli")
    body = login(alice).get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["email"] == "charlie@example.org"


def test_it_reads_the_users_time_zone(make_user: Callable[..., User], login) -> None:
    user = make_user("tz@example.org", name="Tz", timezone="Africa/Dakar")
    assert login(user).get("/api/me").json()["timezone"] == "Africa/Dakar"


def test_it_does_not_leak_the_password_hash(alice: User, login: Callable[[User], Client]) -> None:
    response = login(alice).get("/api/me")
    text = response.content.decode()
    assert "password" not in text
    assert alice.password not in text

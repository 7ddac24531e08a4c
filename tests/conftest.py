"""Shared fixtures: alice (owner), bob (collaborator), charlie (outsider).

alice is an expert with a profile and the admin of `institution`; bob is a plain member of
the same institution; charlie is a signed-in member with no tie to either.

Tests that need PostgreSQL, Redis or a browser ask for `postgres`, `redis_url` or
`chromium_path`: without the service they skip with the reason, and with
REQUIRE_SERVICES=1 (CI) they fail instead.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)
from diaspora.people.models import ExpertProfile
from diaspora.reference.services import reference_data_ensure

PASSWORD = "correct-horse-battery-staple"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def service_missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1, but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Django's real hasher costs a quarter of a second per user; tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_matching_index() -> Iterator[None]:
    """The matching index lives for the whole process; each test starts from an empty one."""
    from diaspora.matching.adapter import holder

    holder().reset()
    yield
    holder().reset()


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Reference rows come from a data migration, and a transactional test's flush deletes
    them; put them back for every test that touches the database."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = bool(
        {"transactional_db", "live_server"} & names or (marker and marker.kwargs.get("transaction"))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    reference_data_ensure()


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(email: str, *, name: str = "", role: str = Role.LEARNER, **extra: object) -> User:
        user = User.objects.create_user(
            email=email, password=PASSWORD, name=name, role=role, **extra
        )
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        return user

    return make


@pytest.fixture
def institution(db: None) -> Institution:
    return Institution.objects.create(
        name="Université Cheikh Anta Diop",
        country="SN",
        city="Dakar",
        type=InstitutionType.UNIVERSITY,
        verification_status=VerificationStatus.VERIFIED,
    )


@pytest.fixture
def alice(make_user: Callable[..., User], institution: Institution) -> User:
    user = make_user("alice@example.org", name="Alice Ndiaye", role=Role.EXPERT)
    ExpertProfile.objects.create(user=user, headline="Epidemiologist", hours_per_month=8)
    Membership.objects.create(institution=institution, user=user, role=MemberRole.ADMIN)
    return user


@pytest.fixture
def bob(make_user: Callable[..., User], institution: Institution) -> User:
    user = make_user("bob@example.org", name="Bob Mensah", role=Role.INSTITUTION)
    Membership.objects.create(institution=institution, user=user, role=MemberRole.MEMBER)
    return user


@pytest.fixture
def charlie(make_user: Callable[..., User]) -> User:
    return make_user("charlie@example.org", name="Charlie Outsider", role=Role.LEARNER)


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user("mod@example.org", name="Maya Moderator", is_moderator=True)


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def postgres(db: None) -> None:
    if connection.vendor != "postgresql":
        service_missing("this test needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_missing("this test needs Redis: set REDIS_URL")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        service_missing(f"this test needs Chromium at {path}: apt-get install chromium")
    return path

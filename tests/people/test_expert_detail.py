from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification, RecognitionStatus
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode


def url(profile: ExpertProfile) -> str:
    return reverse("expert_detail", args=[profile.pk])


@pytest.fixture
def profile(alice: User) -> ExpertProfile:
    profile = alice.expert_profile
    profile.set_bio("I study **malaria** transmission.")
    profile.current_affiliation = "Institut Pasteur de Lyon"
    profile.max_mentees = 3
    profile.save()
    profile.disciplines.set(Discipline.objects.filter(code__in=["3.2", "3.3"]))
    profile.engagement_types.set(EngagementType.objects.filter(code="mentoring"))
    profile.modes.set(Mode.objects.filter(code="online"))
    profile.keywords.add(Keyword.objects.create(name="vector control"))
    ExpertLanguage.objects.create(profile=profile, code="wo", level="native")
    Qualification.objects.create(
        profile=profile,
        degree="doctorate",
        field="Public health",
        institution="Université Claude Bernard",
        country="FR",
        year=2012,
        recognition_status=RecognitionStatus.RECOGNISED,
    )
    return profile


@pytest.mark.parametrize("viewer", ["anonymous", "charlie", "bob"])
def test_it_shows_a_listed_profile_to_anyone(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    profile: ExpertProfile,
    viewer: str,
) -> None:
    client = Client() if viewer == "anonymous" else login(request.getfixturevalue(viewer))
    r = client.get(url(profile))
    assert r.status_code == 200
    content = r.content.decode()
    assert "Alice Ndiaye" in content
    assert "Epidemiologist" in content
    assert "Institut Pasteur de Lyon" in content
    assert "<strong>malaria</strong>" in content
    assert "Clinical medicine" in content
    assert "Health sciences" in content
    assert "vector control" in content
    assert "Wolof (Native)" in content
    assert "Public health" in content
    assert "Recognised" in content
    assert "Mentoring" in content
    assert "Online" in content
    assert "8 hours a month" in content
    assert "up to 3 mentees" in content
    # Only the owner gets the edit button.
    assert reverse("expert_profile_edit") not in content.split("<main", 1)[1]


def test_it_offers_the_owner_an_edit_link(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    r = login(alice).get(url(profile))
    assert r.status_code == 200
    assert "Edit your profile" in r.content.decode()
    assert r.context["expert"].is_own


@pytest.mark.parametrize("viewer", ["anonymous", "charlie", "bob", "moderator"])
def test_it_hides_an_unlisted_profile_from_others(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    profile: ExpertProfile,
    viewer: str,
) -> None:
    profile.is_listed = False
    profile.save()
    client = Client() if viewer == "anonymous" else login(request.getfixturevalue(viewer))
    r = client.get(url(profile))
    assert r.status_code == 404
    assert b"Alice Ndiaye" not in r.content


def test_it_shows_the_owner_their_unlisted_profile(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    profile.is_listed = False
    profile.save()
    r = login(alice).get(url(profile))
    assert r.status_code == 200
    assert "Not listed" in r.content.decode()


def test_it_hides_the_profile_of_a_deactivated_user(
    client: Client, alice: User, profile: ExpertProfile
) -> None:
    alice.is_active = False
    alice.save()
    assert client.get(url(profile)).status_code == 404


def test_it_gives_404_for_a_missing_profile(client: Client, db: None) -> None:
    assert client.get(reverse("expert_detail", args=[999999])).status_code == 404


def test_it_shows_the_profile_with_a_fixed_number_of_queries(
    client: Client, profile: ExpertProfile
) -> None:
    with CaptureQueriesContext(connection) as few:
        client.get(url(profile))
    for code in ["fr", "en", "ar"]:
        ExpertLanguage.objects.create(profile=profile, code=code, level="fluent")
    for year in [2001, 2005]:
        Qualification.objects.create(
            profile=profile, degree="master", field="F", institution="I", country="SN", year=year
        )
    profile.disciplines.add(*Discipline.objects.filter(code__in=["1.1", "1.2"]))
    with CaptureQueriesContext(connection) as many:
        r = client.get(url(profile))
    assert "Arabic (Fluent)" in r.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)

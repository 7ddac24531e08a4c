from collections.abc import Callable, Iterable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import Role, User
from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

pytestmark = pytest.mark.django_db


def make_expert(
    name: str,
    *,
    disciplines: Iterable[str] = (),
    languages: Iterable[str] = (),
    keywords: Iterable[str] = (),
    engagements: Iterable[str] = (),
    modes: Iterable[str] = (),
    **fields: object,
) -> ExpertProfile:
    slug = name.lower().replace(" ", ".")
    # No password: hashing one is slow, and these users never sign in.
    user = User.objects.create_user(email=f"{slug}@example.org", name=name, role=Role.EXPERT)
    profile = ExpertProfile.objects.create(user=user, **fields)
    profile.disciplines.set(Discipline.objects.filter(code__in=disciplines))
    profile.engagement_types.set(EngagementType.objects.filter(code__in=engagements))
    profile.modes.set(Mode.objects.filter(code__in=modes))
    for word in keywords:
        profile.keywords.add(Keyword.objects.get_or_create(name=word)[0])
    for code in languages:
        ExpertLanguage.objects.create(profile=profile, code=code, level="fluent")
    return profile


def listed(client: Client, **params: str) -> list[str]:
    r = client.get(reverse("expert_list"), params)
    assert r.status_code == 200
    return [e.user.name for e in r.context["experts"]]


def test_it_lists_listed_experts_to_anonymous_visitors(client: Client) -> None:
    make_expert("Amina Diallo", headline="Hydrologist")
    make_expert("Hidden Person", is_listed=False)
    gone = make_expert("Gone Person")
    User.objects.filter(pk=gone.user_id).update(is_active=False)

    r = client.get(reverse("expert_list"))
    assert r.status_code == 200
    assert listed(client) == ["Amina Diallo"]
    content = r.content.decode()
    assert "Amina Diallo" in content
    assert "Hydrologist" in content
    assert "Hidden Person" not in content
    assert "Gone Person" not in content
    assert "1 expert" in content


def test_it_filters_by_discipline_field(client: Client) -> None:
    make_expert("Clinician", disciplines=["3.2"])
    make_expert("Basic Scientist", disciplines=["3.1"])
    make_expert("Coder", disciplines=["1.2"])
    assert listed(client, discipline="3.2") == ["Clinician"]
    assert listed(client, discipline="1.2") == ["Coder"]


def test_it_filters_by_major_field_taking_all_its_fields(client: Client) -> None:
    make_expert("Clinician", disciplines=["3.2"])
    make_expert("Basic Scientist", disciplines=["3.1", "3.3"])
    make_expert("Coder", disciplines=["1.2"])
    make_expert("Historian", disciplines=["6.1"])
    assert listed(client, discipline="3") == ["Basic Scientist", "Clinician"]
    assert listed(client, discipline="1") == ["Coder"]


def test_it_filters_by_language(client: Client) -> None:
    make_expert("Francophone", languages=["fr", "en"])
    make_expert("Anglophone", languages=["en"])
    assert listed(client, language="fr") == ["Francophone"]
    assert listed(client, language="en") == ["Anglophone", "Francophone"]


def test_it_filters_by_engagement_type(client: Client) -> None:
    make_expert("Mentor", engagements=["mentoring", "lecture"])
    make_expert("Teacher", engagements=["course"])
    assert listed(client, engagement_type="mentoring") == ["Mentor"]
    assert listed(client, engagement_type="course") == ["Teacher"]


def test_it_filters_by_mode(client: Client) -> None:
    make_expert("Remote", modes=["online"])
    make_expert("Traveller", modes=["onsite", "hybrid"])
    assert listed(client, mode="online") == ["Remote"]
    assert listed(client, mode="hybrid") == ["Traveller"]


def test_it_filters_by_capacity(client: Client) -> None:
    make_expert("Free", hours_per_month=10, max_mentees=3, current_mentees=1)
    make_expert("Full", hours_per_month=10, max_mentees=2, current_mentees=2)
    make_expert("No Time", hours_per_month=0, max_mentees=3)
    assert listed(client, has_capacity="on") == ["Free"]
    assert listed(client) == ["Free", "Full", "No Time"]


def test_it_searches_name_headline_and_keywords(client: Client) -> None:
    make_expert("Amina Diallo", headline="Hydrologist")
    make_expert("Kofi Mensah", headline="Epidemiologist", keywords=["malaria", "malnutrition"])
    make_expert("Lina Haddad", headline="Economist", keywords=["trade"])
    assert listed(client, q="diallo") == ["Amina Diallo"]
    assert listed(client, q="EPIDEMIO") == ["Kofi Mensah"]
    assert listed(client, q="trade") == ["Lina Haddad"]
    # Two keywords match: the expert is still listed once.
    assert listed(client, q="mal") == ["Kofi Mensah"]
    # Every term must match.
    assert listed(client, q="kofi malaria") == ["Kofi Mensah"]
    assert listed(client, q="kofi trade") == []


def test_it_combines_filters(client: Client) -> None:
    make_expert("Both", languages=["fr"], modes=["online"])
    make_expert("Language Only", languages=["fr"], modes=["onsite"])
    make_expert("Mode Only", languages=["en"], modes=["online"])
    assert listed(client, language="fr", mode="online") == ["Both"]


def test_it_says_when_nothing_matches(client: Client) -> None:
    make_expert("Amina Diallo")
    r = client.get(reverse("expert_list"), {"q": "nobody-by-this-name"})
    assert r.context["experts"] == []
    assert "No expert matches these filters." in r.content.decode()


@pytest.fixture
def twelve_experts(settings: Settings) -> list[str]:
    settings.DIRECTORY_PAGE_SIZE = 5
    names = [f"Expert {i:02d}" for i in range(1, 13)]
    for name in names:
        make_expert(name, languages=["fr"])
    return names


def test_it_paginates(client: Client, twelve_experts: list[str]) -> None:
    assert listed(client) == twelve_experts[:5]
    assert listed(client, page="2") == twelve_experts[5:10]
    r = client.get(reverse("expert_list"), {"page": "2"})
    assert "Page 2 of 3" in r.content.decode()


def test_it_gives_the_last_page_for_a_page_out_of_range(
    client: Client, twelve_experts: list[str]
) -> None:
    assert listed(client, page="99") == twelve_experts[10:]
    assert listed(client, page="not-a-number") == twelve_experts[:5]


def test_it_keeps_the_filters_in_page_links(client: Client, twelve_experts: list[str]) -> None:
    make_expert("Anglophone", languages=["en"])
    r = client.get(reverse("expert_list"), {"language": "fr", "page": "2"})
    content = r.content.decode()
    assert "?language=fr&amp;page=3" in content
    assert "?language=fr&amp;page=1" in content
    assert "Anglophone" not in content


def make_rich_experts(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        profile = make_expert(
            f"Rich Expert {i:02d}",
            headline=f"Headline {i}",
            origin_country="SN",
            origin_country_visibility="public",
            residence_country="FR",
            residence_country_visibility="members",
            city="Lyon",
            city_visibility="public",
            disciplines=["3.2", "1.2"],
            languages=["fr", "en", "wo"],
            keywords=[f"kw{i}", "shared"],
            engagements=["mentoring", "course"],
            modes=["online"],
            hours_per_month=5,
            max_mentees=2,
        )
        Qualification.objects.create(
            profile=profile,
            degree="doctorate",
            field="Epidemiology",
            institution="Université de Lyon",
            country="FR",
            year=2010,
        )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer", ["anonymous", "bob"])
def test_it_lists_with_a_fixed_number_of_queries(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
    viewer: str,
) -> None:
    client = Client() if viewer == "anonymous" else login(request.getfixturevalue("bob"))
    url = reverse("expert_list")
    make_rich_experts(5)
    few = count_queries(client, url)
    make_rich_experts(10, start=5)
    many = count_queries(client, url)
    assert few == many
    # Pinned, so that a new per-row query (or a new per-page one) is noticed.
    expected = {"anonymous": 5, "bob": 9}[viewer]
    with django_assert_num_queries(expected):
        r = client.get(url)
    assert len(r.context["experts"]) == 15


def test_it_filters_with_a_fixed_number_of_queries(client: Client) -> None:
    url = reverse("expert_list") + "?discipline=3&language=fr&q=shared&mode=online"
    make_rich_experts(5)
    few = count_queries(client, url)
    make_rich_experts(10, start=5)
    assert count_queries(client, url) == few


def test_it_keeps_the_good_filters_when_one_is_bad(client: Client) -> None:
    make_rich_experts(2)
    response = client.get(reverse("expert_list"), {"origin_country": "XX", "q": "kw1"})
    assert response.status_code == 200
    assert [e.pk for e in response.context["experts"]] == [
        p.pk for p in ExpertProfile.objects.filter(keywords__name="kw1")
    ]
    assert response.context["form"].errors["origin_country"]

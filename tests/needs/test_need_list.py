from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedStatus
from tests.needs.conftest import MakeNeed, build_need

pytestmark = pytest.mark.django_db
URL = "/needs/"


def listed(client: Client, **params: str) -> list[str]:
    r = client.get(URL, params)
    assert r.status_code == 200
    return [n.title for n in r.context["page"].object_list]


def publish(need: Need, days_ago: int = 0) -> Need:
    Need.objects.filter(pk=need.pk).update(
        status=NeedStatus.OPEN, published_at=timezone.now() - timedelta(days=days_ago)
    )
    return need


def test_the_url_is_stable() -> None:
    assert reverse("need_list") == URL


def test_it_lists_open_needs_only_newest_first(client: Client, make_need: MakeNeed) -> None:
    publish(make_need(title="Older"), days_ago=3)
    publish(make_need(title="Newer"), days_ago=1)
    for status in NeedStatus.values:
        if status != NeedStatus.OPEN:
            make_need(title=f"Not open: {status}", status=status)
    assert listed(client) == ["Newer", "Older"]
    content = client.get(URL).content.decode()
    assert "2 open needs" in content
    assert "Not open" not in content


@pytest.fixture
def several(make_need: MakeNeed, other_institution: Institution) -> None:
    publish(
        make_need(
            title="Biostatistics course",
            description="For **master** students in public health.",
            disciplines=["3.3"],
            keywords=["survey design"],
            engagement="course",
            mode="online",
            required=["fr"],
        ),
        days_ago=1,
    )
    publish(
        make_need(
            title="Mentoring in software engineering",
            disciplines=["1.2"],
            keywords=["python"],
            engagement="mentoring",
            mode="hybrid",
            location_country="SN",
            preferred=["en"],
        ),
        days_ago=2,
    )
    publish(
        build_need(
            other_institution,
            title="Clinical trials lecture",
            disciplines=["3.2"],
            engagement="lecture",
            mode="onsite",
            location_country="GH",
            required=["en"],
        ),
        days_ago=3,
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {},
            [
                "Biostatistics course",
                "Mentoring in software engineering",
                "Clinical trials lecture",
            ],
        ),
        ({"q": "biostatistics"}, ["Biostatistics course"]),
        ({"q": "MASTER"}, ["Biostatistics course"]),  # the description
        ({"q": "survey"}, ["Biostatistics course"]),  # a keyword
        ({"q": "survey python"}, []),  # every word must match
        ({"discipline": "3.3"}, ["Biostatistics course"]),
        ({"discipline": "3"}, ["Biostatistics course", "Clinical trials lecture"]),
        ({"discipline": "1"}, ["Mentoring in software engineering"]),
        ({"engagement_type": "lecture"}, ["Clinical trials lecture"]),
        ({"mode": "hybrid"}, ["Mentoring in software engineering"]),
        ({"language": "en"}, ["Mentoring in software engineering", "Clinical trials lecture"]),
        ({"language": "fr"}, ["Biostatistics course"]),
        ({"country": "GH"}, ["Clinical trials lecture"]),
        ({"country": "SN"}, ["Biostatistics course", "Mentoring in software engineering"]),
        ({"country": "SN", "mode": "online", "discipline": "3"}, ["Biostatistics course"]),
    ],
)
def test_it_filters(
    client: Client, several: None, params: dict[str, str], expected: list[str]
) -> None:
    assert listed(client, **params) == expected


def test_it_filters_by_institution(
    client: Client, several: None, institution: Institution, other_institution: Institution
) -> None:
    assert listed(client, institution=str(other_institution.pk)) == ["Clinical trials lecture"]
    assert len(listed(client, institution=str(institution.pk))) == 2


def test_it_offers_only_institutions_with_open_needs(
    client: Client, several: None, make_need: MakeNeed
) -> None:
    empty = Institution.objects.create(name="Empty Institute", country="ML", type="other")
    build_need(empty, title="Just a draft")
    choices = [
        label for _value, label in client.get(URL).context["form"].fields["institution"].choices
    ]
    assert "Empty Institute" not in choices
    assert "Université Cheikh Anta Diop" in choices


def test_it_reports_a_bad_filter_beside_its_field_and_applies_the_others(
    client: Client, several: None
) -> None:
    r = client.get(URL, {"mode": "telepathy", "discipline": "3"})
    assert r.status_code == 200
    assert "mode" in r.context["form"].errors
    assert [n.title for n in r.context["page"].object_list] == [
        "Biostatistics course",
        "Clinical trials lecture",
    ]
    assert "Select a valid choice" in r.content.decode()


def test_it_paginates(client: Client, make_need: MakeNeed, settings: Settings) -> None:
    settings.DIRECTORY_PAGE_SIZE = 3
    for i in range(7):
        publish(make_need(title=f"Need {i}"), days_ago=i)
    assert listed(client) == ["Need 0", "Need 1", "Need 2"]
    assert listed(client, page="3") == ["Need 6"]
    assert listed(client, page="99") == ["Need 6"]
    r = client.get(URL, {"mode": "online", "page": "2"})
    assert "?mode=online&amp;page=3" in r.content.decode()


def make_rich(make_need: MakeNeed, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        publish(
            make_need(
                title=f"Need {i:02d}",
                disciplines=["3.3", "1.2"],
                keywords=["shared", f"k{i}"],
                required=["fr"],
                preferred=["en", "wo"],
                mode="onsite",
                location_country="SN",
            ),
            days_ago=i,
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
    make_need: MakeNeed,
    django_assert_num_queries: DjangoAssertNumQueries,
    viewer: str,
) -> None:
    client = Client() if viewer == "anonymous" else login(request.getfixturevalue("bob"))
    make_rich(make_need, 4)
    few = count_queries(client, URL)
    make_rich(make_need, 11, start=4)
    assert count_queries(client, URL) == few
    # Pinned, so that a new per-row query (or a new per-page one) is noticed.
    expected = {"anonymous": 6, "bob": 9}[viewer]
    with django_assert_num_queries(expected):
        r = client.get(URL)
    assert len(r.context["page"].object_list) == 15


def test_it_filters_with_a_fixed_number_of_queries(client: Client, make_need: MakeNeed) -> None:
    url = URL + "?q=shared&discipline=3&language=fr&mode=onsite&country=SN"
    make_rich(make_need, 3)
    few = count_queries(client, url)
    make_rich(make_need, 9, start=3)
    assert count_queries(client, url) == few


def test_it_puts_open_needs_without_a_publication_time_last(
    client: Client, make_need: MakeNeed
) -> None:
    make_need(title="Imported open", status=NeedStatus.OPEN)  # no published_at
    publish(make_need(title="Published"), days_ago=5)
    assert listed(client) == ["Published", "Imported open"]

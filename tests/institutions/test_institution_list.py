from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)

pytestmark = pytest.mark.django_db


def make_institution(name: str, **values: object) -> Institution:
    defaults: dict[str, object] = {
        "country": "SN",
        "type": InstitutionType.UNIVERSITY,
        "verification_status": VerificationStatus.UNVERIFIED,
    }
    defaults.update(values)
    return Institution.objects.create(name=name, **defaults)


def listed(client: Client, **params: str) -> list[str]:
    r = client.get(reverse("institution_list"), params)
    assert r.status_code == 200
    return [i.name for i in r.context["page"].object_list]


def test_it_lists_institutions_to_anyone(client: Client, institution: Institution) -> None:
    make_institution("Hôpital Principal", city="Dakar", type=InstitutionType.HOSPITAL)
    r = client.get(reverse("institution_list"))
    assert r.status_code == 200
    content = r.content.decode()
    assert "Université Cheikh Anta Diop" in content
    assert "Hôpital Principal" in content
    assert "2 institutions" in content
    assert reverse("institution_detail", args=[institution.pk]) in content
    # Only the verified one carries the badge.
    cards = content.split('<div class="cards">', 1)[1]
    assert cards.count('<span class="pill ok"') == 1


def test_it_searches_name_city_and_description(client: Client, institution: Institution) -> None:
    make_institution("Ministère de la Santé", city="Bamako", country="ML")
    other = make_institution("Centre Muraz", country="BF")
    other.set_description("Research on **malaria** vaccines.")
    other.save()
    assert listed(client, q="cheikh") == ["Université Cheikh Anta Diop"]
    assert listed(client, q="BAMAKO") == ["Ministère de la Santé"]
    assert listed(client, q="malaria") == ["Centre Muraz"]
    assert listed(client, q="cheikh bamako") == []


def test_it_filters_by_country_type_and_verification(
    client: Client, institution: Institution
) -> None:
    make_institution("Ministère de la Santé", country="ML", type=InstitutionType.MINISTRY)
    make_institution("Hôpital Principal", type=InstitutionType.HOSPITAL)
    assert listed(client, country="ML") == ["Ministère de la Santé"]
    assert listed(client, country="SN") == ["Hôpital Principal", "Université Cheikh Anta Diop"]
    assert listed(client, type="hospital") == ["Hôpital Principal"]
    assert listed(client, verified="on") == ["Université Cheikh Anta Diop"]
    assert listed(client, country="SN", type="ministry") == []


def test_it_paginates(client: Client, settings: Settings) -> None:
    settings.DIRECTORY_PAGE_SIZE = 3
    names = [f"Institut {i:02d}" for i in range(1, 8)]
    for name in names:
        make_institution(name)
    assert listed(client) == names[:3]
    assert listed(client, page="2") == names[3:6]
    assert listed(client, page="99") == names[6:]
    r = client.get(reverse("institution_list"), {"type": "university", "page": "2"})
    assert "?type=university&amp;page=3" in r.content.decode()


def make_many(count: int, start: int, members: list[User]) -> None:
    for i in range(start, start + count):
        place = make_institution(
            f"Institut {i:02d}",
            city="Dakar",
            website="https://example.org",
            verification_status=VerificationStatus.VERIFIED
            if i % 2
            else VerificationStatus.UNVERIFIED,
        )
        for user in members:
            Membership.objects.create(institution=place, user=user, role=MemberRole.MEMBER)


@pytest.mark.parametrize("viewer", ["anonymous", "charlie"])
def test_it_lists_with_a_fixed_number_of_queries(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    django_assert_num_queries: DjangoAssertNumQueries,
    viewer: str,
) -> None:
    client = Client() if viewer == "anonymous" else login(request.getfixturevalue(viewer))
    members = [User.objects.create_user(email=f"m{i}@example.org") for i in range(3)]
    url = reverse("institution_list")
    make_many(5, 0, members)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make_many(10, 5, members)
    with CaptureQueriesContext(connection) as many:
        r = client.get(url)
    assert len(r.context["page"].object_list) == 15
    assert len(many.captured_queries) == len(few.captured_queries)
    expected = {"anonymous": 2, "charlie": 5}[viewer]
    with django_assert_num_queries(expected):
        client.get(url)

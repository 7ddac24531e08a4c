from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, Membership
from diaspora.needs.models import NeedStatus
from tests.needs.conftest import MakeNeed, build_need

pytestmark = pytest.mark.django_db
URL = "/needs/mine/"


def titles(client: Client, **params: str) -> list[str]:
    r = client.get(URL, params)
    assert r.status_code == 200
    return sorted(n.title for n in r.context["page"].object_list)


def test_the_url_is_stable() -> None:
    assert reverse("need_mine") == URL


def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={URL}"


def test_it_lists_every_status_of_my_institutions_only(
    login: Callable[[User], Client],
    bob: User,
    dora: User,
    other_institution: Institution,
    make_need: MakeNeed,
) -> None:
    for status in NeedStatus.values:
        make_need(title=f"Ours {status}", status=status)
    build_need(other_institution, title="Theirs draft")
    build_need(other_institution, title="Theirs open", status=NeedStatus.OPEN)
    client = login(bob)
    assert titles(client) == sorted(f"Ours {s}" for s in NeedStatus.values)
    assert titles(client, status="draft") == ["Ours draft"]
    assert titles(login(dora)) == ["Theirs draft", "Theirs open"]
    page = client.get(URL).content.decode()
    assert "Withdrawn" in page and "Draft" in page


def test_it_filters_by_institution(
    login: Callable[[User], Client],
    bob: User,
    other_institution: Institution,
    institution: Institution,
    make_need: MakeNeed,
) -> None:
    Membership.objects.create(institution=other_institution, user=bob)
    make_need(title="At UCAD")
    build_need(other_institution, title="At KNUST")
    client = login(bob)
    assert titles(client) == ["At KNUST", "At UCAD"]
    assert titles(client, institution=str(other_institution.pk)) == ["At KNUST"]
    assert titles(client, institution=str(institution.pk)) == ["At UCAD"]


def test_it_reports_a_bad_filter_beside_its_field(
    login: Callable[[User], Client],
    bob: User,
    make_need: MakeNeed,
    dora: User,
    other_institution: Institution,
) -> None:
    make_need(title="Ours")
    r = login(bob).get(URL, {"institution": str(other_institution.pk), "status": "nope"})
    assert r.status_code == 200
    assert set(r.context["form"].errors) == {"institution", "status"}
    assert [n.title for n in r.context["page"].object_list] == ["Ours"]


def test_it_explains_what_to_do_without_an_institution(
    login: Callable[[User], Client], charlie: User, draft: object
) -> None:
    r = login(charlie).get(URL)
    assert r.status_code == 200
    assert "You do not represent one yet." in r.content.decode()
    assert list(r.context["page"].object_list) == []


def test_it_lists_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    bob: User,
    make_need: MakeNeed,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)

    def make(n: int, start: int) -> None:
        for i in range(start, start + n):
            make_need(
                title=f"Need {i}",
                status=NeedStatus.values[i % 6],
                disciplines=["3.3", "1.2"],
                required=["fr"],
                preferred=["en"],
            )

    make(3, 0)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    make(9, 3)
    with CaptureQueriesContext(connection) as many:
        r = client.get(URL)
    assert len(r.context["page"].object_list) == 12
    assert len(few.captured_queries) == len(many.captured_queries)
    # Pinned, so that a new per-row query (or a new per-page one) is noticed.
    with django_assert_num_queries(8):
        client.get(URL)

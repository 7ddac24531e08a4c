import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.matching import adapter
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile

URL = reverse("assignment_suggest")


def test_it_asks_anonymous_visitors_to_sign_in(db: None) -> None:
    r = Client().get(URL)
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_it_refuses_members_who_are_not_moderators(
    request: pytest.FixtureRequest, login: Callable[[User], Client], who: str
) -> None:
    assert login(request.getfixturevalue(who)).get(URL).status_code == 403


def test_it_shows_moderators_the_form(login: Callable[[User], Client], moderator: User) -> None:
    r = login(moderator).get(URL)
    assert r.status_code == 200
    page = r.content.decode()
    assert "Pool-wide assignment" in page
    assert 'name="scope"' in page
    assert r.context["report"] is None


def test_it_lets_staff_in(login: Callable[[User], Client], make_user: Callable[..., User]) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    assert login(staff).get(URL).status_code == 200


def test_it_proposes_an_assignment_without_writing(
    login: Callable[[User], Client],
    moderator: User,
    make_expert: Callable[..., ExpertProfile],
    make_need: Callable[..., Need],
) -> None:
    expert = make_expert("Awa Diop", disciplines=("3.3",), words=("malaria",))
    need = make_need("Malaria lectures", disciplines=("3.3",), words=("malaria",))
    make_need("Unmatched", required=("zu",))
    r = login(moderator).get(URL, {"scope": "all", "candidates": "30"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "2 needs" in page
    assert "1 covered fully, 0 partly, 1 not at all." in page
    assert reverse("need_detail", args=[need.pk]) in page
    assert reverse("expert_detail", args=[expert.pk]) in page
    assert "Awa Diop" in page
    assert not need.proposals.exists()


def test_it_limits_the_batch(
    login: Callable[[User], Client], moderator: User, make_need: Callable[..., Need]
) -> None:
    first = make_need("First need")
    make_need("Second need")
    r = login(moderator).get(URL, {"scope": "limit", "limit": "1", "candidates": "30"})
    page = r.content.decode()
    assert "First need" in page and "Second need" not in page
    assert [o.need.id for o in r.context["report"].plan.outcomes] == [first.pk]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"scope": "limit", "limit": "", "candidates": "30"}, "limit", "Say how many needs"),
        (
            {"scope": "limit", "limit": "0", "candidates": "30"},
            "limit",
            "greater than or equal to 1",
        ),
        ({"scope": "all", "candidates": "500"}, "candidates", "less than or equal to 100"),
        ({"scope": "some", "candidates": "30"}, "scope", "Select a valid choice"),
    ],
)
def test_it_shows_bad_input_next_to_the_field(
    login: Callable[[User], Client],
    moderator: User,
    params: dict[str, str],
    field: str,
    message: str,
) -> None:
    r = login(moderator).get(URL, params)
    assert r.status_code == 200
    form = r.context["form"]
    assert message in " ".join(form.errors[field])
    assert r.context["report"] is None
    # What was typed is still there.
    assert form.data["candidates"] == params["candidates"]
    assert message in r.content.decode()


def test_its_queries_do_not_grow_with_the_batch(
    login: Callable[[User], Client],
    moderator: User,
    make_expert: Callable[..., ExpertProfile],
    make_need: Callable[..., Need],
) -> None:
    client = login(moderator)
    params = {"scope": "all", "candidates": "30"}

    def add(n: int) -> None:
        for i in range(n):
            make_expert(disciplines=("3.3",), words=("malaria",))
            make_need(f"Need {i}", disciplines=("3.3",), words=("malaria",))

    add(2)
    client.get(URL, params)  # builds the index
    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    add(6)
    client.get(URL, params)
    with CaptureQueriesContext(connection) as many:
        r = client.get(URL, params)
    assert len(r.context["assignments"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_says_so_while_the_index_is_being_built(
    login: Callable[[User], Client],
    moderator: User,
    make_need: Callable[..., Need],
    settings: Any,
) -> None:
    make_need("Waiting")
    settings.MATCHING_BUILD_WAIT = 0
    release = threading.Event()
    build = threading.Thread(target=release.wait)
    build.start()
    adapter.holder().thread = build  # a build that has not finished
    try:
        r = login(moderator).get(URL, {"scope": "all", "candidates": "30"})
    finally:
        release.set()
        build.join()
    assert r.status_code == 200
    assert r.context["report"] is None
    assert "still being built" in r.content.decode()


def test_it_only_reads(login: Callable[[User], Client], moderator: User) -> None:
    assert login(moderator).post(URL, {"scope": "all"}).status_code == 405

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile, Visibility


def need_url(need: Need, limit: int | None = None) -> str:
    return f"/api/needs/{need.pk}/matches/" + (f"?limit={limit}" if limit else "")


def expert_url(expert: ExpertProfile, limit: int | None = None) -> str:
    return f"/api/experts/{expert.pk}/matches/" + (f"?limit={limit}" if limit else "")


@pytest.fixture
def need(make_need: Callable[..., Need]) -> Need:
    return make_need("Malaria lectures", disciplines=("3.3",), words=("malaria", "epidemiology"))


@pytest.fixture
def awa(make_expert: Callable[..., ExpertProfile]) -> ExpertProfile:
    return make_expert(
        "Awa Diop",
        disciplines=("3.3",),
        words=("malaria", "epidemiology"),
        headline="Malaria epidemiologist",
        languages={"fr": "native"},
        origin_country="SN",
        origin_country_visibility=Visibility.HIDDEN,
    )


# --- Experts for a need ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "bob", "moderator"])
def test_it_shows_the_ranked_experts_to_members_and_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    need: Need,
    awa: ExpertProfile,
    who: str,
) -> None:
    r = login(request.getfixturevalue(who)).get(need_url(need))
    assert r.status_code == 200
    body = r.json()
    assert body["need"] == {
        "id": need.pk,
        "title": "Malaria lectures",
        "status": "open",
        "institution": {"id": need.institution_id, "name": "Université Cheikh Anta Diop"},
    }
    first = body["results"][0]  # alice, an expert too, may follow
    assert first["rank"] == 1
    assert first["expert"] == {
        "id": awa.pk,
        "name": "Awa Diop",
        "headline": "Malaria epidemiologist",
    }
    assert isinstance(first["score"], float) and first["score"] > 0
    assert first["reasons"]
    for reason in first["reasons"]:
        assert set(reason) == {"code", "text", "contribution"}
    # The origin is hidden: no reader of this list learns it.
    assert not any("Senegal" in reason["text"] for reason in first["reasons"])
    assert sum(r["contribution"] for r in first["reasons"]) == pytest.approx(
        first["score"], abs=0.01
    )


def test_it_hides_the_ranked_list_from_outsiders(
    login: Callable[[User], Client], charlie: User, need: Need, awa: ExpertProfile
) -> None:
    r = login(charlie).get(need_url(need))
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "not_found", "message": "Not found."}}
    # The expert who would be ranked is not a member of the institution either.
    assert login(awa.user).get(need_url(need)).status_code == 404


def test_it_asks_anonymous_callers_to_sign_in(need: Need) -> None:
    r = Client().get(need_url(need))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_it_answers_404_for_a_missing_need(
    login: Callable[[User], Client], moderator: User
) -> None:
    r = login(moderator).get("/api/needs/999999/matches/")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_it_refuses_a_bad_limit(
    login: Callable[[User], Client], bob: User, need: Need, limit: str
) -> None:
    r = login(bob).get(f"{need_url(need)}?limit={limit}")
    assert r.status_code == 422
    assert "limit" in r.json()["error"]["fields"]


def test_it_returns_at_most_limit_results_in_order(
    login: Callable[[User], Client],
    bob: User,
    need: Need,
    make_expert: Callable[..., ExpertProfile],
) -> None:
    for i in range(5):
        make_expert(disciplines=("3.3",), words=("malaria",) if i % 2 else ("epidemiology",))
    results = login(bob).get(need_url(need, limit=3)).json()["results"]
    assert [r["rank"] for r in results] == [1, 2, 3]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert len(login(bob).get(need_url(need)).json()["results"]) == 5


def test_it_ranks_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    bob: User,
    need: Need,
    make_expert: Callable[..., ExpertProfile],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)
    client.get(need_url(need))  # builds the index
    for _ in range(2):
        make_expert(disciplines=("3.3",), words=("malaria",))
    client.get(need_url(need))  # syncs the new rows in
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(need_url(need)).json()["results"]) == 2
    for _ in range(8):
        make_expert(disciplines=("3.3",), words=("malaria",))
    client.get(need_url(need))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(need_url(need)).json()["results"]) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
    # session, user, need, membership, verified-institution check (viewer levels), sync,
    # the need's disciplines, keywords and languages, the ranked profiles with their users.
    with django_assert_num_queries(10):
        client.get(need_url(need))


# --- Needs for an expert ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["self", "moderator"])
def test_it_shows_an_experts_ranked_needs_to_them_and_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    need: Need,
    awa: ExpertProfile,
    who: str,
) -> None:
    user = awa.user if who == "self" else request.getfixturevalue(who)
    r = login(user).get(expert_url(awa))
    assert r.status_code == 200
    body = r.json()
    assert body["expert"] == {
        "id": awa.pk,
        "name": "Awa Diop",
        "headline": "Malaria epidemiologist",
    }
    [first] = body["results"]
    assert first["rank"] == 1
    assert first["need"]["id"] == need.pk
    assert first["need"]["institution"]["name"] == "Université Cheikh Anta Diop"
    born_here = any("Senegal" in reason["text"] for reason in first["reasons"])
    # The expert reads their own hidden origin; a moderator does not.
    assert born_here is (who == "self")


@pytest.mark.parametrize("who", ["bob", "charlie", "alice"])
def test_it_hides_an_experts_ranked_needs_from_others(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    awa: ExpertProfile,
    who: str,
) -> None:
    r = login(request.getfixturevalue(who)).get(expert_url(awa))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_anonymous_callers_cannot_see_an_experts_ranked_needs(awa: ExpertProfile) -> None:
    assert Client().get(expert_url(awa)).status_code == 401


def test_the_expert_endpoint_queries_do_not_grow_with_results(
    login: Callable[[User], Client],
    awa: ExpertProfile,
    make_need: Callable[..., Need],
) -> None:
    client = login(awa.user)
    make_need(disciplines=("3.3",), words=("malaria",))
    client.get(expert_url(awa))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(expert_url(awa)).json()["results"]) == 1
    for _ in range(6):
        make_need(disciplines=("3.3",), words=("malaria",))
    client.get(expert_url(awa))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(expert_url(awa)).json()["results"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Schema ---------------------------------------------------------------------------------


def test_the_schema_documents_both_endpoints(db: None) -> None:
    schema: dict[str, Any] = json.loads(Client().get("/api/openapi.json").content)
    for path, model in [
        ("/api/needs/{need_id}/matches/", "NeedMatchesOut"),
        ("/api/experts/{expert_id}/matches/", "ExpertMatchesOut"),
    ]:
        operation = schema["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert "limit" in names
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith(model)
    reason = schema["components"]["schemas"]["ReasonOut"]
    assert set(reason["properties"]) == {"code", "text", "contribution"}

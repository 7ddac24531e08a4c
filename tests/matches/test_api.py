"""Invitations and interest over the API."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import Institution
from diaspora.matches.models import Match, Proposal, ProposalKind, ProposalStatus
from diaspora.matches.services import proposal_express_interest, proposal_invite
from diaspora.needs.models import Need, NeedStatus
from diaspora.people.models import ExpertProfile
from tests.matches.conftest import MakeExpert, make_need


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def invitation(need: Need, dana: ExpertProfile, bob: User) -> Proposal:
    return proposal_invite(need=need, expert=dana, sent_by=bob, message="Would you mentor us?")


@pytest.fixture
def interest(need: Need, eve: ExpertProfile) -> Proposal:
    return proposal_express_interest(need=need, expert=eve, sent_by=eve.user, message="Me")


# --- Sending ------------------------------------------------------------------------------


def test_it_invites(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile
) -> None:
    r = post(
        login(bob),
        f"/api/needs/{need.pk}/invitations",
        {"expert_id": dana.pk, "message": "Would you mentor us?"},
    )
    assert r.status_code == 201, r.content
    data = r.json()
    proposal = Proposal.objects.get()
    assert data["id"] == proposal.pk
    assert data["kind"] == "invitation"
    assert data["status"] == "pending"
    assert data["expert"] == {"id": dana.pk, "name": "Dana Diallo", "headline": dana.headline}
    assert data["need"]["id"] == need.pk
    assert data["score"] == proposal.score
    assert [r["code"] for r in data["reasons"]] == [r["code"] for r in proposal.reasons]
    assert data["direction"] == "outgoing"
    assert (data["can_answer"], data["can_withdraw"]) == (False, True)


def test_it_invites_with_a_token(need: Need, bob: User, dana: ExpertProfile) -> None:
    _token, raw = api_token_create(user=bob, name="script")
    r = Client().post(
        f"/api/needs/{need.pk}/invitations",
        json.dumps({"expert_id": dana.pk, "message": "Hi"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert r.status_code == 201, r.content


def test_it_refuses_invitations_from_outsiders_and_moderators(
    client: Client,
    login: Callable[[User], Client],
    need: Need,
    charlie: User,
    moderator: User,
    dana: ExpertProfile,
) -> None:
    path = f"/api/needs/{need.pk}/invitations"
    body = {"expert_id": dana.pk, "message": "Hi"}
    assert post(client, path, body).status_code == 401
    r = post(login(charlie), path, body)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = post(login(moderator), path, body)
    assert (r.status_code, error_code(r)) == (403, "forbidden")
    assert post(login(charlie), "/api/needs/999999/invitations", body).status_code == 404
    assert not Proposal.objects.exists()


def test_it_reports_bad_invitations(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile
) -> None:
    client = login(bob)
    path = f"/api/needs/{need.pk}/invitations"
    r = post(client, path, {"expert_id": dana.pk})
    assert r.status_code == 422
    assert "message" in r.json()["error"]["fields"]
    r = post(client, path, {"expert_id": dana.pk, "message": "x" * 5001})
    assert r.status_code == 422
    r = post(client, path, {"expert_id": dana.pk, "message": " "})
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"message": ["Write a short message."]}
    assert post(client, path, {"expert_id": 999999, "message": "Hi"}).status_code == 404
    post(client, path, {"expert_id": dana.pk, "message": "Hi"})
    r = post(client, path, {"expert_id": dana.pk, "message": "Hi"})
    assert r.status_code == 400
    assert "already an invitation or interest waiting" in r.json()["error"]["message"]
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.CLOSED)
    r = post(client, path, {"expert_id": dana.pk, "message": "Hi"})
    assert r.status_code == 400


def test_it_takes_an_experts_interest(
    login: Callable[[User], Client], need: Need, dana: ExpertProfile
) -> None:
    r = post(login(dana.user), f"/api/needs/{need.pk}/interest", {"message": "I can help."})
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "interest"
    assert Proposal.objects.get().kind == ProposalKind.INTEREST


def test_it_refuses_interest_without_a_profile_or_in_a_hidden_need(
    client: Client, login: Callable[[User], Client], need: Need, charlie: User, dana: ExpertProfile
) -> None:
    path = f"/api/needs/{need.pk}/interest"
    assert post(client, path, {"message": "Hi"}).status_code == 401
    assert post(login(charlie), path, {"message": "Hi"}).status_code == 403
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.DRAFT)
    assert post(login(dana.user), path, {"message": "Hi"}).status_code == 404
    assert not Proposal.objects.exists()


# --- Reading ------------------------------------------------------------------------------


def test_it_lists_mine_both_ways(
    login: Callable[[User], Client],
    alice: User,
    invitation: Proposal,
    interest: Proposal,
) -> None:
    client = login(alice)
    r = client.get("/api/proposals/")
    assert r.status_code == 200
    data = r.json()
    assert data["meta"]["count"] == 2
    by_id = {row["id"]: row for row in data["results"]}
    assert by_id[invitation.pk]["direction"] == "outgoing"
    assert by_id[interest.pk]["direction"] == "incoming"
    assert by_id[interest.pk]["can_answer"] is True
    r = client.get("/api/proposals/", {"box": "incoming"})
    assert [row["id"] for row in r.json()["results"]] == [interest.pk]
    r = client.get("/api/proposals/", {"box": "outgoing"})
    assert [row["id"] for row in r.json()["results"]] == [invitation.pk]
    r = client.get("/api/proposals/", {"status": "accepted"})
    assert r.json()["results"] == []
    assert client.get("/api/proposals/", {"box": "sideways"}).status_code == 422


def test_it_lists_nothing_for_an_outsider(
    client: Client, login: Callable[[User], Client], charlie: User, invitation: Proposal
) -> None:
    assert client.get("/api/proposals/").status_code == 401
    assert login(charlie).get("/api/proposals/").json()["results"] == []


def test_it_lists_in_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    institution: Institution,
    bob: User,
    make_expert: MakeExpert,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)

    def add(first: int, count: int) -> None:
        for i in range(first, first + count):
            expert = make_expert(f"x{i}@example.org", f"Expert {i}")
            proposal_invite(
                need=make_need(institution, title=f"Need {i}"),
                expert=expert,
                sent_by=bob,
                message="Hi",
            )

    add(0, 1)
    with django_assert_num_queries(QUERIES):
        assert len(client.get("/api/proposals/").json()["results"]) == 1
    add(1, 5)
    with django_assert_num_queries(QUERIES):
        assert len(client.get("/api/proposals/").json()["results"]) == 6


QUERIES = 5


@pytest.mark.parametrize("viewer", ["alice", "bob", "dana", "moderator"])
def test_it_reads_one_to_both_sides_and_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    invitation: Proposal,
    viewer: str,
) -> None:
    user = request.getfixturevalue(viewer)
    user = user.user if isinstance(user, ExpertProfile) else user
    r = login(user).get(f"/api/proposals/{invitation.pk}")
    assert r.status_code == 200
    data = r.json()
    assert data["message"] == "Would you mentor us?"
    expected = {"dana": "incoming", "alice": "outgoing", "bob": "outgoing", "moderator": None}
    assert data["direction"] == expected[viewer]


def test_it_hides_one_from_everyone_else(
    client: Client,
    login: Callable[[User], Client],
    charlie: User,
    eve: ExpertProfile,
    invitation: Proposal,
) -> None:
    path = f"/api/proposals/{invitation.pk}"
    assert client.get(path).status_code == 401
    for user in (charlie, eve.user):
        c = login(user)
        assert c.get(path).status_code == 404
        assert post(c, f"{path}/answer", {"accept": True}).status_code == 404
        assert post(c, f"{path}/withdraw").status_code == 404


def test_it_expires_one_read_past_its_deadline(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    Proposal.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    r = login(dana.user).get(f"/api/proposals/{invitation.pk}")
    assert r.json()["status"] == "expired"
    assert r.json()["can_answer"] is False


# --- Answering and withdrawing -------------------------------------------------------------


def test_it_answers(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    client = login(dana.user)
    path = f"/api/proposals/{invitation.pk}/answer"
    r = post(client, path, {"accept": True, "reason": "Gladly"})
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["status"], data["answer_reason"], data["answered_by"]) == (
        "accepted",
        "Gladly",
        "Dana Diallo",
    )
    match = Match.objects.get()
    assert data["match_id"] == match.pk
    r = post(client, path, {"accept": False})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "This proposal was already accepted."


def test_it_lets_only_the_other_side_answer(
    login: Callable[[User], Client],
    bob: User,
    moderator: User,
    eve: ExpertProfile,
    invitation: Proposal,
    interest: Proposal,
) -> None:
    assert (
        post(login(bob), f"/api/proposals/{invitation.pk}/answer", {"accept": True}).status_code
        == 403
    )
    assert (
        post(
            login(moderator), f"/api/proposals/{invitation.pk}/answer", {"accept": True}
        ).status_code
        == 403
    )
    assert (
        post(login(eve.user), f"/api/proposals/{interest.pk}/answer", {"accept": True}).status_code
        == 403
    )
    r = post(
        login(bob), f"/api/proposals/{interest.pk}/answer", {"accept": False, "reason": "Full"}
    )
    assert r.status_code == 200
    assert r.json()["status"] == "declined"
    assert post(login(bob), f"/api/proposals/{invitation.pk}/answer", {}).status_code == 422


def test_it_refuses_an_answer_past_the_deadline(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    Proposal.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    r = post(login(dana.user), f"/api/proposals/{invitation.pk}/answer", {"accept": True})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "This proposal expired without an answer."
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.EXPIRED


def test_it_withdraws(
    login: Callable[[User], Client], alice: User, dana: ExpertProfile, invitation: Proposal
) -> None:
    path = f"/api/proposals/{invitation.pk}/withdraw"
    assert post(login(dana.user), path).status_code == 403
    r = post(login(alice), path)
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"
    assert post(login(alice), path).status_code == 400

"""A need's ranked list: who may see it, what it shows, inviting from it, next-ranked experts."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.matches.models import Proposal, ProposalKind, ProposalStatus
from diaspora.matches.services import proposal_answer, proposal_invite
from diaspora.needs.models import Need, NeedStatus
from diaspora.people.models import ExpertProfile
from tests.matches.conftest import MakeExpert


def url(need: Need) -> str:
    return reverse("need_matches", args=[need.pk])


def ranked(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row.expert.user.name for row, _form in response.context["rows"]]


@pytest.fixture
def experts(dana: ExpertProfile, eve: ExpertProfile, frank: ExpertProfile) -> None:
    return None


# --- Who may see it -----------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, need: Need) -> None:
    r = client.get(url(need))
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url(need)}"


def test_it_hides_the_list_from_outsiders(
    login: Callable[[User], Client], need: Need, charlie: User, dana: ExpertProfile
) -> None:
    client = login(charlie)
    assert client.get(url(need)).status_code == 404
    r = client.post(url(need), {"expert": dana.pk, "message": "Hi"})
    assert r.status_code == 404
    assert not Proposal.objects.exists()
    assert login(dana.user).get(url(need)).status_code == 404
    assert client.get(reverse("need_matches", args=[need.pk + 99])).status_code == 404


def test_it_shows_the_ranked_experts_with_reasons_to_members(
    login: Callable[[User], Client], need: Need, bob: User, experts: None
) -> None:
    r = login(bob).get(url(need))
    # Frank lacks the required French.
    assert ranked(r) == ["Dana Diallo", "Eve Sarr"]
    content = r.content.decode()
    assert "Score" in content
    first = r.context["rows"][0][0]
    assert first.reasons
    for reason in first.reasons:
        assert escape(reason.text) in content
    assert content.count('name="message"') == 2


def test_it_shows_a_moderator_the_list_without_invite_forms(
    login: Callable[[User], Client], need: Need, moderator: User, experts: None, dana: ExpertProfile
) -> None:
    client = login(moderator)
    r = client.get(url(need))
    assert ranked(r) == ["Dana Diallo", "Eve Sarr"]
    assert 'name="message"' not in r.content.decode()
    r = client.post(url(need), {"expert": dana.pk, "message": "Hi"})
    assert r.status_code == 403
    assert not Proposal.objects.exists()


def test_it_offers_no_invitation_when_the_need_is_not_open(
    login: Callable[[User], Client], need: Need, bob: User, experts: None
) -> None:
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.CLOSED)
    r = login(bob).get(url(need))
    assert r.status_code == 200
    content = r.content.decode()
    assert "Only an open need takes invitations" in content
    assert 'name="message"' not in content


def test_it_limits_the_list(
    login: Callable[[User], Client], need: Need, bob: User, experts: None
) -> None:
    r = login(bob).get(url(need), {"limit": "10"})
    assert len(ranked(r)) == 2
    # A limit that is not offered falls back to the default, and says so.
    r = login(bob).get(url(need), {"limit": "7"})
    assert len(ranked(r)) == 2


# --- Inviting -----------------------------------------------------------------------------


def test_it_invites_from_the_list_and_takes_the_expert_off_it(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile, experts: None
) -> None:
    client = login(bob)
    r = client.post(url(need), {"expert": dana.pk, "message": "Would you mentor us?"})
    assert r.status_code == 302
    assert r["Location"] == url(need)
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.expert, proposal.sent_by) == (
        ProposalKind.INVITATION,
        dana,
        bob,
    )
    r = client.get(url(need))
    assert ranked(r) == ["Eve Sarr"]
    # Still shown, with its status, among the need's proposals.
    assert [p.pk for p in r.context["page"].proposals] == [proposal.pk]
    assert reverse("proposal_detail", args=[proposal.pk]) in r.content.decode()


def test_it_keeps_the_message_and_shows_the_error_beside_it(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile, experts: None
) -> None:
    r = login(bob).post(url(need), {"expert": dana.pk, "message": "x" * 5001})
    assert r.status_code == 200
    assert not Proposal.objects.exists()
    row, form = r.context["rows"][0]
    assert row.expert == dana
    assert "message" in form.errors
    assert "x" * 5001 in r.content.decode()
    # The other row's form is a fresh one.
    assert not r.context["rows"][1][1].is_bound


def test_it_shows_a_service_refusal_beside_the_form(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile
) -> None:
    need.response_deadline = timezone.now().date() - timedelta(days=2)
    need.save()
    r = login(bob).post(url(need), {"expert": dana.pk, "message": "Hello"})
    assert r.status_code == 200
    assert "The response deadline of this need has passed." in r.content.decode()
    assert not Proposal.objects.exists()


def test_it_cannot_invite_an_unlisted_or_missing_expert(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile
) -> None:
    dana.is_listed = False
    dana.save()
    client = login(bob)
    assert client.post(url(need), {"expert": dana.pk, "message": "Hi"}).status_code == 404
    assert client.post(url(need), {"expert": 999999, "message": "Hi"}).status_code == 404
    assert not Proposal.objects.exists()


def test_it_leaves_accepted_experts_off_the_list_and_says_when_the_need_is_full(
    login: Callable[[User], Client], need: Need, bob: User, dana: ExpertProfile, experts: None
) -> None:
    proposal = proposal_invite(need=need, expert=dana, sent_by=bob, message="Hi")
    proposal_answer(proposal=proposal, by=dana.user, accept=True)
    r = login(bob).get(url(need))
    assert ranked(r) == ["Eve Sarr"]
    assert r.context["page"].is_full
    assert "you may move it to “in progress”" in r.content.decode()


# --- After an invitation expired -----------------------------------------------------------


def test_it_expires_an_overdue_invitation_and_marks_the_next_ranked_experts(
    login: Callable[[User], Client],
    need: Need,
    bob: User,
    dana: ExpertProfile,
    make_expert: MakeExpert,
    experts: None,
) -> None:
    proposal = proposal_invite(need=need, expert=dana, sent_by=bob, message="Hi")
    Proposal.objects.filter(pk=proposal.pk).update(deadline=timezone.now() - timedelta(hours=1))
    r = login(bob).get(url(need))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    page = r.context["page"]
    assert page.show_next_ranked
    assert 'id="next-ranked"' in r.content.decode()
    rows = {row.expert.user.name: row for row, _form in r.context["rows"]}
    # Dana is back on the list (she may be invited again) but is not "next-ranked".
    assert set(rows) == {"Dana Diallo", "Eve Sarr"}
    assert rows["Dana Diallo"].previous == proposal
    assert not rows["Dana Diallo"].next_ranked
    assert rows["Eve Sarr"].next_ranked
    assert r.content.decode().count('class="pill ok next-ranked"') == 1


def test_it_marks_nobody_next_ranked_before_an_invitation_expired(
    login: Callable[[User], Client], need: Need, bob: User, experts: None
) -> None:
    r = login(bob).get(url(need))
    assert not r.context["page"].show_next_ranked
    assert "Next-ranked" not in r.content.decode()


# --- Queries ------------------------------------------------------------------------------


def test_it_reads_the_list_in_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    need: Need,
    bob: User,
    make_expert: MakeExpert,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    def add(first: int, count: int) -> None:
        for i in range(first, first + count):
            expert = make_expert(f"e{i}@example.org", f"Expert {i}")
            # Some already invited, one declined: the proposals table grows too.
            if i % 2:
                proposal = proposal_invite(need=need, expert=expert, sent_by=bob, message="Hi")
                if i % 4 == 1:
                    proposal_answer(proposal=proposal, by=expert.user, accept=False)

    client = login(bob)
    add(0, 2)
    client.get(url(need))  # the index catches up with the new rows once
    with django_assert_num_queries(QUERIES):
        r = client.get(url(need))
    assert len(ranked(r)) == 2
    assert len(r.context["page"].proposals) == 1
    add(2, 8)
    client.get(url(need))
    with django_assert_num_queries(QUERIES):
        r = client.get(url(need))
    # Experts 3 and 7 wait for an answer; the declined ones (1, 5, 9) are back on the list.
    assert len(ranked(r)) == 8
    assert len(r.context["page"].proposals) == 5


QUERIES = 13

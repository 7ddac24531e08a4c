"""An expert's side: the needs that fit them, and telling an institution they are interested."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.matches.models import Proposal, ProposalKind, ProposalStatus
from diaspora.matches.services import proposal_invite
from diaspora.needs.models import Need, NeedStatus
from diaspora.notifications.models import Notification, NotificationKind
from diaspora.people.models import ExpertProfile, Visibility
from tests.matches.conftest import MakeExpert, make_need


def interest_url(need: Need) -> str:
    return reverse("proposal_interest", args=[need.pk])


# --- Needs for me -------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, need: Need) -> None:
    for page in (reverse("needs_for_me"), interest_url(need)):
        r = client.get(page)
        assert r.status_code == 302
        assert r["Location"] == f"/accounts/login/?next={page}"
    assert client.post(interest_url(need), {"message": "Hi"}).status_code == 302
    assert not Proposal.objects.exists()


def test_it_ranks_open_needs_for_the_expert_with_reasons(
    login: Callable[[User], Client],
    institution: Institution,
    need: Need,
    dana: ExpertProfile,
    bob: User,
) -> None:
    other = make_need(
        institution, title="Cardiology lecture", description="Heart surgery.", status="open"
    )
    other.keywords.clear()
    other.disciplines.clear()
    make_need(institution, title="Draft malaria need", status=NeedStatus.DRAFT)
    proposal = proposal_invite(need=need, expert=dana, sent_by=bob, message="Hi")
    r = login(dana.user).get(reverse("needs_for_me"))
    assert r.status_code == 200
    rows = r.context["rows"]
    titles = [row.need.title for row in rows]
    assert titles[0] == need.title
    assert "Draft malaria need" not in titles
    assert rows[0].reasons
    assert rows[0].proposal == proposal
    content = r.content.decode()
    assert interest_url(need) in content
    assert escape(rows[0].reasons[0].text) in content


def test_it_asks_for_a_profile_first(login: Callable[[User], Client], charlie: User) -> None:
    r = login(charlie).get(reverse("needs_for_me"))
    assert r.status_code == 200
    assert r.context["rows"] == []
    assert reverse("expert_profile_edit") in r.content.decode()


def test_it_finds_needs_for_me_in_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    institution: Institution,
    dana: ExpertProfile,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(dana.user)
    make_need(institution, title="First")
    client.get(reverse("needs_for_me"))
    with django_assert_num_queries(QUERIES):
        assert len(client.get(reverse("needs_for_me")).context["rows"]) == 1
    for i in range(4):
        make_need(institution, title=f"More {i}")
    client.get(reverse("needs_for_me"))
    with django_assert_num_queries(QUERIES):
        assert len(client.get(reverse("needs_for_me")).context["rows"]) == 5


QUERIES = 16


# --- Interest -----------------------------------------------------------------------------


def test_it_shows_the_expert_how_they_fit_and_takes_their_interest(
    login: Callable[[User], Client], need: Need, dana: ExpertProfile, alice: User, bob: User
) -> None:
    client = login(dana.user)
    r = client.get(interest_url(need))
    assert r.status_code == 200
    shown_score = r.context["score"]
    assert shown_score > 0
    assert r.context["reasons"]
    content = r.content.decode()
    assert escape(r.context["reasons"][0].text) in content
    assert 'name="message"' in content
    r = client.post(interest_url(need), {"message": "I ran surveillance in Thiès."})
    proposal = Proposal.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("proposal_detail", args=[proposal.pk])
    assert (proposal.kind, proposal.expert, proposal.status) == (
        ProposalKind.INTEREST,
        dana,
        ProposalStatus.PENDING,
    )
    # The institution reads the very score the expert was shown.
    assert proposal.score == pytest.approx(shown_score)
    for member in (alice, bob):
        assert Notification.objects.filter(user=member, kind=NotificationKind.INTEREST).exists()
    # Once sent, the page says so instead of offering the form again.
    r = client.get(interest_url(need))
    assert r.context["current"] == proposal
    assert 'name="message"' not in r.content.decode()


def test_it_shows_the_same_reasons_the_institution_will_read(
    login: Callable[[User], Client], need: Need, make_expert: MakeExpert
) -> None:
    # Her origin is hidden: the page must not use it, although she may see it herself.
    expert = make_expert(
        "gaye@example.org",
        "Gaye Ba",
        origin_country="SN",
        origin_country_visibility=Visibility.HIDDEN,
    )
    client = login(expert.user)
    r = client.get(interest_url(need))
    shown = [(x.code, x.text) for x in r.context["reasons"]]
    assert "diaspora" not in [code for code, _text in shown]
    client.post(interest_url(need), {"message": "Hello"})
    stored = [(x["code"], x["text"]) for x in Proposal.objects.get().reasons]
    assert stored == shown


def test_it_keeps_the_message_and_shows_the_error(
    login: Callable[[User], Client], need: Need, dana: ExpertProfile
) -> None:
    r = login(dana.user).post(interest_url(need), {"message": ""})
    assert r.status_code == 200
    assert "Write a short message." in r.content.decode()
    r = login(dana.user).post(interest_url(need), {"message": "z" * 5001})
    assert "z" * 5001 in r.content.decode()
    assert r.context["form"].errors["message"]
    assert not Proposal.objects.exists()


def test_it_refuses_interest_in_a_need_that_is_not_open(
    login: Callable[[User], Client], need: Need, dana: ExpertProfile
) -> None:
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.CLOSED)
    client = login(dana.user)
    r = client.get(interest_url(need))
    assert r.status_code == 200
    assert "This need is not open" in r.content.decode()
    r = client.post(interest_url(need), {"message": "Hi"})
    assert "Only an open need takes invitations and interest." in r.content.decode()
    assert not Proposal.objects.exists()


def test_it_hides_a_draft_need_from_experts(
    login: Callable[[User], Client], need: Need, dana: ExpertProfile
) -> None:
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.DRAFT)
    client = login(dana.user)
    assert client.get(interest_url(need)).status_code == 404
    assert client.post(interest_url(need), {"message": "Hi"}).status_code == 404
    assert client.get(reverse("proposal_interest", args=[999999])).status_code == 404


def test_it_needs_an_expert_profile(
    login: Callable[[User], Client], need: Need, charlie: User
) -> None:
    client = login(charlie)
    r = client.get(interest_url(need))
    assert r.status_code == 200
    assert reverse("expert_profile_edit") in r.content.decode()
    assert client.post(interest_url(need), {"message": "Hi"}).status_code == 403
    assert not Proposal.objects.exists()


def test_it_says_which_required_language_is_missing(
    login: Callable[[User], Client], need: Need, frank: ExpertProfile
) -> None:
    r = login(frank.user).get(interest_url(need))
    assert r.status_code == 200
    assert r.context["reasons"] == []
    assert "This need requires French, which your profile does not list." in r.content.decode()

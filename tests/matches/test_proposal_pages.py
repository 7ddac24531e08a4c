"""My invitations and interest, one proposal, answering and withdrawing from the pages."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, InstitutionType, MemberRole, Membership
from diaspora.matches.models import Match, Proposal, ProposalStatus
from diaspora.matches.services import proposal_express_interest, proposal_invite
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile
from tests.matches.conftest import MakeExpert, make_need


def detail(proposal: Proposal) -> str:
    return reverse("proposal_detail", args=[proposal.pk])


def answer(proposal: Proposal) -> str:
    return reverse("proposal_answer", args=[proposal.pk])


def withdraw(proposal: Proposal) -> str:
    return reverse("proposal_withdraw", args=[proposal.pk])


@pytest.fixture
def invitation(need: Need, dana: ExpertProfile, bob: User) -> Proposal:
    return proposal_invite(need=need, expert=dana, sent_by=bob, message="Would you mentor us?")


@pytest.fixture
def interest(need: Need, eve: ExpertProfile) -> Proposal:
    return proposal_express_interest(
        need=need, expert=eve, sent_by=eve.user, message="I would love to help."
    )


# --- Anonymous ----------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, invitation: Proposal) -> None:
    for page in (reverse("proposal_list"), detail(invitation)):
        r = client.get(page)
        assert r.status_code == 302
        assert r["Location"] == f"/accounts/login/?next={page}"
    for action in (answer(invitation), withdraw(invitation)):
        assert client.post(action, {"decision": "accept"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.PENDING


# --- The list -----------------------------------------------------------------------------


def test_it_shows_an_expert_invitations_to_answer_and_interest_sent(
    login: Callable[[User], Client],
    need: Need,
    dana: ExpertProfile,
    invitation: Proposal,
    interest: Proposal,
) -> None:
    other = make_need(need.institution, title="Malaria course")
    sent = proposal_express_interest(need=other, expert=dana, sent_by=dana.user, message="Me!")
    r = login(dana.user).get(reverse("proposal_list"))
    assert r.status_code == 200
    assert r.context["incoming"] == [invitation]
    assert r.context["outgoing"] == [sent]
    content = r.content.decode()
    assert answer(invitation) in content
    assert withdraw(sent) in content
    # Eve's interest in the same need is none of Dana's business.
    assert detail(interest) not in content


def test_it_shows_members_interest_to_answer_and_invitations_sent(
    login: Callable[[User], Client], alice: User, invitation: Proposal, interest: Proposal
) -> None:
    r = login(alice).get(reverse("proposal_list"))
    assert r.context["incoming"] == [interest]
    assert r.context["outgoing"] == [invitation]
    content = r.content.decode()
    assert answer(interest) in content
    assert withdraw(invitation) in content


def test_it_shows_an_outsider_nothing(
    login: Callable[[User], Client], charlie: User, invitation: Proposal, interest: Proposal
) -> None:
    r = login(charlie).get(reverse("proposal_list"))
    assert r.status_code == 200
    assert r.context["incoming"] == []
    assert r.context["outgoing"] == []
    assert list(r.context["page"].object_list) == []


def test_it_expires_overdue_ones_as_it_lists_them(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    Proposal.objects.update(deadline=timezone.now() - timedelta(minutes=5))
    r = login(dana.user).get(reverse("proposal_list"))
    assert r.context["incoming"] == []
    assert list(r.context["page"].object_list) == [invitation]
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.EXPIRED


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
            need = make_need(institution, title=f"Need {i}")
            proposal_invite(need=need, expert=expert, sent_by=bob, message="Hi")
            proposal_express_interest(
                need=make_need(institution, title=f"Other {i}"),
                expert=expert,
                sent_by=expert.user,
                message="Me",
            )
            done = proposal_invite(
                need=make_need(institution, title=f"Done {i}"),
                expert=expert,
                sent_by=bob,
                message="Hi",
            )
            Proposal.objects.filter(pk=done.pk).update(status=ProposalStatus.DECLINED)

    add(0, 1)
    with django_assert_num_queries(QUERIES):
        r = client.get(reverse("proposal_list"))
    assert (len(r.context["incoming"]), len(r.context["outgoing"])) == (1, 1)
    add(1, 4)
    with django_assert_num_queries(QUERIES):
        r = client.get(reverse("proposal_list"))
    assert (len(r.context["incoming"]), len(r.context["outgoing"])) == (5, 5)
    assert len(r.context["page"].object_list) == 5


QUERIES = 7


# --- One proposal -------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["alice", "bob", "dana", "moderator"])
def test_it_shows_a_proposal_to_both_sides_and_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    invitation: Proposal,
    viewer: str,
) -> None:
    user = request.getfixturevalue(viewer)
    user = user.user if isinstance(user, ExpertProfile) else user
    r = login(user).get(detail(invitation))
    assert r.status_code == 200
    content = r.content.decode()
    assert "Would you mentor us?" in content
    for reason in invitation.reasons:
        assert escape(reason["text"]) in content
    assert ('name="decision"' in content) is (viewer == "dana")
    assert (withdraw(invitation) in content) is (viewer in ("alice", "bob"))


def test_it_hides_a_proposal_from_everyone_else(
    login: Callable[[User], Client],
    charlie: User,
    eve: ExpertProfile,
    make_user: Callable[..., User],
    invitation: Proposal,
) -> None:
    stranger_institution = Institution.objects.create(
        name="Hôpital Principal", country="SN", type=InstitutionType.HOSPITAL
    )
    member = make_user("omar@example.org", name="Omar")
    Membership.objects.create(institution=stranger_institution, user=member, role=MemberRole.ADMIN)
    for user in (charlie, eve.user, member):
        client = login(user)
        assert client.get(detail(invitation)).status_code == 404
        assert client.post(answer(invitation), {"decision": "accept"}).status_code == 404
        assert client.post(withdraw(invitation)).status_code == 404
    assert login(charlie).get(reverse("proposal_detail", args=[999999])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.PENDING


def test_it_expires_a_proposal_read_past_its_deadline(
    login: Callable[[User], Client], bob: User, invitation: Proposal
) -> None:
    Proposal.objects.update(deadline=timezone.now() - timedelta(minutes=5))
    r = login(bob).get(detail(invitation))
    assert r.status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.EXPIRED
    content = r.content.decode()
    assert "Expired" in content
    assert reverse("need_matches", args=[invitation.need_id]) in content


# --- Answering and withdrawing -------------------------------------------------------------


def test_it_accepts_from_the_page(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    r = login(dana.user).post(answer(invitation), {"decision": "accept", "reason": "Gladly."})
    assert r.status_code == 302
    assert r["Location"] == detail(invitation)
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.ACCEPTED
    assert invitation.answer_reason == "Gladly."
    assert Match.objects.filter(proposal=invitation).exists()


def test_it_declines_from_the_page(
    login: Callable[[User], Client], bob: User, interest: Proposal
) -> None:
    r = login(bob).post(answer(interest), {"decision": "decline", "reason": "Filled."})
    assert r.status_code == 302
    interest.refresh_from_db()
    assert (interest.status, interest.answer_reason) == (ProposalStatus.DECLINED, "Filled.")


def test_it_forbids_answering_to_the_side_that_sent_it_and_moderators(
    login: Callable[[User], Client],
    bob: User,
    moderator: User,
    eve: ExpertProfile,
    invitation: Proposal,
    interest: Proposal,
) -> None:
    assert login(bob).post(answer(invitation), {"decision": "accept"}).status_code == 403
    assert login(moderator).post(answer(invitation), {"decision": "accept"}).status_code == 403
    assert login(eve.user).post(answer(interest), {"decision": "accept"}).status_code == 403
    assert not Match.objects.exists()


def test_it_keeps_the_reason_and_shows_the_error(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    client = login(dana.user)
    r = client.post(answer(invitation), {"decision": "", "reason": "Thinking about it"})
    assert r.status_code == 200
    assert "Choose to accept or decline." in r.content.decode()
    assert "Thinking about it" in r.content.decode()
    r = client.post(answer(invitation), {"decision": "decline", "reason": "y" * 2001})
    assert r.status_code == 200
    assert "y" * 2001 in r.content.decode()
    assert r.context["answer_form"].errors["reason"]
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.PENDING


def test_it_says_clearly_when_the_proposal_expired(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    Proposal.objects.update(deadline=timezone.now() - timedelta(minutes=5))
    r = login(dana.user).post(answer(invitation), {"decision": "accept"})
    assert r.status_code == 200
    assert "This proposal expired without an answer." in r.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.EXPIRED
    assert not Match.objects.exists()


def test_it_says_clearly_when_the_proposal_was_answered(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    client = login(dana.user)
    client.post(answer(invitation), {"decision": "decline"})
    r = client.post(answer(invitation), {"decision": "accept"})
    assert r.status_code == 200
    assert "This proposal was already declined." in r.content.decode()


def test_it_withdraws_from_the_page(
    login: Callable[[User], Client],
    alice: User,
    dana: ExpertProfile,
    invitation: Proposal,
    interest: Proposal,
) -> None:
    assert login(dana.user).post(withdraw(invitation)).status_code == 403
    assert login(alice).post(withdraw(interest)).status_code == 403
    r = login(alice).post(withdraw(invitation))
    assert r.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == ProposalStatus.WITHDRAWN
    r = login(alice).post(withdraw(invitation), follow=True)
    assert "This proposal was withdrawn." in r.content.decode()


def test_it_takes_only_posts_to_answer_and_withdraw(
    login: Callable[[User], Client], dana: ExpertProfile, invitation: Proposal
) -> None:
    client = login(dana.user)
    assert client.get(answer(invitation)).status_code == 405
    assert client.get(withdraw(invitation)).status_code == 405

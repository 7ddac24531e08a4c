"""An accepted request for an expert's offer opens an engagement, within the offer's capacity."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import Institution
from diaspora.needs.models import OfferRequest, RequestStatus
from diaspora.needs.services import offer_request_answer
from diaspora.people.models import ExpertProfile
from mentoring.engagements.models import Engagement, EngagementKind, EngagementStatus
from mentoring.engagements.services import engagement_transition
from tests.needs.conftest import build_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(make_user: Callable[..., User]) -> User:
    user = make_user("erin@example.org", name="Erin Sow", role=Role.EXPERT)
    ExpertProfile.objects.create(user=user, headline="Statistician", hours_per_month=6)
    return user


def _request(
    offer_kind: str, erin: User, institution: Institution, bob: User, capacity: int = 2
) -> OfferRequest:
    built = build_offer(erin.expert_profile, kind=offer_kind, languages=["fr"], capacity=capacity)
    return OfferRequest.objects.create(
        offer=built, institution=institution, requested_by=bob, message="Could you start in May?"
    )


@pytest.mark.parametrize(
    ("offer_kind", "kind", "expert_role"),
    [
        ("mentoring", EngagementKind.MENTORSHIP, "mentor"),
        ("course", EngagementKind.COURSE, "instructor"),
        ("research", EngagementKind.PROJECT, "lead"),
    ],
)
def test_it_opens_the_engagement_of_the_offers_kind(
    erin: User, institution: Institution, bob: User, offer_kind: str, kind: str, expert_role: str
) -> None:
    request = _request(offer_kind, erin, institution, bob)
    offer_request_answer(offer_request=request, accept=True, by=erin)
    engagement = Engagement.objects.get(offer_request=request)
    assert (engagement.kind, engagement.status) == (kind, EngagementStatus.PROPOSED)
    assert engagement.institution == institution
    roles = {p.user_id: (p.role, p.side) for p in engagement.participants.current()}
    assert roles == {erin.pk: (expert_role, "expert"), bob.pk: ("coordinator", "institution")}


def test_it_opens_nothing_when_the_expert_declines(
    erin: User, institution: Institution, bob: User
) -> None:
    request = _request("mentoring", erin, institution, bob)
    offer_request_answer(offer_request=request, accept=False, by=erin)
    assert not Engagement.objects.exists()


def test_it_refuses_an_acceptance_beyond_the_offers_capacity_and_keeps_nothing(
    erin: User, institution: Institution, bob: User, make_user: Callable[..., User]
) -> None:
    first = _request("mentoring", erin, institution, bob, capacity=1)
    offer_request_answer(offer_request=first, accept=True, by=erin)
    second = OfferRequest.objects.create(
        offer=first.offer,
        institution=Institution.objects.create(name="Other", country="GH"),
        requested_by=make_user("kofi@example.org", name="Kofi"),
        message="Us too?",
    )
    with pytest.raises(ValidationError, match="capacity"):
        offer_request_answer(offer_request=second, accept=True, by=erin)
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING
    assert Engagement.objects.count() == 1

    # Once the first engagement ends, the seat is free again.
    engagement_transition(
        engagement=Engagement.objects.get(offer_request=first),
        to_status=EngagementStatus.CANCELLED,
        by=erin,
        reason="Funding fell through.",
    )
    offer_request_answer(offer_request=second, accept=True, by=erin)
    assert Engagement.objects.filter(offer_request=second).exists()


def test_the_page_shows_the_capacity_error_to_the_expert(
    login: Callable[[User], Client],
    erin: User,
    institution: Institution,
    bob: User,
    make_user: Callable[..., User],
) -> None:
    first = _request("mentoring", erin, institution, bob, capacity=1)
    offer_request_answer(offer_request=first, accept=True, by=erin)
    second = OfferRequest.objects.create(
        offer=first.offer,
        institution=Institution.objects.create(name="Other", country="GH"),
        requested_by=make_user("kofi@example.org", name="Kofi"),
        message="Us too?",
    )
    r = login(erin).post(
        reverse("offer_request_answer", args=[second.pk]), {"decision": "accept"}, follow=True
    )
    assert "capacity" in r.content.decode()
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING


def test_the_accepted_proposal_links_to_its_engagement(
    login: Callable[[User], Client], alice: User, bob: User, institution: Institution
) -> None:
    from diaspora.matches.services import proposal_answer, proposal_invite
    from tests.needs.conftest import build_need

    need = build_need(institution=institution, title="Mentoring in biostatistics", status="open")
    need.engagement_type = need.engagement_type.__class__.objects.get(code="mentoring")
    need.save(update_fields=["engagement_type"])
    proposal = proposal_invite(
        need=need, expert=alice.expert_profile, sent_by=bob, message="Would you mentor us?"
    )
    proposal_answer(proposal=proposal, by=alice, accept=True)
    engagement = Engagement.objects.get(need=need)
    url = reverse("proposal_detail", args=[proposal.pk])
    link = reverse("engagement_detail", args=[engagement.pk])
    assert link in login(alice).get(url).content.decode()
    assert link in login(bob).get(url).content.decode()

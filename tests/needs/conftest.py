"""Fixtures for needs and offers.

`dora` is bob's counterpart at another institution (member there, not here); `erin` is an
expert with no institution, who publishes `offer`.
"""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import pytest

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)
from diaspora.needs.models import (
    Need,
    NeedLanguage,
    NeedStatus,
    Offer,
    OfferLanguage,
    OfferRequest,
)
from diaspora.people.models import ExpertProfile
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

MakeNeed = Callable[..., Need]
MakeOffer = Callable[..., Offer]


@pytest.fixture
def other_institution(db: None) -> Institution:
    return Institution.objects.create(
        name="Kwame Nkrumah University of Science and Technology",
        country="GH",
        city="Kumasi",
        type=InstitutionType.UNIVERSITY,
        verification_status=VerificationStatus.VERIFIED,
    )


@pytest.fixture
def dora(make_user: Callable[..., User], other_institution: Institution) -> User:
    user = make_user("dora@example.org", name="Dora Owusu", role=Role.INSTITUTION)
    Membership.objects.create(institution=other_institution, user=user, role=MemberRole.ADMIN)
    return user


@pytest.fixture
def erin(make_user: Callable[..., User]) -> User:
    user = make_user("erin@example.org", name="Erin Sow", role=Role.EXPERT)
    ExpertProfile.objects.create(user=user, headline="Statistician, Montréal", hours_per_month=6)
    return user


def build_need(
    institution: Institution,
    *,
    title: str = "Teach a biostatistics course",
    status: str = NeedStatus.DRAFT,
    engagement: str = "course",
    mode: str = "online",
    disciplines: Iterable[str] = (),
    keywords: Iterable[str] = (),
    required: Iterable[str] = (),
    preferred: Iterable[str] = (),
    description: str = "",
    **fields: Any,
) -> Need:
    """A need straight in the database (no service), in any status."""
    need = Need(
        institution=institution,
        title=title,
        status=status,
        engagement_type=EngagementType.objects.get(code=engagement),
        mode=Mode.objects.get(code=mode),
        **fields,
    )
    need.set_description(description)
    need.save()
    need.disciplines.set(Discipline.objects.filter(code__in=disciplines))
    for word in keywords:
        need.keywords.add(Keyword.objects.get_or_create(name=word)[0])
    for code in required:
        NeedLanguage.objects.create(need=need, code=code, required=True)
    for code in preferred:
        NeedLanguage.objects.create(need=need, code=code, required=False)
    return need


@pytest.fixture
def make_need(institution: Institution) -> MakeNeed:
    def make(**values: Any) -> Need:
        values.setdefault("institution", institution)
        return build_need(**values)

    return make


@pytest.fixture
def draft(make_need: MakeNeed) -> Need:
    return make_need(title="Draft course", start_date=date(2030, 1, 1))


@pytest.fixture
def open_need(make_need: MakeNeed) -> Need:
    return make_need(title="Open course", status=NeedStatus.OPEN)


def build_offer(
    expert: ExpertProfile,
    *,
    title: str = "Survey design for health research",
    kind: str = "course",
    disciplines: Iterable[str] = (),
    languages: Iterable[str] = (),
    modes: Iterable[str] = (),
    description: str = "",
    **fields: Any,
) -> Offer:
    offer = Offer(
        expert=expert,
        title=title,
        engagement_type=EngagementType.objects.get(code=kind),
        **fields,
    )
    offer.set_description(description)
    offer.save()
    offer.disciplines.set(Discipline.objects.filter(code__in=disciplines))
    offer.modes.set(Mode.objects.filter(code__in=modes))
    for code in languages:
        OfferLanguage.objects.create(offer=offer, code=code)
    return offer


@pytest.fixture
def make_offer(erin: User) -> MakeOffer:
    def make(**values: Any) -> Offer:
        expert = values.pop("expert", None) or erin.expert_profile
        return build_offer(expert, **values)

    return make


@pytest.fixture
def offer(make_offer: MakeOffer) -> Offer:
    return make_offer(languages=["fr", "en"], modes=["online"], disciplines=["3.3"])


@pytest.fixture
def pending_request(offer: Offer, institution: Institution, bob: User) -> OfferRequest:
    return OfferRequest.objects.create(
        offer=offer, institution=institution, requested_by=bob, message="Could you teach in May?"
    )

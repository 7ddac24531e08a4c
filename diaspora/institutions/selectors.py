from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from diaspora.institutions.models import Institution, Membership, VerificationStatus
from diaspora.querying import matching_every_term


@dataclass(frozen=True)
class InstitutionFilters:
    q: str = ""
    country: str = ""
    type: str = ""
    verified: bool = False


def institution_directory(*, filters: InstitutionFilters) -> QuerySet[Institution]:
    qs = Institution.objects.all()
    qs = matching_every_term(qs, filters.q, ["name", "city", "description"])
    if filters.country:
        qs = qs.filter(country=filters.country)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.verified:
        qs = qs.filter(verification_status=VerificationStatus.VERIFIED)
    return qs.annotate(member_count=Count("memberships")).order_by("name", "pk")


def institution_members(*, institution: Institution) -> QuerySet[Membership]:
    return institution.memberships.select_related("user").order_by("-role", "user__name")


def memberships_of(*, user: Any) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("institution")


def institutions_awaiting_verification() -> QuerySet[Institution]:
    return Institution.objects.filter(verification_status=VerificationStatus.UNVERIFIED).order_by(
        "created_at"
    )

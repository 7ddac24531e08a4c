from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from diaspora.institutions.models import Institution
from diaspora.needs.models import (
    Need,
    NeedLanguage,
    NeedStatus,
    Offer,
    OfferLanguage,
    OfferRequest,
    RequestStatus,
)
from diaspora.querying import discipline_q, matching_every_term


@dataclass(frozen=True)
class NeedFilters:
    q: str = ""
    discipline: str = ""  # a FORD code: "1" takes the whole major field, "1.2" one field
    engagement_type: str = ""
    mode: str = ""
    language: str = ""  # required or preferred
    country: str = ""  # of the institution
    institution: int | None = None


def need_directory(*, filters: NeedFilters) -> QuerySet[Need]:
    """Open needs matching the filters, newest first, without prefetches (see `need_cards`)."""
    qs = Need.objects.open()
    qs = matching_every_term(qs, filters.q, ["title", "description", "keywords__name"])
    if filters.discipline:
        qs = qs.filter(discipline_q(filters.discipline))
    if filters.engagement_type:
        qs = qs.filter(engagement_type__code=filters.engagement_type)
    if filters.mode:
        qs = qs.filter(mode__code=filters.mode)
    if filters.language:
        qs = qs.filter(languages__code=filters.language)
    if filters.country:
        qs = qs.filter(institution__country=filters.country)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    # Joins through many-to-many filters repeat rows; ids first keeps DISTINCT cheap.
    ids = qs.values("pk").distinct()
    # Imported needs may be open without a publication time: they come last.
    return Need.objects.filter(pk__in=ids).order_by(F("published_at").desc(nulls_last=True), "-pk")


def need_cards(qs: QuerySet[Need]) -> QuerySet[Need]:
    """Just what a list row shows."""
    return qs.select_related("institution", "engagement_type", "mode").prefetch_related(
        "disciplines", Prefetch("languages", queryset=NeedLanguage.objects.all())
    )


def need_with_details(qs: QuerySet[Need]) -> QuerySet[Need]:
    return need_cards(qs).select_related("created_by").prefetch_related("keywords")


def needs_of_member(
    *, user: Any, status: str = "", institution: int | None = None
) -> QuerySet[Need]:
    """Every need of every institution the user belongs to, whatever its status."""
    if not user.is_authenticated:
        return Need.objects.none()
    qs = Need.objects.filter(institution__memberships__user=user)
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution_id=institution)
    return qs.order_by("-updated_at", "-pk")


def institutions_of(*, user: Any) -> QuerySet[Institution]:
    """The institutions a user may act for (post needs, request offers)."""
    if not user.is_authenticated:
        return Institution.objects.none()
    return Institution.objects.filter(memberships__user=user).order_by("name", "pk")


def institutions_with_open_needs() -> QuerySet[Institution]:
    return (
        Institution.objects.filter(needs__status=NeedStatus.OPEN).distinct().order_by("name", "pk")
    )


@dataclass(frozen=True)
class OfferFilters:
    q: str = ""
    discipline: str = ""
    kind: str = ""
    language: str = ""
    mode: str = ""


def offer_directory(*, filters: OfferFilters) -> QuerySet[Offer]:
    """Active offers of listed experts, newest first."""
    qs = Offer.objects.filter(is_active=True, expert__is_listed=True, expert__user__is_active=True)
    qs = matching_every_term(
        qs, filters.q, ["title", "description", "expert__user__name", "expert__headline"]
    )
    if filters.discipline:
        qs = qs.filter(discipline_q(filters.discipline))
    if filters.kind:
        qs = qs.filter(engagement_type__code=filters.kind)
    if filters.language:
        qs = qs.filter(languages__code=filters.language)
    if filters.mode:
        qs = qs.filter(modes__code=filters.mode)
    ids = qs.values("pk").distinct()
    return Offer.objects.filter(pk__in=ids).order_by("-created_at", "-pk")


def offer_cards(qs: QuerySet[Offer]) -> QuerySet[Offer]:
    return qs.select_related("expert__user", "engagement_type").prefetch_related(
        "disciplines", "modes", Prefetch("languages", queryset=OfferLanguage.objects.all())
    )


def offers_of_expert(*, expert: Any) -> QuerySet[Offer]:
    return offer_cards(
        Offer.objects.filter(expert=expert)
        .annotate(pending_count=Count("requests", filter=Q(requests__status=RequestStatus.PENDING)))
        .order_by("-is_active", "-created_at", "-pk")
    )


def _request_rows(qs: QuerySet[OfferRequest]) -> QuerySet[OfferRequest]:
    return qs.select_related(
        "offer__expert__user", "offer__engagement_type", "institution", "requested_by"
    ).order_by("-created_at", "-pk")


def offer_requests_incoming(*, user: Any, status: str = "") -> QuerySet[OfferRequest]:
    """Requests for the user's own offers."""
    if not user.is_authenticated:
        return OfferRequest.objects.none()
    qs = OfferRequest.objects.filter(offer__expert__user=user)
    if status:
        qs = qs.filter(status=status)
    return _request_rows(qs)


def offer_requests_outgoing(*, user: Any, status: str = "") -> QuerySet[OfferRequest]:
    """Requests made by the institutions the user belongs to."""
    if not user.is_authenticated:
        return OfferRequest.objects.none()
    qs = OfferRequest.objects.filter(institution__memberships__user=user)
    if status:
        qs = qs.filter(status=status)
    return _request_rows(qs)


def offer_requests_of_user(*, user: Any, status: str = "") -> QuerySet[OfferRequest]:
    """Both directions at once (the API's list)."""
    if not user.is_authenticated:
        return OfferRequest.objects.none()
    ids = OfferRequest.objects.filter(
        Q(offer__expert__user=user) | Q(institution__memberships__user=user)
    ).values("pk")
    qs = OfferRequest.objects.filter(pk__in=ids)
    if status:
        qs = qs.filter(status=status)
    return _request_rows(qs)

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification
from diaspora.people.visibility import visible_q
from diaspora.querying import discipline_q, matching_every_term


@dataclass(frozen=True)
class ExpertFilters:
    q: str = ""
    discipline: str = ""  # a FORD code: "1" takes the whole major field, "1.2" one field
    origin_country: str = ""
    residence_country: str = ""
    language: str = ""
    engagement_type: str = ""
    mode: str = ""
    has_capacity: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def expert_profiles_with_details(qs: QuerySet[ExpertProfile]) -> QuerySet[ExpertProfile]:
    return qs.select_related("user").prefetch_related(
        "disciplines",
        "keywords",
        "engagement_types",
        "modes",
        Prefetch("languages", queryset=ExpertLanguage.objects.order_by("id")),
        Prefetch("qualifications", queryset=Qualification.objects.order_by("-year", "id")),
    )


def expert_directory(*, viewer: Any, filters: ExpertFilters) -> QuerySet[ExpertProfile]:
    """Listed experts matching the filters, as seen by `viewer`, without prefetches: add
    `expert_cards` or `expert_profiles_with_details` for what the caller shows.

    A filter on a sensitive field matches only where the viewer may see that field, so
    filtering by a country never reveals who hid it.
    """
    qs = ExpertProfile.objects.listed()
    qs = matching_every_term(
        qs,
        filters.q,
        ["user__name", "headline", "bio", "current_affiliation", "keywords__name"],
    )
    if filters.discipline:
        qs = qs.filter(discipline_q(filters.discipline))
    if filters.origin_country:
        qs = qs.filter(
            Q(origin_country=filters.origin_country) & visible_q("origin_country", viewer)
        )
    if filters.residence_country:
        qs = qs.filter(
            Q(residence_country=filters.residence_country) & visible_q("residence_country", viewer)
        )
    if filters.language:
        qs = qs.filter(languages__code=filters.language)
    if filters.engagement_type:
        qs = qs.filter(engagement_types__code=filters.engagement_type)
    if filters.mode:
        qs = qs.filter(modes__code=filters.mode)
    if filters.has_capacity:
        qs = qs.has_capacity()
    # Joins through many-to-many filters repeat rows; ids first keeps DISTINCT cheap.
    ids = qs.values("pk").distinct()
    return ExpertProfile.objects.filter(pk__in=ids).order_by("user__name", "pk")


def expert_cards(qs: QuerySet[ExpertProfile]) -> QuerySet[ExpertProfile]:
    """Just what a directory card shows."""
    return qs.select_related("user").prefetch_related("disciplines", "engagement_types")

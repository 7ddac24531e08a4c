from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from diaspora.api_utils import ANYONE, PageMeta, PageQuery, paginated, signed_in_user, viewer
from diaspora.people.models import ExpertProfile
from diaspora.people.permissions import get_expert_profile_for_user
from diaspora.people.selectors import ExpertFilters, expert_directory, expert_profiles_with_details
from diaspora.people.services import (
    LanguageInput,
    QualificationInput,
    expert_profile_ensure,
    expert_profile_update,
)
from diaspora.people.visibility import ExpertView, expert_view
from diaspora.reference.languages import language_name
from diaspora.reference.models import Discipline, EngagementType, Mode

router = Router()


class DisciplineOut(Schema):
    code: str
    label: str


class LanguageOut(Schema):
    code: str
    name: str
    level: str


class QualificationOut(Schema):
    id: int
    degree: str
    field: str
    institution: str
    country: str
    year: int
    recognition_status: str


class ExpertOut(Schema):
    id: int
    name: str
    headline: str
    bio: str
    bio_html: str
    current_affiliation: str
    origin_country: str | None = Field(description="Absent when the expert hides it from you.")
    residence_country: str | None
    city: str | None
    timezone: str | None
    disciplines: list[DisciplineOut]
    keywords: list[str]
    languages: list[LanguageOut]
    engagement_types: list[str]
    modes: list[str]
    willing_to_travel: bool
    hours_per_month: int
    max_mentees: int
    has_capacity: bool
    qualifications: list[QualificationOut]


class ExpertPage(Schema):
    meta: PageMeta
    results: list[ExpertOut]


class OwnExpertOut(ExpertOut):
    origin_country_visibility: str
    residence_country_visibility: str
    city_visibility: str
    is_listed: bool


def expert_out(view: ExpertView) -> dict:
    p: ExpertProfile = view.profile
    return {
        "id": p.pk,
        "name": p.user.display_name,
        "headline": p.headline,
        "bio": p.bio,
        "bio_html": p.bio_html,
        "current_affiliation": p.current_affiliation,
        "origin_country": view.origin_country.code if view.origin_country else None,
        "residence_country": view.residence_country.code if view.residence_country else None,
        "city": view.city or None,
        "timezone": view.timezone or None,
        "disciplines": [{"code": d.code, "label": d.label} for d in p.disciplines.all()],
        "keywords": [k.name for k in p.keywords.all()],
        "languages": [
            {"code": lang.code, "name": language_name(lang.code), "level": lang.level}
            for lang in p.languages.all()
        ],
        "engagement_types": [e.code for e in p.engagement_types.all()],
        "modes": [m.code for m in p.modes.all()],
        "willing_to_travel": p.willing_to_travel,
        "hours_per_month": p.hours_per_month,
        "max_mentees": p.max_mentees,
        "has_capacity": p.has_capacity,
        "qualifications": [
            {
                "id": q.pk,
                "degree": q.degree,
                "field": q.field,
                "institution": q.institution,
                "country": q.country.code,
                "year": q.year,
                "recognition_status": q.recognition_status,
            }
            for q in p.qualifications.all()
        ],
    }


def own_expert_out(profile: ExpertProfile) -> dict:
    data = expert_out(expert_view(profile, profile.user))
    data.update(
        origin_country_visibility=profile.origin_country_visibility,
        residence_country_visibility=profile.residence_country_visibility,
        city_visibility=profile.city_visibility,
        is_listed=profile.is_listed,
    )
    return data


class DirectoryQuery(PageQuery):
    q: str = ""
    discipline: str = ""
    origin_country: str = ""
    residence_country: str = ""
    language: str = ""
    engagement_type: str = ""
    mode: str = ""
    has_capacity: bool = False


@router.get("/", response=ExpertPage, auth=ANYONE, summary="Search the expert directory")
def list_experts(request: HttpRequest, query: Query[DirectoryQuery]) -> dict:
    who = viewer(request)
    experts = expert_directory(viewer=who, filters=ExpertFilters(**query.filters()))
    return paginated(
        expert_profiles_with_details(experts), query, lambda p: expert_out(expert_view(p, who))
    )


class LanguageIn(Schema):
    code: str
    level: str


class QualificationIn(Schema):
    id: int | None = None
    degree: str
    field: str
    institution: str
    country: str
    year: int


class ProfilePatch(Schema):
    headline: str | None = None
    bio: str | None = None
    current_affiliation: str | None = None
    origin_country: str | None = None
    origin_country_visibility: str | None = None
    residence_country: str | None = None
    residence_country_visibility: str | None = None
    city: str | None = None
    city_visibility: str | None = None
    timezone: str | None = None
    willing_to_travel: bool | None = None
    hours_per_month: int | None = Field(None, ge=0, le=200)
    max_mentees: int | None = Field(None, ge=0, le=100)
    is_listed: bool | None = None
    disciplines: list[str] | None = Field(None, description="FORD codes, e.g. ['3.3', '1.2']")
    keywords: list[str] | None = None
    engagement_types: list[str] | None = None
    modes: list[str] | None = None
    languages: list[LanguageIn] | None = None
    qualifications: list[QualificationIn] | None = None


CLEARABLE = {"headline", "current_affiliation", "origin_country", "residence_country", "city"}


def by_codes(qs: QuerySet[Any], given: dict[str, Any], key: str, message: str) -> list[Any] | None:
    """The rows named by the codes in `given[key]`; None when the key was not sent."""
    if key not in given:
        return None
    codes = set(given[key] or [])
    rows = list(qs.filter(code__in=codes))
    missing = codes - {row.code for row in rows}
    if missing:
        raise ValidationError({key: [message % {"codes": ", ".join(sorted(missing))}]})
    return rows


@router.get(
    "/me", response=OwnExpertOut, summary="Your own expert profile, with its visibility settings"
)
def my_profile(request: HttpRequest) -> dict:
    profile = ExpertProfile.objects.filter(user=signed_in_user(request)).first()
    if profile is None:
        # Reading must not create one; PATCH does, for someone who decides to offer expertise.
        raise Http404
    return own_expert_out(
        expert_profiles_with_details(ExpertProfile.objects.filter(pk=profile.pk)).get()
    )


@router.patch("/me", response=OwnExpertOut, summary="Change your own expert profile")
def update_my_profile(request: HttpRequest, patch: ProfilePatch) -> dict:
    profile = expert_profile_ensure(user=signed_in_user(request))
    given = patch.dict(exclude_unset=True)
    lists = {
        "bio",
        "disciplines",
        "keywords",
        "engagement_types",
        "modes",
        "languages",
        "qualifications",
    }
    values = {
        k: ("" if v is None and k in CLEARABLE else v) for k, v in given.items() if k not in lists
    }
    disciplines = by_codes(
        Discipline.objects.filter(parent__isnull=False),
        given,
        "disciplines",
        _("Unknown FORD field code: %(codes)s."),
    )
    engagement_types = by_codes(
        EngagementType.objects.all(),
        given,
        "engagement_types",
        _("Unknown engagement type: %(codes)s."),
    )
    modes = by_codes(Mode.objects.all(), given, "modes", _("Unknown mode: %(codes)s."))
    expert_profile_update(
        profile=profile,
        values=values,
        bio=given.get("bio"),
        disciplines=disciplines,
        keywords=given.get("keywords"),
        engagement_types=engagement_types,
        modes=modes,
        languages=[LanguageInput(**x) for x in given["languages"]]
        if "languages" in given
        else None,
        qualifications=(
            [QualificationInput(**x) for x in given["qualifications"]]
            if "qualifications" in given
            else None
        ),
    )
    return own_expert_out(
        expert_profiles_with_details(ExpertProfile.objects.filter(pk=profile.pk)).get()
    )


@router.get("/{int:expert_id}", response=ExpertOut, auth=ANYONE, summary="One expert's profile")
def get_expert(request: HttpRequest, expert_id: int) -> dict:
    who = viewer(request)
    profile = get_expert_profile_for_user(who, expert_id)
    profile = expert_profiles_with_details(ExpertProfile.objects.filter(pk=profile.pk)).get()
    return expert_out(expert_view(profile, who))

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

# Plain fields of ExpertProfile that the owner edits directly.
EDITABLE_FIELDS = (
    "headline",
    "origin_country",
    "origin_country_visibility",
    "residence_country",
    "residence_country_visibility",
    "city",
    "city_visibility",
    "timezone",
    "current_affiliation",
    "willing_to_travel",
    "hours_per_month",
    "max_mentees",
    "is_listed",
)
MAX_KEYWORDS = 30


@dataclass(frozen=True)
class LanguageInput:
    code: str
    level: str


@dataclass(frozen=True)
class QualificationInput:
    degree: str
    field: str
    institution: str
    country: str
    year: int
    id: int | None = None


def normalise_keywords(raw: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in raw:
        word = " ".join(item.strip().lower().split())
        if word:
            if len(word) > 60:
                raise ValidationError(
                    _("Keyword “%(word)s” is longer than 60 characters."), params={"word": word}
                )
            seen.setdefault(word, None)
    if len(seen) > MAX_KEYWORDS:
        raise ValidationError(_("Give at most %(n)d keywords."), params={"n": MAX_KEYWORDS})
    return list(seen)


@transaction.atomic
def expert_profile_ensure(*, user: User) -> ExpertProfile:
    profile, _created = ExpertProfile.objects.get_or_create(
        user=user, defaults={"timezone": user.timezone}
    )
    return profile


@transaction.atomic
def expert_profile_update(
    *,
    profile: ExpertProfile,
    values: dict[str, Any],
    bio: str | None = None,
    disciplines: Sequence[Discipline] | None = None,
    keywords: Sequence[str] | None = None,
    engagement_types: Sequence[EngagementType] | None = None,
    modes: Sequence[Mode] | None = None,
    languages: Sequence[LanguageInput] | None = None,
    qualifications: Sequence[QualificationInput] | None = None,
) -> ExpertProfile:
    """Change what is given and leave the rest; `None` means "not given"."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown profile fields: %(f)s"), params={"f": ", ".join(sorted(unknown))}
        )
    for name, value in values.items():
        setattr(profile, name, value)
    if bio is not None:
        profile.set_bio(bio)
    profile.full_clean(exclude=["user"])
    profile.save()

    if disciplines is not None:
        profile.disciplines.set(disciplines)
    if keywords is not None:
        words = normalise_keywords(keywords)
        Keyword.objects.bulk_create([Keyword(name=w) for w in words], ignore_conflicts=True)
        profile.keywords.set(Keyword.objects.filter(name__in=words))
    if engagement_types is not None:
        profile.engagement_types.set(engagement_types)
    if modes is not None:
        profile.modes.set(modes)
    if languages is not None:
        _set_languages(profile, languages)
    if qualifications is not None:
        _set_qualifications(profile, qualifications)
    transaction.on_commit(partial(_refresh_matching, profile.pk))
    return profile


def _refresh_matching(expert_id: int) -> None:
    from diaspora.matching.adapter import matching_refresh_expert

    matching_refresh_expert(expert_id)


def _set_languages(profile: ExpertProfile, languages: Sequence[LanguageInput]) -> None:
    codes = [lang.code for lang in languages]
    if len(codes) != len(set(codes)):
        raise ValidationError(_("Each language may be listed once."))
    rows = [ExpertLanguage(profile=profile, code=lang.code, level=lang.level) for lang in languages]
    for row in rows:
        row.full_clean(exclude=["profile"], validate_unique=False)
    profile.languages.all().delete()
    ExpertLanguage.objects.bulk_create(rows)


def _set_qualifications(profile: ExpertProfile, items: Sequence[QualificationInput]) -> None:
    existing = {q.pk: q for q in profile.qualifications.all()}
    kept: set[int] = set()
    for item in items:
        row = existing.get(item.id) if item.id is not None else None
        if item.id is not None and row is None:
            raise ValidationError(_("That qualification does not exist."))
        if row is None:
            row = Qualification(profile=profile)
        before = (row.degree, row.field, row.institution, str(row.country), row.year)
        row.degree, row.field, row.institution = (
            item.degree,
            item.field.strip(),
            item.institution.strip(),
        )
        row.country, row.year = item.country, item.year
        after = (row.degree, row.field, row.institution, str(row.country), row.year)
        if row.pk and before != after:
            # A recognition decision was about the old wording; it must be reviewed again.
            row.recognition_status = Qualification._meta.get_field("recognition_status").default
        row.full_clean(exclude=["profile"])
        row.save()
        kept.add(row.pk)
    profile.qualifications.exclude(pk__in=kept).delete()

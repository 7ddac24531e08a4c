"""Seed a believable demo network: experts, institutions and five demo accounts.

Every row is found by its natural key (a user by email, an institution by name and
country), created when it is missing and brought back to the seed's values when it has
drifted. Nothing else is touched and nothing is deleted, so a second run writes nothing
except the password of a demo account that no longer is `diaspora-demo`.

Generated profiles are deterministic: each person draws from `random.Random` seeded with
`data.SEED` and their email, so adding a person does not reshuffle the others.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Protocol

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from diaspora.accounts.models import Role, User
from diaspora.accounts.services import account_complete_signup
from diaspora.demo import data
from diaspora.demo.needs import demo_seed_needs
from diaspora.demo.signals import demo_seeded
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.institutions.services import (
    institution_create,
    institution_set_verification,
    institution_update,
)
from diaspora.markup import render_markdown
from diaspora.people.models import (
    Degree,
    ExpertLanguage,
    ExpertProfile,
    LanguageLevel,
    Qualification,
    Visibility,
)
from diaspora.people.services import (
    EDITABLE_FIELDS,
    LanguageInput,
    QualificationInput,
    expert_profile_update,
    normalise_keywords,
)
from diaspora.reference.languages import language_name
from diaspora.reference.models import Discipline, EngagementKind, EngagementType, Mode, ModeKind

# The demo's "now", fixed so that the data does not depend on the day it is loaded.
REFERENCE_YEAR = 2025
_LEVEL_RANK = {
    LanguageLevel.BASIC: 0,
    LanguageLevel.WORKING: 1,
    LanguageLevel.FLUENT: 2,
    LanguageLevel.NATIVE: 3,
}
_GENERIC_EMPLOYER = {
    "academic": "a research university",
    "clinical": "a university hospital",
    "agency": "an international organisation",
    "tech": "an applied research institute",
    "bio": "a biomedical research institute",
}
# University names that take "the" in a sentence; employers carry theirs in the data.
_NAMES_WITH_THE = ("University", "American University", "Lebanese", "Vietnam National", "Hanoi")
# Titles that only make sense at a university.
_ACADEMIC_TITLES = ("postdoctoral", "professor", "lecturer")
# pycountry's names are precise but not what people write in a biography.
_LANGUAGE_NAMES = {
    "ak": "Twi",
    "fa": "Dari",
    "ht": "Haitian Creole",
    "ne": "Nepali",
    "ps": "Pashto",
    "sw": "Swahili",
}


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


class DemoSeedError(Exception):
    """The database is not ready for the demo (reference data missing)."""


@dataclass(frozen=True)
class DemoAccount:
    email: str
    description: str


@dataclass(frozen=True)
class DemoSummary:
    experts: int
    origin_countries: int
    residence_countries: int
    fields: int
    institutions: int
    verified_institutions: int
    institution_countries: int
    users_created: int
    rows_changed: int  # existing rows brought back to the seed's values
    passwords_reset: int
    password: str
    accounts: tuple[DemoAccount, ...]


@dataclass(frozen=True)
class UserSpec:
    email: str
    name: str
    role: str
    timezone: str
    is_moderator: bool = False
    is_demo: bool = False  # one of the published demo accounts
    joined_days_ago: int = 0


@dataclass(frozen=True)
class ProfileSpec:
    email: str
    values: dict[str, Any]  # ExpertProfile fields in people.services.EDITABLE_FIELDS
    bio: str
    disciplines: tuple[str, ...]
    keywords: tuple[str, ...]
    engagement_types: tuple[str, ...]
    modes: tuple[str, ...]
    languages: tuple[tuple[str, str], ...]
    qualifications: tuple[data.QualificationData, ...]


# --- Building the specs from the data --------------------------------------


def _rng(key: str) -> random.Random:
    # Demo content, not secrets: a reproducible generator is the point.
    return random.Random(f"{data.SEED}:{key}")


def email_for(name: str) -> str:
    """`Trần Minh Đức` → `tran.minh.duc@example.org`."""
    ascii_name = name.replace("Đ", "D").replace("đ", "d")
    return f"{slugify(ascii_name).replace('-', '.')}@{data.EMAIL_DOMAIN}"


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" else f"a {noun}"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _with_the(name: str) -> str:
    """`University of Ghana` → `the University of Ghana`, for use inside a sentence."""
    if name.startswith(_NAMES_WITH_THE):
        return f"the {name}"
    return name


def _without_the(name: str) -> str:
    return name[4:] if name.startswith("the ") else name


def _join(items: Sequence[str], last: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _language_label(code: str) -> str:
    return _LANGUAGE_NAMES.get(code) or language_name(code).split(" (")[0]


def _pick_visibility(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class _Draft:
    """Everything decided about one generated expert before the text is written."""

    person: data.Person
    origin_code: str
    origin: data.Origin
    specialty: data.Specialty
    city: data.City
    at_risk: bool
    origin_visibility: str
    residence_visibility: str
    city_visibility: str
    stage: int  # 0 early, 1 mid, 2 senior career
    role: str
    sector: str
    employer: str
    home_city: str
    home_university: str
    left_year: int
    arrival_year: int
    qualifications: tuple[data.QualificationData, ...]
    keywords: tuple[str, ...]
    engagement_types: tuple[str, ...]
    modes: tuple[str, ...]
    willing_to_travel: bool
    hours_per_month: int
    max_mentees: int
    languages: tuple[tuple[str, str], ...]


def _career(
    rng: random.Random,
    *,
    origin_code: str,
    home_university: str,
    specialty: data.Specialty,
    residence_country: str,
    stage: int,
) -> tuple[list[data.QualificationData], int, int]:
    """Degrees with their years, the year this person left home and arrived where they live."""
    final_year = rng.randint(*((2015, 2021), (2005, 2014), (1990, 2004))[stage])
    if rng.random() < 0.7:
        host = residence_country
    else:
        host = rng.choice(sorted(set(data.HOST_UNIVERSITIES) - {residence_country}))
    host_university = rng.choice(data.HOST_UNIVERSITIES[host])
    first, master, final = specialty.studies
    degrees: list[data.QualificationData] = []
    if specialty.medical:
        md_year = final_year - rng.randint(4, 6)
        degrees.append(
            data.QualificationData(Degree.MEDICAL, first, home_university, origin_code, md_year)
        )
        if rng.random() < 0.5:
            degrees.append(
                data.QualificationData(Degree.MASTER, master, host_university, host, md_year + 2)
            )
        degrees.append(
            data.QualificationData(Degree.PROFESSIONAL, final, host_university, host, final_year)
        )
        left_year = md_year + 1
    else:
        bachelor_year = final_year - rng.randint(6, 9)
        master_year = bachelor_year + rng.randint(2, 3)
        master_abroad = rng.random() < 0.5
        degrees.append(
            data.QualificationData(
                Degree.BACHELOR, first, home_university, origin_code, bachelor_year
            )
        )
        degrees.append(
            data.QualificationData(
                Degree.MASTER,
                master,
                host_university if master_abroad else home_university,
                host if master_abroad else origin_code,
                master_year,
            )
        )
        degrees.append(
            data.QualificationData(Degree.DOCTORATE, final, host_university, host, final_year)
        )
        left_year = bachelor_year + 1 if master_abroad else master_year
    if host == residence_country:
        arrival_year = left_year
    else:
        arrival_year = min(final_year + rng.randint(0, 3), REFERENCE_YEAR)
    return degrees, left_year, arrival_year


def _languages(
    rng: random.Random, origin: data.Origin, person: data.Person, city: data.City, left_year: int
) -> tuple[tuple[str, str], ...]:
    langs = list(origin.languages)
    tongue = person.mother_tongue
    if tongue:
        codes = [code for code, _level in langs]
        if tongue in codes:
            i = codes.index(tongue)
            langs[0], langs[i] = (tongue, langs[0][1]), (langs[0][0], langs[i][1])
        else:
            langs[0] = (tongue, langs[0][1])
    levels = dict(langs)
    years_abroad = REFERENCE_YEAR - left_year
    local = LanguageLevel.FLUENT if years_abroad >= 6 else LanguageLevel.WORKING
    current = levels.get(city.language)
    if current is None or _LEVEL_RANK[LanguageLevel(current)] < _LEVEL_RANK[local]:
        levels[city.language] = local
    if "en" not in levels:
        levels["en"] = rng.choice((LanguageLevel.FLUENT, LanguageLevel.WORKING))
    if rng.random() < 0.2:
        extra = rng.choice(("es", "pt", "de", "it", "ar"))
        levels.setdefault(extra, LanguageLevel.BASIC)
    return tuple((code, str(level)) for code, level in levels.items())


def _draft(origin_code: str, origin: data.Origin, person: data.Person) -> _Draft:
    rng = _rng(email_for(person.name))
    specialty = data.SPECIALTIES[person.specialty]
    at_risk = origin.at_risk or person.exile
    city = data.RESIDENCES[rng.choice(origin.destinations)]
    if at_risk:
        origin_vis: str = rng.choice(
            (Visibility.HIDDEN, Visibility.HIDDEN, Visibility.INSTITUTIONS)
        )
        residence_vis: str = rng.choice((Visibility.HIDDEN, Visibility.INSTITUTIONS))
        city_vis: str = Visibility.HIDDEN
    else:
        origin_vis = _pick_visibility(
            rng, {Visibility.PUBLIC: 65, Visibility.MEMBERS: 30, Visibility.INSTITUTIONS: 5}
        )
        residence_vis = _pick_visibility(
            rng, {Visibility.PUBLIC: 55, Visibility.MEMBERS: 35, Visibility.INSTITUTIONS: 10}
        )
        city_vis = _pick_visibility(
            rng,
            {
                Visibility.PUBLIC: 15,
                Visibility.MEMBERS: 40,
                Visibility.INSTITUTIONS: 35,
                Visibility.HIDDEN: 10,
            },
        )
    stage = rng.choices((0, 1, 2), weights=(30, 45, 25))[0]
    role = specialty.roles[stage]
    employers = {
        "academic": city.academic,
        "clinical": city.clinical,
        "agency": city.agency,
        "tech": city.tech,
        "bio": city.bio,
    }
    sector = rng.choice(specialty.sectors)
    if not employers[sector] or any(word in role for word in _ACADEMIC_TITLES):
        sector = "academic"
    home_university = rng.choice(origin.universities)
    degrees, left_year, arrival_year = _career(
        rng,
        origin_code=origin_code,
        home_university=home_university,
        specialty=specialty,
        residence_country=city.country,
        stage=stage,
    )
    if at_risk:
        exile = data.EXILE_YEARS.get(origin_code, data.DEFAULT_EXILE_YEARS)
        left_year = arrival_year = max(rng.randint(*exile), max(d.year for d in degrees) + 1)
    # A degree names a country: list it only where that country is not hidden from members.
    shown = (Visibility.PUBLIC, Visibility.MEMBERS)
    qualifications = tuple(
        d
        for d in degrees
        if (origin_vis in shown if d.country == origin_code else residence_vis in shown)
    )
    keywords = tuple(
        rng.sample(specialty.keywords, rng.randint(4, min(7, len(specialty.keywords))))
    )
    chances = {
        EngagementKind.MENTORING: 0.8,
        EngagementKind.COURSE: 0.35,
        EngagementKind.SUPERVISION: 0.5 if stage and sector == "academic" else 0.15,
        EngagementKind.LECTURE: 0.5,
        EngagementKind.RESEARCH: 0.45,
        EngagementKind.CURRICULUM: 0.25,
    }
    engagements = tuple(str(kind) for kind, p in chances.items() if rng.random() < p)
    engagements = engagements or (str(EngagementKind.MENTORING),)
    willing = not at_risk and rng.random() < 0.55
    modes = [str(ModeKind.ONLINE)]
    if willing:
        modes.append(str(ModeKind.ONSITE))
    if not at_risk and rng.random() < 0.4:
        modes.append(str(ModeKind.HYBRID))
    hours = rng.choice(((4, 6, 8, 10), (4, 6, 8, 10, 12), (6, 8, 10, 12, 16, 20))[stage])
    mentees = rng.randint(1, 2 + stage) if EngagementKind.MENTORING in engagements else 0
    return _Draft(
        person=person,
        origin_code=origin_code,
        origin=origin,
        specialty=specialty,
        city=city,
        at_risk=at_risk,
        origin_visibility=str(origin_vis),
        residence_visibility=str(residence_vis),
        city_visibility=str(city_vis),
        stage=stage,
        role=role,
        sector=sector,
        employer=rng.choice(employers[sector]),
        home_city=rng.choice(origin.cities),
        home_university=home_university,
        left_year=left_year,
        arrival_year=arrival_year,
        qualifications=qualifications,
        keywords=keywords,
        engagement_types=engagements,
        modes=tuple(modes),
        willing_to_travel=willing,
        hours_per_month=hours,
        max_mentees=mentees,
        languages=_languages(rng, origin, person, city, left_year),
    )


def _modes_text(modes: Sequence[str]) -> str:
    places = {"online": "online", "onsite": "on site", "hybrid": "in hybrid sessions"}
    return _join([places[m] for m in modes], last="or")


def _bio(rng: random.Random, d: _Draft) -> str:
    """A first-person biography that names only what the expert's visibility allows."""
    spec = d.specialty
    origin_public = d.origin_visibility == Visibility.PUBLIC
    residence_public = d.residence_visibility == Visibility.PUBLIC
    if not residence_public:
        medical_school = spec.medical and d.sector == "academic"
        where = "a university medical centre" if medical_school else _GENERIC_EMPLOYER[d.sector]
    elif d.city.name in d.employer:
        where = d.employer
    else:
        where = f"{d.employer} in {d.city.name}"
    intro = rng.choice(
        (
            f"I am {_article(d.role)} at {where}.",
            f"I work as {_article(d.role)} at {where}.",
        )
    )
    first_field = spec.studies[0].lower()
    if d.at_risk:
        story = (
            f"I had to leave my country in {d.left_year} and have rebuilt my work in exile "
            "since then. I do not show where I come from or where I live on my public "
            "profile; verified institutions can ask me directly."
        )
    elif origin_public:
        story = rng.choice(
            (
                f"I grew up in {d.home_city}, {d.origin.label}, and studied {first_field} at "
                f"{_with_the(d.home_university)} before moving abroad in {d.left_year}.",
                f"Born in {d.home_city}, {d.origin.label}, I left in {d.left_year} after my "
                f"studies at {_with_the(d.home_university)}.",
            )
        )
    else:
        story = f"I studied {first_field} before moving abroad in {d.left_year}."
    if residence_public and not d.at_risk:
        country = data.RESIDENCE_COUNTRY_LABELS[d.city.country]
        story += f" I have lived in {country} since {d.arrival_year}."
    first = f"{intro} {story}"

    focus, more = rng.sample(spec.focus, 2)
    second = f"My work focuses on {focus}. " + rng.choice(
        (
            f"I am also involved in {more}.",
            f"More recently I have been working on {more}.",
            f"A second line of work is {more}.",
        )
    )
    if d.stage and rng.random() < 0.5:
        second += f" I have published on {d.keywords[0]} and {d.keywords[1]}."

    modes = _modes_text(d.modes)
    capacity = "one at a time" if d.max_mentees == 1 else f"up to {d.max_mentees} at a time"
    teaching = rng.sample(spec.teaching, 2)
    offers = {
        "mentoring": f"Mentoring {spec.learners}, {capacity}, {modes}.",
        "course": f"A short course on {teaching[0]}, {modes}.",
        "supervision": (
            f"Co-supervision of master's and doctoral students working on {d.keywords[0]}."
        ),
        "lecture": f"Guest lectures on {teaching[1]}.",
        "research": f"Joint research and grant applications in {d.keywords[-1]}.",
        "curriculum": f"Advice on curriculum review for {spec.studies[2].lower()} programmes.",
    }
    heading = rng.choice(("How I can help", "What I offer", "What I can do for partners"))
    bullets = "\n".join(f"- {offers[kind]}" for kind in d.engagement_types)
    third = f"### {heading}\n\n{bullets}"

    spoken = [_language_label(code) for code, level in d.languages if level != LanguageLevel.BASIC]
    if d.at_risk:
        last = (
            "I work online only, and prefer to be contacted through the platform rather than "
            "by email. I can share my diplomas with verified institutions on request."
        )
    elif origin_public and d.willing_to_travel:
        last = (
            f"I travel to {d.home_city} about once a year and am glad to combine a visit with "
            "teaching or a workshop."
        )
    else:
        last = f"I can give about {d.hours_per_month} hours a month to the network."
    last += f" I am happy to work in {_join(spoken, last='or')}."
    return "\n\n".join((first, second, third, last))


def _expert_specs(
    origin_code: str, origin: data.Origin, person: data.Person
) -> tuple[UserSpec, ProfileSpec]:
    email = email_for(person.name)
    d = _draft(origin_code, origin, person)
    rng = _rng(f"{email}:text")
    disciplines = d.specialty.disciplines[:1]
    if len(d.specialty.disciplines) > 1 and rng.random() < 0.5:
        disciplines = d.specialty.disciplines
    if d.residence_visibility == Visibility.PUBLIC and d.city_visibility == Visibility.PUBLIC:
        headline = f"{_capitalise(d.role)}, {d.city.name}"
    else:
        headline = f"{_capitalise(d.role)} · {d.keywords[0]} and {d.keywords[1]}"
    values = {
        "headline": headline,
        "origin_country": origin_code,
        "origin_country_visibility": d.origin_visibility,
        "residence_country": d.city.country,
        "residence_country_visibility": d.residence_visibility,
        "city": d.city.name,
        "city_visibility": d.city_visibility,
        "timezone": d.city.timezone,
        "current_affiliation": (
            _without_the(d.employer) if d.residence_visibility == Visibility.PUBLIC else ""
        ),
        "willing_to_travel": d.willing_to_travel,
        "hours_per_month": d.hours_per_month,
        "max_mentees": d.max_mentees,
        "is_listed": True,
    }
    user = UserSpec(
        email=email,
        name=person.name,
        role=Role.EXPERT,
        timezone=d.city.timezone,
        joined_days_ago=rng.randint(20, 900),
    )
    profile = ProfileSpec(
        email=email,
        values=values,
        bio=_bio(rng, d),
        disciplines=disciplines,
        keywords=d.keywords,
        engagement_types=d.engagement_types,
        modes=d.modes,
        languages=d.languages,
        qualifications=d.qualifications,
    )
    return user, profile


def _handmade_spec() -> ProfileSpec:
    p = data.DEMO_EXPERT_PROFILE
    values = {name: getattr(p, name) for name in EDITABLE_FIELDS if name != "is_listed"}
    return ProfileSpec(
        email=p.email,
        values={**values, "is_listed": True},
        bio=p.bio,
        disciplines=p.disciplines,
        keywords=p.keywords,
        engagement_types=p.engagement_types,
        modes=p.modes,
        languages=p.languages,
        qualifications=p.qualifications,
    )


def _institution_description(inst: data.InstitutionData) -> str:
    needs = "\n".join(f"- {need}" for need in inst.needs)
    return f"{inst.about}\n\n### What we are looking for\n\n{needs}\n\n{data.INSTITUTION_CLOSING}"


def _rep_email(rep: data.Rep) -> str:
    return rep.email or email_for(rep.name)


@dataclass(frozen=True)
class DemoPlan:
    users: tuple[UserSpec, ...]
    profiles: tuple[ProfileSpec, ...]


def build_plan() -> DemoPlan:
    """Every account and profile the demo wants, checked for clashes of email."""
    users = [
        UserSpec(
            email=a.email,
            name=a.name,
            role=a.role,
            timezone=a.timezone,
            is_moderator=a.is_moderator,
            is_demo=True,
            joined_days_ago=120,
        )
        for a in data.DEMO_ACCOUNTS
    ]
    profiles = [_handmade_spec()]
    for code, origin in data.ORIGINS.items():
        for person in origin.people:
            user, profile = _expert_specs(code, origin, person)
            users.append(user)
            profiles.append(profile)
    for inst in data.INSTITUTIONS:
        for rep in (inst.admin, *inst.members):
            email = _rep_email(rep)
            if not rep.email:  # demo accounts are already in the list
                rng = _rng(email)
                users.append(
                    UserSpec(
                        email=email,
                        name=rep.name,
                        role=Role.INSTITUTION,
                        timezone=inst.timezone,
                        joined_days_ago=rng.randint(20, 900),
                    )
                )
    emails = [u.email for u in users]
    duplicates = sorted({e for e in emails if emails.count(e) > 1})
    if duplicates:
        raise DemoSeedError(f"Two demo people share an email: {', '.join(duplicates)}")
    return DemoPlan(users=tuple(users), profiles=tuple(profiles))


# --- Writing to the database -------------------------------------------------


def _ensure_users(
    specs: Sequence[UserSpec], demo_hash: str | None
) -> tuple[dict[str, User], set[str], int]:
    """Create missing accounts, as a sign-up would, and restore drifted names and roles.

    Returns the users by email, the emails created now and how many existing rows changed.
    """
    existing = {u.email: u for u in User.objects.filter(email__in=[s.email for s in specs])}
    now = timezone.now()
    new = [
        User(
            email=s.email,
            # Generated people cannot sign in; only the demo accounts have a known password.
            password=demo_hash if s.is_demo and demo_hash else make_password(None),
            is_moderator=s.is_moderator,
            date_joined=now - timedelta(days=s.joined_days_ago),
        )
        for s in specs
        if s.email not in existing
    ]
    User.objects.bulk_create(new)
    users = {**existing, **{u.email: u for u in new}}
    fresh = {u.email for u in new}
    changed = 0
    for s in specs:
        user = users[s.email]
        if (user.name, user.role, user.timezone) != (s.name, s.role, s.timezone):
            account_complete_signup(user=user, name=s.name, role=s.role, timezone_name=s.timezone)
            changed += s.email not in fresh
        if user.is_moderator != s.is_moderator or not user.is_active:
            user.is_moderator, user.is_active = s.is_moderator, True
            user.save(update_fields=["is_moderator", "is_active"])
            changed += s.email not in fresh
    return users, fresh, changed


def _ensure_email_addresses(users: Iterable[User]) -> int:
    """Each account gets its address as a verified primary EmailAddress, for allauth."""
    by_id = {u.pk: u for u in users}
    rows = EmailAddress.objects.filter(user_id__in=list(by_id))
    own: dict[int, EmailAddress] = {}
    other_primary: list[int] = []
    for row in rows:
        if row.email.lower() == by_id[row.user_id].email:
            own[row.user_id] = row
        elif row.primary:
            other_primary.append(row.pk)
    changed = 0
    if other_primary:
        changed += EmailAddress.objects.filter(pk__in=other_primary).update(primary=False)
    missing = [
        EmailAddress(user=user, email=user.email, verified=True, primary=True)
        for pk, user in by_id.items()
        if pk not in own
    ]
    EmailAddress.objects.bulk_create(missing)
    stale = [row.pk for row in own.values() if not (row.verified and row.primary)]
    if stale:
        changed += EmailAddress.objects.filter(pk__in=stale).update(verified=True, primary=True)
    return changed


def _reset_demo_passwords(users: Sequence[User], demo_hash: str | None) -> int:
    """Put `diaspora-demo` back on any demo account whose password was changed.

    A hash costs about half a second, so each distinct stored hash is checked once.
    """
    known: dict[str, bool] = {}
    stale = []
    for user in users:
        if user.password not in known:
            known[user.password] = check_password(data.DEMO_PASSWORD, user.password)
        if not known[user.password]:
            stale.append(user)
    if stale:
        encoded = demo_hash or make_password(data.DEMO_PASSWORD)
        for user in stale:
            user.password = encoded
        User.objects.bulk_update(stale, ["password"])
    return len(stale)


def _profile_state(profile: ExpertProfile) -> tuple[Any, ...]:
    values = {name: getattr(profile, name) for name in EDITABLE_FIELDS}
    for name in ("origin_country", "residence_country"):
        values[name] = str(values[name])
    return (
        values,
        profile.bio,
        profile.bio_html,
        sorted(d.code for d in profile.disciplines.all()),
        sorted(k.name for k in profile.keywords.all()),
        sorted(e.code for e in profile.engagement_types.all()),
        sorted(m.code for m in profile.modes.all()),
        [(lang.code, lang.level) for lang in profile.languages.all()],
        sorted(
            (q.degree, q.field, q.institution, str(q.country), q.year)
            for q in profile.qualifications.all()
        ),
    )


def _spec_state(spec: ProfileSpec) -> tuple[Any, ...]:
    return (
        spec.values,
        spec.bio,
        render_markdown(spec.bio),
        sorted(spec.disciplines),
        sorted(normalise_keywords(spec.keywords)),
        sorted(spec.engagement_types),
        sorted(spec.modes),
        list(spec.languages),
        sorted(tuple(q) for q in spec.qualifications),
    )


def _ensure_profiles(specs: Sequence[ProfileSpec], users: dict[str, User], fresh: set[str]) -> int:
    disciplines = {d.code: d for d in Discipline.objects.filter(parent__isnull=False)}
    engagement_types = {e.code: e for e in EngagementType.objects.all()}
    modes = {m.code: m for m in Mode.objects.all()}
    profiles = {
        p.user_id: p
        for p in ExpertProfile.objects.filter(
            user__in=[users[s.email] for s in specs]
        ).prefetch_related(
            "disciplines",
            "keywords",
            "engagement_types",
            "modes",
            Prefetch("languages", queryset=ExpertLanguage.objects.order_by("id")),
            Prefetch("qualifications", queryset=Qualification.objects.order_by("id")),
        )
    }
    changed = 0
    backdated = []
    for spec in specs:
        user = users[spec.email]
        profile = profiles.get(user.pk)
        if profile is None:  # account_complete_signup makes one for every expert
            profile = ExpertProfile.objects.create(user=user)
        if _profile_state(profile) == _spec_state(spec):
            continue
        # Keep a qualification row (and its recognition status) when it is unchanged.
        existing = {
            data.QualificationData(q.degree, q.field, q.institution, str(q.country), q.year): q.pk
            for q in profile.qualifications.all()
        }
        expert_profile_update(
            profile=profile,
            values=spec.values,
            bio=spec.bio,
            disciplines=[disciplines[code] for code in spec.disciplines],
            keywords=spec.keywords,
            engagement_types=[engagement_types[code] for code in spec.engagement_types],
            modes=[modes[code] for code in spec.modes],
            languages=[LanguageInput(code=c, level=lvl) for c, lvl in spec.languages],
            qualifications=[
                QualificationInput(*q, id=existing.get(q)) for q in spec.qualifications
            ],
        )
        if spec.email in fresh:
            profile.created_at = user.date_joined
            backdated.append(profile)
        else:
            changed += 1
    ExpertProfile.objects.bulk_update(backdated, ["created_at"])
    return changed


def _ensure_membership(institution: Institution, user: User, role: str, title: str) -> int:
    membership, _created = Membership.objects.get_or_create(
        institution=institution, user=user, defaults={"role": role, "title": title}
    )
    if (membership.role, membership.title) == (role, title):
        return 0
    membership.role, membership.title = role, title
    membership.save(update_fields=["role", "title"])
    return 1


def _ensure_institutions(users: dict[str, User], moderator: User) -> tuple[list[Institution], int]:
    wanted = {(i.name, i.country): i for i in data.INSTITUTIONS}
    existing = {
        (inst.name, str(inst.country)): inst
        for inst in Institution.objects.filter(name__in=[name for name, _c in wanted])
    }
    changed = 0
    result = []
    for key, spec in wanted.items():
        values = {
            "name": spec.name,
            "country": spec.country,
            "city": spec.city,
            "type": spec.type,
            "website": spec.website,
        }
        description = _institution_description(spec)
        admin = users[_rep_email(spec.admin)]
        institution = existing.get(key)
        if institution is None:
            institution = institution_create(creator=admin, values=values, description=description)
        else:
            current = {name: getattr(institution, name) for name in values}
            current["country"] = str(current["country"])
            html = render_markdown(description)
            if (current, institution.description, institution.description_html) != (
                values,
                description,
                html,
            ):
                institution_update(institution=institution, values=values, description=description)
                changed += 1
        memberships = _ensure_membership(institution, admin, MemberRole.ADMIN, spec.admin.title)
        for rep in spec.members:
            memberships += _ensure_membership(
                institution, users[_rep_email(rep)], MemberRole.MEMBER, rep.title
            )
        changed += memberships if key in existing else 0
        if institution.is_verified != spec.verified:
            institution_set_verification(
                institution=institution, moderator=moderator, verified=spec.verified
            )
            changed += key in existing
        result.append(institution)
    return result, changed


def _check_reference_data() -> None:
    codes = {code for spec in data.SPECIALTIES.values() for code in spec.disciplines} | set(
        data.DEMO_EXPERT_PROFILE.disciplines
    )
    found = set(
        Discipline.objects.filter(code__in=codes, parent__isnull=False).values_list(
            "code", flat=True
        )
    )
    if codes - found:
        raise DemoSeedError(
            "The FORD fields are missing from the database "
            f"({', '.join(sorted(codes - found))}). Run `python manage.py migrate` first."
        )
    # The same rows the reference migration loads; cheap to make sure of.
    for kind in EngagementKind.values:
        EngagementType.objects.get_or_create(code=kind)
    for mode in ModeKind.values:
        Mode.objects.get_or_create(code=mode)


@dataclass(frozen=True)
class _Counts:
    experts: int
    origin_countries: int
    residence_countries: int
    fields: int


def _count_experts(profiles: Sequence[ProfileSpec]) -> _Counts:
    qs = ExpertProfile.objects.filter(user__email__in=[p.email for p in profiles])
    return _Counts(
        experts=qs.count(),
        origin_countries=len(
            set(qs.exclude(origin_country="").values_list("origin_country", flat=True))
        ),
        residence_countries=len(
            set(qs.exclude(residence_country="").values_list("residence_country", flat=True))
        ),
        fields=Discipline.objects.filter(parent__isnull=False, experts__in=qs).distinct().count(),
    )


def _describe(account: data.DemoAccountData) -> str:
    for inst in data.INSTITUTIONS:
        if inst.admin.email == account.email:
            status = "verified" if inst.verified else "unverified"
            return f"administrator of {inst.name} ({status})"
    return account.description


def _say(stdout: Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


@transaction.atomic
def demo_seed(*, stdout: Writer | None = None) -> DemoSummary:
    """Create or restore the demo network. Safe to run again: see the module docstring."""
    _check_reference_data()
    plan = build_plan()
    demo_emails = [a.email for a in data.DEMO_ACCOUNTS]
    demo_hash = None
    if User.objects.filter(email__in=demo_emails).count() < len(demo_emails):
        demo_hash = make_password(data.DEMO_PASSWORD)

    users, fresh, changed = _ensure_users(plan.users, demo_hash)
    changed += _ensure_email_addresses(users.values())
    passwords_reset = _reset_demo_passwords(
        [u for e, u in users.items() if e in demo_emails and u.password != demo_hash],
        demo_hash,
    )
    _say(stdout, f"Accounts: {len(users)} ({len(fresh)} new).")

    changed += _ensure_profiles(plan.profiles, users, fresh)
    _say(stdout, f"Expert profiles: {len(plan.profiles)}.")

    moderator = users[next(a.email for a in data.DEMO_ACCOUNTS if a.is_moderator)]
    institutions, institutions_changed = _ensure_institutions(users, moderator)
    changed += institutions_changed
    _say(stdout, f"Institutions: {len(institutions)}.")

    needs, offers = demo_seed_needs(institutions=institutions, users=users)
    _say(stdout, f"Needs opened: {needs}; offers published: {offers}.")
    demo_seeded.send(sender=None, users=users, say=partial(_say, stdout))

    counts = _count_experts(plan.profiles)
    return DemoSummary(
        experts=counts.experts,
        origin_countries=counts.origin_countries,
        residence_countries=counts.residence_countries,
        fields=counts.fields,
        institutions=len(institutions),
        verified_institutions=sum(i.is_verified for i in institutions),
        institution_countries=len({str(i.country) for i in institutions}),
        users_created=len(fresh),
        rows_changed=changed,
        passwords_reset=passwords_reset,
        password=data.DEMO_PASSWORD,
        accounts=tuple(DemoAccount(a.email, _describe(a)) for a in data.DEMO_ACCOUNTS),
    )

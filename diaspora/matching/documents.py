"""What the matching engine knows about an expert and a need: plain data, no ORM.

The adapter (`diaspora.matching.adapter`) builds these from the database; the engine
(`diaspora.matching.index`) never touches a model. Codes are the ones stored in the
database: ISO 3166-1 alpha-2 countries, ISO 639-1 languages, FORD discipline codes
("3.3", or a major field "3"), engagement and mode codes of `diaspora.reference`.
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExpertDoc:
    id: int  # ExpertProfile pk
    name: str
    text: str  # headline, bio, affiliation, keywords, qualification fields, joined
    keywords: frozenset[str]  # lower-case
    disciplines: frozenset[str]  # FORD leaf codes, e.g. "3.3"
    languages: Mapping[str, str]  # ISO 639-1 code -> level: native | fluent | working | basic
    origin_country: str  # ISO alpha-2 or ""
    origin_visibility: str  # public | members | institutions | hidden
    residence_country: str
    residence_visibility: str
    utc_offset: float | None  # hours, from the expert's time zone (None when unknown)
    engagement_types: frozenset[
        str
    ]  # mentoring, course, supervision, lecture, research, curriculum
    modes: frozenset[str]  # online, onsite, hybrid
    willing_to_travel: bool
    hours_left: int  # hours_per_month - hours_committed, >= 0
    mentee_slots_left: int  # max_mentees - current_mentees, >= 0
    invitations_received: int
    invitations_answered: int  # responsiveness = answered / received when received > 0
    is_listed: bool


@dataclass(frozen=True, slots=True)
class NeedDoc:
    id: int
    title: str
    text: str  # title, description, keywords, joined
    keywords: frozenset[str]
    disciplines: frozenset[str]
    engagement_type: str
    mode: str
    required_languages: frozenset[str]
    preferred_languages: frozenset[str]
    institution_id: int
    institution_name: str
    institution_country: str
    location_country: str  # "" when online
    utc_offset: float | None  # of the institution's country (timezones.country_utc_offset)
    monthly_hours: float  # effort_hours spread over the need's months (>= 1 month)
    experts_wanted: int
    status: str

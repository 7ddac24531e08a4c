"""The matching criteria: what each one is worth for a pair, and the sentence that says why.

A pair's score is ``sum(weight[c] * value[c])`` over the criteria c (see `weights` for the
defaults and the meaning of each value). Every value is computed twice over, with numpy:
for one need against every expert (`expert_values`) and for one expert against every need
(`need_values`); the two agree to floating-point rounding (tests check that). `explain`
turns one pair's values into `Reason`s whose contributions add up to the score, and whose
facts are taken from the same data the values came from, so that each sentence is true.

Privacy: a sensitive field whose visibility is not among the reader's `visible_levels` is
treated exactly as if it were empty. Origin feeds only the diaspora criterion; residence
(and the time zone, which says where someone lives) feed only "lives in the country" of the
mode criterion and the time-zone criterion.

Messages are English templates marked with gettext_noop; `Reason.text()` translates them
in the active language and resolves the codes in `params` (country, language, level,
discipline, engagement) to their translated names only then, so ranking never pays for it.
"""

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext, gettext_noop

from diaspora.matching import regions
from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.matching.timezones import (
    UNKNOWN_QUARTER,
    WORKDAY_HOURS,
    overlap_share_table,
    quantise,
)
from diaspora.matching.weights import Weights
from diaspora.reference import ford

CRITERIA: tuple[str, ...] = Weights.names()

# --- Values of the parts of each criterion ---------------------------------
LEVEL_SCORES: dict[str, float] = {"native": 1.0, "fluent": 0.9, "working": 0.7, "basic": 0.3}
DIASPORA_VALUES = np.array([0.0, 0.35, 0.6, 1.0])  # indexed by regions.NONE..SAME
DISCIPLINE_SAME_FIELD = 1.0
DISCIPLINE_SAME_MAJOR = 0.5
NEUTRAL = 0.5  # time zone or responsiveness unknown
MODE_PENALTY = -1.0  # on-site or hybrid need, expert neither offers it nor travels
TEXT_ALPHA = 0.3  # text value = 1 - exp(-bm25 / (TEXT_ALPHA * ideal))

VISIBILITY_ORDER = ("public", "members", "institutions", "hidden")
_VISIBILITY_INDEX = {name: position for position, name in enumerate(VISIBILITY_ORDER)}
HIDDEN_INDEX = _VISIBILITY_INDEX["hidden"]
INSTITUTION_LEVELS = frozenset({"public", "members", "institutions"})

ENGAGEMENTS = ("mentoring", "course", "supervision", "lecture", "research", "curriculum")
_ENGAGEMENT_BIT = {code: position for position, code in enumerate(ENGAGEMENTS)}
MODE_CODES = ("online", "onsite", "hybrid")
ONLINE, ONSITE, HYBRID = 1, 2, 4
_MODE_BIT = {"online": ONLINE, "onsite": ONSITE, "hybrid": HYBRID}
_MODE_INDEX = {code: position for position, code in enumerate(MODE_CODES)}

# --- Messages (English templates, translated at text() time) ---------------
MSG_KEYWORDS = gettext_noop("%(found)d of %(total)d keywords appear in the expertise")
MSG_KEYWORD = gettext_noop("The keyword “%(keywords)s” appears in the expertise")
MSG_TERMS = gettext_noop("The expertise mentions %(terms)s")
MSG_FIELD = gettext_noop("Works in %(discipline)s, the need's field")
MSG_MAJOR = gettext_noop("Works in %(discipline)s, same major field")
MSG_LANGUAGE_REQUIRED = gettext_noop("Speaks %(language)s (%(level)s), required")
MSG_LANGUAGE_PREFERRED = gettext_noop("Speaks %(language)s (%(level)s), preferred")
MSG_ORIGIN = gettext_noop("Born in %(country)s, like the institution")
MSG_NEIGHBOUR = gettext_noop("From %(country)s, a neighbour of %(institution_country)s")
MSG_REGION = gettext_noop("From %(country)s, in the same region as %(institution_country)s")
MSG_ENGAGEMENT = gettext_noop("Offers %(engagement)s")
MSG_ONLINE = gettext_noop("Online: works online")
MSG_ONSITE_OFFERS = gettext_noop("On site in %(location)s: works on site")
MSG_ONSITE_TRAVEL = gettext_noop("On site in %(location)s: willing to travel")
MSG_ONSITE_LIVES = gettext_noop("On site in %(location)s: lives there")
MSG_ONSITE_NO = gettext_noop("On site in %(location)s: neither works on site nor travels")
MSG_ONSITE_ANY_OFFERS = gettext_noop("On site: works on site")
MSG_ONSITE_ANY_TRAVEL = gettext_noop("On site: willing to travel")
MSG_ONSITE_ANY_NO = gettext_noop("On site: neither works on site nor travels")
MSG_HYBRID_OFFERS = gettext_noop("Hybrid in %(location)s: works on site")
MSG_HYBRID_TRAVEL = gettext_noop("Hybrid in %(location)s: willing to travel")
MSG_HYBRID_LIVES = gettext_noop("Hybrid in %(location)s: lives there")
MSG_HYBRID_NO = gettext_noop("Hybrid in %(location)s: neither works on site nor travels")
MSG_HYBRID_ANY_OFFERS = gettext_noop("Hybrid: works on site")
MSG_HYBRID_ANY_TRAVEL = gettext_noop("Hybrid: willing to travel")
MSG_HYBRID_ANY_NO = gettext_noop("Hybrid: neither works on site nor travels")
MSG_HOURS = gettext_noop("Has %(hours)d hours a month left")
MSG_HOUR = gettext_noop("Has %(hours)d hour a month left")
MSG_HOURS_SHORT = gettext_noop("Has %(hours)d hours a month left; the need takes %(needed)g")
MSG_HOUR_SHORT = gettext_noop("Has %(hours)d hour a month left; the need takes %(needed)g")
MSG_MENTEES = gettext_noop("Can take %(places)d more mentees")
MSG_MENTEE = gettext_noop("Can take %(places)d more mentee")
MSG_OVERLAP = gettext_noop("%(hours)g hours of working-day overlap")
MSG_OVERLAP_ONE = gettext_noop("%(hours)g hour of working-day overlap")
MSG_TIMEZONE_UNKNOWN = gettext_noop("Working hours unknown, counted as neutral")
MSG_ANSWERED = gettext_noop("Answered %(answered)d of %(received)d invitations")
MSG_ANSWERED_ONE = gettext_noop("Answered %(answered)d of %(received)d invitation")
MSG_NEVER_INVITED = gettext_noop("Not invited before, counted as neutral")

LEVEL_LABELS = {
    "native": gettext_noop("native"),
    "fluent": gettext_noop("fluent"),
    "working": gettext_noop("working"),
    "basic": gettext_noop("basic"),
}
ENGAGEMENT_LABELS = {
    "mentoring": gettext_noop("mentoring"),
    "course": gettext_noop("courses"),
    "supervision": gettext_noop("supervision"),
    "lecture": gettext_noop("lectures"),
    "research": gettext_noop("joint research"),
    "curriculum": gettext_noop("curriculum development"),
}


def _country_name(code: Any) -> str:
    from django_countries import countries

    return str(countries.name(str(code))) or str(code)


def _language(code: Any) -> str:
    from diaspora.reference.languages import language_name

    return language_name(str(code))


def _discipline(code: Any) -> str:
    label = ford.FIELDS.get(str(code)) or ford.MAJOR_FIELDS.get(str(code))
    return f"{code} {label}" if label else str(code)


def _label(table: Mapping[str, str]) -> Any:
    return lambda code: gettext(table[code]) if code in table else str(code)


# Params whose value is a code, resolved to a translated name by Reason.text().
_RESOLVERS: dict[str, Any] = {
    "country": _country_name,
    "institution_country": _country_name,
    "location": _country_name,
    "language": _language,
    "level": _label(LEVEL_LABELS),
    "discipline": _discipline,
    "engagement": _label(ENGAGEMENT_LABELS),
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # a criterion name (see weights.Weights)
    message: str  # English template marked with gettext_noop
    params: Mapping[str, str | int | float]
    contribution: float  # points this criterion adds to the score (may be 0 or negative)

    def text(self) -> str:
        """The sentence in the active language, with codes turned into translated names."""
        params = {
            key: (_RESOLVERS[key](value) if key in _RESOLVERS else value)
            for key, value in self.params.items()
        }
        return gettext(self.message) % params

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text(), "contribution": self.contribution}


@dataclass(frozen=True, slots=True)
class RankedExpert:
    expert_id: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class RankedNeed:
    need_id: int
    score: float
    reasons: tuple[Reason, ...]


# --- Codes as bits and small integers ----------------------------------------
class _Registry:
    """Codes to small integers, seeded and then grown on first sight (thread-safe)."""

    def __init__(self, seed: tuple[str, ...], limit: int) -> None:
        self._index: dict[str, int] = {code: position for position, code in enumerate(seed)}
        self._codes: list[str] = list(seed)
        self._limit = limit
        self._lock = threading.Lock()

    def index(self, code: str) -> int:
        """The code's integer, or -1 when the registry is full."""
        found = self._index.get(code)
        if found is not None:
            return found
        with self._lock:
            found = self._index.get(code)
            if found is not None:
                return found
            if len(self._codes) >= self._limit:
                return -1
            self._codes.append(code)
            self._index[code] = len(self._codes) - 1
            return len(self._codes) - 1

    def code(self, index: int) -> str:
        return self._codes[index]


_FIELDS = _Registry(tuple(sorted(ford.FIELDS, key=ford.sort_key)), 64)
_MAJORS = _Registry(tuple(sorted(ford.MAJOR_FIELDS, key=ford.sort_key)), 64)
LANGUAGE_WORDS = 4  # languages as a 256-bit mask of 4 uint64 words
_LANGUAGES = _Registry((), 64 * LANGUAGE_WORDS)


def language_index(code: str) -> int:
    return _LANGUAGES.index(code.lower())


def language_code(index: int) -> str:
    return _LANGUAGES.code(index)


def discipline_masks(codes: frozenset[str]) -> tuple[int, int, int]:
    """(leaf field bits, explicitly named major field bits, all major field bits)."""
    leaf = explicit = majors = 0
    for code in codes:
        major = code.split(".", 1)[0]
        major_bit = _MAJORS.index(major)
        if major_bit >= 0:
            majors |= 1 << major_bit
        if "." in code:
            bit = _FIELDS.index(code)
            if bit >= 0:
                leaf |= 1 << bit
        elif major_bit >= 0:
            explicit |= 1 << major_bit
    return leaf, explicit, majors


def leaf_codes(mask: int) -> list[str]:
    return [_FIELDS.code(bit) for bit in range(64) if mask >> bit & 1]


def major_codes(mask: int) -> list[str]:
    return [_MAJORS.code(bit) for bit in range(64) if mask >> bit & 1]


def visibility_index(level: str) -> int:
    return _VISIBILITY_INDEX.get(level, HIDDEN_INDEX)


def visible_table(visible_levels: frozenset[str]) -> np.ndarray:
    """bool per visibility index: may this reader see a field with that visibility?"""
    return np.array([level in visible_levels for level in VISIBILITY_ORDER], dtype=bool)


def responsiveness_value(received: int, answered: int) -> float:
    received = max(received, 0)
    answered = min(max(answered, 0), received)
    return (answered + 1.0) / (received + 2.0)


# --- One expert, one need, as the criteria see them ---------------------------
@dataclass(frozen=True, slots=True)
class ExpertRow:
    id: int
    keywords: tuple[str, ...]
    leaf: int
    major: int
    languages: tuple[tuple[str, str], ...]  # (code, level), sorted by code
    origin: str
    origin_vis: int
    residence: str
    residence_vis: int
    offset: float | None
    engagements: int
    modes: int
    travel: bool
    hours: float
    mentees: int
    received: int
    answered: int
    listed: bool

    def level(self, code: str) -> str:
        for language, level in self.languages:
            if language == code:
                return level
        return ""


def expert_row(doc: ExpertDoc) -> ExpertRow:
    leaf, explicit, majors = discipline_masks(doc.disciplines)
    engagements = 0
    for code in doc.engagement_types:
        bit = _ENGAGEMENT_BIT.get(code)
        if bit is not None:
            engagements |= 1 << bit
    modes = 0
    for code in doc.modes:
        modes |= _MODE_BIT.get(code, 0)
    languages = tuple(
        sorted(
            (code.lower(), level)
            for code, level in doc.languages.items()
            if level in LEVEL_SCORES and language_index(code) >= 0
        )
    )
    offset = doc.utc_offset
    return ExpertRow(
        id=doc.id,
        keywords=tuple(sorted(k.lower() for k in doc.keywords)),
        leaf=leaf,
        major=majors | explicit,
        languages=languages,
        origin=(doc.origin_country or "").upper(),
        origin_vis=visibility_index(doc.origin_visibility),
        residence=(doc.residence_country or "").upper(),
        residence_vis=visibility_index(doc.residence_visibility),
        offset=None if offset is None or offset != offset else float(offset),
        engagements=engagements,
        modes=modes,
        travel=bool(doc.willing_to_travel),
        hours=float(max(doc.hours_left, 0)),
        mentees=max(doc.mentee_slots_left, 0),
        received=max(doc.invitations_received, 0),
        answered=min(max(doc.invitations_answered, 0), max(doc.invitations_received, 0)),
        listed=bool(doc.is_listed),
    )


@dataclass(frozen=True, slots=True)
class NeedRow:
    id: int
    keywords: tuple[str, ...]
    leaf: int
    major_explicit: int
    major_all: int
    required: tuple[str, ...]
    preferred: tuple[str, ...]  # without those also required
    country: str  # the institution's
    location: str
    offset: float | None
    engagement: str
    mode: str
    monthly_hours: float
    is_open: bool
    language_mask: tuple[int, ...] = field(default=(0,) * LANGUAGE_WORDS)
    required_mask: tuple[int, ...] = field(default=(0,) * LANGUAGE_WORDS)


def _mask_words(codes: tuple[str, ...]) -> tuple[int, ...]:
    words = [0] * LANGUAGE_WORDS
    for code in codes:
        index = language_index(code)
        if index >= 0:
            words[index // 64] |= 1 << (index % 64)
    return tuple(words)


def need_row(doc: NeedDoc) -> NeedRow:
    leaf, explicit, majors = discipline_masks(doc.disciplines)
    required = tuple(sorted({code.lower() for code in doc.required_languages}))
    preferred = tuple(sorted({code.lower() for code in doc.preferred_languages} - set(required)))
    offset = doc.utc_offset
    return NeedRow(
        id=doc.id,
        keywords=tuple(sorted({k.lower() for k in doc.keywords})),
        leaf=leaf,
        major_explicit=explicit,
        major_all=majors,
        required=required,
        preferred=preferred,
        country=(doc.institution_country or "").upper(),
        location=(doc.location_country or "").upper(),
        offset=None if offset is None or offset != offset else float(offset),
        engagement=doc.engagement_type,
        mode=doc.mode,
        monthly_hours=max(float(doc.monthly_hours or 0.0), 0.0),
        is_open=doc.status == "open",
        language_mask=_mask_words(required + preferred),
        required_mask=_mask_words(required),
    )


# --- Columns: many experts or many needs, as arrays ----------------------------
def country_key(country: str, visibility: int) -> int:
    """A country and its visibility in one small integer (index x 4 + visibility)."""
    return regions.country_index(country) * 4 + visibility


def offset_key(offset: float | None, visibility: int) -> int:
    """A UTC offset (in quarter hours) and the residence visibility in one small integer."""
    return quantise(offset) * 4 + visibility


TRAVEL = 8  # in ExpertColumns.modes, beside ONLINE, ONSITE, HYBRID: willing to travel


@dataclass
class ExpertColumns:
    """Per-expert arrays, all of one length (a view of the index's rows).

    Sensitive fields are stored with their visibility folded in (`country_key`,
    `offset_key`), so that a reader-dependent lookup table turns a hidden value into
    "unknown" in the same single gather that scores the visible ones."""

    listed: np.ndarray  # bool
    leaf: np.ndarray  # uint64
    major: np.ndarray  # uint64
    origin: np.ndarray  # int16 country_key(origin, origin visibility)
    residence: np.ndarray  # int16 country_key(residence, residence visibility)
    offset: np.ndarray  # int16 offset_key(utc offset, residence visibility)
    engagements: np.ndarray  # uint8 bits
    modes: np.ndarray  # uint8 bits ONLINE | ONSITE | HYBRID | TRAVEL
    hours: np.ndarray  # float32
    mentees: np.ndarray  # int32
    responsiveness: np.ndarray  # float32
    levels: dict[int, np.ndarray]  # language index -> float32 level score (0 = not spoken)

    @classmethod
    def of(cls, row: ExpertRow) -> "ExpertColumns":
        """One expert as columns of length 1 (for score_pair)."""
        return cls(
            listed=np.array([row.listed]),
            leaf=np.array([row.leaf], np.uint64),
            major=np.array([row.major], np.uint64),
            origin=np.array([country_key(row.origin, row.origin_vis)], np.int16),
            residence=np.array([country_key(row.residence, row.residence_vis)], np.int16),
            offset=np.array([offset_key(row.offset, row.residence_vis)], np.int16),
            engagements=np.array([row.engagements], np.uint8),
            modes=np.array([row.modes | (TRAVEL if row.travel else 0)], np.uint8),
            hours=np.array([row.hours], np.float32),
            mentees=np.array([row.mentees], np.int32),
            responsiveness=np.array([responsiveness_value(row.received, row.answered)], np.float32),
            levels={
                language_index(code): np.array([LEVEL_SCORES[level]], np.float32)
                for code, level in row.languages
            },
        )


@dataclass
class NeedColumns:
    """Per-need arrays, all of one length (a view of the index's rows)."""

    is_open: np.ndarray  # bool
    leaf: np.ndarray  # uint64
    major_explicit: np.ndarray  # uint64
    major_all: np.ndarray  # uint64
    languages: np.ndarray  # (n, LANGUAGE_WORDS) uint64: required and preferred
    required: np.ndarray  # (n, LANGUAGE_WORDS) uint64
    language_count: np.ndarray  # int16
    country: np.ndarray  # int16 country index
    location: np.ndarray  # int16 country index
    offset_q: np.ndarray  # int16 quarter hours, 0 unknown
    engagement: np.ndarray  # int8 bit, -1 unknown
    mode: np.ndarray  # int8 index into MODE_CODES, -1 unknown
    monthly_hours: np.ndarray  # float32


_DIASPORA_MATRIX: np.ndarray | None = None
_F32 = np.float32


def diaspora_matrix() -> np.ndarray:
    global _DIASPORA_MATRIX
    if _DIASPORA_MATRIX is None:
        matrix = DIASPORA_VALUES.astype(np.float32)[regions.relation_matrix()]
        matrix.setflags(write=False)
        _DIASPORA_MATRIX = matrix
    return _DIASPORA_MATRIX


def _keyed(values: np.ndarray, visible: np.ndarray, hidden: Any) -> np.ndarray:
    """A table over keys (index x 4 + visibility): values[index] where visible, else hidden."""
    return np.where(visible[None, :], values[:, None], hidden).ravel()


def expert_values(
    need: NeedRow, cols: ExpertColumns, text: np.ndarray, visible: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every criterion's value (float32) for one need against every expert in `cols`, and
    the mask of experts that may rank (listed; speaks every required language)."""
    size = len(cols.listed)
    values: dict[str, np.ndarray] = {"text": text}
    ok = cols.listed.copy()

    if need.leaf or need.major_all:
        exact = ((cols.leaf & np.uint64(need.leaf)) != 0) | (
            (cols.major & np.uint64(need.major_explicit)) != 0
        )
        major = (cols.major & np.uint64(need.major_all)) != 0  # implied by exact
        value = major * _F32(DISCIPLINE_SAME_MAJOR)
        value += exact * _F32(DISCIPLINE_SAME_FIELD - DISCIPLINE_SAME_MAJOR)
        values["discipline"] = value

    wanted = need.required + need.preferred
    if wanted:
        total = np.zeros(size, np.float32)
        for code in wanted:
            levels = cols.levels.get(language_index(code))
            if levels is None:
                if code in need.required:
                    ok[:] = False
                continue
            total += levels
            if code in need.required:
                ok &= levels > 0
        total /= _F32(len(wanted))
        values["language"] = total

    country = regions.country_index(need.country)
    if country != regions.UNKNOWN_INDEX:
        table = _keyed(diaspora_matrix()[country], visible, _F32(0.0))
        values["diaspora"] = table[cols.origin]

    bit = _ENGAGEMENT_BIT.get(need.engagement)
    if bit is not None:
        values["engagement"] = ((cols.engagements >> np.uint8(bit)) & 1).astype(np.float32)

    mode = _MODE_INDEX.get(need.mode, -1)
    if mode == 0:
        values["mode"] = ((cols.modes & ONLINE) != 0).astype(np.float32)
    elif mode > 0:
        offered = TRAVEL | (ONSITE if mode == 1 else ONSITE | HYBRID)
        fits = (cols.modes & offered) != 0
        location = regions.country_index(need.location)
        if location != regions.UNKNOWN_INDEX:
            here = np.zeros(len(regions.relation_matrix()), bool)
            here[location] = True
            fits |= _keyed(here, visible, False)[cols.residence]
        values["mode"] = np.where(fits, _F32(1.0), _F32(MODE_PENALTY))

    needed = need.monthly_hours
    if needed > 0:
        capacity = cols.hours * _F32(1.0 / needed)
        np.minimum(capacity, _F32(1.0), out=capacity)
    else:
        capacity = (cols.hours > 0).astype(np.float32)
    if need.engagement == "mentoring":
        capacity *= cols.mentees > 0
    values["capacity"] = capacity

    if mode in (0, 2):
        quarter = quantise(need.offset)
        if quarter == UNKNOWN_QUARTER:
            values["timezone"] = np.full(size, _F32(NEUTRAL))
        else:
            share = np.nan_to_num(overlap_share_table(quarter), nan=NEUTRAL).astype(np.float32)
            values["timezone"] = _keyed(share, visible, _F32(NEUTRAL))[cols.offset]

    values["responsiveness"] = cols.responsiveness
    return values, ok


def need_values(
    expert: ExpertRow, cols: NeedColumns, text: np.ndarray, visible: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every criterion's value (float32) for one expert against every need in `cols`, and
    the mask of needs that may rank (open; the expert speaks every required language)."""
    size = len(cols.is_open)
    values: dict[str, np.ndarray] = {"text": text}
    ok = cols.is_open.copy()

    leaf, major = np.uint64(expert.leaf), np.uint64(expert.major)
    exact = ((cols.leaf & leaf) != 0) | ((cols.major_explicit & major) != 0)
    same_major = (cols.major_all & major) != 0
    value = same_major * _F32(DISCIPLINE_SAME_MAJOR)
    value += exact * _F32(DISCIPLINE_SAME_FIELD - DISCIPLINE_SAME_MAJOR)
    values["discipline"] = value

    spoken = [0] * LANGUAGE_WORDS
    total = np.zeros(size, np.float32)
    for code, level in expert.languages:
        index = language_index(code)
        word, bit = divmod(index, 64)
        spoken[word] |= 1 << bit
        has = ((cols.languages[:, word] >> np.uint64(bit)) & np.uint64(1)).astype(bool)
        total += has * _F32(LEVEL_SCORES[level])
    for word in range(LANGUAGE_WORDS):
        ok &= (cols.required[:, word] & ~np.uint64(spoken[word])) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        values["language"] = np.where(
            cols.language_count > 0, total / cols.language_count.astype(np.float32), _F32(0.0)
        )

    origin = regions.country_index(expert.origin)
    if origin != regions.UNKNOWN_INDEX and visible[expert.origin_vis]:
        values["diaspora"] = diaspora_matrix()[cols.country, origin]

    engagement_bit = cols.engagement.astype(np.int16)
    values["engagement"] = np.where(
        engagement_bit >= 0, (expert.engagements >> np.maximum(engagement_bit, 0)) & 1, 0
    ).astype(np.float32)

    residence = regions.country_index(expert.residence)
    if residence != regions.UNKNOWN_INDEX and visible[expert.residence_vis]:
        lives = cols.location == residence
    else:
        lives = np.zeros(size, dtype=bool)
    modes = expert.modes
    online = _F32(1.0 if modes & ONLINE else 0.0)
    onsite_fits = bool(modes & ONSITE) or expert.travel
    hybrid_fits = bool(modes & (ONSITE | HYBRID)) or expert.travel
    values["mode"] = np.select(
        [cols.mode == 0, cols.mode == 1, cols.mode == 2],
        [
            np.full(size, online),
            np.where(onsite_fits | lives, _F32(1.0), _F32(MODE_PENALTY)),
            np.where(hybrid_fits | lives, _F32(1.0), _F32(MODE_PENALTY)),
        ],
        _F32(0.0),
    ).astype(np.float32)

    hours = _F32(expert.hours)
    with np.errstate(divide="ignore", invalid="ignore"):
        capacity = np.minimum(hours * (_F32(1.0) / cols.monthly_hours), _F32(1.0))
    capacity = np.where(cols.monthly_hours > 0, capacity, _F32(1.0 if hours > 0 else 0.0))
    mentoring = cols.engagement == _ENGAGEMENT_BIT["mentoring"]
    values["capacity"] = np.where(mentoring & (expert.mentees <= 0), _F32(0.0), capacity).astype(
        np.float32
    )

    online_work = (cols.mode == 0) | (cols.mode == 2)
    quarter = quantise(expert.offset)
    if quarter != UNKNOWN_QUARTER and visible[expert.residence_vis]:
        share = np.nan_to_num(overlap_share_table(quarter), nan=NEUTRAL).astype(np.float32)
        timezone = share[cols.offset_q]
    else:
        timezone = np.full(size, _F32(NEUTRAL))
    values["timezone"] = np.where(online_work, timezone, _F32(0.0))

    values["responsiveness"] = np.full(
        size, _F32(responsiveness_value(expert.received, expert.answered))
    )
    return values, ok


def weighted_sum(values: Mapping[str, np.ndarray], weights: Weights, size: int) -> np.ndarray:
    total = np.zeros(size, np.float32)
    scratch = np.empty(size, np.float32)
    for name, value in values.items():
        weight = getattr(weights, name)
        if weight:
            np.multiply(value, _F32(weight), out=scratch)
            total += scratch
    return total


# --- Reasons ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TextMatch:
    """What the text criterion found for one pair (computed by the index)."""

    found_keywords: tuple[str, ...]
    total_keywords: int
    terms: tuple[str, ...]  # the matching words that weigh most, best first


def _hours(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def explain(
    need: NeedRow,
    expert: ExpertRow,
    values: Mapping[str, float],
    weights: Weights,
    visible_levels: frozenset[str],
    text_match: TextMatch | None,
) -> tuple[tuple[Reason, ...], float]:
    """The reasons for one pair, and the score (the sum of their contributions).

    A criterion adding nothing gets no reason, except the mentee places of a mentoring need
    (said with contribution 0 beside the hours)."""
    reasons: list[Reason] = []

    def add(code: str, message: str, params: dict[str, str | int | float], value: float) -> None:
        reasons.append(Reason(code, message, params, round(getattr(weights, code) * value, 3)))

    value = values.get("text", 0.0)
    if value and weights.text and text_match is not None:
        if text_match.found_keywords and text_match.total_keywords == 1:
            add("text", MSG_KEYWORD, {"keywords": text_match.found_keywords[0]}, value)
        elif text_match.found_keywords:
            found, total = len(text_match.found_keywords), text_match.total_keywords
            params: dict[str, str | int | float] = {
                "found": found,
                "total": total,
                "keywords": ", ".join(text_match.found_keywords),
            }
            add("text", MSG_KEYWORDS, params, value)
        else:
            add("text", MSG_TERMS, {"terms": ", ".join(text_match.terms[:3])}, value)

    value = values.get("discipline", 0.0)
    if value and weights.discipline:
        if value >= DISCIPLINE_SAME_FIELD:
            shared = leaf_codes(expert.leaf & need.leaf) or [
                code
                for code in leaf_codes(expert.leaf)
                if (1 << _MAJORS.index(code.split(".")[0])) & need.major_explicit
            ]
            shown = shared[0] if shared else major_codes(expert.major & need.major_explicit)[0]
            add("discipline", MSG_FIELD, {"discipline": shown}, value)
        else:
            majors = need.major_all & expert.major
            shared = [
                code
                for code in leaf_codes(expert.leaf)
                if (1 << _MAJORS.index(code.split(".")[0])) & majors
            ]
            shown = shared[0] if shared else major_codes(majors)[0]
            add("discipline", MSG_MAJOR, {"discipline": shown}, value)

    wanted = need.required + need.preferred
    if wanted and weights.language:
        for code in wanted:
            level = expert.level(code)
            if not level:
                continue
            message = MSG_LANGUAGE_REQUIRED if code in need.required else MSG_LANGUAGE_PREFERRED
            add(
                "language",
                message,
                {"language": code, "level": level},
                LEVEL_SCORES[level] / len(wanted),
            )

    value = values.get("diaspora", 0.0)
    if value and weights.diaspora:
        origin_visible = VISIBILITY_ORDER[expert.origin_vis] in visible_levels
        relation = regions.relation(need.country, expert.origin) if origin_visible else 0
        if relation == regions.SAME:
            add("diaspora", MSG_ORIGIN, {"country": expert.origin}, value)
        elif relation == regions.NEIGHBOUR:
            params = {"country": expert.origin, "institution_country": need.country}
            add("diaspora", MSG_NEIGHBOUR, params, value)
        elif relation == regions.CONTINENT:
            params = {"country": expert.origin, "institution_country": need.country}
            add("diaspora", MSG_REGION, params, value)

    value = values.get("engagement", 0.0)
    if value and weights.engagement:
        add("engagement", MSG_ENGAGEMENT, {"engagement": need.engagement}, value)

    value = values.get("mode", 0.0)
    if value and weights.mode:
        if need.mode == "online":
            add("mode", MSG_ONLINE, {}, value)
        else:
            residence_visible = VISIBILITY_ORDER[expert.residence_vis] in visible_levels
            lives = bool(need.location) and residence_visible and expert.residence == need.location
            onsite = need.mode == "onsite"
            offers = bool(expert.modes & (ONSITE if onsite else ONSITE | HYBRID))
            if need.location:
                located = (
                    (MSG_ONSITE_OFFERS, MSG_ONSITE_LIVES, MSG_ONSITE_TRAVEL, MSG_ONSITE_NO)
                    if onsite
                    else (MSG_HYBRID_OFFERS, MSG_HYBRID_LIVES, MSG_HYBRID_TRAVEL, MSG_HYBRID_NO)
                )
                params = {"location": need.location}
            else:
                located = (
                    (MSG_ONSITE_ANY_OFFERS, "", MSG_ONSITE_ANY_TRAVEL, MSG_ONSITE_ANY_NO)
                    if onsite
                    else (MSG_HYBRID_ANY_OFFERS, "", MSG_HYBRID_ANY_TRAVEL, MSG_HYBRID_ANY_NO)
                )
                params = {}
            if value < 0:
                message = located[3]
            elif offers:
                message = located[0]
            elif lives:
                message = located[1]
            else:
                message = located[2]
            add("mode", message, params, value)

    value = values.get("capacity", 0.0)
    if value and weights.capacity:
        hours = int(expert.hours)
        needed = need.monthly_hours
        if needed > 0 and expert.hours < needed:
            message = MSG_HOUR_SHORT if hours == 1 else MSG_HOURS_SHORT
            add("capacity", message, {"hours": hours, "needed": _hours(needed)}, value)
        else:
            add("capacity", MSG_HOUR if hours == 1 else MSG_HOURS, {"hours": hours}, value)
        if need.engagement == "mentoring":
            message = MSG_MENTEE if expert.mentees == 1 else MSG_MENTEES
            reasons.append(Reason("capacity", message, {"places": expert.mentees}, 0.0))

    value = values.get("timezone", 0.0)
    if value and weights.timezone:
        residence_visible = VISIBILITY_ORDER[expert.residence_vis] in visible_levels
        known = need.offset is not None and expert.offset is not None and residence_visible
        if known and need.offset is not None and expert.offset is not None:
            hours_overlap = value * WORKDAY_HOURS
            message = MSG_OVERLAP_ONE if hours_overlap == 1 else MSG_OVERLAP
            add("timezone", message, {"hours": _hours(hours_overlap)}, value)
        else:
            add("timezone", MSG_TIMEZONE_UNKNOWN, {}, value)

    value = values.get("responsiveness", 0.0)
    if value and weights.responsiveness:
        if expert.received:
            message = MSG_ANSWERED_ONE if expert.received == 1 else MSG_ANSWERED
            params = {"answered": expert.answered, "received": expert.received}
            add("responsiveness", message, params, value)
        else:
            add("responsiveness", MSG_NEVER_INVITED, {}, value)

    score = round(sum(reason.contribution for reason in reasons), 3)
    return tuple(reasons), score

"""The two import formats: their columns, and each row checked and turned into plain data.

Nothing here reads the database: a row is checked against the reference lists (ISO countries
and languages, FORD fields, IANA time zones, engagement types, modes) and the model limits.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.imports import parsing as p
from diaspora.imports.parsing import CellError, Record, RowError
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need
from diaspora.people.services import normalise_keywords

# A month has at most 31 x 24 hours.
MAX_HOURS_PER_MONTH = 744
MAX_EXPERTS_WANTED = 1000
MAX_NEED_HOURS = 100_000


def _max_length(model: type, field: str) -> int:
    length = model._meta.get_field(field).max_length  # type: ignore[attr-defined]
    assert length is not None  # noqa: S101
    return int(length)


@dataclass(frozen=True, slots=True)
class ExpertRow:
    line: int
    email: str
    name: str
    origin_country: str
    residence_country: str
    timezone: str
    languages: dict[str, str]  # ISO 639-1 code -> level
    disciplines: frozenset[str]  # FORD field codes
    keywords: tuple[str, ...]  # normalised (lower case), first use first
    bio: str
    engagement_types: frozenset[str]
    modes: frozenset[str]
    hours_per_month: int


@dataclass(frozen=True, slots=True)
class NeedRow:
    line: int
    external_id: str
    institution: str
    institution_country: str
    title: str
    description: str
    disciplines: frozenset[str]
    keywords: tuple[str, ...]
    languages: frozenset[str]  # required languages
    engagement_type: str
    mode: str
    experts_wanted: int
    hours: int
    start: date | None
    end: date | None


def _keywords(column: str, value: str) -> tuple[str, ...]:
    try:
        return tuple(normalise_keywords(p.split_list(value)))
    except ValidationError as error:
        raise CellError(f"{column}: {' '.join(error.messages)}") from None


def _markdown(column: str, value: str) -> str:
    limit = settings.MARKDOWN_MAX_LENGTH
    if len(value) > limit:
        raise CellError(
            _("%(column)s is %(length)s characters long; the limit is %(limit)s")
            % {"column": column, "length": f"{len(value):,}", "limit": f"{limit:,}"}
        )
    return value


def parse_expert(record: Record) -> ExpertRow:
    c = record.cells
    return ExpertRow(
        line=record.line,
        email=p.text("email", p.email("email", c["email"]), max_length=_max_length(User, "email")),
        name=p.text("name", c["name"], max_length=_max_length(User, "name"), is_required=True),
        origin_country=p.country("origin_country", c["origin_country"]),
        residence_country=p.country("residence_country", c["residence_country"]),
        timezone=p.timezone("timezone", c["timezone"], default="UTC"),
        languages=p.languages_with_levels("languages", c["languages"]),
        disciplines=p.disciplines("disciplines", c["disciplines"]),
        keywords=_keywords("keywords", c["keywords"]),
        bio=_markdown("bio", c["bio"]),
        engagement_types=p.choices("engagement_types", c["engagement_types"], p.ENGAGEMENT_TYPES),
        modes=p.choices("modes", c["modes"], p.MODES),
        hours_per_month=p.whole_number(
            "hours_per_month",
            c["hours_per_month"],
            default=0,
            minimum=0,
            maximum=MAX_HOURS_PER_MONTH,
        ),
    )


def parse_need(record: Record) -> NeedRow:
    c = record.cells
    start = p.iso_date("start", c["start"])
    end = p.iso_date("end", c["end"])
    if start and end and end < start:
        raise CellError(
            _("end (%(end)s) is before start (%(start)s)")
            % {"end": end.isoformat(), "start": start.isoformat()}
        )
    return NeedRow(
        line=record.line,
        external_id=p.text(
            "external_id",
            c["external_id"],
            max_length=_max_length(Need, "external_id"),
            is_required=True,
        ),
        institution=" ".join(
            p.text(
                "institution",
                c["institution"],
                max_length=_max_length(Institution, "name"),
                is_required=True,
            ).split()
        ),
        institution_country=p.country(
            "institution_country", c["institution_country"], is_required=True
        ),
        title=p.text("title", c["title"], max_length=_max_length(Need, "title"), is_required=True),
        description=_markdown("description", c["description"]),
        disciplines=p.disciplines("disciplines", c["disciplines"]),
        keywords=_keywords("keywords", c["keywords"]),
        languages=p.language_codes("languages", c["languages"]),
        engagement_type=p.choice("engagement_type", c["engagement_type"], p.ENGAGEMENT_TYPES),
        mode=p.choice("mode", c["mode"], p.MODES),
        experts_wanted=p.whole_number(
            "experts_wanted",
            c["experts_wanted"],
            default=1,
            minimum=1,
            maximum=MAX_EXPERTS_WANTED,
        ),
        hours=p.whole_number("hours", c["hours"], default=0, minimum=0, maximum=MAX_NEED_HOURS),
        start=start,
        end=end,
    )


RowT = TypeVar("RowT", ExpertRow, NeedRow)


def parse_rows(
    records: Iterable[Record],
    parse: Callable[[Record], RowT],
    key: Callable[[RowT], str],
    key_column: str,
    tick: Callable[[int], object] = lambda n: None,
) -> tuple[list[RowT], list[RowError]]:
    """Check every record; a second row with the same key (email, external id) is refused."""
    rows: list[RowT] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for record in records:
        try:
            row = parse(record)
        except CellError as error:
            errors.append(RowError(record.line, error.message))
        else:
            value = key(row)
            seen = first_line.setdefault(value, row.line)
            if seen != row.line:
                errors.append(
                    RowError(
                        row.line,
                        _("%(column)s '%(value)s' already appears on line %(line)d")
                        % {"column": key_column, "value": value, "line": seen},
                    )
                )
            else:
                rows.append(row)
        tick(1)
    return rows, errors

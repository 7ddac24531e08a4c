"""Reading an import file and checking its cells. No database here.

A file is CSV with a header row, UTF-8 (a byte-order mark, as Excel writes one, is fine),
lists inside a cell separated by `;`. Line numbers are those of the file, the header being
line 1, so that a programme office finds a refused row in its spreadsheet; a quoted cell may
span several lines (a Markdown biography), and a row is named by the line it starts on.
"""

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django_countries import countries

from diaspora.people.models import LanguageLevel
from diaspora.reference import ford
from diaspora.reference.languages import is_language
from diaspora.reference.models import EngagementKind, ModeKind
from diaspora.reference.timezones import is_timezone

LIST_SEPARATOR = ";"
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ImportFileError(Exception):
    """The file as a whole cannot be read: not found, not UTF-8, broken CSV, wrong header."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class CellError(Exception):
    """One cell is wrong; the row reader adds the line number."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # where the row starts in the file; the header is line 1
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    records: tuple[Record, ...]
    errors: tuple[RowError, ...]  # rows whose shape is wrong (too many cells)


def read_table(path: str | Path, columns: Sequence[str]) -> Table:
    """Read the whole file. Every column in `columns` must be in the header, in any order;
    other columns are ignored (and named, so that a typo does not go unnoticed)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return _read(handle, columns)
    except UnicodeDecodeError:
        raise ImportFileError(
            _("Line %(line)d is not UTF-8 text. Save the file as CSV UTF-8.")
            % {"line": _first_line_not_utf8(path)}
        ) from None
    except FileNotFoundError:
        raise ImportFileError(_("%(path)s: no such file") % {"path": path}) from None
    except IsADirectoryError:
        raise ImportFileError(_("%(path)s is a directory") % {"path": path}) from None


def _read(handle: Iterator[str], columns: Sequence[str]) -> Table:
    # Strict: a quote left open would otherwise swallow the rest of the file into one cell.
    reader = csv.reader(handle, strict=True)
    line = 1  # where the row being read starts
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty: it needs a header row."))
        names = [name.strip().lower() for name in header]
        duplicates = sorted({name for name in names if name and names.count(name) > 1})
        if duplicates:
            raise ImportFileError(
                _("The header names a column more than once: %(columns)s")
                % {"columns": ", ".join(duplicates)}
            )
        missing = [name for name in columns if name not in names]
        if missing:
            raise ImportFileError(
                _("The header lacks the required column(s): %(columns)s")
                % {"columns": ", ".join(missing)}
            )
        positions = [(name, names.index(name)) for name in columns]
        ignored = tuple(name for name in names if name and name not in columns)
        records: list[Record] = []
        errors: list[RowError] = []
        width = len(names)
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or a row of empty cells
            if any(cell.strip() for cell in cells[width:]):  # empty extra cells are harmless
                errors.append(
                    RowError(
                        start,
                        _("the row has %(cells)d cells, the header %(columns)d")
                        % {"cells": len(cells), "columns": width},
                    )
                )
                continue
            records.append(
                Record(
                    start,
                    {
                        name: (cells[index].strip() if index < len(cells) else "")
                        for name, index in positions
                    },
                )
            )
    except csv.Error as error:
        raise ImportFileError(
            _(
                "The row starting on line %(line)d is not valid CSV (%(error)s); look for a quote "
                "that is not closed, or text after a closing quote."
            )
            % {"line": line, "error": error}
        ) from None
    return Table(tuple(names), ignored, tuple(records), tuple(errors))


def _first_line_not_utf8(path: str | Path) -> int:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


# --- Cells ----------------------------------------------------------------


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def required(column: str, value: str) -> str:
    if not value:
        raise CellError(_("%(column)s is required") % {"column": column})
    return value


def text(column: str, value: str, *, max_length: int, is_required: bool = False) -> str:
    if is_required:
        required(column, value)
    if len(value) > max_length:
        raise CellError(
            _("%(column)s is longer than %(limit)d characters")
            % {"column": column, "limit": max_length}
        )
    return value


def email(column: str, value: str) -> str:
    required(column, value)
    value = value.lower()
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(
            _("%(column)s '%(value)s' is not a valid email address")
            % {"column": column, "value": value}
        ) from None
    return value


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


def country(column: str, value: str, *, is_required: bool = False) -> str:
    if not value:
        if is_required:
            required(column, value)
        return ""
    code = value.upper()
    if code not in _country_codes():
        raise CellError(
            _("%(column)s '%(value)s' is not an ISO 3166-1 country code")
            % {"column": column, "value": value}
        )
    return code


def timezone(column: str, value: str, *, default: str) -> str:
    if not value:
        return default
    if not is_timezone(value):
        raise CellError(
            _("%(column)s '%(value)s' is not an IANA time zone (such as Africa/Dakar)")
            % {"column": column, "value": value}
        )
    return value


LANGUAGE_LEVELS = tuple(level.value for level in LanguageLevel)
DEFAULT_LANGUAGE_LEVEL = LanguageLevel.FLUENT.value


def language_code(column: str, value: str) -> str:
    code = value.lower()
    if not is_language(code):
        raise CellError(
            _("%(column)s: '%(value)s' is not an ISO 639-1 language code")
            % {"column": column, "value": value}
        )
    return code


def languages_with_levels(column: str, value: str) -> dict[str, str]:
    """`fr;en:working` -> {"fr": "fluent", "en": "working"}."""
    result: dict[str, str] = {}
    for item in split_list(value):
        raw_code, _sep, raw_level = item.partition(":")
        code = language_code(column, raw_code.strip())
        level = raw_level.strip().lower() or DEFAULT_LANGUAGE_LEVEL
        if level not in LANGUAGE_LEVELS:
            raise CellError(
                _("%(column)s: level '%(level)s' of '%(code)s' is not one of %(levels)s")
                % {
                    "column": column,
                    "level": raw_level.strip(),
                    "code": code,
                    "levels": ", ".join(LANGUAGE_LEVELS),
                }
            )
        if code in result:
            raise CellError(
                _("%(column)s: '%(code)s' is listed twice") % {"column": column, "code": code}
            )
        result[code] = level
    return result


def language_codes(column: str, value: str) -> frozenset[str]:
    codes: list[str] = [language_code(column, item) for item in split_list(value)]
    return frozenset(codes)


def disciplines(column: str, value: str) -> frozenset[str]:
    codes: set[str] = set()
    for item in split_list(value):
        if item in ford.MAJOR_FIELDS:
            raise CellError(
                _("%(column)s: '%(value)s' is a major field; give its fields, such as %(example)s")
                % {"column": column, "value": item, "example": f"{item}.1"}
            )
        if item not in ford.FIELDS:
            raise CellError(
                _("%(column)s: '%(value)s' is not a FORD field code (such as 3.3)")
                % {"column": column, "value": item}
            )
        codes.add(item)
    return frozenset(codes)


ENGAGEMENT_TYPES = tuple(kind.value for kind in EngagementKind)
MODES = tuple(kind.value for kind in ModeKind)


def choice(column: str, value: str, choices: Sequence[str]) -> str:
    required(column, value)
    code = value.lower()
    if code not in choices:
        raise CellError(
            _("%(column)s '%(value)s' is not one of %(choices)s")
            % {"column": column, "value": value, "choices": ", ".join(choices)}
        )
    return code


def choices(column: str, value: str, allowed: Sequence[str]) -> frozenset[str]:
    codes: set[str] = set()
    for item in split_list(value):
        code = item.lower()
        if code not in allowed:
            raise CellError(
                _("%(column)s: '%(value)s' is not one of %(choices)s")
                % {"column": column, "value": item, "choices": ", ".join(allowed)}
            )
        codes.add(code)
    return frozenset(codes)


def whole_number(column: str, value: str, *, default: int, minimum: int, maximum: int) -> int:
    if not value:
        return default
    if not _WHOLE_NUMBER.fullmatch(value):
        raise CellError(
            _("%(column)s '%(value)s' is not a whole number") % {"column": column, "value": value}
        )
    number = int(value)
    if not minimum <= number <= maximum:
        raise CellError(
            _("%(column)s is %(value)d; it must be between %(minimum)d and %(maximum)d")
            % {"column": column, "value": number, "minimum": minimum, "maximum": maximum}
        )
    return number


def iso_date(column: str, value: str) -> date | None:
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise CellError(
            _("%(column)s '%(value)s' is not a date in the form YYYY-MM-DD")
            % {"column": column, "value": value}
        ) from None

"""Helpers to write import files and run the import commands."""

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from diaspora.imports.columns import EXPERT_COLUMNS, NEED_COLUMNS

GOOD_EXPERT: dict[str, str] = {
    "email": "Fatou.Diop@Example.net",
    "name": "Fatou Diop",
    "origin_country": "SN",
    "residence_country": "FR",
    "timezone": "Europe/Paris",
    "languages": "wo:native;fr;en:working",
    "disciplines": "3.3;1.1",
    "keywords": "Epidemiology; disease surveillance ;Cholera",
    "bio": "I am an **epidemiologist** in Lyon.\n\nI teach:\n\n- biostatistics\n- surveillance",
    "engagement_types": "mentoring;Lecture",
    "modes": "online;hybrid",
    "hours_per_month": "8",
}
SECOND_EXPERT: dict[str, str] = {
    "email": "kwame.mensah@example.net",
    "name": "Kwame Mensah",
    "origin_country": "GH",
    "residence_country": "GB",
    "timezone": "Europe/London",
    "languages": "ak:native;en",
    "disciplines": "2.1",
    "keywords": "bridges;structural engineering",
    "bio": "Civil engineer.",
    "engagement_types": "course",
    "modes": "onsite",
    "hours_per_month": "4",
}
GOOD_NEED: dict[str, str] = {
    "external_id": "CALL-1",
    "institution": "Université Cheikh Anta Diop",
    "institution_country": "SN",
    "title": "A course on outbreak investigation",
    "description": "We need a **lecturer** for a one-week module.",
    "disciplines": "3.3",
    "keywords": "Epidemiology;outbreak response",
    "languages": "fr;en",
    "engagement_type": "course",
    "mode": "onsite",
    "experts_wanted": "2",
    "hours": "40",
    "start": "2026-03-02",
    "end": "2026-03-06",
}
SECOND_NEED: dict[str, str] = {
    "external_id": "CALL-2",
    "institution": "Kwame Nkrumah University of Science and Technology",
    "institution_country": "GH",
    "title": "Mentors for young civil engineers",
    "description": "",
    "disciplines": "2.1",
    "keywords": "bridges",
    "languages": "en",
    "engagement_type": "mentoring",
    "mode": "online",
    "experts_wanted": "",
    "hours": "",
    "start": "",
    "end": "",
}

Row = Mapping[str, str] | Sequence[str]


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Row]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns] if isinstance(row, Mapping) else row)
    return path


@pytest.fixture
def experts_file(tmp_path: Path) -> Callable[..., Path]:
    def make(
        *rows: Row, columns: Sequence[str] = EXPERT_COLUMNS, name: str = "experts.csv"
    ) -> Path:
        return write_csv(tmp_path / name, columns, rows)

    return make


@pytest.fixture
def needs_file(tmp_path: Path) -> Callable[..., Path]:
    def make(*rows: Row, columns: Sequence[str] = NEED_COLUMNS, name: str = "needs.csv") -> Path:
        return write_csv(tmp_path / name, columns, rows)

    return make


@dataclass
class Run:
    out: str
    err: str
    error: CommandError | None


def run_command(name: str, path: Path, *args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return Run(out.getvalue(), err.getvalue(), error)
    return Run(out.getvalue(), err.getvalue(), None)


@pytest.fixture
def run() -> Callable[..., Run]:
    return run_command

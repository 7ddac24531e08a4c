"""`import_needs FILE.csv`: good, bad and repeated files; institutions found or created."""

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from diaspora.imports.services import needs_import
from diaspora.institutions.models import Institution, InstitutionType, VerificationStatus
from diaspora.needs.models import Need, NeedLanguage, NeedStatus
from diaspora.reference.models import Keyword
from tests.imports.conftest import GOOD_NEED, SECOND_NEED, Run

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, Any]:
    return {
        "needs": sorted(
            Need.objects.values_list("id", "external_id", "updated_at", "description_html")
        ),
        "institutions": sorted(Institution.objects.values_list("id", "name", "updated_at")),
        "languages": sorted(NeedLanguage.objects.values_list("id", "need_id", "code", "required")),
        "keywords": sorted(Keyword.objects.values_list("id", "name")),
        "disciplines": sorted(
            Need.disciplines.through.objects.values_list("id", "need_id", "discipline_id")
        ),
        "need_keywords": sorted(
            Need.keywords.through.objects.values_list("id", "need_id", "keyword_id")
        ),
    }


def test_it_imports_every_field_and_creates_missing_institutions(
    needs_file: Callable[..., Path], run: Callable[..., Run], institution: Institution
) -> None:
    # `institution` is "Université Cheikh Anta Diop" in Senegal: found despite case and spaces.
    first = GOOD_NEED | {"institution": "université  cheikh anta DIOP"}
    result = run("import_needs", needs_file(first, SECOND_NEED))

    assert result.error is None, result.err
    assert "2 created, 0 updated, 0 unchanged, 0 refused; 1 new institutions" in result.out
    need = Need.objects.get(external_id="CALL-1")
    assert need.institution == institution
    assert need.status == NeedStatus.OPEN  # a call the programme office has decided
    assert need.published_at is not None
    assert need.created_by is None
    assert need.title == "A course on outbreak investigation"
    assert (
        need.description_html == "<p>We need a <strong>lecturer</strong> for a one-week module.</p>"
    )
    assert (need.engagement_type.code, need.mode.code) == ("course", "onsite")
    assert str(need.location_country) == "SN"  # on site: at the institution
    assert (need.experts_wanted, need.effort_hours) == (2, 40)
    assert (need.start_date, need.end_date) == (date(2026, 3, 2), date(2026, 3, 6))
    assert list(need.disciplines.values_list("code", flat=True)) == ["3.3"]
    assert sorted(need.keywords.values_list("name", flat=True)) == [
        "epidemiology",
        "outbreak response",
    ]
    assert sorted(need.languages.values_list("code", "required")) == [("en", True), ("fr", True)]

    other = Need.objects.get(external_id="CALL-2")
    created = other.institution
    assert (created.name, str(created.country)) == (SECOND_NEED["institution"], "GH")
    assert created.type == InstitutionType.OTHER
    assert created.verification_status == VerificationStatus.UNVERIFIED
    assert not created.memberships.exists()
    assert str(other.location_country) == ""  # online
    assert (other.experts_wanted, other.effort_hours, other.start_date) == (1, 0, None)
    assert other.description == other.description_html == ""
    assert Institution.objects.count() == 2


def test_it_creates_an_institution_once_for_all_its_needs(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    names = ["Université de Kinshasa", "UNIVERSITÉ DE KINSHASA", "Université  de Kinshasa"]
    rows = [
        SECOND_NEED | {"external_id": f"N{i}", "institution": name, "institution_country": "CD"}
        for i, name in enumerate(names)
    ]
    # The same name in another country is another institution.
    rows.append(rows[0] | {"external_id": "N9", "institution_country": "CG"})

    result = run("import_needs", needs_file(*rows))

    assert "4 created, 0 updated, 0 unchanged, 0 refused; 2 new institutions" in result.out
    assert sorted(Institution.objects.values_list("name", "country")) == [
        ("Université de Kinshasa", "CD"),  # as written in its first row
        ("Université de Kinshasa", "CG"),
    ]
    assert Institution.objects.get(country="CD").needs.count() == 3


def test_it_changes_nothing_when_the_same_file_comes_again(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    path = needs_file(GOOD_NEED, SECOND_NEED)
    run("import_needs", path)
    before = _snapshot()

    result = run("import_needs", path)

    assert "0 created, 0 updated, 2 unchanged, 0 refused" in result.out
    assert _snapshot() == before


def test_it_updates_a_changed_row_and_keeps_its_status(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    run("import_needs", needs_file(GOOD_NEED, SECOND_NEED))
    need = Need.objects.get(external_id="CALL-1")
    need.status = NeedStatus.IN_PROGRESS
    need.save()
    NeedLanguage.objects.create(need=need, code="wo", required=False)  # added on the site
    need.refresh_from_db()
    untouched = Need.objects.get(external_id="CALL-2")
    changed = GOOD_NEED | {
        "title": "Two courses on outbreak investigation",
        "description": "Now *two* modules.",
        "languages": "fr",
        "keywords": "outbreak response",
        "mode": "online",
        "end": "2026-03-13",
        "hours": "80",
    }

    result = run("import_needs", needs_file(changed, SECOND_NEED, name="changed.csv"))

    assert "0 created, 1 updated, 1 unchanged" in result.out
    updated = Need.objects.get(pk=need.pk)
    assert updated.status == NeedStatus.IN_PROGRESS
    assert updated.title == "Two courses on outbreak investigation"
    assert updated.description_html == "<p>Now <em>two</em> modules.</p>"
    assert (updated.mode.code, updated.end_date, updated.effort_hours) == (
        "online",
        date(2026, 3, 13),
        80,
    )
    assert sorted(updated.languages.values_list("code", "required")) == [
        ("fr", True),
        ("wo", False),
    ]
    assert list(updated.keywords.values_list("name", flat=True)) == ["outbreak response"]
    assert updated.updated_at > need.updated_at
    assert Need.objects.get(pk=untouched.pk).updated_at == untouched.updated_at


def test_it_moves_a_need_to_another_institution(
    needs_file: Callable[..., Path], run: Callable[..., Run], institution: Institution
) -> None:
    run("import_needs", needs_file(GOOD_NEED))
    moved = GOOD_NEED | {"institution": "Université Gaston Berger"}
    result = run("import_needs", needs_file(moved, name="moved.csv"))
    assert "0 created, 1 updated, 0 unchanged, 0 refused; 1 new institutions" in result.out
    assert Need.objects.get().institution.name == "Université Gaston Berger"


BAD_CELLS = [
    ("start", "02/03/2026", "start '02/03/2026' is not a date in the form YYYY-MM-DD"),
    ("end", "2026-02-30", "end '2026-02-30' is not a date in the form YYYY-MM-DD"),
    ("end", "2026-03-01", "end (2026-03-01) is before start (2026-03-02)"),
    ("hours", "forty", "hours 'forty' is not a whole number"),
    ("experts_wanted", "0", "experts_wanted is 0; it must be between 1 and 1000"),
    ("experts_wanted", "2.5", "experts_wanted '2.5' is not a whole number"),
    ("institution_country", "XX", "institution_country 'XX' is not an ISO 3166-1 country code"),
    ("institution_country", "", "institution_country is required"),
    ("institution", "", "institution is required"),
    ("external_id", "", "external_id is required"),
    ("title", "", "title is required"),
    ("title", "t" * 201, "title is longer than 200 characters"),
    ("languages", "fr;klingon", "languages: 'klingon' is not an ISO 639-1 language code"),
    ("disciplines", "3.9", "disciplines: '3.9' is not a FORD field code (such as 3.3)"),
    (
        "engagement_type",
        "consulting",
        "engagement_type 'consulting' is not one of mentoring, course, supervision, lecture, research, curriculum",
    ),
    ("engagement_type", "", "engagement_type is required"),
    ("mode", "remote", "mode 'remote' is not one of online, onsite, hybrid"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS)
def test_it_reports_a_bad_row_with_its_line_and_imports_nothing(
    needs_file: Callable[..., Path],
    run: Callable[..., Run],
    column: str,
    value: str,
    message: str,
) -> None:
    result = run("import_needs", needs_file(SECOND_NEED, GOOD_NEED | {column: value}))

    assert f"line 3: {message}" in result.err
    assert result.error is not None
    assert result.error.returncode == 1
    assert not Need.objects.exists()
    assert not Institution.objects.exists()  # SECOND_NEED's would have been created


def test_it_refuses_an_external_id_already_in_the_file(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    result = run("import_needs", needs_file(GOOD_NEED, SECOND_NEED | {"external_id": "CALL-1"}))
    assert "line 3: external_id 'CALL-1' already appears on line 2" in result.err
    assert not Need.objects.exists()


def test_it_refuses_a_file_without_a_required_column(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    columns = [c for c in GOOD_NEED if c != "external_id"]
    result = run("import_needs", needs_file(GOOD_NEED, columns=columns))
    assert result.error is not None
    assert "The header lacks the required column(s): external_id" in str(result.error)


def test_it_imports_the_good_rows_with_skip_invalid(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    bad = SECOND_NEED | {"start": "2026-05-01", "end": "2026-04-01"}
    result = run("import_needs", needs_file(GOOD_NEED, bad), "--skip-invalid")
    assert result.error is None
    assert "line 3: end (2026-04-01) is before start (2026-05-01)" in result.err
    assert "1 created, 0 updated, 0 unchanged, 1 refused; 1 new institutions" in result.out
    assert list(Need.objects.values_list("external_id", flat=True)) == ["CALL-1"]
    # The refused row's institution was not created.
    assert list(Institution.objects.values_list("country", flat=True)) == ["SN"]


def test_it_writes_nothing_in_a_dry_run(
    needs_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    result = run("import_needs", needs_file(GOOD_NEED, SECOND_NEED), "--dry-run")
    assert "Dry run, nothing written. Needs: 2 created" in result.out
    assert "2 new institutions" in result.out
    assert not Need.objects.exists() and not Institution.objects.exists()


def test_it_finds_the_new_rows_ids_where_the_database_does_not_return_them(
    needs_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.35 does not return the ids of a bulk insert."""
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    report = needs_import(path=needs_file(GOOD_NEED, SECOND_NEED))
    assert (report.created, report.institutions_created) == (2, 2)
    need = Need.objects.get(external_id="CALL-1")
    assert need.languages.count() == 2 and need.keywords.count() == 2
    assert need.institution.name == GOOD_NEED["institution"]

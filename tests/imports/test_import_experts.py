"""`import_experts FILE.csv`: good, bad and repeated files."""

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from diaspora.accounts.models import Role, User
from diaspora.imports import services
from diaspora.imports.management.commands.import_experts import Command
from diaspora.markup import MarkdownTooComplex
from diaspora.people.models import ExpertLanguage, ExpertProfile, Visibility
from diaspora.reference.models import Keyword
from tests.conftest import PASSWORD
from tests.imports.conftest import GOOD_EXPERT, SECOND_EXPERT, Run

pytestmark = pytest.mark.django_db

EMAIL = "fatou.diop@example.net"


def _snapshot() -> dict[str, Any]:
    """Every row the import may write, with the profiles' updated_at."""
    return {
        "users": sorted(User.objects.values_list("id", "email", "name", "role", "password")),
        "profiles": sorted(ExpertProfile.objects.values_list("id", "updated_at", "bio_html")),
        "languages": sorted(
            ExpertLanguage.objects.values_list("id", "profile_id", "code", "level")
        ),
        "keywords": sorted(Keyword.objects.values_list("id", "name")),
        **{
            name: sorted(
                getattr(ExpertProfile, name).through.objects.values_list(
                    "id",
                    "expertprofile_id",
                    f"{getattr(ExpertProfile, name).field.m2m_reverse_field_name()}_id",
                )
            )
            for name in ("disciplines", "keywords", "engagement_types", "modes")
        },
    }


def test_it_imports_every_field_of_a_good_file(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    result = run("import_experts", experts_file(GOOD_EXPERT, SECOND_EXPERT))

    assert result.error is None, result.err
    assert "2 created, 0 updated, 0 unchanged, 0 refused" in result.out
    user = User.objects.get(email=EMAIL)  # stored in lower case
    assert (user.name, user.role, user.timezone) == ("Fatou Diop", Role.EXPERT, "Europe/Paris")
    assert not user.has_usable_password()
    assert user.is_active
    # The address is not verified: the expert proves it by resetting the password.
    assert not EmailAddress.objects.filter(user=user).exists()

    profile = user.expert_profile
    assert (str(profile.origin_country), str(profile.residence_country)) == ("SN", "FR")
    assert profile.origin_country_visibility == Visibility.MEMBERS
    assert profile.residence_country_visibility == Visibility.MEMBERS
    assert profile.is_listed
    assert (profile.timezone, profile.hours_per_month) == ("Europe/Paris", 8)
    assert profile.bio == GOOD_EXPERT["bio"]
    assert "<strong>epidemiologist</strong>" in profile.bio_html
    assert "<li>biostatistics</li>" in profile.bio_html
    assert dict(profile.languages.values_list("code", "level")) == {
        "wo": "native",
        "fr": "fluent",  # no level given
        "en": "working",
    }
    assert sorted(profile.disciplines.values_list("code", flat=True)) == ["1.1", "3.3"]
    assert sorted(profile.keywords.values_list("name", flat=True)) == [
        "cholera",
        "disease surveillance",
        "epidemiology",
    ]
    assert sorted(profile.engagement_types.values_list("code", flat=True)) == [
        "lecture",
        "mentoring",
    ]
    assert sorted(profile.modes.values_list("code", flat=True)) == ["hybrid", "online"]

    other = ExpertProfile.objects.get(user__email="kwame.mensah@example.net")
    assert dict(other.languages.values_list("code", "level")) == {"ak": "native", "en": "fluent"}
    assert list(other.modes.values_list("code", flat=True)) == ["onsite"]


def test_it_leaves_blank_optional_cells_empty(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    row = dict.fromkeys(GOOD_EXPERT, "") | {"email": "a@example.net", "name": "A. Person"}
    assert run("import_experts", experts_file(row)).error is None
    profile = ExpertProfile.objects.get(user__email="a@example.net")
    assert (str(profile.origin_country), profile.timezone, profile.hours_per_month) == (
        "",
        "UTC",
        0,
    )
    assert (profile.bio, profile.bio_html) == ("", "")
    assert not profile.languages.exists() and not profile.keywords.exists()


def test_it_changes_nothing_when_the_same_file_comes_again(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    path = experts_file(GOOD_EXPERT, SECOND_EXPERT)
    run("import_experts", path)
    before = _snapshot()

    result = run("import_experts", path)

    assert result.error is None
    assert "0 created, 0 updated, 2 unchanged, 0 refused" in result.out
    assert _snapshot() == before


def test_it_updates_a_changed_row_and_only_that_one(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    run("import_experts", experts_file(GOOD_EXPERT, SECOND_EXPERT))
    first = ExpertProfile.objects.get(user__email=EMAIL)
    second = ExpertProfile.objects.get(user__email="kwame.mensah@example.net")
    changed = GOOD_EXPERT | {
        "name": "Fatou Diop-Sarr",
        "residence_country": "CA",
        "languages": "fr:native",
        "keywords": "cholera;one health",
        "modes": "online",
        "bio": "Now in *Montréal*.",
        "hours_per_month": "12",
    }

    result = run("import_experts", experts_file(changed, SECOND_EXPERT, name="changed.csv"))

    assert "0 created, 1 updated, 1 unchanged" in result.out
    profile = ExpertProfile.objects.get(pk=first.pk)
    assert profile.user.name == "Fatou Diop-Sarr"
    assert (str(profile.residence_country), profile.hours_per_month) == ("CA", 12)
    assert profile.bio_html == "<p>Now in <em>Montréal</em>.</p>"
    assert dict(profile.languages.values_list("code", "level")) == {"fr": "native"}
    assert sorted(profile.keywords.values_list("name", flat=True)) == ["cholera", "one health"]
    assert list(profile.modes.values_list("code", flat=True)) == ["online"]
    assert sorted(profile.disciplines.values_list("code", flat=True)) == ["1.1", "3.3"]
    # The matching index syncs on updated_at: the changed profile moved, the other did not.
    assert profile.updated_at > first.updated_at
    assert ExpertProfile.objects.get(pk=second.pk).updated_at == second.updated_at
    assert User.objects.count() == 2


def test_it_counts_a_change_of_relations_alone_as_a_change(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    run("import_experts", experts_file(GOOD_EXPERT))
    before = ExpertProfile.objects.get().updated_at
    result = run(
        "import_experts", experts_file(GOOD_EXPERT | {"disciplines": "3.3"}, name="two.csv")
    )
    assert "1 updated" in result.out
    profile = ExpertProfile.objects.get()
    assert list(profile.disciplines.values_list("code", flat=True)) == ["3.3"]
    assert profile.updated_at > before


def test_it_keeps_what_the_expert_set_and_the_file_does_not_have(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    run("import_experts", experts_file(GOOD_EXPERT))
    profile = ExpertProfile.objects.get()
    profile.headline = "Epidemiologist"
    profile.origin_country_visibility = Visibility.HIDDEN
    profile.is_listed = False
    profile.save()

    run("import_experts", experts_file(GOOD_EXPERT | {"hours_per_month": "2"}, name="two.csv"))

    profile.refresh_from_db()
    assert profile.hours_per_month == 2
    assert profile.headline == "Epidemiologist"
    assert profile.origin_country_visibility == Visibility.HIDDEN
    assert not profile.is_listed


def test_it_gives_an_existing_account_a_profile_and_keeps_its_password(
    experts_file: Callable[..., Path], run: Callable[..., Run], charlie: User
) -> None:
    result = run(
        "import_experts",
        experts_file(SECOND_EXPERT | {"email": "Charlie@example.org", "name": "Charlie O."}),
    )
    assert "1 created" in result.out
    charlie.refresh_from_db()
    assert charlie.name == "Charlie O."
    assert charlie.role == Role.LEARNER  # their own choice at sign-up
    assert charlie.check_password(PASSWORD)
    assert charlie.expert_profile.hours_per_month == 4
    assert User.objects.count() == 1


def test_it_finds_an_account_whose_address_was_stored_with_capitals(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    User.objects.create(email="Fatou.Diop@Example.net", name="F. Diop")  # e.g. in the admin
    result = run("import_experts", experts_file(GOOD_EXPERT))
    assert "1 created" in result.out
    assert User.objects.get().expert_profile.hours_per_month == 8


def test_it_updates_the_profile_of_a_registered_expert(
    experts_file: Callable[..., Path], run: Callable[..., Run], alice: User
) -> None:
    profile = alice.expert_profile
    result = run("import_experts", experts_file(GOOD_EXPERT | {"email": "alice@example.org"}))
    assert "0 created, 1 updated" in result.out
    assert ExpertProfile.objects.get().pk == profile.pk
    assert alice.expert_profile.languages.count() == 3


BAD_CELLS = [
    ("origin_country", "XX", "origin_country 'XX' is not an ISO 3166-1 country code"),
    ("residence_country", "France", "residence_country 'France' is not an ISO 3166-1 country code"),
    ("languages", "fr;xx", "languages: 'xx' is not an ISO 639-1 language code"),
    ("languages", "fre", "languages: 'fre' is not an ISO 639-1 language code"),
    (
        "languages",
        "fr:expert",
        "languages: level 'expert' of 'fr' is not one of native, fluent, working, basic",
    ),
    ("languages", "fr;FR:native", "languages: 'fr' is listed twice"),
    ("disciplines", "3.3;9.9", "disciplines: '9.9' is not a FORD field code (such as 3.3)"),
    ("disciplines", "3", "disciplines: '3' is a major field; give its fields, such as 3.1"),
    ("timezone", "Mars/Olympus", "timezone 'Mars/Olympus' is not an IANA time zone"),
    (
        "email",
        "fatou.diop(at)example.net",
        "email 'fatou.diop(at)example.net' is not a valid email address",
    ),
    ("email", "", "email is required"),
    ("name", "", "name is required"),
    ("hours_per_month", "ten", "hours_per_month 'ten' is not a whole number"),
    ("hours_per_month", "4.5", "hours_per_month '4.5' is not a whole number"),
    ("hours_per_month", "-3", "hours_per_month '-3' is not a whole number"),
    ("hours_per_month", "800", "hours_per_month is 800; it must be between 0 and 744"),
    (
        "engagement_types",
        "mentoring;dancing",
        "engagement_types: 'dancing' is not one of mentoring, course, supervision, lecture, research, curriculum",
    ),
    ("modes", "telepathy", "modes: 'telepathy' is not one of online, onsite, hybrid"),
    ("keywords", "x" * 61, "keywords: Keyword “" + "x" * 61 + "” is longer than 60 characters."),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CELLS)
def test_it_reports_a_bad_row_with_its_line_and_imports_nothing(
    experts_file: Callable[..., Path],
    run: Callable[..., Run],
    column: str,
    value: str,
    message: str,
) -> None:
    bad = SECOND_EXPERT | {column: value}
    result = run("import_experts", experts_file(GOOD_EXPERT, bad))

    # GOOD_EXPERT's biography spans 6 lines of the file (2-7), so the bad row is on line 8.
    assert f"line 8: {message}" in result.err
    assert result.error is not None
    assert result.error.returncode == 1
    assert "Nothing imported: 1 of 2 rows refused" in str(result.error)
    assert not User.objects.exists()
    assert not ExpertProfile.objects.exists()
    assert not Keyword.objects.exists()


def test_it_refuses_an_email_already_in_the_file(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    duplicate = SECOND_EXPERT | {"email": "FATOU.DIOP@example.net"}
    result = run("import_experts", experts_file(GOOD_EXPERT, duplicate))
    assert "line 8: email 'fatou.diop@example.net' already appears on line 2" in result.err
    assert result.error is not None
    assert not User.objects.exists()


def test_it_lists_every_bad_row_in_file_order(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    rows = [
        SECOND_EXPERT | {"email": f"p{i}@example.net", "bio": "", "origin_country": country}
        for i, country in enumerate(["SN", "ZZ", "GH", "QQ"])
    ]
    rows.append(SECOND_EXPERT | {"email": "p0@example.net", "bio": ""})
    result = run("import_experts", experts_file(*rows))
    assert result.err.splitlines() == [
        "line 3: origin_country 'ZZ' is not an ISO 3166-1 country code",
        "line 5: origin_country 'QQ' is not an ISO 3166-1 country code",
        "line 6: email 'p0@example.net' already appears on line 2",
    ]
    assert "3 of 5 rows refused" in str(result.error)


def test_it_imports_the_good_rows_with_skip_invalid(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    bad = SECOND_EXPERT | {"timezone": "Europe/Atlantis"}
    result = run("import_experts", experts_file(GOOD_EXPERT, bad), "--skip-invalid")

    assert result.error is None
    assert "line 8: timezone 'Europe/Atlantis' is not an IANA time zone" in result.err
    assert "1 created, 0 updated, 0 unchanged, 1 refused" in result.out
    assert list(User.objects.values_list("email", flat=True)) == [EMAIL]


def test_it_refuses_a_row_whose_biography_cannot_be_rendered(
    experts_file: Callable[..., Path], run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.render_markdown

    def render(text: str) -> str:
        if "[[[" in text:
            raise MarkdownTooComplex("This text is too complex to format.", code="too_complex")
        return real(text)

    monkeypatch.setattr(services, "render_markdown", render)
    bad = SECOND_EXPERT | {"bio": "[[[" * 10}
    result = run("import_experts", experts_file(GOOD_EXPERT, bad))
    assert "line 8: bio: This text is too complex to format." in result.err
    assert not User.objects.exists()

    result = run("import_experts", experts_file(GOOD_EXPERT, bad), "--skip-invalid")
    assert "1 created" in result.out
    assert User.objects.count() == 1


def test_it_refuses_a_biography_over_the_markdown_limit(
    experts_file: Callable[..., Path], run: Callable[..., Run], settings: Any
) -> None:
    settings.MARKDOWN_MAX_LENGTH = 100
    result = run("import_experts", experts_file(SECOND_EXPERT | {"bio": "a" * 101}))
    assert "line 2: bio is 101 characters long; the limit is 100" in result.err


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            [c for c in GOOD_EXPERT if c not in ("timezone", "bio")],
            "The header lacks the required column(s): timezone, bio",
        ),
        ([*GOOD_EXPERT, "Email"], "The header names a column more than once: email"),
    ],
)
def test_it_refuses_a_file_with_a_wrong_header(
    experts_file: Callable[..., Path], run: Callable[..., Run], columns: list[str], message: str
) -> None:
    result = run("import_experts", experts_file(SECOND_EXPERT, columns=columns))
    assert result.error is not None
    assert message in str(result.error)
    assert not User.objects.exists()


def test_it_takes_columns_in_any_order_and_names_the_ones_it_ignores(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    columns = ["notes", *reversed(list(GOOD_EXPERT))]
    result = run("import_experts", experts_file(SECOND_EXPERT, columns=columns))
    assert "1 created" in result.out
    assert "Ignored column(s), not part of the format: notes" in result.err
    assert ExpertProfile.objects.get().hours_per_month == 4


def test_it_refuses_a_row_with_more_cells_than_the_header(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    cells = [SECOND_EXPERT[c] for c in GOOD_EXPERT] + ["extra"]
    result = run("import_experts", experts_file(cells))
    assert "line 2: the row has 13 cells, the header 12" in result.err
    assert result.error is not None


def test_it_refuses_a_file_that_is_not_utf8(tmp_path: Path, run: Callable[..., Run]) -> None:
    path = tmp_path / "latin1.csv"
    lines = [",".join(GOOD_EXPERT), "a@example.net,Ann", "b@example.net,Hélène"]
    path.write_bytes("\n".join(lines).encode("latin-1"))
    result = run("import_experts", path)
    assert result.error is not None
    assert "Line 3 is not UTF-8 text" in str(result.error)


def test_it_reads_a_file_saved_by_excel_with_a_byte_order_mark(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    path = tmp_path / "excel.csv"
    line = ",".join(SECOND_EXPERT[c] for c in GOOD_EXPERT)
    path.write_text(",".join(GOOD_EXPERT) + "\r\n" + line + "\r\n", encoding="utf-8-sig")
    assert run("import_experts", path).error is None
    assert ExpertProfile.objects.count() == 1


def test_it_says_when_the_file_is_missing(tmp_path: Path, run: Callable[..., Run]) -> None:
    result = run("import_experts", tmp_path / "nope.csv")
    assert result.error is not None
    assert "no such file" in str(result.error)


def test_it_writes_nothing_in_a_dry_run(
    experts_file: Callable[..., Path], run: Callable[..., Run]
) -> None:
    result = run("import_experts", experts_file(GOOD_EXPERT, SECOND_EXPERT), "--dry-run")
    assert "Dry run, nothing written. Experts: 2 created" in result.out
    assert not User.objects.exists()


def test_it_exits_with_a_status_that_says_whether_rows_were_refused(
    experts_file: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # run_from_argv closes the database connections when it ends; the test still needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    bad = experts_file(GOOD_EXPERT, SECOND_EXPERT | {"origin_country": "XX"})
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "import_experts", str(bad), "--skip-checks"])
    assert exited.value.code == 1
    assert "line 8: origin_country 'XX'" in capsys.readouterr().err
    assert not User.objects.exists()

    # The same file with --skip-invalid, then a good file: status 0 (no SystemExit).
    Command().run_from_argv(
        ["manage.py", "import_experts", str(bad), "--skip-invalid", "--skip-checks"]
    )
    good = experts_file(GOOD_EXPERT, name="good.csv")
    Command().run_from_argv(["manage.py", "import_experts", str(good), "--skip-checks"])
    assert User.objects.count() == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_shows_a_progress_bar_only_on_a_terminal(
    experts_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = experts_file(GOOD_EXPERT, SECOND_EXPERT)
    call_command("import_experts", str(path), stdout=io.StringIO())
    assert capsys.readouterr().err == ""

    call_command("import_experts", str(path), stdout=_Terminal())
    bars = capsys.readouterr().err
    assert "Checking rows" in bars and "2/2" in bars


def test_it_uses_the_same_number_of_queries_for_3_or_30_experts(
    experts_file: Callable[..., Path],
) -> None:
    def import_count(count: int, prefix: str) -> int:
        rows = [
            GOOD_EXPERT | {"email": f"{prefix}{i}@example.net", "keywords": f"kw{prefix}{i};shared"}
            for i in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            services.experts_import(path=experts_file(*rows, name=f"{prefix}.csv"))
        return len(queries)

    # (Not more than 30: SQLite takes 999 parameters, so Django splits a larger insert.)
    assert import_count(3, "a") == import_count(30, "b")
    assert ExpertProfile.objects.count() == 33


def test_it_imports_in_chunks(
    experts_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CHUNK", 3)
    rows = [SECOND_EXPERT | {"email": f"p{i}@example.net", "bio": f"Bio {i}"} for i in range(8)]
    report = services.experts_import(path=experts_file(*rows))
    assert (report.created, report.written) == (8, True)
    assert ExpertProfile.objects.count() == 8
    assert ExpertLanguage.objects.count() == 16
    assert sorted(ExpertProfile.objects.values_list("bio_html", flat=True)) == [
        f"<p>Bio {i}</p>" for i in range(8)
    ]
    # Again, with one change in the last chunk.
    rows[7] = rows[7] | {"hours_per_month": "1"}
    report = services.experts_import(path=experts_file(*rows, name="two.csv"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 7)


def test_an_imported_expert_claims_the_account_through_password_reset(
    experts_file: Callable[..., Path], run: Callable[..., Run], client: Any, settings: Any
) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    run("import_experts", experts_file(GOOD_EXPERT))
    response = client.post("/accounts/password/reset/", {"email": EMAIL})
    assert response.status_code == 302
    link = re.search(
        r"https?://testserver(/accounts/password/reset/key/\S+/)", str(mail.outbox[0].body)
    )
    assert link is not None
    form_url = client.get(link.group(1))["Location"]
    new_password = "amber-savanna-compass-73"
    client.post(form_url, {"password1": new_password, "password2": new_password})
    assert User.objects.get(email=EMAIL).check_password(new_password)

    # Signing in then asks to confirm the address once (verification is mandatory in
    # production), and after that the expert is in.
    mail.outbox.clear()
    response = Client().post("/accounts/login/", {"login": EMAIL, "password": new_password})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    confirm = re.search(
        r"https?://testserver(/accounts/confirm-email/\S+/)", str(mail.outbox[0].body)
    )
    assert confirm is not None
    assert Client().post(confirm.group(1)).status_code == 302
    assert EmailAddress.objects.get(email=EMAIL).verified
    response = Client().post("/accounts/login/", {"login": EMAIL, "password": new_password})
    assert response.status_code == 302 and "confirm-email" not in response["Location"]


def test_it_finds_the_new_rows_ids_where_the_database_does_not_return_them(
    experts_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite before 3.35 does not return the ids of a bulk insert."""
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    report = services.experts_import(path=experts_file(GOOD_EXPERT, SECOND_EXPERT))
    assert report.created == 2
    profile = ExpertProfile.objects.get(user__email=EMAIL)
    assert profile.languages.count() == 3 and profile.keywords.count() == 3

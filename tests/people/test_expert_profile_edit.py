from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.people.models import (
    ExpertLanguage,
    ExpertProfile,
    Qualification,
    RecognitionStatus,
    Visibility,
)
from diaspora.reference.models import EngagementType, Keyword, Mode

URL = "/profile/edit/"


def management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def rows(prefix: str, items: list[dict[str, Any]], initial: int = 0) -> dict[str, str]:
    data = management(prefix, len(items), initial)
    for i, item in enumerate(items):
        for key, value in item.items():
            data[f"{prefix}-{i}-{key}"] = str(value)
    return data


def profile_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid submission of the profile form with no languages or qualifications."""
    data: dict[str, Any] = {
        "headline": "Epidemiologist, Lyon",
        "bio": "I work on **malaria**.",
        "current_affiliation": "Institut Pasteur",
        "origin_country": "SN",
        "origin_country_visibility": Visibility.PUBLIC,
        "residence_country": "FR",
        "residence_country_visibility": Visibility.MEMBERS,
        "city": "Lyon",
        "city_visibility": Visibility.HIDDEN,
        "timezone": "Europe/Paris",
        "disciplines": ["3.2", "3.3"],
        "keywords": "Malaria, survey  design; MALARIA , ,Vector Control",
        "engagement_types": [e.pk for e in EngagementType.objects.filter(code="mentoring")],
        "modes": [m.pk for m in Mode.objects.filter(code__in=["online", "hybrid"])],
        "willing_to_travel": "on",
        "hours_per_month": "12",
        "max_mentees": "3",
        "is_listed": "on",
    }
    data.update(rows("lang", []))
    data.update(rows("qual", []))
    data.update(overrides)
    return data


def field_block(content: str, name: str) -> str:
    """The `<div class="field">` that holds the input called `name`, with its errors."""
    at = content.index(f'name="{name}"')
    start = content.rindex('<div class="field', 0, at)
    end = content.find('<div class="field', at)
    return content[start : end if end != -1 else len(content)]


def snapshot(profile: ExpertProfile) -> dict[str, Any]:
    profile = ExpertProfile.objects.get(pk=profile.pk)
    return {
        "fields": {
            f.name: getattr(profile, f.attname)
            for f in ExpertProfile._meta.concrete_fields
            if f.name != "updated_at"
        },
        "disciplines": sorted(profile.disciplines.values_list("code", flat=True)),
        "keywords": sorted(profile.keywords.values_list("name", flat=True)),
        "languages": list(profile.languages.values_list("code", "level")),
        "qualifications": list(
            profile.qualifications.values_list("degree", "field", "year", "recognition_status")
        ),
    }


@pytest.fixture
def profile(alice: User) -> ExpertProfile:
    profile = alice.expert_profile
    ExpertLanguage.objects.create(profile=profile, code="wo", level="native")
    ExpertLanguage.objects.create(profile=profile, code="fr", level="fluent")
    return profile


@pytest.fixture
def qualifications(profile: ExpertProfile) -> list[Qualification]:
    common = {"profile": profile, "recognition_status": RecognitionStatus.RECOGNISED}
    phd = Qualification.objects.create(
        degree="doctorate",
        field="Epidemiology",
        institution="Université de Lyon",
        country="FR",
        year=2012,
        **common,
    )
    msc = Qualification.objects.create(
        degree="master",
        field="Public health",
        institution="UCAD",
        country="SN",
        year=2008,
        **common,
    )
    return [phd, msc]


def qualification_row(q: Qualification, **changes: Any) -> dict[str, Any]:
    row = {
        "id": q.pk,
        "degree": q.degree,
        "field": q.field,
        "institution": q.institution,
        "country": str(q.country),
        "year": q.year,
    }
    row.update(changes)
    return row


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, db: None) -> None:
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={URL}"
    r = client.post(URL, profile_data())
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")
    assert not ExpertProfile.objects.exists()


def test_it_creates_a_profile_for_a_learner_who_wants_one(
    login: Callable[[User], Client], charlie: User
) -> None:
    charlie.timezone = "Africa/Dakar"
    charlie.save()
    client = login(charlie)
    assert not ExpertProfile.objects.filter(user=charlie).exists()
    r = client.get(URL)
    assert r.status_code == 200
    assert "Your expert profile" in r.content.decode()
    assert '<option value="Africa/Dakar" selected>' in field_block(r.content.decode(), "timezone")
    r = client.post(URL, profile_data(timezone="Africa/Dakar"))
    profile = ExpertProfile.objects.get(user=charlie)
    assert r.status_code == 302
    assert r["Location"] == reverse("expert_detail", args=[profile.pk])
    assert (profile.timezone, profile.headline) == ("Africa/Dakar", "Epidemiologist, Lyon")
    client.get(URL)
    client.post(URL, profile_data())
    assert ExpertProfile.objects.filter(user=charlie).count() == 1


@pytest.mark.parametrize("who", ["charlie", "moderator", "bob"])
def test_it_creates_and_lists_nothing_when_the_form_is_only_opened(
    client: Client, login: Callable[[User], Client], who: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    assert login(user).get(URL).status_code == 200
    assert not ExpertProfile.objects.filter(user=user).exists()
    directory = client.get(reverse("expert_list")).content.decode()
    assert user.display_name not in directory


def test_it_creates_nothing_when_the_first_save_is_refused(
    login: Callable[[User], Client], charlie: User
) -> None:
    r = login(charlie).post(URL, profile_data(hours_per_month="500"))
    assert r.status_code == 200
    assert "At most 200 hours a month." in field_block(r.content.decode(), "hours_per_month")
    assert not ExpertProfile.objects.filter(user=charlie).exists()


def test_it_shows_the_current_values(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    profile.keywords.add(Keyword.objects.create(name="malaria"))
    r = login(alice).get(URL)
    content = r.content.decode()
    assert 'value="Epidemiologist"' in content
    assert 'value="malaria"' in content
    assert '<option value="wo" selected>Wolof</option>' in content


def test_it_saves_everything(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    data = profile_data(
        **rows(
            "lang",
            [
                {"code": "en", "level": "working"},
                {"code": "ar", "level": "basic"},
            ],
        ),
        **rows(
            "qual",
            [
                {
                    "degree": "doctorate",
                    "field": "  Epidemiology ",
                    "institution": "Université de Lyon",
                    "country": "FR",
                    "year": "2012",
                }
            ],
        ),
    )
    r = login(alice).post(URL, data)
    assert r.status_code == 302, r.context["form"].errors
    assert r["Location"] == reverse("expert_detail", args=[profile.pk])

    profile.refresh_from_db()
    assert profile.headline == "Epidemiologist, Lyon"
    assert profile.current_affiliation == "Institut Pasteur"
    assert profile.origin_country == "SN"
    assert profile.origin_country_visibility == Visibility.PUBLIC
    assert profile.residence_country == "FR"
    assert profile.residence_country_visibility == Visibility.MEMBERS
    assert profile.city == "Lyon"
    assert profile.city_visibility == Visibility.HIDDEN
    assert profile.timezone == "Europe/Paris"
    assert profile.willing_to_travel is True
    assert profile.hours_per_month == 12
    assert profile.max_mentees == 3
    assert profile.is_listed is True
    assert profile.bio == "I work on **malaria**."
    assert profile.bio_html == "<p>I work on <strong>malaria</strong>.</p>"
    assert sorted(profile.disciplines.values_list("code", flat=True)) == ["3.2", "3.3"]
    assert sorted(profile.keywords.values_list("name", flat=True)) == [
        "malaria",
        "survey design",
        "vector control",
    ]
    assert sorted(profile.engagement_types.values_list("code", flat=True)) == ["mentoring"]
    assert sorted(profile.modes.values_list("code", flat=True)) == ["hybrid", "online"]
    # The submitted languages replace the old ones (wo and fr were not submitted).
    assert list(profile.languages.values_list("code", "level")) == [
        ("en", "working"),
        ("ar", "basic"),
    ]
    q = profile.qualifications.get()
    assert (q.degree, q.field, q.institution, str(q.country), q.year) == (
        "doctorate",
        "Epidemiology",
        "Université de Lyon",
        "FR",
        2012,
    )
    assert q.recognition_status == RecognitionStatus.NOT_REVIEWED


def test_it_shares_keywords_between_profiles(
    login: Callable[[User], Client], alice: User, charlie: User, profile: ExpertProfile
) -> None:
    assert login(alice).post(URL, profile_data(keywords="Malaria")).status_code == 302
    assert login(charlie).post(URL, profile_data(keywords="malaria, TB")).status_code == 302
    assert sorted(Keyword.objects.values_list("name", flat=True)) == ["malaria", "tb"]


def test_it_keeps_and_deletes_existing_languages(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    wo, fr = profile.languages.order_by("id")
    data = profile_data(
        **rows(
            "lang",
            [
                {"id": wo.pk, "profile": profile.pk, "code": "wo", "level": "native"},
                {
                    "id": fr.pk,
                    "profile": profile.pk,
                    "code": "fr",
                    "level": "fluent",
                    "DELETE": "on",
                },
                {"code": "en", "level": "basic"},
            ],
            initial=2,
        )
    )
    assert login(alice).post(URL, data).status_code == 302
    assert list(profile.languages.values_list("code", "level")) == [
        ("wo", "native"),
        ("en", "basic"),
    ]


def test_it_edits_only_the_signed_in_users_profile(
    login: Callable[[User], Client], alice: User, charlie: User, profile: ExpertProfile
) -> None:
    before = snapshot(profile)
    r = login(charlie).post(URL, profile_data(headline="Charlie's headline"))
    assert r.status_code == 302
    assert ExpertProfile.objects.get(user=charlie).headline == "Charlie's headline"
    assert snapshot(profile) == before


def test_it_resets_recognition_of_an_edited_qualification_only(
    login: Callable[[User], Client],
    alice: User,
    profile: ExpertProfile,
    qualifications: list[Qualification],
) -> None:
    phd, msc = qualifications
    data = profile_data(
        **rows(
            "qual",
            [
                qualification_row(phd, field="Epidemiology and biostatistics"),
                qualification_row(msc),
            ],
            initial=2,
        )
    )
    r = login(alice).post(URL, data)
    assert r.status_code == 302
    phd.refresh_from_db()
    msc.refresh_from_db()
    assert phd.field == "Epidemiology and biostatistics"
    assert phd.recognition_status == RecognitionStatus.NOT_REVIEWED
    assert msc.recognition_status == RecognitionStatus.RECOGNISED


def test_it_keeps_recognition_when_nothing_changes(
    login: Callable[[User], Client],
    alice: User,
    profile: ExpertProfile,
    qualifications: list[Qualification],
) -> None:
    rows_ = [qualification_row(q) for q in qualifications]
    r = login(alice).post(URL, profile_data(**rows("qual", rows_, initial=2)))
    assert r.status_code == 302
    assert set(profile.qualifications.values_list("recognition_status", flat=True)) == {
        RecognitionStatus.RECOGNISED
    }


def test_it_stores_a_hostile_bio_sanitised(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    bio = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(2)>"
    client = login(alice)
    assert client.post(URL, profile_data(bio=bio)).status_code == 302
    profile.refresh_from_db()
    assert profile.bio == bio
    for bad in ("<script", "alert(1)", "javascript:", "<img", "onerror"):
        assert bad not in profile.bio_html
    assert ">x</a>" in profile.bio_html
    page = client.get(reverse("expert_detail", args=[profile.pk])).content.decode()
    for bad in ("<script>alert", "javascript:", "<img", "onerror="):
        assert bad not in page


BAD_INPUTS = [
    pytest.param(
        rows("lang", [{"code": "xx", "level": "fluent"}]),
        "lang-0-code",
        "Select a valid choice. xx is not one of the available choices.",
        id="unknown-language",
    ),
    pytest.param(
        rows("lang", [{"code": "fr", "level": "fluent"}, {"code": "fr", "level": "basic"}]),
        "lang-1-code",
        "This language is already listed.",
        id="duplicate-language",
    ),
    pytest.param(
        rows(
            "qual",
            [
                {
                    "degree": "master",
                    "field": "Economics",
                    "institution": "UCAD",
                    "country": "SN",
                    "year": str(timezone.now().year + 1),
                }
            ],
        ),
        "qual-0-year",
        "The year cannot be in the future.",
        id="future-year",
    ),
    pytest.param(
        {"hours_per_month": "500"},
        "hours_per_month",
        "At most 200 hours a month.",
        id="too-many-hours",
    ),
    pytest.param(
        {"timezone": "Mars/Olympus_Mons"},
        "timezone",
        "Select a valid choice.",
        id="unknown-time-zone",
    ),
]


@pytest.mark.parametrize(("bad", "field", "message"), BAD_INPUTS)
def test_it_explains_bad_input_and_loses_nothing(
    login: Callable[[User], Client],
    alice: User,
    profile: ExpertProfile,
    bad: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = snapshot(profile)
    data = profile_data(headline="A new headline", city="Gaziantep", keywords="cholera")
    data.update(bad)
    r = login(alice).post(URL, data)
    assert r.status_code == 200
    content = r.content.decode()
    # The error sits beside its field...
    block = field_block(content, field)
    assert "has-error" in block
    assert message in block
    # ...and what else was typed is still there.
    assert 'value="A new headline"' in content
    assert 'value="Gaziantep"' in content
    assert 'value="cholera"' in content
    assert "Nothing was saved yet" in content
    assert snapshot(profile) == before


def test_it_rejects_a_discipline_that_is_not_a_field(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    before = snapshot(profile)
    r = login(alice).post(URL, profile_data(disciplines=["3"]))
    assert r.status_code == 200
    assert "Select a valid choice." in field_block(r.content.decode(), "disciplines")
    assert snapshot(profile) == before


def test_it_rejects_a_language_row_of_another_profile(
    login: Callable[[User], Client],
    alice: User,
    charlie: User,
    profile: ExpertProfile,
) -> None:
    wo = profile.languages.get(code="wo")
    client = login(charlie)
    assert client.post(URL, profile_data()).status_code == 302
    theirs = ExpertProfile.objects.get(user=charlie)
    data = profile_data(
        **rows(
            "lang",
            [{"id": wo.pk, "profile": theirs.pk, "code": "en", "level": "basic"}],
            initial=1,
        )
    )
    assert client.post(URL, data).status_code == 302
    wo.refresh_from_db()
    assert (wo.profile_id, wo.code) == (profile.pk, "wo")
    # Treated as a new row of charlie's own profile, never as alice's row.
    assert list(theirs.languages.values_list("code", flat=True)) == ["en"]


def test_it_allows_a_language_again_in_place_of_a_deleted_row(
    login: Callable[[User], Client], alice: User, profile: ExpertProfile
) -> None:
    wo, fr = profile.languages.order_by("id")
    data = profile_data(
        **rows(
            "lang",
            [
                {"id": wo.pk, "profile": profile.pk, "code": "wo", "level": "native"},
                {
                    "id": fr.pk,
                    "profile": profile.pk,
                    "code": "fr",
                    "level": "fluent",
                    "DELETE": "on",
                },
                {"code": "fr", "level": "basic"},
            ],
            initial=2,
        )
    )
    assert login(alice).post(URL, data).status_code == 302
    assert list(profile.languages.values_list("code", "level")) == [
        ("wo", "native"),
        ("fr", "basic"),
    ]

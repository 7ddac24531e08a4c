import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.people.models import (
    ExpertLanguage,
    ExpertProfile,
    Qualification,
    RecognitionStatus,
    Visibility,
)
from diaspora.people.services import (
    MAX_KEYWORDS,
    LanguageInput,
    QualificationInput,
    expert_profile_ensure,
    expert_profile_update,
    normalise_keywords,
)
from diaspora.reference.models import Discipline, Keyword


def test_it_normalises_keywords() -> None:
    raw = ["  Malaria ", "malaria", "Survey   Design", "", "   ", "MALARIA", "tb"]
    assert normalise_keywords(raw) == ["malaria", "survey design", "tb"]


def test_it_refuses_a_keyword_over_60_characters() -> None:
    with pytest.raises(ValidationError, match="longer than 60"):
        normalise_keywords(["x" * 61])
    assert normalise_keywords(["x" * 60]) == ["x" * 60]


def test_it_refuses_too_many_keywords() -> None:
    assert len(normalise_keywords([f"k{i}" for i in range(MAX_KEYWORDS)])) == MAX_KEYWORDS
    with pytest.raises(ValidationError, match="at most"):
        normalise_keywords([f"k{i}" for i in range(MAX_KEYWORDS + 1)])


def test_it_creates_a_profile_once_with_the_users_time_zone(charlie: User) -> None:
    charlie.timezone = "Asia/Beirut"
    charlie.save()
    profile = expert_profile_ensure(user=charlie)
    assert profile.timezone == "Asia/Beirut"
    assert expert_profile_ensure(user=charlie).pk == profile.pk
    assert ExpertProfile.objects.filter(user=charlie).count() == 1


@pytest.fixture
def profile(alice: User) -> ExpertProfile:
    profile = alice.expert_profile
    ExpertLanguage.objects.create(profile=profile, code="fr", level="fluent")
    return profile


def test_it_changes_only_what_is_given(profile: ExpertProfile) -> None:
    profile.disciplines.set(Discipline.objects.filter(code="3.2"))
    expert_profile_update(profile=profile, values={"city": "Lyon"})
    profile.refresh_from_db()
    assert profile.city == "Lyon"
    assert profile.headline == "Epidemiologist"
    assert list(profile.disciplines.values_list("code", flat=True)) == ["3.2"]
    assert list(profile.languages.values_list("code", flat=True)) == ["fr"]


def test_it_refuses_fields_the_owner_may_not_edit(profile: ExpertProfile) -> None:
    with pytest.raises(ValidationError, match="current_mentees"):
        expert_profile_update(profile=profile, values={"current_mentees": 5})
    with pytest.raises(ValidationError):
        expert_profile_update(profile=profile, values={"user_id": 1})
    profile.refresh_from_db()
    assert profile.current_mentees == 0


def test_it_validates_before_saving(profile: ExpertProfile) -> None:
    with pytest.raises(ValidationError) as info:
        expert_profile_update(
            profile=profile,
            values={"timezone": "Mars/Olympus", "headline": "Changed"},
            keywords=["should not be stored"],
        )
    assert "timezone" in info.value.message_dict
    profile.refresh_from_db()
    assert profile.headline == "Epidemiologist"
    assert not Keyword.objects.filter(name="should not be stored").exists()


def test_it_refuses_an_unknown_visibility(profile: ExpertProfile) -> None:
    with pytest.raises(ValidationError):
        expert_profile_update(profile=profile, values={"city_visibility": "friends"})
    profile.refresh_from_db()
    assert profile.city_visibility == Visibility.INSTITUTIONS


def test_it_renders_the_bio_safely(profile: ExpertProfile) -> None:
    expert_profile_update(
        profile=profile, values={}, bio="**Hi** <script>alert(1)</script>[x](javascript:alert(1))"
    )
    profile.refresh_from_db()
    assert "<strong>Hi</strong>" in profile.bio_html
    assert "script" not in profile.bio_html
    assert "javascript" not in profile.bio_html


def test_it_stores_keywords_once_across_profiles(profile: ExpertProfile, charlie: User) -> None:
    expert_profile_update(profile=profile, values={}, keywords=["Malaria", " malaria", "TB"])
    other = expert_profile_ensure(user=charlie)
    expert_profile_update(profile=other, values={}, keywords=["MALARIA"])
    assert sorted(profile.keywords.values_list("name", flat=True)) == ["malaria", "tb"]
    assert list(other.keywords.values_list("name", flat=True)) == ["malaria"]
    assert Keyword.objects.filter(name="malaria").count() == 1


def test_it_replaces_languages(profile: ExpertProfile) -> None:
    expert_profile_update(
        profile=profile,
        values={},
        languages=[LanguageInput("wo", "native"), LanguageInput("en", "basic")],
    )
    assert list(profile.languages.values_list("code", "level")) == [
        ("wo", "native"),
        ("en", "basic"),
    ]


@pytest.mark.parametrize(
    "languages",
    [
        [LanguageInput("en", "basic"), LanguageInput("en", "fluent")],
        [LanguageInput("xx", "basic")],
        [LanguageInput("en", "expert")],
    ],
    ids=["duplicate", "unknown-code", "unknown-level"],
)
def test_it_refuses_bad_languages_and_keeps_the_old_ones(
    profile: ExpertProfile, languages: list[LanguageInput]
) -> None:
    with pytest.raises(ValidationError):
        expert_profile_update(profile=profile, values={"headline": "Changed"}, languages=languages)
    assert list(profile.languages.values_list("code", "level")) == [("fr", "fluent")]
    profile.refresh_from_db()
    assert profile.headline == "Epidemiologist"


def qualification(profile: ExpertProfile, **values: object) -> Qualification:
    defaults: dict[str, object] = {
        "degree": "doctorate",
        "field": "Epidemiology",
        "institution": "Université de Lyon",
        "country": "FR",
        "year": 2012,
        "recognition_status": RecognitionStatus.RECOGNISED,
    }
    defaults.update(values)
    return Qualification.objects.create(profile=profile, **defaults)


def as_input(q: Qualification, **changes: object) -> QualificationInput:
    values: dict[str, object] = {
        "id": q.pk,
        "degree": q.degree,
        "field": q.field,
        "institution": q.institution,
        "country": str(q.country),
        "year": q.year,
    }
    values.update(changes)
    return QualificationInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"degree": "master"},
        {"field": "Biostatistics"},
        {"institution": "Université Lyon 1"},
        {"country": "BE"},
        {"year": 2013},
    ],
)
def test_it_sends_a_changed_qualification_back_for_review(
    profile: ExpertProfile, change: dict[str, object]
) -> None:
    q = qualification(profile)
    expert_profile_update(profile=profile, values={}, qualifications=[as_input(q, **change)])
    q.refresh_from_db()
    assert q.recognition_status == RecognitionStatus.NOT_REVIEWED


def test_it_keeps_the_status_of_an_unchanged_qualification(profile: ExpertProfile) -> None:
    q = qualification(profile)
    # Surrounding spaces are not a change.
    expert_profile_update(
        profile=profile, values={}, qualifications=[as_input(q, field="  Epidemiology  ")]
    )
    q.refresh_from_db()
    assert q.recognition_status == RecognitionStatus.RECOGNISED


def test_it_adds_and_deletes_qualifications(profile: ExpertProfile) -> None:
    kept = qualification(profile)
    dropped = qualification(profile, degree="master", year=2008)
    new = QualificationInput(
        degree="bachelor", field="Biology", institution="UCAD", country="SN", year=2004
    )
    expert_profile_update(profile=profile, values={}, qualifications=[as_input(kept), new])
    assert not Qualification.objects.filter(pk=dropped.pk).exists()
    assert list(profile.qualifications.values_list("degree", "recognition_status")) == [
        ("doctorate", RecognitionStatus.RECOGNISED),
        ("bachelor", RecognitionStatus.NOT_REVIEWED),
    ]


def test_it_refuses_the_qualification_of_another_profile(
    profile: ExpertProfile, charlie: User
) -> None:
    theirs = qualification(profile)
    other = expert_profile_ensure(user=charlie)
    with pytest.raises(ValidationError, match="does not exist"):
        expert_profile_update(
            profile=other, values={}, qualifications=[as_input(theirs, field="Stolen")]
        )
    theirs.refresh_from_db()
    assert theirs.profile_id == profile.pk
    assert theirs.field == "Epidemiology"


def test_it_refuses_a_future_year(profile: ExpertProfile) -> None:
    new = QualificationInput(
        degree="master",
        field="Economics",
        institution="UCAD",
        country="SN",
        year=timezone.now().year + 1,
    )
    with pytest.raises(ValidationError) as info:
        expert_profile_update(profile=profile, values={}, qualifications=[new])
    assert "year" in info.value.message_dict
    assert not profile.qualifications.exists()

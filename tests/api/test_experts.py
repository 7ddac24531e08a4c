"""The expert directory and profiles over the API: filters, paging, privacy, editing."""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from diaspora.accounts.models import Role, User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)
from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification, Visibility
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "charlie", "bob", "unverified_rep", "moderator", "owner"]
# Who may see a field at each visibility level.
SEES = {
    Visibility.PUBLIC: set(VIEWERS),
    Visibility.MEMBERS: {"charlie", "bob", "unverified_rep", "moderator", "owner"},
    Visibility.INSTITUTIONS: {"bob", "moderator", "owner"},
    Visibility.HIDDEN: {"owner"},
}
SENSITIVE = {
    "origin_country": "SN",
    "residence_country": "FR",
    "city": "Lyon",
}


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Six users per test: the production hasher would make this file take minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def patch(client: Client, body: dict):
    return client.patch("/api/experts/me", json.dumps(body), content_type="application/json")


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["name"] for r in response.json()["results"]]


@pytest.fixture
def unverified_rep(make_user: Callable[..., User]) -> User:
    user = make_user("rep@example.org", name="Rita Unverified", role=Role.INSTITUTION)
    other = Institution.objects.create(
        name="Institut Pasteur de Conakry",
        country="GN",
        type=InstitutionType.RESEARCH_CENTRE,
        verification_status=VerificationStatus.UNVERIFIED,
    )
    Membership.objects.create(institution=other, user=user, role=MemberRole.ADMIN)
    return user


@pytest.fixture
def clients(
    alice: User,
    bob: User,
    charlie: User,
    moderator: User,
    unverified_rep: User,
    login: Callable[[User], Client],
) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        "charlie": login(charlie),
        "bob": login(bob),
        "unverified_rep": login(unverified_rep),
        "moderator": login(moderator),
        "owner": login(alice),
    }


def set_sensitive(user: User, **visibility: str) -> ExpertProfile:
    profile = ExpertProfile.objects.get(user=user)
    profile.origin_country = SENSITIVE["origin_country"]
    profile.residence_country = SENSITIVE["residence_country"]
    profile.city = SENSITIVE["city"]
    profile.timezone = "Europe/Paris"
    for name in SENSITIVE:
        setattr(profile, f"{name}_visibility", visibility.get(name, Visibility.HIDDEN))
    profile.save()
    return profile


def listed_entry(client: Client, profile: ExpertProfile) -> dict:
    response = client.get("/api/experts/?page_size=100")
    assert response.status_code == 200
    [entry] = [r for r in response.json()["results"] if r["id"] == profile.pk]
    return entry


def detail_entry(client: Client, profile: ExpertProfile) -> dict:
    response = client.get(f"/api/experts/{profile.pk}")
    assert response.status_code == 200
    return response.json()


# --- privacy of sensitive fields ----------------------------------------------------------


@pytest.mark.parametrize("read", [listed_entry, detail_entry], ids=["list", "detail"])
@pytest.mark.parametrize("level", list(Visibility))
@pytest.mark.parametrize("field", list(SENSITIVE))
def test_it_shows_each_sensitive_field_only_to_whom_it_may_concern(
    alice: User,
    clients: dict[str, Client],
    field: str,
    level: Visibility,
    read: Callable[[Client, ExpertProfile], dict],
) -> None:
    profile = set_sensitive(alice, **{field: level})
    for viewer, client in clients.items():
        entry = read(client, profile)
        expected = SENSITIVE[field] if viewer in SEES[level] else None
        assert entry[field] == expected, (viewer, field, level)
        # The other fields are hidden: only the owner sees them.
        for other in set(SENSITIVE) - {field}:
            assert entry[other] == (SENSITIVE[other] if viewer == "owner" else None), viewer
        assert "origin_country_visibility" not in entry


@pytest.mark.parametrize("read", [listed_entry, detail_entry], ids=["list", "detail"])
@pytest.mark.parametrize("level", list(Visibility))
def test_it_shows_the_time_zone_only_to_those_who_see_the_residence(
    alice: User,
    clients: dict[str, Client],
    level: Visibility,
    read: Callable[[Client, ExpertProfile], dict],
) -> None:
    # City public, residence at `level`: the time zone would give the residence away.
    profile = set_sensitive(alice, residence_country=level, city=Visibility.PUBLIC)
    for viewer, client in clients.items():
        entry = read(client, profile)
        expected = "Europe/Paris" if viewer in SEES[level] else None
        assert entry["timezone"] == expected, (viewer, level)


def test_it_shows_a_token_caller_what_their_session_would_show(
    alice: User, bob: User, clients: dict[str, Client]
) -> None:
    profile = set_sensitive(alice, city=Visibility.INSTITUTIONS)
    _token, raw = api_token_create(user=bob, name="cli")
    response = Client().get(f"/api/experts/{profile.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json()["city"] == "Lyon"
    listed = Client().get("/api/experts/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert listed.json()["results"][0]["city"] == "Lyon"


def test_it_stops_showing_institution_level_fields_when_the_institution_loses_verification(
    alice: User, institution: Institution, clients: dict[str, Client]
) -> None:
    profile = set_sensitive(alice, city=Visibility.INSTITUTIONS)
    assert detail_entry(clients["bob"], profile)["city"] == "Lyon"
    Institution.objects.filter(pk=institution.pk).update(
        verification_status=VerificationStatus.UNVERIFIED
    )
    # A fresh request (new user object) must not reuse the old answer.
    assert detail_entry(clients["bob"], profile)["city"] is None


@pytest.mark.parametrize("field", ["origin_country", "residence_country"])
@pytest.mark.parametrize("level", list(Visibility))
def test_it_never_confirms_a_hidden_country_through_a_filter(
    alice: User, clients: dict[str, Client], field: str, level: Visibility
) -> None:
    set_sensitive(alice, **{field: level})
    for viewer, client in clients.items():
        found = names(client.get(f"/api/experts/?{field}={SENSITIVE[field]}"))
        assert found == (["Alice Ndiaye"] if viewer in SEES[level] else []), (viewer, level)
        # The unfiltered directory still lists her: only the filter is blind.
        assert names(client.get("/api/experts/")) == ["Alice Ndiaye"]


def test_it_returns_the_owners_visibility_settings_on_their_own_profile(
    alice: User, login: Callable[[User], Client]
) -> None:
    set_sensitive(
        alice,
        origin_country=Visibility.PUBLIC,
        residence_country=Visibility.INSTITUTIONS,
        city=Visibility.HIDDEN,
    )
    ExpertProfile.objects.filter(user=alice).update(is_listed=False)
    response = login(alice).get("/api/experts/me")
    assert response.status_code == 200
    body = response.json()
    assert body["origin_country_visibility"] == "public"
    assert body["residence_country_visibility"] == "institutions"
    assert body["city_visibility"] == "hidden"
    assert body["is_listed"] is False
    assert (body["origin_country"], body["residence_country"], body["city"]) == ("SN", "FR", "Lyon")
    assert body["timezone"] == "Europe/Paris"


def test_it_lets_the_owner_read_their_unlisted_profile_by_id(
    alice: User, login: Callable[[User], Client]
) -> None:
    ExpertProfile.objects.filter(user=alice).update(is_listed=False)
    response = login(alice).get(f"/api/experts/{alice.expert_profile.pk}")
    assert response.status_code == 200
    assert "is_listed" not in response.json()
    assert names(login(alice).get("/api/experts/")) == []


# --- directory filters and paging ---------------------------------------------------------


def expert(
    make_user: Callable[..., User],
    email: str,
    name: str,
    *,
    disciplines: list[str] = (),  # type: ignore[assignment]
    languages: list[str] = (),  # type: ignore[assignment]
    engagements: list[str] = (),  # type: ignore[assignment]
    modes: list[str] = (),  # type: ignore[assignment]
    keywords: list[str] = (),  # type: ignore[assignment]
    **values: object,
) -> ExpertProfile:
    user = make_user(email, name=name, role=Role.EXPERT)
    profile = ExpertProfile.objects.create(user=user, **values)
    profile.disciplines.set(Discipline.objects.filter(code__in=disciplines))
    profile.engagement_types.set(EngagementType.objects.filter(code__in=engagements))
    profile.modes.set(Mode.objects.filter(code__in=modes))
    for word in keywords:
        profile.keywords.add(Keyword.objects.get_or_create(name=word)[0])
    for code in languages:
        ExpertLanguage.objects.create(profile=profile, code=code, level="fluent")
    return profile


@pytest.fixture
def directory(make_user: Callable[..., User]) -> None:
    expert(
        make_user,
        "amina@example.org",
        "Amina Diallo",
        disciplines=["3.3", "3.2"],
        languages=["fr", "wo"],
        engagements=["mentoring", "supervision"],
        modes=["online"],
        keywords=["malaria", "epidemiology"],
        headline="Public health researcher",
        origin_country="SN",
        origin_country_visibility=Visibility.PUBLIC,
        residence_country="CA",
        residence_country_visibility=Visibility.PUBLIC,
        hours_per_month=6,
        max_mentees=2,
    )
    expert(
        make_user,
        "kwame@example.org",
        "Kwame Boateng",
        disciplines=["1.2"],
        languages=["en"],
        engagements=["lecture"],
        modes=["onsite", "hybrid"],
        keywords=["machine learning"],
        headline="Software engineer",
        origin_country="GH",
        origin_country_visibility=Visibility.PUBLIC,
        residence_country="DE",
        residence_country_visibility=Visibility.PUBLIC,
        hours_per_month=4,
        max_mentees=0,
    )
    expert(
        make_user,
        "fatou@example.org",
        "Fatou Sow",
        disciplines=["1.1"],
        languages=["fr", "en"],
        engagements=["mentoring", "course"],
        modes=["online", "hybrid"],
        current_affiliation="Sorbonne Université",
        origin_country="SN",
        origin_country_visibility=Visibility.PUBLIC,
        hours_per_month=0,
        max_mentees=3,
    )
    expert(
        make_user,
        "hidden@example.org",
        "Henri Unlisted",
        disciplines=["3.3"],
        languages=["fr"],
        engagements=["mentoring"],
        modes=["online"],
        origin_country="SN",
        origin_country_visibility=Visibility.PUBLIC,
        hours_per_month=10,
        max_mentees=5,
        is_listed=False,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Amina Diallo", "Fatou Sow", "Kwame Boateng"]),
        ("discipline=3.3", ["Amina Diallo"]),
        ("discipline=3", ["Amina Diallo"]),
        ("discipline=1", ["Fatou Sow", "Kwame Boateng"]),
        ("discipline=1.1", ["Fatou Sow"]),
        ("discipline=6", []),
        ("language=fr", ["Amina Diallo", "Fatou Sow"]),
        ("language=en", ["Fatou Sow", "Kwame Boateng"]),
        ("engagement_type=mentoring", ["Amina Diallo", "Fatou Sow"]),
        ("engagement_type=lecture", ["Kwame Boateng"]),
        ("mode=hybrid", ["Fatou Sow", "Kwame Boateng"]),
        ("mode=online", ["Amina Diallo", "Fatou Sow"]),
        ("has_capacity=true", ["Amina Diallo"]),
        ("has_capacity=false", ["Amina Diallo", "Fatou Sow", "Kwame Boateng"]),
        ("q=malaria", ["Amina Diallo"]),
        ("q=MACHINE", ["Kwame Boateng"]),
        ("q=sorbonne", ["Fatou Sow"]),
        ("q=engineer", ["Kwame Boateng"]),
        ("q=fatou", ["Fatou Sow"]),
        ("q=public+malaria", ["Amina Diallo"]),
        ("q=public+machine", []),
        ("origin_country=SN", ["Amina Diallo", "Fatou Sow"]),
        ("origin_country=GH", ["Kwame Boateng"]),
        ("residence_country=DE", ["Kwame Boateng"]),
        ("language=fr&mode=hybrid", ["Fatou Sow"]),
        ("discipline=3&has_capacity=true&language=wo", ["Amina Diallo"]),
        ("origin_country=SN&engagement_type=course", ["Fatou Sow"]),
    ],
)
def test_it_filters_the_directory(directory: None, query: str, expected: list[str]) -> None:
    response = Client().get(f"/api/experts/?{query}")
    assert names(response) == expected
    assert response.json()["meta"]["count"] == len(expected)


def test_it_lists_an_expert_once_however_many_filter_rows_match(directory: None) -> None:
    # Two disciplines of major field 3 and two keywords matching "i": still one row.
    response = Client().get("/api/experts/?discipline=3&q=i")
    assert names(response) == ["Amina Diallo"]


def test_it_pages_the_directory(make_user: Callable[..., User]) -> None:
    for i in range(5):
        expert(make_user, f"e{i}@example.org", f"Expert {i}")
    first = Client().get("/api/experts/?page_size=2").json()
    assert first["meta"] == {"count": 5, "page": 1, "pages": 3, "page_size": 2}
    assert [r["name"] for r in first["results"]] == ["Expert 0", "Expert 1"]
    last = Client().get("/api/experts/?page_size=2&page=3").json()
    assert last["meta"] == {"count": 5, "page": 3, "pages": 3, "page_size": 2}
    assert [r["name"] for r in last["results"]] == ["Expert 4"]
    seen = [
        r["name"]
        for page in (1, 2, 3)
        for r in Client().get(f"/api/experts/?page_size=2&page={page}").json()["results"]
    ]
    assert seen == [f"Expert {i}" for i in range(5)]


def test_it_reports_the_page_it_served_when_asked_past_the_end(
    make_user: Callable[..., User],
) -> None:
    for i in range(3):
        expert(make_user, f"e{i}@example.org", f"Expert {i}")
    body = Client().get("/api/experts/?page_size=2&page=99").json()
    assert body["meta"]["page"] == 2
    assert [r["name"] for r in body["results"]] == ["Expert 2"]


def test_it_pages_an_empty_directory(db: None) -> None:
    body = Client().get("/api/experts/").json()
    assert body == {"meta": {"count": 0, "page": 1, "pages": 1, "page_size": 20}, "results": []}


def test_it_leaves_unlisted_and_deactivated_experts_out(
    directory: None, alice: User, login: Callable[[User], Client]
) -> None:
    User.objects.filter(email="kwame@example.org").update(is_active=False)
    assert names(login(alice).get("/api/experts/")) == [
        "Alice Ndiaye",
        "Amina Diallo",
        "Fatou Sow",
    ]


def test_it_describes_an_expert_fully(directory: None) -> None:
    amina = ExpertProfile.objects.get(user__email="amina@example.org")
    Qualification.objects.create(
        profile=amina,
        degree="doctorate",
        field="Epidemiology",
        institution="Université de Montréal",
        country="CA",
        year=2015,
    )
    body = Client().get(f"/api/experts/{amina.pk}").json()
    assert body["name"] == "Amina Diallo"
    assert {d["code"] for d in body["disciplines"]} == {"3.2", "3.3"}
    assert all(d["label"] for d in body["disciplines"])
    assert sorted(body["keywords"]) == ["epidemiology", "malaria"]
    assert body["languages"] == [
        {"code": "fr", "name": "French", "level": "fluent"},
        {"code": "wo", "name": "Wolof", "level": "fluent"},
    ]
    assert sorted(body["engagement_types"]) == ["mentoring", "supervision"]
    assert body["modes"] == ["online"]
    assert body["has_capacity"] is True
    [qualification] = body["qualifications"]
    assert qualification["field"] == "Epidemiology"
    assert qualification["country"] == "CA"
    assert qualification["recognition_status"] == "not_reviewed"


# --- editing one's own profile ------------------------------------------------------------


def test_it_replaces_every_list_that_is_sent(alice: User, login: Callable[[User], Client]) -> None:
    client = login(alice)
    response = patch(
        client,
        {
            "disciplines": ["3.3", "1.2"],
            "keywords": ["Malaria", " malaria ", "Public   Health"],
            "languages": [{"code": "fr", "level": "native"}, {"code": "en", "level": "fluent"}],
            "engagement_types": ["mentoring", "lecture"],
            "modes": ["online"],
            "qualifications": [
                {
                    "degree": "doctorate",
                    "field": " Epidemiology ",
                    "institution": "Université Paris Cité",
                    "country": "FR",
                    "year": 2012,
                }
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(d["code"] for d in body["disciplines"]) == ["1.2", "3.3"]
    assert sorted(body["keywords"]) == ["malaria", "public health"]
    assert [(lang["code"], lang["level"]) for lang in body["languages"]] == [
        ("fr", "native"),
        ("en", "fluent"),
    ]
    assert sorted(body["engagement_types"]) == ["lecture", "mentoring"]
    assert body["modes"] == ["online"]
    [qualification] = body["qualifications"]
    assert qualification["field"] == "Epidemiology"

    profile = ExpertProfile.objects.get(user=alice)
    assert sorted(profile.disciplines.values_list("code", flat=True)) == ["1.2", "3.3"]
    assert sorted(profile.keywords.values_list("name", flat=True)) == ["malaria", "public health"]
    assert profile.languages.count() == 2
    assert profile.qualifications.get().institution == "Université Paris Cité"

    # Second round: shorter lists replace, empty lists clear.
    response = patch(
        client,
        {
            "disciplines": ["5.3"],
            "keywords": [],
            "languages": [{"code": "wo", "level": "basic"}],
            "engagement_types": [],
            "modes": ["onsite", "hybrid"],
            "qualifications": [],
        },
    )
    assert response.status_code == 200
    profile = ExpertProfile.objects.get(user=alice)
    assert list(profile.disciplines.values_list("code", flat=True)) == ["5.3"]
    assert not profile.keywords.exists()
    assert list(profile.languages.values_list("code", "level")) == [("wo", "basic")]
    assert not profile.engagement_types.exists()
    assert sorted(profile.modes.values_list("code", flat=True)) == ["hybrid", "onsite"]
    assert not profile.qualifications.exists()


def test_it_changes_only_what_is_sent(alice: User, login: Callable[[User], Client]) -> None:
    client = login(alice)
    full = {
        "headline": "Epidemiologist, Lyon",
        "current_affiliation": "Inserm",
        "city": "Lyon",
        "timezone": "Europe/Paris",
        "hours_per_month": 10,
        "max_mentees": 3,
        "willing_to_travel": True,
        "bio": "I study **malaria**.",
        "disciplines": ["3.3"],
        "keywords": ["malaria"],
        "languages": [{"code": "fr", "level": "native"}],
        "engagement_types": ["mentoring"],
        "modes": ["online"],
        "qualifications": [
            {
                "degree": "master",
                "field": "Stats",
                "institution": "UCAD",
                "country": "SN",
                "year": 2005,
            }
        ],
    }
    before = patch(client, full).json()

    after = patch(client, {"headline": "Epidemiologist, Dakar"}).json()
    assert after["headline"] == "Epidemiologist, Dakar"
    assert {k: v for k, v in after.items() if k != "headline"} == {
        k: v for k, v in before.items() if k != "headline"
    }

    # An empty patch changes nothing at all.
    assert patch(client, {}).json() == after


def test_it_clears_a_clearable_field_sent_as_null(
    alice: User, login: Callable[[User], Client]
) -> None:
    client = login(alice)
    patch(client, {"city": "Lyon", "current_affiliation": "Inserm", "origin_country": "SN"})
    body = patch(client, {"city": None, "origin_country": None}).json()
    assert body["city"] is None
    assert body["origin_country"] is None
    assert body["current_affiliation"] == "Inserm"
    profile = ExpertProfile.objects.get(user=alice)
    assert (profile.city, str(profile.origin_country)) == ("", "")


def test_it_keeps_a_qualification_by_id_and_resets_its_review_when_reworded(
    alice: User, login: Callable[[User], Client]
) -> None:
    profile = ExpertProfile.objects.get(user=alice)
    kept = Qualification.objects.create(
        profile=profile, degree="master", field="Stats", institution="UCAD", country="SN", year=2005,
        recognition_status="recognised",
    )  # fmt: skip
    reworded = Qualification.objects.create(
        profile=profile, degree="doctorate", field="Epi", institution="Lyon 1", country="FR", year=2010,
        recognition_status="recognised",
    )  # fmt: skip
    dropped = Qualification.objects.create(
        profile=profile, degree="bachelor", field="Bio", institution="UCAD", country="SN", year=2001
    )
    body = patch(
        login(alice),
        {
            "qualifications": [
                {"id": kept.pk, "degree": "master", "field": "Stats", "institution": "UCAD", "country": "SN", "year": 2005},
                {"id": reworded.pk, "degree": "doctorate", "field": "Epidemiology", "institution": "Lyon 1", "country": "FR", "year": 2010},
            ]
        },
    ).json()  # fmt: skip
    statuses = {q["id"]: q["recognition_status"] for q in body["qualifications"]}
    assert statuses == {kept.pk: "recognised", reworded.pk: "not_reviewed"}
    assert not Qualification.objects.filter(pk=dropped.pk).exists()


def test_it_refuses_to_touch_someone_elses_qualification(
    alice: User, login: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    other = expert(make_user, "other@example.org", "Other Expert")
    theirs = Qualification.objects.create(
        profile=other, degree="master", field="Law", institution="UCAD", country="SN", year=2000
    )
    response = patch(
        login(alice),
        {
            "qualifications": [
                {"id": theirs.pk, "degree": "master", "field": "Stolen", "institution": "X", "country": "SN", "year": 2000}
            ]
        },
    )  # fmt: skip
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert (theirs.field, theirs.profile_id) == ("Law", other.pk)


def test_it_stores_the_bio_with_sanitised_html(
    alice: User, login: Callable[[User], Client]
) -> None:
    source = (
        "I study **malaria**.\n\n<script>alert(1)</script>"
        "[site](javascript:alert(1)) [lab](https://lab.example)"
    )
    body = patch(login(alice), {"bio": source}).json()
    profile = ExpertProfile.objects.get(user=alice)
    assert profile.bio == source
    assert body["bio"] == source
    assert body["bio_html"] == profile.bio_html
    assert "<strong>malaria</strong>" in profile.bio_html
    assert '<a href="https://lab.example" rel="nofollow ugc noopener">lab</a>' in profile.bio_html
    assert "<script" not in profile.bio_html
    assert "javascript:" not in profile.bio_html
    # Others read the same sanitised HTML.
    public = Client().get(f"/api/experts/{profile.pk}").json()
    assert public["bio_html"] == profile.bio_html


def test_it_makes_a_profile_for_a_signed_in_user_who_has_none(
    charlie: User, login: Callable[[User], Client]
) -> None:
    response = patch(login(charlie), {"headline": "Learning epidemiology"})
    assert response.status_code == 200
    assert ExpertProfile.objects.get(user=charlie).headline == "Learning epidemiology"


def test_it_cannot_be_pointed_at_another_profile(
    alice: User, charlie: User, login: Callable[[User], Client]
) -> None:
    # The write route has no id: whatever the body says, it edits the caller's own profile.
    response = login(charlie).patch(
        f"/api/experts/{alice.expert_profile.pk}",
        json.dumps({"headline": "Defaced"}),
        content_type="application/json",
    )
    assert response.status_code == 405
    assert ExpertProfile.objects.get(user=alice).headline == "Epidemiologist"

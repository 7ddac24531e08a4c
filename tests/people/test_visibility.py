"""Who sees alice's origin, residence, city and time zone: pages, directory and filters.

Viewer classes: anonymous, a plain member (charlie), a member of a verified institution
(bob), a member of an unverified institution (treated as a plain member), a moderator and
the owner (alice). The values are distinctive, so a hidden one must be absent from the page.
"""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django_countries.fields import Country
from pytest_django.fixtures import Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    MemberRole,
    Membership,
    VerificationStatus,
)
from diaspora.people.models import ExpertProfile, Visibility
from diaspora.people.visibility import expert_view, viewer_levels

ORIGIN = "SY"
ORIGIN_NAME = Country(ORIGIN).name  # "Syria"
RESIDENCE = "TR"
RESIDENCE_NAME = Country(RESIDENCE).name  # "Türkiye"
CITY = "Gaziantep"
TIMEZONE = "Europe/Istanbul"

VIEWERS = ["anonymous", "charlie", "bob", "unverified_member", "moderator", "owner"]
SEES: dict[str, set[str]] = {
    Visibility.PUBLIC: set(VIEWERS),
    Visibility.MEMBERS: {"charlie", "bob", "unverified_member", "moderator", "owner"},
    Visibility.INSTITUTIONS: {"bob", "moderator", "owner"},
    Visibility.HIDDEN: {"owner"},
}
MATRIX = [(level, viewer) for level in SEES for viewer in VIEWERS]
FIELD_VALUE = {"origin_country": ORIGIN_NAME, "residence_country": RESIDENCE_NAME, "city": CITY}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # Hundreds of cases each create several users; the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def profile(alice: User) -> ExpertProfile:
    profile = alice.expert_profile
    profile.origin_country = ORIGIN
    profile.residence_country = RESIDENCE
    profile.city = CITY
    profile.timezone = TIMEZONE
    profile.origin_country_visibility = Visibility.HIDDEN
    profile.residence_country_visibility = Visibility.HIDDEN
    profile.city_visibility = Visibility.HIDDEN
    profile.save()
    return profile


@pytest.fixture
def unverified_member(make_user: Callable[..., User]) -> User:
    place = Institution.objects.create(
        name="Institut Inconnu",
        country="ML",
        type=InstitutionType.RESEARCH_CENTRE,
        verification_status=VerificationStatus.UNVERIFIED,
    )
    user = make_user("dave@example.org", name="Dave Unverified")
    Membership.objects.create(institution=place, user=user, role=MemberRole.ADMIN)
    return user


@pytest.fixture
def client_for(
    request: pytest.FixtureRequest, login: Callable[[User], Client]
) -> Callable[[str], Client]:
    def make(viewer: str) -> Client:
        if viewer == "anonymous":
            return Client()
        name = "alice" if viewer == "owner" else viewer
        return login(request.getfixturevalue(name))

    return make


def set_level(profile: ExpertProfile, field: str, level: str) -> None:
    setattr(profile, f"{field}_visibility", level)
    profile.save()


def cards_html(content: str) -> str:
    # The filter form lists every country, so only the result cards can tell.
    return content.split('<div class="cards">', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("field", ["origin_country", "residence_country", "city"])
@pytest.mark.parametrize(("level", "viewer"), MATRIX)
def test_it_shows_a_field_on_the_detail_page_only_to_who_may_see_it(
    profile: ExpertProfile,
    client_for: Callable[[str], Client],
    field: str,
    level: str,
    viewer: str,
) -> None:
    set_level(profile, field, level)
    r = client_for(viewer).get(reverse("expert_detail", args=[profile.pk]))
    assert r.status_code == 200
    content = r.content.decode()
    assert (FIELD_VALUE[field] in content) == (viewer in SEES[level])
    # The other fields stay hidden from everyone but the owner.
    for other, value in FIELD_VALUE.items():
        if other != field:
            assert (value in content) == (viewer == "owner")


@pytest.mark.parametrize(("level", "viewer"), MATRIX)
def test_it_shows_the_time_zone_only_with_the_residence(
    profile: ExpertProfile, client_for: Callable[[str], Client], level: str, viewer: str
) -> None:
    set_level(profile, "residence_country", level)
    r = client_for(viewer).get(reverse("expert_detail", args=[profile.pk]))
    assert (TIMEZONE in r.content.decode()) == (viewer in SEES[level])


@pytest.mark.parametrize("viewer", ["anonymous", "charlie", "bob", "moderator"])
def test_it_shows_nothing_sensitive_when_all_hidden(
    profile: ExpertProfile, client_for: Callable[[str], Client], viewer: str
) -> None:
    content = client_for(viewer).get(reverse("expert_detail", args=[profile.pk])).content.decode()
    for value in (ORIGIN_NAME, RESIDENCE_NAME, CITY, TIMEZONE, "Istanbul"):
        assert value not in content


@pytest.mark.parametrize("field", ["origin_country", "residence_country"])
@pytest.mark.parametrize(("level", "viewer"), MATRIX)
def test_it_shows_a_country_in_the_directory_only_to_who_may_see_it(
    profile: ExpertProfile,
    client_for: Callable[[str], Client],
    field: str,
    level: str,
    viewer: str,
) -> None:
    set_level(profile, field, level)
    r = client_for(viewer).get(reverse("expert_list"))
    cards = cards_html(r.content.decode())
    assert "Alice Ndiaye" in cards
    assert (FIELD_VALUE[field] in cards) == (viewer in SEES[level])
    for other, value in FIELD_VALUE.items():
        if other != field:
            assert (value in cards) == (viewer == "owner")
    assert TIMEZONE not in r.content.decode()


@pytest.mark.parametrize(("level", "viewer"), MATRIX)
def test_it_shows_the_city_in_the_directory_only_to_who_may_see_it(
    profile: ExpertProfile,
    client_for: Callable[[str], Client],
    level: str,
    viewer: str,
) -> None:
    # The card shows the city beside the country of residence, so make that one public.
    set_level(profile, "residence_country", Visibility.PUBLIC)
    set_level(profile, "city", level)
    r = client_for(viewer).get(reverse("expert_list"))
    assert RESIDENCE_NAME in cards_html(r.content.decode())
    # No other part of the page lists cities: the whole page must not have it.
    assert (CITY in r.content.decode()) == (viewer in SEES[level])


def result_pks(client: Client, **params: str) -> list[int]:
    r = client.get(reverse("expert_list"), params)
    assert r.status_code == 200
    return [e.pk for e in r.context["experts"]]


@pytest.mark.parametrize(
    ("field", "value"), [("origin_country", ORIGIN), ("residence_country", RESIDENCE)]
)
@pytest.mark.parametrize(("level", "viewer"), MATRIX)
def test_it_filters_by_a_country_only_where_the_viewer_may_see_it(
    profile: ExpertProfile,
    client_for: Callable[[str], Client],
    field: str,
    value: str,
    level: str,
    viewer: str,
) -> None:
    set_level(profile, field, level)
    client = client_for(viewer)
    expected = [profile.pk] if viewer in SEES[level] else []
    assert result_pks(client, **{field: value}) == expected
    r = client.get(reverse("expert_list"), {field: value})
    assert r.context["page"].paginator.count == len(expected)
    assert ("Alice Ndiaye" in r.content.decode()) == bool(expected)


@pytest.mark.parametrize(
    ("field", "value"), [("origin_country", "LB"), ("residence_country", "FR")]
)
def test_it_does_not_match_another_country_even_when_visible(
    profile: ExpertProfile, client_for: Callable[[str], Client], field: str, value: str
) -> None:
    set_level(profile, field, Visibility.PUBLIC)
    assert result_pks(client_for("owner"), **{field: value}) == []
    assert result_pks(client_for("anonymous"), **{field: value}) == []


def test_it_combines_a_country_filter_with_a_visible_and_a_hidden_expert(
    profile: ExpertProfile,
    make_user: Callable[..., User],
    client_for: Callable[[str], Client],
) -> None:
    other = make_user("zara@example.org", name="Zara Public")
    public = ExpertProfile.objects.create(
        user=other, origin_country=ORIGIN, origin_country_visibility=Visibility.PUBLIC
    )
    set_level(profile, "origin_country", Visibility.INSTITUTIONS)
    assert result_pks(client_for("charlie"), origin_country=ORIGIN) == [public.pk]
    assert result_pks(client_for("bob"), origin_country=ORIGIN) == [profile.pk, public.pk]


def test_it_treats_a_member_of_an_unverified_institution_as_a_plain_member(
    unverified_member: User, charlie: User
) -> None:
    assert viewer_levels(unverified_member) == viewer_levels(charlie)
    assert Visibility.INSTITUTIONS not in viewer_levels(unverified_member)


def test_it_grants_institution_level_once_the_institution_is_verified(
    unverified_member: User,
) -> None:
    Institution.objects.filter(memberships__user=unverified_member).update(
        verification_status=VerificationStatus.VERIFIED
    )
    fresh = User.objects.get(pk=unverified_member.pk)
    assert Visibility.INSTITUTIONS in viewer_levels(fresh)


def test_it_never_reads_a_hidden_field_through_the_view(profile: ExpertProfile) -> None:
    view = expert_view(profile, None)
    assert view.origin_country is None
    assert view.residence_country is None
    assert view.city == ""
    assert view.timezone == ""
    assert view.headline == "Epidemiologist"
    with pytest.raises(AttributeError):
        view.origin_country_visibility  # noqa: B018

"""Offer pages: browse, detail, publish, edit, open and close."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import Role, User
from diaspora.needs.models import Offer
from diaspora.people.models import ExpertProfile
from diaspora.reference.models import EngagementType, Mode
from tests.needs.conftest import MakeOffer, build_offer

pytestmark = pytest.mark.django_db
VIEWERS = ["anonymous", "alice", "bob", "charlie", "erin", "moderator"]


def client_for(request: pytest.FixtureRequest, login: Callable[[User], Client], who: str) -> Client:
    return Client() if who == "anonymous" else login(request.getfixturevalue(who))


def listed(client: Client, **params: str) -> list[str]:
    r = client.get("/offers/", params)
    assert r.status_code == 200
    return [o.title for o in r.context["page"].object_list]


def test_the_urls_are_stable() -> None:
    assert reverse("offer_list") == "/offers/"
    assert reverse("offer_create") == "/offers/new/"
    assert reverse("offer_mine") == "/offers/mine/"
    assert reverse("offer_detail", args=[7]) == "/offers/7/"


# -- browse ---------------------------------------------------------------------------------


@pytest.fixture
def several(make_offer: MakeOffer, alice: User) -> None:
    make_offer(
        title="Survey design course",
        kind="course",
        disciplines=["3.3"],
        languages=["fr"],
        modes=["online"],
        description="For **health** researchers.",
    )
    make_offer(
        title="Mentoring young coders",
        kind="mentoring",
        disciplines=["1.2"],
        languages=["en"],
        modes=["online", "hybrid"],
    )
    build_offer(
        alice.expert_profile,
        title="Lecture on cohort studies",
        kind="lecture",
        disciplines=["3.2"],
        languages=["fr", "en"],
        modes=["onsite"],
    )
    make_offer(title="Closed offer", is_active=False)


def test_it_lists_active_offers_of_listed_experts(
    client: Client, several: None, alice: User
) -> None:
    assert sorted(listed(client)) == [
        "Lecture on cohort studies",
        "Mentoring young coders",
        "Survey design course",
    ]
    ExpertProfile.objects.filter(user=alice).update(is_listed=False)
    assert "Lecture on cohort studies" not in listed(client)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert "Lecture on cohort studies" not in listed(client)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "survey"}, ["Survey design course"]),
        ({"q": "health"}, ["Survey design course"]),
        ({"q": "alice"}, ["Lecture on cohort studies"]),  # the expert's name
        ({"discipline": "3"}, ["Lecture on cohort studies", "Survey design course"]),
        ({"discipline": "1.2"}, ["Mentoring young coders"]),
        ({"kind": "mentoring"}, ["Mentoring young coders"]),
        ({"language": "fr"}, ["Lecture on cohort studies", "Survey design course"]),
        ({"mode": "online"}, ["Mentoring young coders", "Survey design course"]),
        ({"mode": "onsite", "language": "en"}, ["Lecture on cohort studies"]),
        ({"kind": "supervision"}, []),
    ],
)
def test_it_filters(
    client: Client, several: None, params: dict[str, str], expected: list[str]
) -> None:
    assert sorted(listed(client, **params)) == expected


def test_it_reports_a_bad_filter_beside_its_field(client: Client, several: None) -> None:
    r = client.get("/offers/", {"kind": "juggling", "language": "fr"})
    assert "kind" in r.context["form"].errors
    assert len(r.context["page"].object_list) == 2


def test_it_paginates(client: Client, make_offer: MakeOffer, settings: Settings) -> None:
    settings.DIRECTORY_PAGE_SIZE = 2
    for i in range(5):
        make_offer(title=f"Offer {i}")
    assert listed(client) == ["Offer 4", "Offer 3"]
    assert listed(client, page="3") == ["Offer 0"]


def make_rich(make_offer: MakeOffer, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        make_offer(
            title=f"Offer {i}",
            disciplines=["3.3", "1.2"],
            languages=["fr", "en"],
            modes=["online", "onsite"],
        )


@pytest.mark.parametrize("viewer", ["anonymous", "bob"])
def test_it_lists_with_a_fixed_number_of_queries(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_offer: MakeOffer,
    django_assert_num_queries: DjangoAssertNumQueries,
    viewer: str,
) -> None:
    client = client_for(request, login, viewer)
    make_rich(make_offer, 3)
    with CaptureQueriesContext(connection) as few:
        client.get("/offers/?language=fr&mode=online")
    make_rich(make_offer, 10, start=3)
    with CaptureQueriesContext(connection) as many:
        client.get("/offers/?language=fr&mode=online")
    assert len(few.captured_queries) == len(many.captured_queries)
    expected = {"anonymous": 6, "bob": 9}[viewer]
    with django_assert_num_queries(expected):
        r = client.get("/offers/")
    assert len(r.context["page"].object_list) == 13


# -- detail ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_shows_an_active_offer_to_everyone(
    request: pytest.FixtureRequest, login: Callable[[User], Client], offer: Offer, viewer: str
) -> None:
    r = client_for(request, login, viewer).get(reverse("offer_detail", args=[offer.pk]))
    assert r.status_code == 200
    page = r.content.decode()
    assert "Survey design for health research" in page
    assert "French, English" in page or "English, French" in page


@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_shows_an_inactive_offer_only_to_its_expert(
    request: pytest.FixtureRequest, login: Callable[[User], Client], offer: Offer, viewer: str
) -> None:
    Offer.objects.filter(pk=offer.pk).update(is_active=False)
    r = client_for(request, login, viewer).get(reverse("offer_detail", args=[offer.pk]))
    assert r.status_code == (200 if viewer == "erin" else 404)


def test_it_hides_the_offers_of_an_unlisted_expert(
    client: Client, login: Callable[[User], Client], offer: Offer, erin: User
) -> None:
    ExpertProfile.objects.filter(user=erin).update(is_listed=False)
    assert client.get(reverse("offer_detail", args=[offer.pk])).status_code == 404
    assert login(erin).get(reverse("offer_detail", args=[offer.pk])).status_code == 200


def test_it_shows_the_right_buttons(
    client: Client,
    login: Callable[[User], Client],
    offer: Offer,
    erin: User,
    bob: User,
    charlie: User,
) -> None:
    edit, request_url = (
        reverse("offer_edit", args=[offer.pk]),
        reverse("offer_request", args=[offer.pk]),
    )
    own = login(erin).get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert edit in own and request_url not in own
    member = login(bob).get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert request_url in member and edit not in member
    outsider = login(charlie).get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert request_url not in outsider and edit not in outsider
    anonymous = client.get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert "Sign in to request" in anonymous


# -- publish and edit -------------------------------------------------------------------------


def data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "engagement_type": EngagementType.objects.get(code="mentoring").pk,
        "title": "Mentoring in epidemiology",
        "description": "Monthly *calls*.",
        "disciplines": ["3.3"],
        "languages": ["fr", "wo"],
        "modes": [Mode.objects.get(code="online").pk],
        "capacity": "3",
        "hours_per_month": "4",
        "is_active": "on",
    }
    values.update(overrides)
    return values


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, offer: Offer) -> None:
    for url in ["/offers/new/", "/offers/mine/", reverse("offer_edit", args=[offer.pk])]:
        r = client.get(url)
        assert r.status_code == 302
        assert r["Location"] == f"/accounts/login/?next={url}"
    r = client.post(reverse("offer_set_active", args=[offer.pk]), {"active": "0"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert Offer.objects.get(pk=offer.pk).is_active


def test_an_expert_publishes_an_offer(login: Callable[[User], Client], erin: User) -> None:
    client = login(erin)
    assert client.get("/offers/new/").status_code == 200
    r = client.post("/offers/new/", data())
    offer = Offer.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("offer_detail", args=[offer.pk])
    assert offer.expert == erin.expert_profile
    assert offer.engagement_type.code == "mentoring"
    assert offer.description_html == "<p>Monthly <em>calls</em>.</p>"
    assert [lang.code for lang in offer.languages.all()] == ["fr", "wo"]
    assert [m.code for m in offer.modes.all()] == ["online"]
    assert [d.code for d in offer.disciplines.all()] == ["3.3"]
    assert (offer.capacity, offer.hours_per_month, offer.is_active) == (3, 4, True)
    mine = client.get("/offers/mine/").content.decode()
    assert "Mentoring in epidemiology" in mine


@pytest.mark.parametrize("viewer", ["bob", "charlie"])
def test_it_asks_for_an_expert_profile_first(
    request: pytest.FixtureRequest, login: Callable[[User], Client], viewer: str
) -> None:
    client = login(request.getfixturevalue(viewer))
    r = client.get("/offers/new/")
    assert r.status_code == 403
    assert "Create your expert profile first" in r.content.decode()
    assert client.post("/offers/new/", data()).status_code == 403
    assert Offer.objects.count() == 0
    assert "Create your expert profile first" in client.get("/offers/mine/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"capacity": "0"}, "capacity", "Offer at least one place."),
        ({"hours_per_month": "500"}, "hours_per_month", "At most 200 hours a month."),
        (
            {"languages": ["zz"]},
            "languages",
            "Select a valid choice. zz is not one of the available choices.",
        ),
    ],
)
def test_it_shows_errors_next_to_the_fields_and_keeps_the_input(
    login: Callable[[User], Client], erin: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    r = login(erin).post("/offers/new/", data(**overrides))
    assert r.status_code == 200
    assert r.context["form"].errors[field] == [message]
    assert "Monthly *calls*." in r.content.decode()
    assert Offer.objects.count() == 0


def test_the_expert_edits_the_offer(
    login: Callable[[User], Client], erin: User, offer: Offer
) -> None:
    client = login(erin)
    form = client.get(reverse("offer_edit", args=[offer.pk])).content.decode()
    assert "Edit Survey design for health research" in form
    assert '<option value="fr" selected>' in form
    r = client.post(reverse("offer_edit", args=[offer.pk]), data(languages=["pt"], title="Renamed"))
    assert r.status_code == 302
    offer = Offer.objects.get(pk=offer.pk)
    assert offer.title == "Renamed"
    assert [lang.code for lang in offer.languages.all()] == ["pt"]


@pytest.mark.parametrize(("viewer", "expected"), [("alice", 403), ("bob", 403), ("charlie", 403)])
def test_nobody_else_edits_or_closes_the_offer(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    offer: Offer,
    viewer: str,
    expected: int,
) -> None:
    client = login(request.getfixturevalue(viewer))
    assert client.get(reverse("offer_edit", args=[offer.pk])).status_code == expected
    assert client.post(reverse("offer_edit", args=[offer.pk]), data()).status_code == expected
    r = client.post(reverse("offer_set_active", args=[offer.pk]), {"active": "0"})
    assert r.status_code == expected
    offer = Offer.objects.get(pk=offer.pk)
    assert (offer.title, offer.is_active) == ("Survey design for health research", True)


def test_a_closed_offer_is_a_404_to_others_even_for_writing(
    login: Callable[[User], Client], offer: Offer, bob: User
) -> None:
    Offer.objects.filter(pk=offer.pk).update(is_active=False)
    client = login(bob)
    assert client.get(reverse("offer_edit", args=[offer.pk])).status_code == 404
    assert (
        client.post(reverse("offer_set_active", args=[offer.pk]), {"active": "1"}).status_code
        == 404
    )


def test_the_expert_closes_and_reopens_the_offer(
    login: Callable[[User], Client], erin: User, offer: Offer
) -> None:
    client = login(erin)
    url = reverse("offer_set_active", args=[offer.pk])
    r = client.post(url, {"active": "0"})
    assert r.status_code == 302
    assert not Offer.objects.get(pk=offer.pk).is_active
    assert "closed to new requests" in client.get(r["Location"]).content.decode()
    client.post(url, {"active": "1"})
    assert Offer.objects.get(pk=offer.pk).is_active
    client.post(url, {"active": "maybe"})
    assert Offer.objects.get(pk=offer.pk).is_active


def test_my_offers_lists_mine_with_closed_ones(
    login: Callable[[User], Client],
    erin: User,
    make_offer: MakeOffer,
    make_user: Callable[..., User],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    other = make_user("frank@example.org", name="Frank", role=Role.EXPERT)
    build_offer(ExpertProfile.objects.create(user=other), title="Not mine")
    make_offer(title="Open one", languages=["fr"], modes=["online"], disciplines=["3.3"])
    make_offer(title="Closed one", is_active=False)
    client = login(erin)
    r = client.get("/offers/mine/")
    titles = [o.title for o in r.context["offers"]]
    assert titles == ["Open one", "Closed one"]
    assert "closed" in r.content.decode()
    for i in range(5):
        make_offer(title=f"More {i}", languages=["fr"], modes=["online"], disciplines=["3.3"])
    with django_assert_num_queries(8):
        client.get("/offers/mine/")

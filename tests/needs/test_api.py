"""Needs, offers and offer requests over the API, with the pages' permissions."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedStatus, Offer, OfferRequest, RequestStatus
from tests.needs.conftest import MakeNeed, build_need

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, path: str, body: dict[str, Any], **extra: Any) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", **extra)


def bearer(user: User) -> dict[str, Any]:
    _token, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def need_body(institution: Institution, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "institution": institution.pk,
        "title": "Curriculum for a master in data science",
        "description": "Help us **design** it.",
        "disciplines": ["1.2", "5.2"],
        "keywords": ["Curriculum", "data science"],
        "engagement_type": "curriculum",
        "mode": "hybrid",
        "location_city": "Dakar",
        "location_country": "SN",
        "start_date": "2030-02-01",
        "end_date": "2030-07-31",
        "effort_hours": 60,
        "experts_wanted": 2,
        "response_deadline": "2029-12-15",
        "required_languages": ["fr"],
        "preferred_languages": ["en"],
    }
    body.update(overrides)
    return body


# -- needs ----------------------------------------------------------------------------------


def test_it_lists_open_needs_with_filters_and_pages(
    make_need: MakeNeed, other_institution: Institution
) -> None:
    make_need(title="Draft", keywords=["malaria"])
    make_need(title="Malaria course", status=NeedStatus.OPEN, keywords=["malaria"], required=["fr"])
    build_need(
        other_institution,
        title="Lecture in Kumasi",
        status=NeedStatus.OPEN,
        mode="onsite",
        location_country="GH",
        engagement="lecture",
    )
    client = Client()
    body = client.get("/api/needs/").json()
    assert body["meta"] == {"count": 2, "page": 1, "pages": 1, "page_size": 20}
    assert sorted(n["title"] for n in body["results"]) == ["Lecture in Kumasi", "Malaria course"]
    assert [n["title"] for n in client.get("/api/needs/?q=malaria").json()["results"]] == [
        "Malaria course"
    ]
    assert [n["title"] for n in client.get("/api/needs/?country=GH").json()["results"]] == [
        "Lecture in Kumasi"
    ]
    assert [
        n["title"]
        for n in client.get("/api/needs/?engagement_type=lecture&mode=onsite").json()["results"]
    ] == ["Lecture in Kumasi"]
    assert client.get("/api/needs/?language=fr").json()["meta"]["count"] == 1
    assert (
        client.get(f"/api/needs/?institution={other_institution.pk}").json()["meta"]["count"] == 1
    )
    paged = client.get("/api/needs/?page_size=1&page=2").json()
    assert paged["meta"] == {"count": 2, "page": 2, "pages": 2, "page_size": 1}
    assert client.get("/api/needs/?page_size=1000").status_code == 422


def test_it_lists_my_institutions_needs_in_every_status(
    make_need: MakeNeed, bob: User, login: Callable[[User], Client], dora: User
) -> None:
    make_need(title="Draft")
    make_need(title="Open", status=NeedStatus.OPEN)
    client = login(bob)
    assert client.get("/api/needs/?mine=true").json()["meta"]["count"] == 2
    assert [
        n["title"] for n in client.get("/api/needs/?mine=true&status=draft").json()["results"]
    ] == ["Draft"]
    assert client.get("/api/needs/?mine=true&status=nope").status_code == 400
    assert login(dora).get("/api/needs/?mine=true").json()["meta"]["count"] == 0
    assert Client().get("/api/needs/?mine=true").status_code == 401


def test_it_describes_a_need(make_need: MakeNeed) -> None:
    need = make_need(
        status=NeedStatus.OPEN,
        disciplines=["3.3"],
        keywords=["malaria"],
        required=["fr"],
        preferred=["en"],
        description="*Hi*",
        mode="onsite",
        location_country="SN",
    )
    body = Client().get(f"/api/needs/{need.pk}").json()
    assert body["title"] == "Teach a biostatistics course"
    assert body["institution"]["name"] == "Université Cheikh Anta Diop"
    assert body["institution"]["country"] == "SN"
    assert body["disciplines"] == [{"code": "3.3", "label": "Health sciences"}]
    assert body["keywords"] == ["malaria"]
    assert (body["required_languages"], body["preferred_languages"]) == (["fr"], ["en"])
    assert (body["engagement_type"], body["mode"], body["location_country"]) == (
        "course",
        "onsite",
        "SN",
    )
    assert body["description_html"] == "<p><em>Hi</em></p>"
    assert body["url"] == f"/needs/{need.pk}/"


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.WITHDRAWN])
@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("anonymous", 404),
        ("charlie", 404),
        ("dora", 404),
        ("bob", 200),
        ("alice", 200),
        ("moderator", 200),
    ],
)
def test_it_hides_drafts_from_outsiders(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    status: str,
    viewer: str,
    expected: int,
) -> None:
    need = make_need(status=status)
    client = Client() if viewer == "anonymous" else login(request.getfixturevalue(viewer))
    r = client.get(f"/api/needs/{need.pk}")
    assert r.status_code == expected
    if expected == 404:
        assert r.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_a_member_posts_a_need_with_a_token(bob: User, institution: Institution) -> None:
    r = send(Client(), "post", "/api/needs/", need_body(institution), **bearer(bob))
    assert r.status_code == 201, r.content
    body = r.json()
    need = Need.objects.get()
    assert body["id"] == need.pk
    assert body["status"] == "draft"
    assert body["keywords"] == ["curriculum", "data science"]
    assert sorted(d["code"] for d in body["disciplines"]) == ["1.2", "5.2"]
    assert (body["start_date"], body["response_deadline"]) == ("2030-02-01", "2029-12-15")
    assert need.created_by == bob


def test_it_refuses_to_post_without_signing_in(institution: Institution) -> None:
    r = send(Client(), "post", "/api/needs/", need_body(institution))
    assert r.status_code == 401
    assert Need.objects.count() == 0


@pytest.mark.parametrize(("viewer", "expected"), [("charlie", 403), ("dora", 403)])
def test_it_refuses_to_post_for_an_institution_one_does_not_belong_to(
    request: pytest.FixtureRequest, institution: Institution, viewer: str, expected: int
) -> None:
    user = request.getfixturevalue(viewer)
    r = send(Client(), "post", "/api/needs/", need_body(institution), **bearer(user))
    assert r.status_code == expected
    assert r.json()["error"]["code"] == "forbidden"
    r = send(
        Client(),
        "post",
        "/api/needs/",
        {**need_body(institution), "institution": 999999},
        **bearer(user),
    )
    assert r.status_code == 404
    assert Need.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_date": "2030-08-01"}, "end_date", "The end cannot be before the start."),
        (
            {"location_country": ""},
            "location_country",
            "Say where the work happens when it is not online.",
        ),
        (
            {"preferred_languages": ["fr"]},
            "preferred_languages",
            "A language is either required or preferred, not both: fr.",
        ),
        ({"engagement_type": "juggling"}, "engagement_type", "Unknown engagement type: juggling."),
        ({"mode": "telepathy"}, "mode", "Unknown mode: telepathy."),
        ({"disciplines": ["9.9"]}, "disciplines", "Unknown FORD field code: 9.9."),
        (
            {"required_languages": ["xx"]},
            "required_languages",
            "xx is not an ISO 639-1 language code.",
        ),
    ],
)
def test_it_explains_a_bad_need(
    bob: User, institution: Institution, overrides: dict[str, Any], field: str, message: str
) -> None:
    r = send(Client(), "post", "/api/needs/", need_body(institution, **overrides), **bearer(bob))
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"][field] == [message]
    assert Need.objects.count() == 0


def test_it_validates_numbers_and_dates(bob: User, institution: Institution) -> None:
    r = send(
        Client(),
        "post",
        "/api/needs/",
        need_body(institution, experts_wanted=0, start_date="soon"),
        **bearer(bob),
    )
    assert r.status_code == 422
    assert set(r.json()["error"]["fields"]) == {"experts_wanted", "start_date"}


def test_a_member_patches_a_need(bob: User, make_need: MakeNeed) -> None:
    need = make_need(keywords=["malaria"], required=["fr"])
    r = send(
        Client(),
        "patch",
        f"/api/needs/{need.pk}",
        {
            "title": "Renamed",
            "preferred_languages": ["en"],
            "mode": "onsite",
            "location_country": "SN",
        },
        **bearer(bob),
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["title"] == "Renamed"
    assert body["keywords"] == ["malaria"]
    assert (body["required_languages"], body["preferred_languages"]) == (["fr"], ["en"])
    assert (body["mode"], body["location_country"]) == ("onsite", "SN")


@pytest.mark.parametrize(
    ("status", "viewer", "expected"),
    [
        (NeedStatus.OPEN, "dora", 403),
        (NeedStatus.OPEN, "charlie", 403),
        (NeedStatus.OPEN, "moderator", 403),
        (NeedStatus.DRAFT, "dora", 404),
        (NeedStatus.DRAFT, "charlie", 404),
    ],
)
def test_outsiders_cannot_patch_or_move_a_need(
    request: pytest.FixtureRequest, make_need: MakeNeed, status: str, viewer: str, expected: int
) -> None:
    need = make_need(status=status)
    headers = bearer(request.getfixturevalue(viewer))
    r = send(Client(), "patch", f"/api/needs/{need.pk}", {"title": "Taken"}, **headers)
    assert r.status_code == expected
    r = send(Client(), "post", f"/api/needs/{need.pk}/status", {"status": "closed"}, **headers)
    assert r.status_code == expected
    need.refresh_from_db()
    assert (need.title, need.status) == ("Teach a biostatistics course", status)


def test_a_member_moves_a_need_along(bob: User, make_need: MakeNeed) -> None:
    need = make_need()
    headers = bearer(bob)
    r = send(Client(), "post", f"/api/needs/{need.pk}/status", {"status": "open"}, **headers)
    assert r.status_code == 200
    assert r.json()["status"] == "open"
    assert r.json()["published_at"] is not None
    r = send(Client(), "post", f"/api/needs/{need.pk}/status", {"status": "draft"}, **headers)
    assert r.status_code == 400
    assert r.json()["error"]["fields"]["status"] == [
        "A need that is open cannot become draft; it can become: in progress, closed, withdrawn."
    ]


def test_anonymous_callers_cannot_write(make_need: MakeNeed) -> None:
    need = make_need(status=NeedStatus.OPEN)
    assert send(Client(), "patch", f"/api/needs/{need.pk}", {"title": "x"}).status_code == 401
    assert (
        send(Client(), "post", f"/api/needs/{need.pk}/status", {"status": "closed"}).status_code
        == 401
    )


# -- offers ---------------------------------------------------------------------------------


def offer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "lecture",
        "title": "Guest lecture on cohort studies",
        "description": "One *hour*.",
        "disciplines": ["3.3"],
        "languages": ["fr", "en"],
        "modes": ["online", "onsite"],
        "capacity": 2,
        "hours_per_month": 3,
    }
    body.update(overrides)
    return body


def test_it_lists_and_describes_offers(offer: Offer, make_offer: Any) -> None:
    make_offer(title="Closed", is_active=False)
    make_offer(title="Mentoring", kind="mentoring", languages=["pt"])
    client = Client()
    body = client.get("/api/offers/").json()
    assert body["meta"]["count"] == 2
    assert [o["title"] for o in client.get("/api/offers/?kind=mentoring").json()["results"]] == [
        "Mentoring"
    ]
    assert [
        o["title"]
        for o in client.get("/api/offers/?language=fr&mode=online&discipline=3").json()["results"]
    ] == ["Survey design for health research"]
    one = client.get(f"/api/offers/{offer.pk}").json()
    assert one["expert"]["name"] == "Erin Sow"
    assert (one["kind"], one["languages"], one["modes"]) == ("course", ["en", "fr"], ["online"])


def test_an_inactive_offer_is_only_its_experts(offer: Offer, erin: User, bob: User) -> None:
    Offer.objects.filter(pk=offer.pk).update(is_active=False)
    assert Client().get(f"/api/offers/{offer.pk}").status_code == 404
    assert Client().get(f"/api/offers/{offer.pk}", **bearer(bob)).status_code == 404
    assert Client().get(f"/api/offers/{offer.pk}", **bearer(erin)).status_code == 200


def test_an_expert_publishes_and_changes_an_offer(erin: User) -> None:
    headers = bearer(erin)
    r = send(Client(), "post", "/api/offers/", offer_body(), **headers)
    assert r.status_code == 201, r.content
    offer_id = r.json()["id"]
    assert r.json()["languages"] == ["en", "fr"]
    r = send(
        Client(),
        "patch",
        f"/api/offers/{offer_id}",
        {"is_active": False, "languages": ["wo"]},
        **headers,
    )
    assert r.status_code == 200
    assert (r.json()["is_active"], r.json()["languages"]) == (False, ["wo"])


def test_only_experts_publish_offers(bob: User) -> None:
    r = send(Client(), "post", "/api/offers/", offer_body(), **bearer(bob))
    assert r.status_code == 403
    assert send(Client(), "post", "/api/offers/", offer_body()).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"kind": "juggling"}, 400, "kind"),
        ({"modes": ["telepathy"]}, 400, "modes"),
        ({"languages": ["xx"]}, 400, "languages"),
        ({"capacity": 0}, 422, "capacity"),
        ({"hours_per_month": 1000}, 422, "hours_per_month"),
    ],
)
def test_it_explains_a_bad_offer(
    erin: User, overrides: dict[str, Any], status: int, field: str
) -> None:
    r = send(Client(), "post", "/api/offers/", offer_body(**overrides), **bearer(erin))
    assert r.status_code == status
    assert field in r.json()["error"]["fields"]
    assert Offer.objects.count() == 0


@pytest.mark.parametrize("viewer", ["alice", "bob", "charlie"])
def test_nobody_else_changes_an_offer(
    request: pytest.FixtureRequest, offer: Offer, viewer: str
) -> None:
    r = send(
        Client(),
        "patch",
        f"/api/offers/{offer.pk}",
        {"title": "Mine now"},
        **bearer(request.getfixturevalue(viewer)),
    )
    assert r.status_code == 403
    assert Offer.objects.get(pk=offer.pk).title == "Survey design for health research"


# -- offer requests -------------------------------------------------------------------------


def test_the_request_flow(offer: Offer, bob: User, erin: User, institution: Institution) -> None:
    member, expert = bearer(bob), bearer(erin)
    path = f"/api/offers/{offer.pk}/requests"
    r = send(Client(), "post", path, {"institution": institution.pk, "message": "May?"}, **member)
    assert r.status_code == 201, r.content
    made = r.json()
    assert (made["status"], made["institution"]["id"], made["requested_by"]) == (
        "pending",
        institution.pk,
        "Bob Mensah",
    )
    again = send(
        Client(), "post", path, {"institution": institution.pk, "message": "Again"}, **member
    )
    assert again.status_code == 400
    assert again.json()["error"]["fields"]["institution"] == [
        "Université Cheikh Anta Diop already has a request for this offer waiting for an answer."
    ]
    assert [x["id"] for x in Client().get("/api/offer-requests/", **expert).json()["results"]] == [
        made["id"]
    ]
    assert [
        x["id"]
        for x in Client().get("/api/offer-requests/?direction=outgoing", **member).json()["results"]
    ] == [made["id"]]
    assert Client().get("/api/offer-requests/?direction=incoming", **member).json()["results"] == []
    answer = f"/api/offer-requests/{made['id']}/answer"
    assert send(Client(), "post", answer, {"accept": True}, **member).status_code == 403
    r = send(Client(), "post", answer, {"accept": True, "reason": "Gladly"}, **expert)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["response_reason"]) == ("accepted", "Gladly")
    r = send(Client(), "post", answer, {"accept": False}, **expert)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "This request is already accepted."


@pytest.mark.parametrize("viewer", ["charlie", "dora"])
def test_outsiders_get_404_for_someone_elses_request(
    request: pytest.FixtureRequest, pending_request: OfferRequest, viewer: str
) -> None:
    headers = bearer(request.getfixturevalue(viewer))
    assert Client().get(f"/api/offer-requests/{pending_request.pk}", **headers).status_code == 404
    r = send(
        Client(),
        "post",
        f"/api/offer-requests/{pending_request.pk}/answer",
        {"accept": True},
        **headers,
    )
    assert r.status_code == 404
    r = send(Client(), "post", f"/api/offer-requests/{pending_request.pk}/withdraw", {}, **headers)
    assert r.status_code == 404
    assert Client().get("/api/offer-requests/", **headers).json()["results"] == []
    assert OfferRequest.objects.get().status == RequestStatus.PENDING


def test_a_member_withdraws_over_the_api(
    pending_request: OfferRequest, alice: User, erin: User
) -> None:
    path = f"/api/offer-requests/{pending_request.pk}/withdraw"
    assert send(Client(), "post", path, {}, **bearer(erin)).status_code == 403
    r = send(Client(), "post", path, {}, **bearer(alice))
    assert r.status_code == 200
    assert r.json()["status"] == "withdrawn"


def test_requesting_takes_a_membership(
    offer: Offer, charlie: User, institution: Institution
) -> None:
    r = send(
        Client(),
        "post",
        f"/api/offers/{offer.pk}/requests",
        {"institution": institution.pk, "message": "Hi"},
        **bearer(charlie),
    )
    assert r.status_code == 403
    assert OfferRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/offer-requests/"),
        ("get", "/api/offer-requests/1"),
        ("post", "/api/offer-requests/1/answer"),
        ("post", "/api/offer-requests/1/withdraw"),
        ("post", "/api/offers/1/requests"),
        ("patch", "/api/offers/1"),
        ("post", "/api/needs/"),
    ],
)
def test_anonymous_callers_must_sign_in(method: str, path: str) -> None:
    r = Client().get(path) if method == "get" else send(Client(), method, path, {})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_missing_things_are_404(bob: User) -> None:
    headers = bearer(bob)
    for path in ["/api/needs/999999", "/api/offers/999999", "/api/offer-requests/999999"]:
        assert Client().get(path, **headers).status_code == 404

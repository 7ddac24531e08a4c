"""Institutions request offers; experts accept or decline; institutions may withdraw."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, Membership
from diaspora.needs import services
from diaspora.needs.models import Offer, OfferRequest, RequestStatus

pytestmark = pytest.mark.django_db


def request_url(offer: Offer) -> str:
    return reverse("offer_request", args=[offer.pk])


def test_the_urls_are_stable() -> None:
    assert reverse("offer_request_list") == "/offer-requests/"
    assert reverse("offer_request_detail", args=[3]) == "/offer-requests/3/"


def test_it_sends_anonymous_visitors_to_sign_in(
    client: Client, offer: Offer, pending_request: OfferRequest
) -> None:
    urls = [
        request_url(offer),
        "/offer-requests/",
        reverse("offer_request_detail", args=[pending_request.pk]),
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302
        assert r["Location"] == f"/accounts/login/?next={url}"
    for name in ["offer_request_answer", "offer_request_withdraw"]:
        r = client.post(reverse(name, args=[pending_request.pk]), {"decision": "accept"})
        assert r["Location"].startswith("/accounts/login/")
    assert OfferRequest.objects.get().status == RequestStatus.PENDING


def test_a_member_requests_an_offer(
    login: Callable[[User], Client],
    bob: User,
    erin: User,
    offer: Offer,
    institution: Institution,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told: list[dict[str, Any]] = []
    import diaspora.notifications.services as notifications

    monkeypatch.setattr(notifications, "notify_many", lambda **kw: told.append(kw))
    client = login(bob)
    form = client.get(request_url(offer))
    assert form.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            request_url(offer), {"institution": institution.pk, "message": "A course in May?"}
        )
    made = OfferRequest.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("offer_request_detail", args=[made.pk])
    assert (made.institution, made.requested_by, made.status) == (
        institution,
        bob,
        RequestStatus.PENDING,
    )
    [note] = told
    assert note["users"] == [erin]
    assert note["kind"] == "offer_request"
    assert note["title"] == (
        "Université Cheikh Anta Diop asks for your offer “Survey design for health research”"
    )
    assert note["url"] == reverse("offer_request_detail", args=[made.pk])
    detail = client.get(r["Location"]).content.decode()
    assert "A course in May?" in detail
    assert "Withdraw the request" in detail


def test_it_refuses_a_second_pending_request_from_the_same_institution(
    login: Callable[[User], Client],
    alice: User,
    offer: Offer,
    institution: Institution,
    pending_request: OfferRequest,
) -> None:
    r = login(alice).post(request_url(offer), {"institution": institution.pk, "message": "Again"})
    assert r.status_code == 200
    assert r.context["form"].errors["institution"] == [
        "Université Cheikh Anta Diop already has a request for this offer waiting for an answer."
    ]
    assert "Again" in r.content.decode()
    assert OfferRequest.objects.count() == 1


def test_it_allows_a_new_request_once_the_old_one_is_answered(
    bob: User, offer: Offer, institution: Institution, pending_request: OfferRequest, erin: User
) -> None:
    services.offer_request_answer(offer_request=pending_request, accept=False, by=erin)
    again = services.offer_request_create(
        offer=offer, institution=institution, requested_by=bob, message="Next year?"
    )
    assert again.status == RequestStatus.PENDING


def test_another_institution_may_request_the_same_offer(
    offer: Offer, other_institution: Institution, dora: User, pending_request: OfferRequest
) -> None:
    made = services.offer_request_create(
        offer=offer, institution=other_institution, requested_by=dora, message="Us too"
    )
    assert OfferRequest.objects.filter(offer=offer).count() == 2
    assert made.institution == other_institution


def test_it_refuses_an_empty_message(
    login: Callable[[User], Client], bob: User, offer: Offer, institution: Institution
) -> None:
    r = login(bob).post(request_url(offer), {"institution": institution.pk, "message": " "})
    assert r.context["form"].errors["message"] == ["This field is required."]
    assert OfferRequest.objects.count() == 0


def test_it_refuses_to_request_for_someone_elses_institution(
    login: Callable[[User], Client],
    bob: User,
    offer: Offer,
    other_institution: Institution,
    dora: User,
) -> None:
    r = login(bob).post(request_url(offer), {"institution": other_institution.pk, "message": "x"})
    assert r.status_code == 200
    assert "institution" in r.context["form"].errors
    assert OfferRequest.objects.count() == 0


@pytest.mark.parametrize("viewer", ["charlie", "erin"])
def test_people_without_an_institution_are_told_why(
    request: pytest.FixtureRequest, login: Callable[[User], Client], offer: Offer, viewer: str
) -> None:
    r = login(request.getfixturevalue(viewer)).get(request_url(offer))
    assert r.status_code == 403
    assert "You do not represent an institution" in r.content.decode()


def test_an_expert_cannot_request_their_own_offer(
    alice: User, institution: Institution, make_offer: Any
) -> None:
    own = make_offer(expert=alice.expert_profile)
    with pytest.raises(ValidationError, match="your own offer"):
        services.offer_request_create(
            offer=own, institution=institution, requested_by=alice, message="Me"
        )


def test_a_closed_offer_cannot_be_requested(
    login: Callable[[User], Client], bob: User, offer: Offer, institution: Institution
) -> None:
    Offer.objects.filter(pk=offer.pk).update(is_active=False)
    r = login(bob).post(request_url(offer), {"institution": institution.pk, "message": "x"})
    assert r.status_code == 404
    with pytest.raises(ValidationError, match="not open to requests"):
        services.offer_request_create(
            offer=offer, institution=institution, requested_by=bob, message="x"
        )


# -- answering ------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "status"), [("accept", "accepted"), ("decline", "declined")])
def test_the_expert_answers_with_a_reason(
    login: Callable[[User], Client],
    erin: User,
    bob: User,
    pending_request: OfferRequest,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    decision: str,
    status: str,
) -> None:
    told: list[dict[str, Any]] = []
    import diaspora.notifications.services as notifications

    monkeypatch.setattr(notifications, "notify_many", lambda **kw: told.append(kw))
    client = login(erin)
    detail = client.get(reverse("offer_request_detail", args=[pending_request.pk]))
    assert "Send the answer" in detail.content.decode()
    assert "Withdraw the request" not in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("offer_request_answer", args=[pending_request.pk]),
            {"decision": decision, "reason": "  Only in June.  "},
        )
    assert r.status_code == 302
    answered = OfferRequest.objects.get()
    assert (answered.status, answered.response_reason) == (status, "Only in June.")
    assert answered.responded_at is not None
    [note] = told
    assert note["users"] == [bob]
    assert (
        note["title"] == f"Erin Sow {status} your request for “Survey design for health research”"
    )
    assert note["body"] == "Only in June."
    page = client.get(r["Location"]).content.decode()
    assert "Only in June." in page
    assert "Send the answer" not in page


def test_an_answer_needs_a_decision_and_keeps_the_reason(
    login: Callable[[User], Client], erin: User, pending_request: OfferRequest
) -> None:
    r = login(erin).post(
        reverse("offer_request_answer", args=[pending_request.pk]), {"reason": "Hmm"}
    )
    assert r.status_code == 200
    assert r.context["form"].errors["decision"] == ["This field is required."]
    assert "Hmm</textarea>" in r.content.decode()
    assert OfferRequest.objects.get().status == RequestStatus.PENDING


def test_it_refuses_to_answer_twice(
    login: Callable[[User], Client], erin: User, pending_request: OfferRequest
) -> None:
    client = login(erin)
    url = reverse("offer_request_answer", args=[pending_request.pk])
    client.post(url, {"decision": "accept"})
    r = client.post(url, {"decision": "decline"})
    assert "This request is already accepted." in client.get(r["Location"]).content.decode()
    assert OfferRequest.objects.get().status == RequestStatus.ACCEPTED


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("charlie", 404), ("dora", 404), ("moderator", 404), ("bob", 403), ("alice", 403)],
)
def test_only_the_expert_answers(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    pending_request: OfferRequest,
    viewer: str,
    expected: int,
) -> None:
    r = login(request.getfixturevalue(viewer)).post(
        reverse("offer_request_answer", args=[pending_request.pk]), {"decision": "accept"}
    )
    assert r.status_code == expected
    assert OfferRequest.objects.get().status == RequestStatus.PENDING


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("charlie", 404),
        ("dora", 404),
        ("moderator", 404),
        ("erin", 200),
        ("alice", 200),
        ("bob", 200),
    ],
)
def test_only_the_two_sides_see_a_request(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    pending_request: OfferRequest,
    viewer: str,
    expected: int,
) -> None:
    r = login(request.getfixturevalue(viewer)).get(
        reverse("offer_request_detail", args=[pending_request.pk])
    )
    assert r.status_code == expected


# -- withdrawing ----------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["alice", "bob"])
def test_a_member_withdraws_a_pending_request(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    pending_request: OfferRequest,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    r = client.post(reverse("offer_request_withdraw", args=[pending_request.pk]))
    assert r.status_code == 302
    assert OfferRequest.objects.get().status == RequestStatus.WITHDRAWN
    r = client.post(reverse("offer_request_withdraw", args=[pending_request.pk]))
    assert "already withdrawn" in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(("viewer", "expected"), [("charlie", 404), ("dora", 404), ("erin", 403)])
def test_nobody_else_withdraws(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    pending_request: OfferRequest,
    viewer: str,
    expected: int,
) -> None:
    r = login(request.getfixturevalue(viewer)).post(
        reverse("offer_request_withdraw", args=[pending_request.pk])
    )
    assert r.status_code == expected
    assert OfferRequest.objects.get().status == RequestStatus.PENDING


# -- the list -------------------------------------------------------------------------------


def test_the_list_shows_incoming_to_the_expert_and_outgoing_to_members(
    login: Callable[[User], Client],
    erin: User,
    bob: User,
    dora: User,
    charlie: User,
    offer: Offer,
    other_institution: Institution,
    pending_request: OfferRequest,
    django_assert_num_queries: Any,
) -> None:
    OfferRequest.objects.create(
        offer=offer, institution=other_institution, requested_by=dora, message="Ghana too"
    )

    def rows(user: User, **params: str) -> list[str]:
        r = login(user).get("/offer-requests/", params)
        assert r.status_code == 200
        return sorted(x.institution.name for x in r.context["page"].object_list)

    both = ["Kwame Nkrumah University of Science and Technology", "Université Cheikh Anta Diop"]
    assert rows(erin) == both
    assert rows(erin, direction="outgoing") == []
    assert rows(bob) == ["Université Cheikh Anta Diop"]
    assert rows(bob, direction="incoming") == []
    assert rows(dora) == ["Kwame Nkrumah University of Science and Technology"]
    assert rows(charlie) == []
    assert rows(erin, status="accepted") == []
    assert rows(erin, status="pending") == both
    client = login(erin)
    for i in range(6):
        place = Institution.objects.create(name=f"Institute {i}", country="ML", type="other")
        Membership.objects.create(institution=place, user=bob)
        OfferRequest.objects.create(offer=offer, institution=place, requested_by=bob, message="x")
    with django_assert_num_queries(6):
        r = client.get("/offer-requests/")
    assert len(r.context["page"].object_list) == 8

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.needs.models import Need, NeedStatus
from tests.needs.conftest import MakeNeed

pytestmark = pytest.mark.django_db

PUBLIC = [NeedStatus.OPEN, NeedStatus.IN_PROGRESS, NeedStatus.FULFILLED, NeedStatus.CLOSED]
PRIVATE = [NeedStatus.DRAFT, NeedStatus.WITHDRAWN]
VIEWERS = ["anonymous", "alice", "bob", "dora", "charlie", "moderator", "erin"]
INSIDERS = {"alice", "bob", "moderator"}


def client_for(request: pytest.FixtureRequest, login: Callable[[User], Client], who: str) -> Client:
    return Client() if who == "anonymous" else login(request.getfixturevalue(who))


def main(content: bytes) -> str:
    return content.decode().split('<main id="main"', 1)[1]


@pytest.mark.parametrize("status", PUBLIC)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_shows_a_published_need_to_everyone(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    alice: User,
    bob: User,
    status: str,
    viewer: str,
) -> None:
    need = make_need(status=status)
    r = client_for(request, login, viewer).get(reverse("need_detail", args=[need.pk]))
    assert r.status_code == 200
    assert "Teach a biostatistics course" in main(r.content)


@pytest.mark.parametrize("status", PRIVATE)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_it_shows_a_draft_or_withdrawn_need_only_to_its_institution_and_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    alice: User,
    bob: User,
    status: str,
    viewer: str,
) -> None:
    need = make_need(status=status)
    r = client_for(request, login, viewer).get(reverse("need_detail", args=[need.pk]))
    assert r.status_code == (200 if viewer in INSIDERS else 404)


def test_it_gives_404_for_a_missing_need(client: Client) -> None:
    assert client.get(reverse("need_detail", args=[999999])).status_code == 404


def test_it_shows_the_whole_need(client: Client, make_need: MakeNeed) -> None:
    need = make_need(
        status=NeedStatus.OPEN,
        mode="onsite",
        location_city="Saint-Louis",
        location_country="SN",
        description="Cohorts of <script>x()</script>**malaria** patients.",
        disciplines=["3.3"],
        keywords=["cohort studies"],
        required=["fr"],
        preferred=["wo"],
        effort_hours=40,
        experts_wanted=2,
    )
    page = main(client.get(reverse("need_detail", args=[need.pk])).content)
    assert "Université Cheikh Anta Diop" in page
    assert "Saint-Louis, Senegal" in page
    assert "<strong>malaria</strong>" in page
    assert "<script>" not in page
    assert "3.3 Health sciences" in page
    assert "cohort studies" in page
    assert "French" in page and "Wolof" in page
    assert "40 hours" in page
    # Visitors get no buttons.
    assert reverse("need_edit", args=[need.pk]) not in page
    assert reverse("need_status", args=[need.pk]) not in page


def test_it_offers_members_the_allowed_moves_only(
    login: Callable[[User], Client], bob: User, make_need: MakeNeed
) -> None:
    need = make_need()
    page = main(login(bob).get(reverse("need_detail", args=[need.pk])).content)
    assert reverse("need_edit", args=[need.pk]) in page
    assert 'name="status" value="open"' in page
    assert 'name="status" value="withdrawn"' in page
    assert 'value="fulfilled"' not in page
    assert 'value="in_progress"' not in page


def test_it_offers_nothing_to_change_on_a_finished_need(
    login: Callable[[User], Client], bob: User, make_need: MakeNeed
) -> None:
    need = make_need(status=NeedStatus.FULFILLED)
    page = main(login(bob).get(reverse("need_detail", args=[need.pk])).content)
    assert reverse("need_edit", args=[need.pk]) not in page
    assert 'name="status"' not in page


@pytest.mark.parametrize("viewer", ["dora", "charlie", "moderator", "erin"])
def test_it_offers_outsiders_no_change(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    open_need: Need,
    viewer: str,
) -> None:
    r = client_for(request, login, viewer).get(reverse("need_detail", args=[open_need.pk]))
    page = main(r.content)
    assert "need_status" not in page
    assert 'name="status"' not in page
    assert "/edit/" not in page


@pytest.mark.parametrize(
    ("viewer", "shown"),
    [
        ("alice", True),
        ("bob", True),
        ("moderator", True),
        ("dora", False),
        ("charlie", False),
        ("erin", False),
        ("anonymous", False),
    ],
)
def test_it_links_the_ranked_experts_for_the_institution_and_moderators(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    open_need: Need,
    viewer: str,
    shown: bool,
) -> None:
    r = client_for(request, login, viewer).get(reverse("need_detail", args=[open_need.pk]))
    page = main(r.content)
    assert (reverse("need_matches", args=[open_need.pk]) in page) is shown
    assert ("See ranked experts" in page) is shown


@pytest.mark.parametrize(
    ("viewer", "status", "shown"),
    [
        ("erin", NeedStatus.OPEN, True),
        ("erin", NeedStatus.IN_PROGRESS, False),
        ("charlie", NeedStatus.OPEN, False),  # no expert profile
        ("anonymous", NeedStatus.OPEN, False),
        ("alice", NeedStatus.OPEN, False),  # an expert, but of the institution itself
    ],
)
def test_it_invites_experts_to_say_they_are_interested_in_an_open_need(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    viewer: str,
    status: str,
    shown: bool,
) -> None:
    need = make_need(status=status)
    page = main(
        client_for(request, login, viewer).get(reverse("need_detail", args=[need.pk])).content
    )
    assert (reverse("proposal_interest", args=[need.pk]) in page) is shown

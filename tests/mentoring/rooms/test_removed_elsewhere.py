"""Someone removed from a room is not offered it anywhere: the session page and
`GET /api/me/sessions/` no longer point them to it."""

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from mentoring.rooms import services
from mentoring.scheduling.models import LiveSession


def remove(live: LiveSession, alice: User, bob: User) -> None:
    services.room_open(session=live, actor=alice)
    services.participant_remove(session=live, actor=alice, user=bob.pk, reason="Spam")


def test_the_session_page_says_so_instead_of_offering_the_room(
    login: Callable[[User], Client], live: LiveSession, alice: User, bob: User
) -> None:
    client = login(bob)
    room = reverse("room", args=[live.pk])
    assert room in client.get(reverse("live_session_detail", args=[live.pk])).content.decode()

    remove(live, alice, bob)

    page = client.get(reverse("live_session_detail", args=[live.pk])).content.decode()
    assert room not in page
    assert "You were removed from this session" in page
    assert "Spam" not in page  # the reason stays with the room's records


def test_the_api_no_longer_lists_the_session(
    login: Callable[[User], Client], live: LiveSession, alice: User, bob: User
) -> None:
    client = login(bob)
    ids = [s["id"] for s in client.get("/api/me/sessions/").json()["results"]]
    assert live.pk in ids

    remove(live, alice, bob)

    assert client.get("/api/me/sessions/").json()["results"] == []
    host_ids = [s["id"] for s in login(alice).get("/api/me/sessions/").json()["results"]]
    assert live.pk in host_ids

"""The room's state shows wherever the session is offered: a room the host opened early can
be joined, and one the host ended is offered to nobody, with its reports instead."""

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.rooms import services
from mentoring.scheduling.models import LiveSession


def session_page(client: Client, live: LiveSession) -> str:
    return client.get(reverse("live_session_detail", args=[live.pk])).content.decode()


def my_session(client: Client, live: LiveSession) -> dict[str, object] | None:
    results = client.get("/api/me/sessions/").json()["results"]
    return next((s for s in results if s["id"] == live.pk), None)


def test_a_room_the_host_opened_early_can_be_joined(
    login: Callable[[User], Client], live: LiveSession, alice: User, bob: User
) -> None:
    LiveSession.objects.filter(pk=live.pk).update(starts_at=timezone.now() + timedelta(days=7))
    live.refresh_from_db()
    client = login(bob)
    assert reverse("room", args=[live.pk]) not in session_page(client, live)
    assert (my_session(client, live) or {})["joinable_now"] is False

    services.room_open(session=live, actor=alice)

    assert reverse("room", args=[live.pk]) in session_page(client, live)
    assert (my_session(client, live) or {})["joinable_now"] is True


def test_an_ended_room_is_offered_to_nobody_and_leads_to_its_reports(
    login: Callable[[User], Client], live: LiveSession, alice: User, bob: User
) -> None:
    LiveSession.objects.filter(pk=live.pk).update(always_open=True)
    live.refresh_from_db()
    services.room_open(session=live, actor=alice)
    services.room_end(session=live, actor=alice)

    for user in (alice, bob):
        client = login(user)
        page = session_page(client, live)
        assert "The host ended this session" in page
        assert reverse("room", args=[live.pk]) not in page
        assert reverse("room_replay", args=[live.pk]) in page
        assert my_session(client, live) is None
    host_page = session_page(login(alice), live)
    assert reverse("room_attendance", args=[live.pk]) in host_page
    assert reverse("live_session_edit", args=[live.pk]) not in host_page
    assert reverse("room_attendance", args=[live.pk]) not in session_page(login(bob), live)
    panel = login(bob).get(live.engagement.get_absolute_url()).content.decode()
    assert "open now" not in panel

"""Notifications over the API."""

import json
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference


def make(user: User, title: str, *, minutes_ago: int = 0, read: bool = False) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        user=user,
        kind=NotificationKind.INVITATION,
        title=title,
        url="/proposals/1/",
        created_at=now - timedelta(minutes=minutes_ago),
        read_at=now if read else None,
    )


def test_it_needs_a_signed_in_user(client: Client, alice: User) -> None:
    note = make(alice, "A")
    assert client.get("/api/notifications/").status_code == 401
    assert client.post(f"/api/notifications/{note.pk}/read").status_code == 401
    assert client.post("/api/notifications/read-all").status_code == 401
    assert client.get("/api/notifications/preferences").status_code == 401
    assert (
        client.put(
            "/api/notifications/preferences", "{}", content_type="application/json"
        ).status_code
        == 401
    )


def test_it_lists_mine_newest_first(
    login: Callable[[User], Client], alice: User, bob: User
) -> None:
    make(alice, "Old", minutes_ago=5, read=True)
    make(alice, "New")
    make(bob, "Bob's")
    client = login(alice)
    data = client.get("/api/notifications/").json()
    assert data["meta"]["count"] == 2
    assert data["unread"] == 1
    assert [n["title"] for n in data["results"]] == ["New", "Old"]
    assert data["results"][0]["read_at"] is None
    assert data["results"][0]["url"] == "/proposals/1/"
    data = client.get("/api/notifications/", {"unread": "true"}).json()
    assert [n["title"] for n in data["results"]] == ["New"]
    data = client.get("/api/notifications/", {"page_size": 1, "page": 2}).json()
    assert [n["title"] for n in data["results"]] == ["Old"]
    assert client.get("/api/notifications/", {"page_size": 1000}).status_code == 422


def test_it_lists_in_a_fixed_number_of_queries(
    login: Callable[[User], Client], alice: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = login(alice)
    make(alice, "A")
    with django_assert_num_queries(QUERIES):
        client.get("/api/notifications/")
    for i in range(8):
        make(alice, f"N{i}")
    with django_assert_num_queries(QUERIES):
        assert len(client.get("/api/notifications/").json()["results"]) == 9


QUERIES = 5


def test_it_marks_read(login: Callable[[User], Client], alice: User, bob: User) -> None:
    mine = make(alice, "A")
    make(alice, "B")
    theirs = make(bob, "C")
    client = login(alice)
    r = client.post(f"/api/notifications/{mine.pk}/read")
    assert r.status_code == 200
    assert r.json()["read_at"] is not None
    assert client.post(f"/api/notifications/{theirs.pk}/read").status_code == 404
    r = client.post("/api/notifications/read-all")
    assert r.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get("/api/notifications/").json()["unread"] == 0


def test_it_reads_and_writes_preferences(login: Callable[[User], Client], alice: User) -> None:
    client = login(alice)
    data = client.get("/api/notifications/preferences").json()
    assert data == {"email": {kind: True for kind in NotificationKind.values}}
    r = client.put(
        "/api/notifications/preferences",
        json.dumps({"email": {"expiry": False}}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["email"]["expiry"] is False
    assert r.json()["email"]["invitation"] is True
    assert NotificationPreference.objects.get(user=alice, kind="expiry").email is False
    r = client.put(
        "/api/notifications/preferences",
        json.dumps({"email": {"gossip": False}}),
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid"

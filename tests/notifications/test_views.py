"""The notification list, marking read, and the email preferences page."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference


def make(
    user: User, title: str, *, minutes_ago: int = 0, read: bool = False, url: str = ""
) -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        user=user,
        kind=NotificationKind.ANSWER,
        title=title,
        url=url,
        created_at=now - timedelta(minutes=minutes_ago),
        read_at=now if read else None,
    )


def read_url(n: Notification) -> str:
    return reverse("notification_read", args=[n.pk])


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, alice: User) -> None:
    note = make(alice, "Hello")
    for page in (reverse("notification_list"), reverse("notification_preferences")):
        r = client.get(page)
        assert r.status_code == 302
        assert r["Location"] == f"/accounts/login/?next={page}"
    for action in (read_url(note), reverse("notification_read_all")):
        assert client.post(action).status_code == 302
    note.refresh_from_db()
    assert note.read_at is None


def test_it_lists_my_notifications_newest_first_with_unread_marked(
    login: Callable[[User], Client], alice: User, bob: User
) -> None:
    make(alice, "Older", minutes_ago=10, read=True)
    newer = make(alice, "Newer", minutes_ago=1)
    make(bob, "Not for Alice")
    r = login(alice).get(reverse("notification_list"))
    assert r.status_code == 200
    assert [n.title for n in r.context["page"].object_list] == ["Newer", "Older"]
    content = r.content.decode()
    assert "Not for Alice" not in content
    assert f'id="notification-{newer.pk}"' in content
    assert content.count('class="card unread"') == 1
    assert r.context["unread_notifications"]() == 1


def test_it_paginates(login: Callable[[User], Client], alice: User, settings: Settings) -> None:
    settings.DIRECTORY_PAGE_SIZE = 2
    for i in range(5):
        make(alice, f"N{i}", minutes_ago=i)
    client = login(alice)
    assert [
        n.title for n in client.get(reverse("notification_list")).context["page"].object_list
    ] == ["N0", "N1"]
    r = client.get(reverse("notification_list"), {"page": 3})
    assert [n.title for n in r.context["page"].object_list] == ["N4"]


def test_it_lists_in_a_fixed_number_of_queries(
    login: Callable[[User], Client], alice: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = login(alice)
    make(alice, "One")
    with django_assert_num_queries(QUERIES):
        client.get(reverse("notification_list"))
    for i in range(10):
        make(alice, f"More {i}")
    with django_assert_num_queries(QUERIES):
        r = client.get(reverse("notification_list"))
    assert len(r.context["page"].object_list) == 11


QUERIES = 5


def test_it_marks_one_read_and_opens_it(login: Callable[[User], Client], alice: User) -> None:
    note = make(alice, "Invitation", url="/proposals/1/")
    client = login(alice)
    r = client.post(read_url(note))
    assert r.status_code == 302
    assert r["Location"] == reverse("notification_list")
    note.refresh_from_db()
    first_read = note.read_at
    assert first_read is not None
    r = client.post(read_url(note), {"open": "1"})
    assert r["Location"] == "/proposals/1/"
    note.refresh_from_db()
    assert note.read_at == first_read
    assert client.get(read_url(note)).status_code == 405


def test_it_never_redirects_off_site(login: Callable[[User], Client], alice: User) -> None:
    note = make(alice, "Odd", url="//evil.example/")
    r = login(alice).post(read_url(note), {"open": "1"})
    assert r["Location"] == reverse("notification_list")


def test_it_hides_someone_elses_notification(
    login: Callable[[User], Client], alice: User, bob: User
) -> None:
    note = make(alice, "Private")
    assert login(bob).post(read_url(note)).status_code == 404
    assert login(bob).post(reverse("notification_read", args=[999999])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_it_marks_all_mine_read(login: Callable[[User], Client], alice: User, bob: User) -> None:
    make(alice, "A")
    make(alice, "B")
    other = make(bob, "C")
    r = login(alice).post(reverse("notification_read_all"))
    assert r.status_code == 302
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_it_shows_one_checkbox_per_kind_ticked_by_default(
    login: Callable[[User], Client], alice: User
) -> None:
    NotificationPreference.objects.create(user=alice, kind=NotificationKind.EXPIRY, email=False)
    r = login(alice).get(reverse("notification_preferences"))
    assert r.status_code == 200
    form = r.context["form"]
    assert set(form.fields) == set(NotificationKind.values)
    assert form["expiry"].initial is False
    assert form["invitation"].initial is True
    assert r.content.decode().count('type="checkbox"') == len(NotificationKind.values) + 1


@pytest.mark.parametrize("user", ["alice", "charlie"])
def test_it_saves_the_choices(
    request: pytest.FixtureRequest, login: Callable[[User], Client], user: str
) -> None:
    person = request.getfixturevalue(user)
    r = login(person).post(
        reverse("notification_preferences"), {"invitation": "on", "answer": "on"}
    )
    assert r.status_code == 302
    stored = dict(NotificationPreference.objects.filter(user=person).values_list("kind", "email"))
    assert stored == {
        "invitation": True,
        "answer": True,
        "interest": False,
        "expiry": False,
        "new_matching_need": False,
        "offer_request": False,
        "engagement": False,
        "enrolment": False,
        "reminder": False,
        "forum": False,
        "moderation": False,
    }

"""The unread count the navigation shows."""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.notifications.context_processors import unread
from diaspora.notifications.models import Notification, NotificationKind


def test_it_counts_my_unread_notifications_with_one_query(
    alice: User, bob: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for title in ("A", "B"):
        Notification.objects.create(user=alice, kind=NotificationKind.ANSWER, title=title)
    Notification.objects.create(user=bob, kind=NotificationKind.ANSWER, title="C")
    from django.utils import timezone

    Notification.objects.create(
        user=alice, kind=NotificationKind.ANSWER, title="D", read_at=timezone.now()
    )
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_num_queries(0):
        context = unread(request)
    with django_assert_num_queries(1):
        assert context["unread_notifications"]() == 2
        assert context["unread_notifications"]() == 2  # counted once per request


def test_it_gives_visitors_nothing(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread(request) == {}


def test_it_is_in_every_page_context(login: Callable[[User], Client], alice: User) -> None:
    Notification.objects.create(user=alice, kind=NotificationKind.ANSWER, title="A")
    r = login(alice).get("/dashboard/")
    assert r.context["unread_notifications"]() == 1


def test_it_renders_the_plural_in_languages_whose_rule_computes(
    login: Callable[[User], Client], alice: User
) -> None:
    # French's plural rule is `n > 1`, others use `%`: the count must be a real number there.
    for title in ("A", "B", "C"):
        Notification.objects.create(user=alice, kind=NotificationKind.ANSWER, title=title)
    r = login(alice).get("/dashboard/", headers={"accept-language": "fr"})
    assert r.status_code == 200
    assert '<span class="badge"' in r.content.decode()

"""Suspending an account: the person can no longer sign in and every socket of theirs closes."""

from collections.abc import Callable
from typing import Any
from unittest import mock

from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.accounts.services import account_reinstate, account_suspend
from tests.conftest import PASSWORD


def test_suspending_closes_the_sockets_after_commit(
    charlie: User, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("realtime.broadcast.user_disconnect") as disconnect:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            account_suspend(user=charlie)
        disconnect.assert_not_called()
        for callback in callbacks:
            callback()

        disconnect.assert_called_with(charlie.pk)
    charlie.refresh_from_db()
    assert not charlie.is_active


def test_reinstating_lets_the_person_sign_in_again(charlie: User, client: Client) -> None:
    account_suspend(user=charlie)
    account_reinstate(user=charlie)

    charlie.refresh_from_db()
    assert charlie.is_active
    assert client.login(email=charlie.email, password=PASSWORD)


def test_the_admins_form_deactivating_someone_closes_their_sockets(
    charlie: User, django_capture_on_commit_callbacks: Any
) -> None:
    charlie.is_active = False
    with (
        mock.patch("realtime.broadcast.user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True),
    ):
        charlie.save()

    disconnect.assert_called_with(charlie.pk)


def test_the_admin_suspends_and_reinstates_in_bulk(
    make_user: Callable[..., User],
    bob: User,
    charlie: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    staff = Client()
    staff.force_login(make_user("root@example.org", is_staff=True, is_superuser=True))
    url = reverse("admin:accounts_user_changelist")

    with (
        mock.patch("realtime.broadcast.user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True),
    ):
        # The action asks for a reason (kept in the moderation audit trail), then acts.
        staff.post(
            url,
            {
                "action": "suspend",
                "_selected_action": [bob.pk, charlie.pk],
                "apply": "1",
                "reason": "Spam",
            },
        )

    assert {call.args[0] for call in disconnect.call_args_list} == {bob.pk, charlie.pk}
    assert not User.objects.filter(pk__in=[bob.pk, charlie.pk], is_active=True).exists()

    staff.post(url, {"action": "reinstate", "_selected_action": [bob.pk], "apply": "1"})
    assert User.objects.get(pk=bob.pk).is_active


def test_only_staff_reach_the_admin_actions(login: Callable[[User], Client], charlie: User) -> None:
    response = login(charlie).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "suspend", "_selected_action": [charlie.pk]},
    )

    assert response.status_code == 302
    charlie.refresh_from_db()
    assert charlie.is_active

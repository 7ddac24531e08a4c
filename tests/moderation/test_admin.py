"""The admin: the moderation records are read-only there, and suspending or reinstating an
account from the user list asks for a reason and goes through the audited services."""

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation.models import ActionKind, Flag, FlagReason, ModerationAction
from diaspora.moderation.services import flag_create, post_hide

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(make_user: Callable[..., User]) -> User:
    return make_user("root@example.org", name="Root", is_staff=True, is_superuser=True)


@pytest.fixture
def entry(alice: User, thread: Thread) -> ModerationAction:
    post = Post.objects.select_related("thread__community", "author").get(thread=thread, number=1)
    post_hide(actor=alice, post=post, reason="Spam")
    return ModerationAction.objects.get()


def test_it_lists_and_shows_the_trail_read_only(
    login: Callable[[User], Client], root: User, entry: ModerationAction
) -> None:
    client = login(root)

    listing = client.get(reverse("admin:moderation_moderationaction_changelist"))
    assert listing.status_code == 200
    assert "Cholera surveillance" in listing.content.decode()
    detail = client.get(reverse("admin:moderation_moderationaction_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()

    assert client.get(reverse("admin:moderation_moderationaction_add")).status_code == 403
    delete_url = reverse("admin:moderation_moderationaction_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:moderation_moderationaction_change", args=[entry.pk]),
        {"reason": "rewritten"},
    )
    entry.refresh_from_db()
    assert entry.reason == "Spam"
    assert ModerationAction.objects.count() == 1


def test_flags_are_read_only_too(
    login: Callable[[User], Client],
    root: User,
    thread: Thread,
    community: Community,
    make_user: Callable[..., User],
) -> None:
    from tests.communities.conftest import add_member

    erin = make_user("erin@example.org")
    add_member(community, erin)
    post = Post.objects.select_related("thread__community").get(thread=thread, number=1)
    flag = flag_create(user=erin, post=post, reason=FlagReason.SPAM)
    client = login(root)

    assert client.get(reverse("admin:moderation_flag_changelist")).status_code == 200
    response = client.post(reverse("admin:moderation_flag_delete", args=[flag.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Flag.objects.filter(pk=flag.pk).exists()


def test_the_trail_is_staff_only(login: Callable[[User], Client], alice: User) -> None:
    response = login(alice).get(reverse("admin:moderation_moderationaction_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# -- suspending from the user list ---------------------------------------------------------


def test_suspending_asks_for_a_reason_first(
    login: Callable[[User], Client], root: User, bob: User
) -> None:
    response = login(root).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "suspend", "_selected_action": [bob.pk]},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="reason"' in page and "bob@example.org" in page
    assert User.objects.get(pk=bob.pk).is_active
    assert not ModerationAction.objects.exists()


def test_suspending_with_a_reason_is_audited_and_closes_sockets(
    login: Callable[[User], Client],
    root: User,
    bob: User,
    charlie: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = reverse("admin:accounts_user_changelist")
    with (
        mock.patch("realtime.broadcast.user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = login(root).post(
            url,
            {
                "action": "suspend",
                "_selected_action": [bob.pk, charlie.pk],
                "apply": "1",
                "reason": "Spam bots",
            },
        )

    assert response.status_code == 302
    assert {call.args[0] for call in disconnect.call_args_list} == {bob.pk, charlie.pk}
    assert not User.objects.filter(pk__in=[bob.pk, charlie.pk], is_active=True).exists()
    entries = ModerationAction.objects.filter(action=ActionKind.MEMBER_SUSPEND)
    assert {(e.member_id, e.actor_id, e.reason, e.community_id) for e in entries} == {
        (bob.pk, root.pk, "Spam bots", None),
        (charlie.pk, root.pk, "Spam bots", None),
    }


def test_a_blank_reason_shows_the_form_again(
    login: Callable[[User], Client], root: User, bob: User
) -> None:
    response = login(root).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "suspend", "_selected_action": [bob.pk], "apply": "1", "reason": " "},
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert User.objects.get(pk=bob.pk).is_active


def test_reinstating_from_the_list_is_audited(
    login: Callable[[User], Client], root: User, bob: User
) -> None:
    bob.is_active = False
    bob.save()

    login(root).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reinstate", "_selected_action": [bob.pk], "apply": "1", "reason": ""},
    )

    assert User.objects.get(pk=bob.pk).is_active
    assert ModerationAction.objects.get().action == ActionKind.MEMBER_REINSTATE


def test_staff_cannot_suspend_themselves_from_the_list(
    login: Callable[[User], Client], root: User
) -> None:
    response = login(root).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "suspend", "_selected_action": [root.pk], "apply": "1", "reason": "Oops"},
        follow=True,
    )

    assert "cannot suspend your own account" in response.content.decode()
    assert User.objects.get(pk=root.pk).is_active


def test_the_change_form_does_not_suspend_behind_the_audits_back(
    login: Callable[[User], Client], root: User, bob: User
) -> None:
    response = login(root).get(reverse("admin:accounts_user_change", args=[bob.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="is_active"' not in page
    assert 'name="is_moderator"' in page

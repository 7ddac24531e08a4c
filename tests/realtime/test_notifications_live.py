"""The unread notification count, live on `/ws/me/`: sent after commit by `notify_many`,
`notification_mark_read` and `notifications_mark_all_read`, counted in one query for everyone
concerned, and harmless to the other sockets that share the user's group.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from diaspora.accounts.models import User
from diaspora.asgi import application
from diaspora.notifications import services
from diaspora.notifications.models import Notification, NotificationKind
from mentoring.engagements.models import Engagement
from mentoring.scheduling.models import LiveSession
from realtime import broadcast, groups, protocol
from tests.mentoring import conftest as mentoring_fixtures

ORIGIN = (b"origin", b"http://testserver")
Frame = dict[str, Any]

# alice mentors bob (for the live room test).
mentorship = mentoring_fixtures.mentorship


Open = Callable[[User, str], Awaitable[WebsocketCommunicator]]


@pytest.fixture
def open_socket(login: Callable[[User], Client], open_sockets: list[WebsocketCommunicator]) -> Open:
    """A signed-in socket at `path`, its first frame (hello or welcome) read."""

    async def make(user: User, path: str = "/ws/me/") -> WebsocketCommunicator:
        client = await sync_to_async(login)(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        socket = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
        open_sockets.append(socket)
        assert (await socket.connect(timeout=5))[0]
        first = await socket.receive_json_from(timeout=10)
        assert first["type"] in ("hello", "welcome"), first
        return socket

    return make


def tell(*users: User, title: str = "Someone replied") -> list[Notification]:
    return services.notify_many(users=list(users), kind=NotificationKind.FORUM, title=title)


async def count_frame(socket: WebsocketCommunicator) -> Frame:
    frame: Frame = await socket.receive_json_from(timeout=10)
    assert frame["type"] == "notifications.count", frame
    return frame


# --- Sent after commit, to each person ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_each_person_hears_their_own_unread_count(
    open_socket: Open, alice: User, bob: User, charlie: User
) -> None:
    await sync_to_async(Notification.objects.create)(
        user=alice, kind=NotificationKind.FORUM, title="Older"
    )
    alice_laptop = await open_socket(alice, "/ws/me/")
    alice_phone = await open_socket(alice, "/ws/me/")
    bob_socket = await open_socket(bob, "/ws/me/")
    bystander = await open_socket(charlie, "/ws/me/")

    await sync_to_async(tell)(alice, bob)

    assert await count_frame(alice_laptop) == {"type": "notifications.count", "unread": 2}
    assert await count_frame(alice_phone) == {"type": "notifications.count", "unread": 2}
    assert await count_frame(bob_socket) == {"type": "notifications.count", "unread": 1}
    assert await bystander.receive_nothing(timeout=0.3)


@pytest.mark.django_db(transaction=True)
async def test_reading_one_or_all_brings_the_count_down(open_socket: Open, alice: User) -> None:
    made = await sync_to_async(tell)(alice, title="First")
    await sync_to_async(tell)(alice, title="Second")
    socket = await open_socket(alice, "/ws/me/")

    await sync_to_async(services.notification_mark_read)(notification=made[0])
    assert (await count_frame(socket))["unread"] == 1
    # Already read: nothing changed, nothing is sent.
    await sync_to_async(services.notification_mark_read)(notification=made[0])
    assert await socket.receive_nothing(timeout=0.3)

    await sync_to_async(services.notifications_mark_all_read)(user=alice)
    assert (await count_frame(socket))["unread"] == 0
    await sync_to_async(services.notifications_mark_all_read)(user=alice)
    assert await socket.receive_nothing(timeout=0.3)


@pytest.mark.django_db(transaction=True)
async def test_the_pages_that_mark_read_push_the_count(
    open_socket: Open, login: Callable[[User], Client], alice: User
) -> None:
    made = await sync_to_async(tell)(alice, title="First")
    await sync_to_async(tell)(alice, title="Second")
    socket = await open_socket(alice, "/ws/me/")
    client = await sync_to_async(login)(alice)

    await sync_to_async(client.post)(f"/notifications/{made[0].pk}/read/")
    assert (await count_frame(socket))["unread"] == 1
    await sync_to_async(client.post)("/notifications/read-all/")
    assert (await count_frame(socket))["unread"] == 0


@pytest.mark.django_db(transaction=True)
async def test_nothing_is_sent_when_the_transaction_rolls_back(
    open_socket: Open, alice: User
) -> None:
    socket = await open_socket(alice, "/ws/me/")

    def tell_then_roll_back() -> None:
        with transaction.atomic():
            tell(alice)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await sync_to_async(tell_then_roll_back)()

    assert await socket.receive_nothing(timeout=0.3)
    assert await sync_to_async(Notification.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
async def test_the_count_is_the_committed_one_when_the_change_commits(
    open_socket: Open, alice: User
) -> None:
    """Counted after commit, not inside the transaction: a later change in the same
    transaction is included."""
    socket = await open_socket(alice, "/ws/me/")

    def two_in_one_transaction() -> None:
        with transaction.atomic():
            tell(alice, title="One")
            Notification.objects.create(user=alice, kind=NotificationKind.FORUM, title="Two")

    await sync_to_async(two_in_one_transaction)()

    assert (await count_frame(socket))["unread"] == 2


# --- One query, whatever the number of people ---------------------------------------------


def test_it_counts_everyone_in_one_query_after_commit(
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    people = [make_user(f"reader{n}@example.org") for n in range(6)]
    Notification.objects.create(
        user=people[0], kind=NotificationKind.FORUM, title="Read", read_at=timezone.now()
    )
    Notification.objects.create(user=people[1], kind=NotificationKind.FORUM, title="Unread")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell(*people)
    pushes = [c for c in callbacks if getattr(c, "func", None) is services._push_unread_counts]
    assert len(pushes) == 1

    with mock.patch.object(broadcast, "send_group") as sent, django_assert_num_queries(1):
        pushes[0]()

    assert sorted((call.args[0], call.args[1]["unread"]) for call in sent.call_args_list) == sorted(
        (groups.user(p.pk), 2 if p == people[1] else 1) for p in people
    )
    assert {call.args[1]["type"] for call in sent.call_args_list} == {"notifications.count"}


def test_it_pushes_nothing_for_inactive_accounts(
    alice: User,
    bob: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    bob.is_active = False
    bob.save()
    with (
        mock.patch.object(broadcast, "send_group") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        tell(alice, bob)

    assert [call.args[0] for call in sent.call_args_list] == [groups.user(alice.pk)]


# --- Other sockets in the user's group ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_live_room_socket_ignores_the_count_and_stays_open(
    open_socket: Open, mentorship: Engagement, alice: User, bob: User
) -> None:
    session = await sync_to_async(LiveSession.objects.create)(
        engagement=mentorship,
        title="Budget review",
        starts_at=timezone.now(),
        duration_minutes=60,
        created_by=alice,
    )
    room = await open_socket(bob, f"/ws/live/{session.pk}/")
    while (await room.receive_json_from(timeout=10))["type"] != "presence":
        pass
    layer = get_channel_layer()
    assert layer is not None

    await layer.group_send(groups.user(bob.pk), {"type": protocol.NOTIFICATIONS_COUNT, "unread": 3})
    await room.send_json_to({"type": "nothing.here"})

    # Still open, and answering (without a handler the consumer would have died).
    assert (await room.receive_json_from(timeout=10))["code"] == "unknown_type"

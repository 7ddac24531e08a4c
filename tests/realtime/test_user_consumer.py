"""`/ws/me/` through the real ASGI stack: Origin check, session auth, hello, and closing.

The socket is authenticated with the session cookie of a Django test client, exactly as a
browser would send it.
"""

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings as django_settings
from django.test import Client

from diaspora.accounts.models import User
from diaspora.accounts.services import account_close_sockets
from diaspora.asgi import application
from realtime import broadcast, groups, protocol

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")

Headers = list[tuple[bytes, bytes]]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The fixtures create several users; Django's default hasher costs a quarter second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def session_of(login: Callable[[User], Client]) -> Callable[[User], tuple[Client, Headers]]:
    """A signed-in browser: its test client and the headers its websocket would send."""

    def make(user: User) -> tuple[Client, Headers]:
        client = login(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        return client, [ORIGIN, (b"cookie", cookie)]

    return make


@pytest.fixture
def charlie_session(
    charlie: User, session_of: Callable[[User], tuple[Client, Headers]]
) -> tuple[Client, Headers]:
    return session_of(charlie)


async def _connect(
    sockets: list[WebsocketCommunicator], headers: Headers
) -> tuple[WebsocketCommunicator, bool, Any]:
    socket = WebsocketCommunicator(application, "/ws/me/", headers=headers)
    sockets.append(socket)
    connected, detail = await socket.connect(timeout=3)
    return socket, connected, detail


async def _hello(
    sockets: list[WebsocketCommunicator], headers: Headers, user: User
) -> WebsocketCommunicator:
    socket, connected, _detail = await _connect(sockets, headers)
    assert connected
    assert await socket.receive_json_from(timeout=3) == {
        "type": protocol.FRAME_HELLO,
        "user": user.pk,
    }
    return socket


async def _closed_with(socket: WebsocketCommunicator, code: int) -> None:
    message = await socket.receive_output(timeout=3)
    assert message == {"type": "websocket.close", "code": code}


async def test_it_refuses_a_foreign_origin(
    charlie_session: tuple[Client, Headers], open_sockets: list[WebsocketCommunicator]
) -> None:
    _client, headers = charlie_session
    foreign = [(b"origin", b"http://evil.example"), *headers[1:]]

    _socket, connected, _code = await _connect(open_sockets, foreign)

    assert connected is False


async def test_it_refuses_a_request_without_origin(
    charlie_session: tuple[Client, Headers], open_sockets: list[WebsocketCommunicator]
) -> None:
    _client, headers = charlie_session

    _socket, connected, _code = await _connect(open_sockets, headers[1:])

    assert connected is False


async def test_it_closes_an_anonymous_socket_with_4401(
    open_sockets: list[WebsocketCommunicator],
) -> None:
    socket, connected, _detail = await _connect(open_sockets, [ORIGIN])

    # Accepted first, so that a browser really receives the close code and knows why.
    assert connected is True
    await _closed_with(socket, protocol.CLOSE_UNAUTHENTICATED)


async def test_it_closes_a_socket_with_a_forged_session_with_4401(
    open_sockets: list[WebsocketCommunicator],
) -> None:
    socket, connected, _detail = await _connect(
        open_sockets, [ORIGIN, (b"cookie", b"sessionid=not-a-real-session")]
    )

    assert connected is True
    await _closed_with(socket, protocol.CLOSE_UNAUTHENTICATED)


async def test_it_greets_a_signed_in_member(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    _client, headers = charlie_session

    socket = await _hello(open_sockets, headers, charlie)

    assert await socket.receive_nothing(timeout=0.1)


async def test_it_answers_a_frame_with_an_error_and_stays_open(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    _client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    await socket.send_json_to({"type": "subscribe", "topic": "anything"})
    first = await socket.receive_json_from(timeout=3)
    await socket.send_json_to({"type": "ping"})
    second = await socket.receive_json_from(timeout=3)

    expected = {
        "type": protocol.FRAME_ERROR,
        "code": "unsupported",
        "message": "This socket only listens.",
    }
    assert first == expected
    assert second == expected
    assert await socket.receive_nothing(timeout=0.1)


@pytest.mark.parametrize(
    "frame",
    [{"text_data": "this is not json"}, {"bytes_data": b"\x00\x01binary"}],
    ids=["invalid-json", "binary"],
)
async def test_it_answers_a_malformed_frame_with_an_error_and_stays_open(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    open_sockets: list[WebsocketCommunicator],
    frame: dict[str, Any],
) -> None:
    _client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    await socket.send_to(**frame)
    answer = await socket.receive_json_from(timeout=3)

    assert answer["type"] == protocol.FRAME_ERROR
    assert answer["code"] == "unsupported"
    # Still open: a valid frame is still answered.
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=3))["type"] == protocol.FRAME_ERROR


async def test_it_closes_every_socket_of_a_member_who_is_disconnected(
    charlie: User,
    alice: User,
    charlie_session: tuple[Client, Headers],
    session_of: Callable[[User], tuple[Client, Headers]],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    _client, headers = charlie_session
    laptop = await _hello(open_sockets, headers, charlie)
    phone = await _hello(open_sockets, headers, charlie)
    _alice_client, alice_headers = await sync_to_async(session_of)(alice)
    bystander = await _hello(open_sockets, alice_headers, alice)

    await sync_to_async(broadcast.user_disconnect)(charlie.pk)

    await _closed_with(laptop, protocol.CLOSE_SESSION_ENDED)
    await _closed_with(phone, protocol.CLOSE_SESSION_ENDED)
    assert await bystander.receive_nothing(timeout=0.2)


async def test_it_closes_the_socket_when_the_member_logs_out(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    response = await sync_to_async(client.post)("/accounts/logout/")

    assert response.status_code == 302
    await _closed_with(socket, protocol.CLOSE_SESSION_ENDED)
    # The session is gone: the same cookie no longer opens a socket.
    again, connected, _detail = await _connect(open_sockets, headers)
    assert connected is True
    await _closed_with(again, protocol.CLOSE_UNAUTHENTICATED)


async def test_it_closes_the_socket_when_the_member_changes_password(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    response = await sync_to_async(client.post)(
        "/accounts/password/change/",
        {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "a-brand-new-passphrase-7",
            "password2": "a-brand-new-passphrase-7",
        },
    )

    assert response.status_code == 302
    await _closed_with(socket, protocol.CLOSE_SESSION_ENDED)


async def test_it_closes_the_socket_only_after_the_transaction_commits(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    from django.db import transaction

    _client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    def close_then_roll_back() -> None:
        try:
            with transaction.atomic():
                account_close_sockets(user_id=charlie.pk)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    await sync_to_async(close_then_roll_back)()
    assert await socket.receive_nothing(timeout=0.2)

    def close_and_commit() -> None:
        with transaction.atomic():
            account_close_sockets(user_id=charlie.pk)

    await sync_to_async(close_and_commit)()
    await _closed_with(socket, protocol.CLOSE_SESSION_ENDED)


# --- Several processes sharing Redis -----------------------------------------


@pytest.fixture
def redis_config(redis_url: str) -> dict[str, Any]:
    """This test's Redis layer configuration: the project's own, under a prefix of its own."""
    layer: dict[str, Any] = django_settings.CHANNEL_LAYERS["default"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    return copy.deepcopy(layer["CONFIG"])


@pytest.fixture
async def other_process(redis_config: dict[str, Any]) -> AsyncIterator[RedisChannelLayer]:
    """The channel layer another Daphne process builds from the same settings."""
    layer = RedisChannelLayer(**redis_config)
    yield layer
    await layer.flush()
    await layer.close_pools()


async def test_it_closes_the_socket_through_redis(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    redis_config: dict[str, Any],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    _client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)
    assert isinstance(get_channel_layer(), RedisChannelLayer)

    await sync_to_async(broadcast.user_disconnect)(charlie.pk)

    await _closed_with(socket, protocol.CLOSE_SESSION_ENDED)


async def test_it_closes_a_socket_held_by_another_process(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    other_process: RedisChannelLayer,
    open_sockets: list[WebsocketCommunicator],
) -> None:
    _client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    await other_process.group_send(groups.user(charlie.pk), {"type": protocol.USER_DISCONNECT})

    await _closed_with(socket, protocol.CLOSE_SESSION_ENDED)


async def test_it_shares_groups_between_layer_instances(
    redis_config: dict[str, Any], other_process: RedisChannelLayer
) -> None:
    this_process = RedisChannelLayer(**redis_config)
    try:
        channel = await this_process.new_channel()
        await this_process.group_add(groups.user(42), channel)

        await other_process.group_send(groups.user(42), {"type": protocol.USER_DISCONNECT})

        message = await asyncio.wait_for(this_process.receive(channel), timeout=3)
        assert message == {"type": protocol.USER_DISCONNECT}

        await other_process.group_discard(groups.user(42), channel)
        await this_process.group_send(groups.user(42), {"type": protocol.USER_DISCONNECT})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(this_process.receive(channel), timeout=0.3)
    finally:
        await this_process.close_pools()


async def test_it_keeps_an_idle_socket_open_on_redis(
    charlie: User,
    charlie_session: tuple[Client, Headers],
    redis_config: dict[str, Any],
    open_sockets: list[WebsocketCommunicator],
) -> None:
    _client, headers = charlie_session
    socket = await _hello(open_sockets, headers, charlie)

    # Longer than channels-redis's blocking wait for a message: that wait must not time out.
    await asyncio.sleep(RedisChannelLayer.brpop_timeout + 1)

    assert not socket.future.done()
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=3))["type"] == protocol.FRAME_ERROR
    await sync_to_async(broadcast.user_disconnect)(charlie.pk)
    await _closed_with(socket, protocol.CLOSE_SESSION_ENDED)

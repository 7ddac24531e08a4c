"""A participant who stops reading is dropped, and nobody else waits for them (issue 5, point
9). A real Daphne, with pings every second: the stalled client never reads again, so it never
answers a ping."""

import asyncio
import base64
import os
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from diaspora.accounts.models import Role, User
from mentoring.rooms.models import Visit
from tests.realtime.servers import connect_live, course_room, daphnes, next_of, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
PING_INTERVAL, PING_TIMEOUT = 1, 2


@pytest.fixture
def server(postgres: None, redis_url: str) -> Iterator[int]:
    pings = ["--ping-interval", str(PING_INTERVAL), "--ping-timeout", str(PING_TIMEOUT)]
    with daphnes(1, redis_url, *pings) as ports:
        yield ports[0]


def stalled_socket(port: int, session_id: int, cookie: str) -> socket.socket:
    """A websocket that completes its handshake and then never reads another byte."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        (
            f"GET /ws/live/{session_id}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += raw.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    return raw


def test_a_participant_who_stops_reading_is_dropped_and_slows_no_one(
    server: int, alice: User, make_user: Any
) -> None:
    reader = make_user("rea@example.org", name="Rea Reader", role=Role.LEARNER)
    sleeper = make_user("sam@example.org", name="Sam Sleeper", role=Role.LEARNER)
    session = course_room(alice, [reader, sleeper], "Epidemiology")
    cookies = {user.pk: session_cookie(user) for user in (alice, reader, sleeper)}

    async def scenario() -> tuple[float, socket.socket]:
        host = await connect_live(server, session.pk, cookies[alice.pk])
        await next_of(host, "presence")
        await host.send('{"type": "room.open", "client_id": "open"}')
        await next_of(host, "room.opened")
        listener = await connect_live(server, session.pk, cookies[reader.pk])
        await next_of(listener, "presence")
        stalled = await asyncio.to_thread(stalled_socket, server, session.pk, cookies[sleeper.pk])

        began = time.monotonic()
        text = "x" * 4000
        for n in range(15):
            await host.send(f'{{"type": "chat.send", "client_id": "m{n}", "text": "{n} {text}"}}')
        for _n in range(15):
            await next_of(listener, "chat.message")
        took = time.monotonic() - began
        for ws in (host, listener):
            await ws.close()
        return took, stalled

    took, stalled = asyncio.run(scenario())
    try:
        assert took < 5  # the stalled reader held nobody up
        # Still connected as far as TCP goes; Daphne drops it for not answering pings.
        visit = Visit.objects.get(room_id=session.pk, user=sleeper)
        deadline = time.monotonic() + 30
        while visit.left_at is None and time.monotonic() < deadline:
            time.sleep(0.5)
            visit.refresh_from_db()
        assert visit.left_at is not None
        assert visit.left_at - visit.joined_at < timedelta(
            seconds=PING_INTERVAL + PING_TIMEOUT + 10
        )
    finally:
        stalled.close()

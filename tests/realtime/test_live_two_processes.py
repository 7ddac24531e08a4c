"""Two Daphne processes share one Redis: people connected to different processes are in the
same live session, and the events carry one sequence."""

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from websockets.typing import Origin

from diaspora.accounts.models import Role, User
from tests.realtime.servers import course_room, daphnes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_servers(postgres: None, redis_url: str) -> Iterator[list[int]]:
    with daphnes(2, redis_url) as ports:
        yield ports


def _cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def _connect(port: int, session_id: int, cookie: str, after: int | None = None) -> Any:
    import websockets

    query = f"?after={after}" if after is not None else ""
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/live/{session_id}/{query}",
        additional_headers={"Cookie": cookie},
        origin=Origin(f"http://127.0.0.1:{port}"),
    )


async def _next(ws: Any, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next frame of this type, skipping presence and other frames."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {kind} frame")
        frame = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        if frame["type"] == kind:
            return dict(frame)


def test_people_on_two_processes_share_one_session(
    two_servers: list[int], alice: User, make_user: Any
) -> None:
    learner = make_user("lina@example.org", name="Lina Learner", role=Role.LEARNER)
    session = course_room(alice, [learner], "Biostatistics")
    host_cookie, learner_cookie = _cookie(alice), _cookie(learner)

    async def scenario() -> None:
        host = await _connect(two_servers[0], session.pk, host_cookie)
        guest = await _connect(two_servers[1], session.pk, learner_cookie)
        try:
            assert (await _next(host, "welcome"))["role"] == "host"
            assert (await _next(guest, "welcome"))["role"] == "participant"
            await host.send(json.dumps({"type": "room.open", "client_id": "open-1"}))
            opened = await _next(guest, "room.opened")
            await host.send(
                json.dumps({"type": "chat.send", "client_id": "c-1", "text": "Hello from 1"})
            )
            heard = await _next(guest, "chat.message")
            assert "Hello from 1" in heard["html"]
            await guest.send(
                json.dumps({"type": "chat.send", "client_id": "c-2", "text": "Hello from 2"})
            )
            answer = await _next(host, "chat.message")
            while "Hello from 2" not in answer["html"]:
                answer = await _next(host, "chat.message")
            assert opened["seq"] < heard["seq"] < answer["seq"]
        finally:
            await host.close()
            await guest.close()

        # Reconnecting to the other process resumes after the last event seen.
        again = await _connect(two_servers[0], session.pk, learner_cookie, after=heard["seq"])
        try:
            await _next(again, "welcome")
            missed = await _next(again, "chat.message")
            assert missed["seq"] == answer["seq"]
        finally:
            await again.close()

    asyncio.run(scenario())

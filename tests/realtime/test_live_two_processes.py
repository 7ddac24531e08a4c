"""Two Daphne processes share one Redis: people connected to different processes are in the
same live session, and the events carry one sequence."""

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from diaspora.accounts.models import Role, User
from tests.realtime.servers import connect_live, course_room, daphnes, next_of, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_servers(postgres: None, redis_url: str) -> Iterator[list[int]]:
    with daphnes(2, redis_url) as ports:
        yield ports


def test_people_on_two_processes_share_one_session(
    two_servers: list[int], alice: User, make_user: Any
) -> None:
    learner = make_user("lina@example.org", name="Lina Learner", role=Role.LEARNER)
    session = course_room(alice, [learner], "Biostatistics")
    host_cookie, learner_cookie = session_cookie(alice), session_cookie(learner)

    async def scenario() -> None:
        host = await connect_live(two_servers[0], session.pk, host_cookie)
        guest = await connect_live(two_servers[1], session.pk, learner_cookie)
        try:
            assert (await next_of(host, "welcome"))["role"] == "host"
            assert (await next_of(guest, "welcome"))["role"] == "participant"
            await host.send(json.dumps({"type": "room.open", "client_id": "open-1"}))
            opened = await next_of(guest, "room.opened")
            await host.send(
                json.dumps({"type": "chat.send", "client_id": "c-1", "text": "Hello from 1"})
            )
            heard = await next_of(guest, "chat.message")
            assert "Hello from 1" in heard["html"]
            await guest.send(
                json.dumps({"type": "chat.send", "client_id": "c-2", "text": "Hello from 2"})
            )
            answer = await next_of(host, "chat.message")
            while "Hello from 2" not in answer["html"]:
                answer = await next_of(host, "chat.message")
            assert opened["seq"] < heard["seq"] < answer["seq"]
        finally:
            await host.close()
            await guest.close()

        # Reconnecting to the other process resumes after the last event seen.
        again = await connect_live(two_servers[0], session.pk, learner_cookie, after=heard["seq"])
        try:
            await next_of(again, "welcome")
            missed = await next_of(again, "chat.message")
            assert missed["seq"] == answer["seq"]
        finally:
            await again.close()

    asyncio.run(scenario())

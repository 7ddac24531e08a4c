"""Two Daphne processes share one Redis: people connected to different processes are in the
same live session, and the events carry one sequence."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from websockets.typing import Origin

from diaspora.accounts.models import Role, User
from mentoring.courses.services import course_create, enrolment_request
from mentoring.scheduling.services import live_session_schedule

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne on {port} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"daphne on {port} did not start")


@pytest.fixture
def two_servers(postgres: None, redis_url: str) -> Iterator[list[int]]:
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # A prefix of its own, so that no other test run hears this one.
        "REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "diaspora.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_for(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


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
    course = course_create(created_by=alice, title="Biostatistics", language="en", capacity=5)
    enrolment_request(course=course, user=learner)
    from django.utils import timezone

    session = live_session_schedule(
        engagement=course.engagement,
        by=alice,
        title="Week 1",
        starts_at=timezone.now(),
        duration_minutes=60,
        always_open=True,
    )
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

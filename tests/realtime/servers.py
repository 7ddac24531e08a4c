"""Real Daphne processes for the realtime tests, against the test database and Redis."""

import asyncio
import contextlib
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

from django.db import connection
from django.test import Client
from django.utils import timezone
from websockets.typing import Origin

from diaspora.accounts.models import User
from mentoring.courses.services import course_create, enrolment_request
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.services import live_session_schedule

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne on {port} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"daphne on {port} did not start")


@contextlib.contextmanager
def daphnes(count: int, redis_url: str, *options: str) -> Iterator[list[int]]:
    """`count` Daphne processes sharing the test database and one Redis; their ports."""
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
    ports = [free_port() for _n in range(count)]
    daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1"]
    processes = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*daphne, "-p", str(port), *options, "diaspora.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def course_room(host: User, learners: list[User], title: str) -> LiveSession:
    """An always-open session of a course that `host` teaches and `learners` take."""
    course = course_create(created_by=host, title=title, language="en", capacity=10)
    for learner in learners:
        enrolment_request(course=course, user=learner)
    return live_session_schedule(
        engagement=course.engagement,
        by=host,
        title=f"{title}: week 1",
        starts_at=timezone.now(),
        duration_minutes=60,
        always_open=True,
    )


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def connect_live(port: int, session_id: int, cookie: str, after: int | None = None) -> Any:
    import websockets

    query = f"?after={after}" if after is not None else ""
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/live/{session_id}/{query}",
        additional_headers={"Cookie": cookie},
        origin=Origin(f"http://127.0.0.1:{port}"),
    )


async def next_of(ws: Any, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next frame of this type, skipping presence and other frames."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {kind} frame")
        frame = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        if frame["type"] == kind:
            return dict(frame)

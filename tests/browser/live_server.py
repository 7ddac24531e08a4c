"""A real Daphne serving HTTP and websockets on the test database, and a live session to meet
in, for the browser tests of the live room (test_live_room.py, test_live_call.py).

pytest-django's `live_server` speaks WSGI only, so these tests start Daphne on the test
database, as `channels.testing.ChannelsLiveServerTestCase` does: in another process, which
needs a database both processes can open (PostgreSQL: set DATABASE_URL). The host and a
learner sign in through two browser contexts (a session cookie made here).

Test modules take the fixtures they use: `room = live_server.room`.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import Role, User
from mentoring.courses.services import course_create, enrolment_request, material_page_add
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.services import live_session_schedule

ROOT = Path(__file__).resolve().parents[2]
DECK = "# Cohort studies\n\nFollow people over time.\n---\n## Bias\n\nLoss to follow-up.\n"


class DaphneServer:
    """One Daphne process on the test database, which can be stopped and started again on
    the same port (to see the browsers reconnect and resume)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [*command, "diaspora.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n{error}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError("daphne did not start")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextmanager
def running_daphne(**extra_env: str) -> Iterator[DaphneServer]:
    """Daphne on the test database (PostgreSQL), with these environment variables on top
    (settings such as RTC_MESH_LIMIT)."""
    settings_dict = connection.settings_dict
    user = quote(settings_dict["USER"] or "postgres")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    env = {
        key: value
        for key, value in os.environ.items()
        # One process: its in-memory channel layer and cache are all it needs.
        if key not in {"REDIS_URL", "ALLOWED_HOSTS", "SQLITE_PATH"}
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=(
            f"postgres://{user}{password}@{host}:{settings_dict['PORT'] or 5432}/"
            f"{settings_dict['NAME']}"
        ),
        **extra_env,
    )
    server = DaphneServer(env)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        _wait_for_other_connections_to_close()


@pytest.fixture
def daphne_server(postgres: None) -> Iterator[DaphneServer]:
    with running_daphne() as server:
        yield server


def _wait_for_other_connections_to_close(timeout: float = 5) -> None:
    """Postgres notices the stopped server's connections going a moment later; until then
    the test database cannot be dropped."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row is None or not row[0]:
                return
            time.sleep(0.05)


@dataclass(frozen=True)
class Room:
    session: LiveSession
    host_cookie: str
    learner_cookie: str


def _session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


@pytest.fixture
def room(alice: User, make_user: Callable[..., User]) -> Room:
    """A course alice teaches, Lina enrolled, a deck of two slides, a session starting now,
    and the session cookies of both. Tests ask for it before `browser`: once Playwright's
    event loop runs, Django gives this thread's code a database connection of its own, which
    would outlive the test."""
    learner = make_user("lina@example.org", name="Lina Learner", role=Role.LEARNER)
    course = course_create(created_by=alice, title="Biostatistics", language="en", capacity=5)
    enrolment_request(course=course, user=learner)
    material_page_add(engagement=course.engagement, by=alice, title="Cohorts deck", body=DECK)
    session = live_session_schedule(
        engagement=course.engagement,
        by=alice,
        title="Week 1: cohorts",
        starts_at=timezone.now() + timedelta(minutes=1),
        duration_minutes=60,
        agenda="Welcome, then cohorts.",
    )
    return Room(
        session=session,
        host_cookie=_session_cookie(alice),
        learner_cookie=_session_cookie(learner),
    )


def open_room(browser: Any, server: DaphneServer, cookie: str, room: Room, **context: Any) -> Any:
    """The room page in a new browser context; `init_script` (optional) runs before the
    page's own scripts, the rest goes to `new_context`."""
    init_script = context.pop("init_script", "")
    ctx = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | context))
    ctx.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    if init_script:
        ctx.add_init_script(init_script)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server.url}/sessions/{room.session.pk}/room/")
    return page

"""Live-room fan-out: N participants in one session, chat at R messages a second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_live REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/live_fanout.py --participants 1000 --rate 10 --seconds 20

It creates the database's people and one session (a course whose learners are the
participants), starts Daphne against Redis, connects everyone with the `websockets` client
(speaking docs/live-protocol.md, as an outside client would), has the host send chat at a fixed
rate, and prints per-delivery p50/p99 latency, the last recipient's p99, delivered versus
expected, and the server's CPU. It runs the platform twice: with Channels' default fan-out (one
channel-layer message per socket, LIVE_FANOUT=socket, the baseline) and with ours (one per
process, LIVE_FANOUT=process). It then runs the same load against a bare `websockets`
broadcast server, the ceiling, prints the ratios, and measures N idle participants' CPU.
A benchmark prints figures; it is not a test.
"""

import argparse
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.typing import Origin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLK_TCK = os.sysconf("SC_CLK_TCK")
DAPHNE = [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1"]

CEILING_SERVER = """
import asyncio, sys, websockets
clients = set()
async def handler(ws):
    clients.add(ws)
    try:
        async for message in ws:
            websockets.broadcast(clients, message)
    finally:
        clients.discard(ws)
async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), max_queue=None):
        await asyncio.Future()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def setup_platform(participants: int) -> tuple[list[int], str, list[str]]:
    """One course, its instructor and `participants` learners, each with a session cookie."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diaspora.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings

    # The scheduling notifies every learner; the bench's addresses are not real.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from diaspora.accounts.models import Role, User
    from diaspora.people.models import ExpertProfile
    from mentoring.courses.models import Course, Enrolment, EnrolmentStatus
    from mentoring.courses.services import course_create
    from mentoring.engagements.models import Participant, ParticipantRole
    from mentoring.scheduling.services import live_session_schedule

    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]
    host = User.objects.create_user(email=f"host-{run}@bench.invalid", password=None, name="Host")
    ExpertProfile.objects.create(user=host, headline="Bench host")
    course: Course = course_create(
        created_by=host, title=f"Bench {run}", language="en", capacity=participants + 1
    )
    learners = User.objects.bulk_create(
        [
            User(email=f"l{i}-{run}@bench.invalid", name=f"Learner {i}", role=Role.LEARNER)
            for i in range(participants)
        ]
    )
    now = timezone.now()
    Enrolment.objects.bulk_create(
        [Enrolment(course=course, user=u, status=EnrolmentStatus.ENROLLED) for u in learners]
    )
    Participant.objects.bulk_create(
        [
            Participant(engagement=course.engagement, user=u, role=ParticipantRole.LEARNER)
            for u in learners
        ]
    )
    # A fresh session for each run: people joining a class that just started (an earlier
    # run's chat would be replayed to everyone who connects).
    sessions = [
        live_session_schedule(
            engagement=course.engagement,
            by=host,
            title=f"Bench {name}",
            starts_at=now,
            duration_minutes=240,
            always_open=True,
        ).pk
        for name in ("default", "platform", "idle")
    ]

    def cookie(user: Any) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"sessionid={store.session_key}"

    return sessions, cookie(host), [cookie(u) for u in learners]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    last_recipient: dict[str, float] = field(default_factory=dict)
    delivered: int = 0
    keys: set[str] = field(default_factory=set)
    # CPU seconds over the window in which messages were sent, and that window's length.
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    window: float = 1.0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def reader(ws: Any, result: Result, platform: bool) -> None:
    async for raw in ws:
        received = time.time()
        frame = json.loads(raw)
        if platform:
            if frame.get("type") != "chat.message":
                continue
            text = frame.get("html", "")
            marker = text.split("BENCH:", 1)[-1].split("<", 1)[0].split(":")
        else:
            marker = frame["text"].split("BENCH:", 1)[-1].split(":")
        if len(marker) != 2:
            continue
        key, sent = marker[0], float(marker[1])
        if key not in result.keys:  # from an earlier run, replayed on connect
            continue
        result.latencies.append(received - sent)
        result.delivered += 1
        result.last_recipient[key] = max(result.last_recipient.get(key, 0.0), received - sent)


RETRIES = {"count": 0}


async def connect_all(connect: Any, cookies: list[str], batch: int = 50) -> list[Any]:
    """Everyone, `batch` at a time, as people arrive for a class (not in one instant). A
    refused handshake is tried again after a pause, as the room page does."""

    async def patiently(cookie: str) -> Any:
        for attempt in range(7):
            try:
                return await connect(cookie)
            except Exception:  # refused, reset or timed out: all the same to a client
                RETRIES["count"] += 1
                await asyncio.sleep(0.5 * 2**attempt)
        return await connect(cookie)

    sockets = []
    for start in range(0, len(cookies), batch):
        sockets += await asyncio.gather(*(patiently(c) for c in cookies[start : start + batch]))
    return sockets


async def load(
    *,
    urls: list[str],
    pids: list[int],
    cookies: list[str],
    host_cookie: str,
    rate: float,
    seconds: float,
    platform: bool,
) -> Result:
    """Participants spread over the servers in `urls`; the host on the first."""
    import websockets

    result = Result()
    where = {cookie: urls[n % len(urls)] for n, cookie in enumerate(cookies)}
    where[host_cookie] = urls[0]

    async def connect(cookie: str) -> Any:
        headers = {"Cookie": cookie} if platform else {}
        url = where[cookie]
        return await websockets.connect(
            url,
            additional_headers=headers,
            origin=Origin(url.replace("ws://", "http://").split("/ws/")[0]),
            max_queue=None,
            open_timeout=60,
        )

    host = await connect(host_cookie)
    if platform:
        await host.send(json.dumps({"type": "room.open", "client_id": uuid.uuid4().hex}))
    sockets = await connect_all(connect, cookies)
    readers = [asyncio.create_task(reader(ws, result, platform)) for ws in sockets]
    await asyncio.sleep(2)  # welcome, backlog and presence settle
    result.latencies.clear()
    result.delivered = 0
    sent = 0
    server_before, client_before = sum(map(cpu_seconds, pids)), time.process_time()
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        key = uuid.uuid4().hex[:12]
        result.keys.add(key)
        text = f"BENCH:{key}:{time.time():.6f}"
        message = (
            {"type": "chat.send", "client_id": key, "text": text} if platform else {"text": text}
        )
        await host.send(json.dumps(message))
        sent += 1
        await asyncio.sleep(max(0.0, began + sent / rate - time.monotonic()))
    result.window = time.monotonic() - began
    result.server_cpu = sum(map(cpu_seconds, pids)) - server_before
    result.client_cpu = time.process_time() - client_before
    await asyncio.sleep(5)  # let the last deliveries arrive
    for task in readers:
        task.cancel()
    for ws in [host, *sockets]:
        await ws.close()
    result.last_recipient["__sent__"] = sent
    return result


def report(name: str, result: Result, expected: int) -> float:
    retries, RETRIES["count"] = RETRIES["count"], 0
    last = [v for k, v in result.last_recipient.items() if k != "__sent__"]
    p99 = percentile(result.latencies, 0.99)
    print(
        f"{name:>10}: p50 {percentile(result.latencies, 0.5) * 1000:7.1f} ms  "
        f"p99 {p99 * 1000:7.1f} ms  last-recipient p99 {percentile(last, 0.99) * 1000:7.1f} ms  "
        f"delivered {result.delivered}/{expected}\n{'':>12}while sending: server CPU "
        f"{result.server_cpu / result.window * 100:5.1f}% of a core, this load generator "
        f"{result.client_cpu / result.window * 100:5.1f}%; handshakes retried {retries}"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--idle", type=int, default=3000, help="idle participants to measure")
    parser.add_argument(
        "--processes", type=int, default=1, help="Daphne processes sharing the participants"
    )
    parser.add_argument(
        "--runs",
        default="default,platform,ceiling",
        help="which loads to run, comma-separated (default, platform, ceiling)",
    )
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench runs the real platform.")

    sessions, host_cookie, cookies = setup_platform(max(args.participants, args.idle))
    print(
        f"{args.participants} participants, {args.rate:g} messages/s for {args.seconds:g} s, "
        f"{args.processes} Daphne process(es) for the platform"
    )
    p99s: dict[str, float] = {}
    runs = set(args.runs.split(","))
    for name, fanout, session_id in (
        ("default", "socket", sessions[0]),
        ("platform", "process", sessions[1]),
    ):
        if name not in runs:
            continue
        with daphnes(fanout, args.processes) as servers:
            urls = [f"ws://127.0.0.1:{port}/ws/live/{session_id}/" for port, _pid in servers]
            pids = [pid for _port, pid in servers]
            p99s[name] = run(name, urls, pids, host_cookie, cookies, args, platform=True)
    if "ceiling" in runs:
        p99s["ceiling"] = run_ceiling(cookies, args)
    for name in ("default", "platform"):
        if name in p99s and "ceiling" in p99s:
            print(f"     ratio: {name} p99 / ceiling p99 = {p99s[name] / p99s['ceiling']:.2f}")

    if args.idle:
        with daphnes("process", 1) as [(port, pid)]:
            url = f"ws://127.0.0.1:{port}/ws/live/{sessions[2]}/"
            share = asyncio.run(idle(url, port, pid, cookies[: args.idle]))
        print(f"      idle: {args.idle} participants cost {share * 100:.1f}% of a core")


def run_ceiling(cookies: list[str], args: argparse.Namespace) -> float:
    ceiling_port = free_port()
    ceiling = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
        [sys.executable, "-c", CEILING_SERVER, str(ceiling_port)], cwd=ROOT
    )
    try:
        wait_for(ceiling_port)
        url = f"ws://127.0.0.1:{ceiling_port}/"
        return run("ceiling", [url], [ceiling.pid], "", cookies, args, platform=False)
    finally:
        ceiling.terminate()
        ceiling.wait(timeout=10)


@contextlib.contextmanager
def daphnes(fanout: str, count: int) -> Iterator[list[tuple[int, int]]]:
    """`count` Daphne processes sharing the database and Redis: (port, pid) of each."""
    ports = [free_port() for _n in range(count)]
    processes = [
        subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
            [*DAPHNE, "-p", str(port), "diaspora.asgi:application"],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1", "LOG_LEVEL": "WARNING", "LIVE_FANOUT": fanout},
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_for(port)
        yield [(port, process.pid) for port, process in zip(ports, processes, strict=True)]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def run(
    name: str,
    urls: list[str],
    pids: list[int],
    host_cookie: str,
    cookies: list[str],
    args: argparse.Namespace,
    *,
    platform: bool,
) -> float:
    result = asyncio.run(
        load(
            urls=urls,
            pids=pids,
            cookies=cookies[: args.participants],
            host_cookie=host_cookie,
            rate=args.rate,
            seconds=args.seconds,
            platform=platform,
        )
    )
    sent = int(result.last_recipient["__sent__"])
    # Every participant should get every message (the sender's own copy is not counted).
    expected = sent * args.participants
    return report(name, result, expected)


async def idle(url: str, port: int, pid: int, cookies: list[str]) -> float:
    import websockets

    def connect(cookie: str) -> Any:
        return websockets.connect(
            url,
            additional_headers={"Cookie": cookie},
            origin=Origin(f"http://127.0.0.1:{port}"),
            open_timeout=120,
            max_queue=None,
        )

    sockets = await connect_all(connect, cookies)
    drains = [asyncio.create_task(discard(ws)) for ws in sockets]
    await asyncio.sleep(10)  # presence settles
    before, began = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(30)
    share = (cpu_seconds(pid) - before) / (time.monotonic() - began)
    for task in drains:
        task.cancel()
    for ws in sockets:
        await ws.close()
    return share


async def discard(ws: Any) -> None:
    async for _frame in ws:
        pass


if __name__ == "__main__":
    main()

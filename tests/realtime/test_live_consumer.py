"""`/ws/live/<session_id>/` through the real ASGI stack: who gets in, every message, resume,
gap filling, limits, removal and logout.

Sockets are authenticated with the session cookie of a Django test client, as a browser's.
alice mentors (host), bob is the mentee (participant), charlie is an outsider.
"""

import json
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.accounts.services import account_suspend
from diaspora.asgi import application
from mentoring.courses.models import Material, MaterialKind
from mentoring.engagements.models import (
    Engagement,
    ParticipantRole,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.services import participant_add
from mentoring.rooms import selectors, services
from mentoring.rooms.models import Removal, Room, RoomEvent, RoomState, Visit
from mentoring.scheduling.models import LiveSession
from realtime import broadcast, groups, protocol
from tests.mentoring import conftest as mentoring_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
Headers = list[tuple[bytes, bytes]]
Frame = dict[str, Any]


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def patient_markdown(settings: Any) -> None:
    """A Markdown worker starting cold on a busy machine can take more than the 2 s a
    render is allowed; these tests are about the socket, not about that limit."""
    settings.MARKDOWN_RENDER_TIMEOUT = 15


# The engagements of the mentoring tests: alice mentors bob.
mentorship = mentoring_fixtures.mentorship


@pytest.fixture
def live(mentorship: Engagement, alice: User) -> LiveSession:
    session = LiveSession(
        engagement=mentorship,
        title="Budget review",
        starts_at=timezone.now(),
        duration_minutes=60,
        created_by=alice,
    )
    session.set_agenda("# Welcome\n---\n## Budget")
    session.save()
    return session


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
def connect(
    open_sockets: list[WebsocketCommunicator], headers_of: Callable[[User], Headers]
) -> Connect:
    """Open a socket as `user` (None: anonymous) to a session's room; not yet read."""

    async def make(
        user: User | None, session_id: int, *, after: int | None = None
    ) -> WebsocketCommunicator:
        headers = await sync_to_async(headers_of)(user) if user else [ORIGIN]
        path = f"/ws/live/{session_id}/" + (f"?after={after}" if after is not None else "")
        socket = WebsocketCommunicator(application, path, headers=headers)
        open_sockets.append(socket)
        connected, _detail = await socket.connect(timeout=5)
        assert connected  # accepted first, even when closed at once
        return socket

    return make


Join = Callable[..., Awaitable[tuple[WebsocketCommunicator, Frame, list[Frame]]]]


@pytest.fixture
def join(connect: Connect) -> Join:
    """Connect and read up to the first presence: the welcome and the events before it."""

    async def make(
        user: User, session_id: int, *, after: int | None = None
    ) -> tuple[WebsocketCommunicator, Frame, list[Frame]]:
        socket = await connect(user, session_id, after=after)
        welcome = await socket.receive_json_from(timeout=10)
        assert welcome["type"] == "welcome", welcome
        events: list[Frame] = []
        while True:
            frame = await socket.receive_json_from(timeout=10)
            if frame["type"] == "presence":
                return socket, welcome, events
            events.append(frame)

    return make


PRESENCE = ("presence", "presence.changed")


async def next_presence(socket: WebsocketCommunicator, people: dict[int, Frame]) -> None:
    """Apply the next presence frame to `people` as a client does."""
    frame = await next_frame(socket, "presence.changed")
    for entry in frame["people"]:
        people[entry["id"]] = entry
    for gone in frame["left"]:
        people.pop(gone, None)


# Stored events that came in one `events` frame and were not read yet, per socket.
_unpacked: dict[int, list[Frame]] = {}


async def receive(socket: WebsocketCommunicator) -> Frame:
    """The next frame, an `events` frame counting as the events in it."""
    waiting = _unpacked.setdefault(id(socket), [])
    if not waiting:
        frame: Frame = await socket.receive_json_from(timeout=10)
        if frame["type"] != "events":
            return frame
        waiting.extend(frame["events"])
    return waiting.pop(0)


async def next_frame(socket: WebsocketCommunicator, kind: str | None = None) -> Frame:
    """The next frame (of this type), skipping presence updates."""
    while True:
        frame: Frame = await receive(socket)
        if frame["type"] in PRESENCE and kind not in PRESENCE:
            continue
        if kind is None or frame["type"] == kind:
            return frame
        raise AssertionError(f"expected {kind}, got {frame}")


async def drain(socket: WebsocketCommunicator, wait: float = 0.3) -> list[Frame]:
    """Every frame until nothing comes for `wait` seconds, presence left out."""
    frames: list[Frame] = list(_unpacked.pop(id(socket), []))
    while not await socket.receive_nothing(timeout=wait):
        frame = await socket.receive_json_from(timeout=1)
        for one in frame["events"] if frame["type"] == "events" else [frame]:
            if one["type"] not in PRESENCE:
                frames.append(one)
    return frames


async def closed_with(socket: WebsocketCommunicator, code: int) -> None:
    while True:
        message = await socket.receive_output(timeout=10)
        if message["type"] == "websocket.close":
            assert message == {"type": "websocket.close", "code": code}
            return


async def send(
    socket: WebsocketCommunicator, kind: str, client_id: str = "", **fields: Any
) -> None:
    await socket.send_json_to({"type": kind, "client_id": client_id, **fields})


async def open_room(join: Join, alice: User, live: LiveSession) -> WebsocketCommunicator:
    host, _welcome, _events = await join(alice, live.pk)
    await send(host, "room.open", "open")
    assert (await next_frame(host))["type"] == "room.opened"
    return host


def run(service: Callable[..., Any], **kwargs: Any) -> Awaitable[Any]:
    """A room service, from async test code."""
    return sync_to_async(service)(**kwargs)


# --- Who gets in --------------------------------------------------------------------------


async def test_it_closes_an_anonymous_socket_with_4401(connect: Connect, live: LiveSession) -> None:
    socket = await connect(None, live.pk)

    await closed_with(socket, protocol.CLOSE_UNAUTHENTICATED)


async def test_it_closes_outsiders_and_missing_sessions_alike_with_4404(
    connect: Connect, live: LiveSession, charlie: User
) -> None:
    outsider = await connect(charlie, live.pk)
    missing = await connect(charlie, live.pk + 1000)

    await closed_with(outsider, protocol.CLOSE_NOT_FOUND)
    await closed_with(missing, protocol.CLOSE_NOT_FOUND)


async def test_it_closes_a_cancelled_session_with_4404(
    connect: Connect, live: LiveSession, bob: User
) -> None:
    live.cancelled_at = timezone.now()
    await sync_to_async(live.save)()

    socket = await connect(bob, live.pk)

    await closed_with(socket, protocol.CLOSE_NOT_FOUND)


async def test_it_closes_a_removed_person_with_4403(
    connect: Connect, live: LiveSession, alice: User, bob: User
) -> None:
    room = await run(services.room_get_or_create, session=live)
    await sync_to_async(Removal.objects.create)(room=room, user=bob, removed_by=alice)

    socket = await connect(bob, live.pk)

    await closed_with(socket, protocol.CLOSE_FORBIDDEN)


async def test_it_closes_an_ended_room_with_4410(
    connect: Connect, live: LiveSession, bob: User
) -> None:
    await sync_to_async(Room.objects.create)(session=live, state=RoomState.ENDED)

    socket = await connect(bob, live.pk)

    await closed_with(socket, protocol.CLOSE_ROOM_ENDED)


async def test_it_welcomes_each_role_then_sends_presence(
    connect: Connect, join: Join, live: LiveSession, alice: User, bob: User, moderator: User
) -> None:
    _host, welcome, events = await join(alice, live.pk)
    assert welcome == {
        "type": "welcome",
        "role": "host",
        "user": {"id": alice.pk, "name": "Alice Ndiaye"},
        "state": "lobby",
        "last_seq": 0,
        "voted": {"polls": [], "questions": []},
        "ts": welcome["ts"],
    }
    assert welcome["ts"].endswith("Z")
    assert events == []

    guest = await connect(bob, live.pk)
    assert (await guest.receive_json_from(timeout=5))["role"] == "participant"
    presence = await guest.receive_json_from(timeout=5)
    assert presence["type"] == "presence"
    assert presence["people"] == [
        {"id": alice.pk, "name": "Alice Ndiaye", "role": "host", "in_call": False},
        {"id": bob.pk, "name": "Bob Mensah", "role": "participant", "in_call": False},
    ]
    _socket, mod_welcome, _events = await join(moderator, live.pk)
    assert mod_welcome["role"] == "moderator"


async def test_it_tells_the_others_who_came_and_went(
    join: Join, live: LiveSession, alice: User, bob: User, moderator: User
) -> None:
    host, _welcome, _events = await join(alice, live.pk)
    _guest, _w, _e = await join(bob, live.pk)
    watcher, _w, _e = await join(moderator, live.pk)

    people: dict[int, Frame] = {alice.pk: {}}  # as in the host's first presence
    while list(people) != [alice.pk, bob.pk, moderator.pk]:
        await next_presence(host, people)
        people = dict(sorted(people.items()))
    assert people[moderator.pk] == {
        "id": moderator.pk,
        "name": moderator.display_name,
        "role": "moderator",
        "in_call": False,
    }

    await watcher.disconnect()
    while list(people) != [alice.pk, bob.pk]:
        await next_presence(host, people)
    visits = Visit.objects.filter(room_id=live.pk, user=moderator, left_at__isnull=False)
    assert await sync_to_async(visits.count)() == 1


async def test_it_batches_presence_updates(
    join: Join, live: LiveSession, alice: User, make_user: Any
) -> None:
    host, _welcome, _events = await join(alice, live.pk)
    layer = get_channel_layer()
    assert layer is not None
    visitors = [await sync_to_async(make_user)(f"visitor{n}@example.org") for n in range(5)]
    await sync_to_async(Visit.objects.bulk_create)(
        [Visit(room_id=live.pk, user=v, channel_name="elsewhere") for v in visitors]
    )

    for _n in range(10):
        await layer.group_send(groups.live_room(live.pk), {"type": protocol.LIVE_PRESENCE})

    assert await host.receive_nothing(timeout=protocol.PRESENCE_INTERVAL / 2)
    update = await next_frame(host, "presence.changed")
    assert sorted(p["id"] for p in update["people"]) == sorted(v.pk for v in visitors)
    assert update["left"] == []
    assert await host.receive_nothing(timeout=protocol.PRESENCE_INTERVAL * 2)


# --- Every message ------------------------------------------------------------------------


async def test_it_runs_a_whole_session_over_the_socket(
    join: Join, live: LiveSession, alice: User, bob: User, mentorship: Engagement
) -> None:
    host, _welcome, _events = await join(alice, live.pk)
    guest, _welcome, _events = await join(bob, live.pk)
    page = Material(engagement=mentorship, kind=MaterialKind.PAGE, title="Deck")
    await sync_to_async(page.set_body)("# One\n---\n# Two")
    await sync_to_async(page.save)()

    async def both(expected_type: str) -> Frame:
        mine = await next_frame(host)
        assert mine["type"] == expected_type, mine
        assert await next_frame(guest) == mine
        return mine

    await send(host, "room.open", "o1")
    assert (await both("room.opened"))["seq"] == 1

    await send(guest, "chat.send", "c1", text="Hello **all**")
    chat = await both("chat.message")
    assert chat["html"] == "<p>Hello <strong>all</strong></p>"
    assert (chat["author"]["id"], chat["client_id"], chat["seq"]) == (bob.pk, "c1", 2)

    await send(guest, "question.ask", "q1", text="When is it due?")
    question = (await both("question.asked"))["question"]
    assert (question["votes"], question["status"]) == (0, "open")

    await send(host, "question.vote", "v1", question_id=question["id"])
    assert (await both("question.voted"))["votes"] == 1
    await send(host, "question.answer", "a1", question_id=question["id"])
    assert (await both("question.answered"))["question_id"] == question["id"]
    await send(host, "question.hide", "h1", question_id=question["id"])
    assert (await both("question.hidden"))["question_id"] == question["id"]

    await send(host, "poll.open", "p1", question="Ready?", choices=["Yes", "No"])
    poll = (await both("poll.opened"))["poll"]
    assert poll["choices"] == ["Yes", "No"]
    await send(guest, "poll.vote", "pv", poll_id=poll["id"], choice=0)
    voted = await both("poll.voted")
    assert voted == {
        "type": "poll.voted",
        "seq": voted["seq"],
        "ts": voted["ts"],
        "poll_id": poll["id"],
        "tally": [1, 0],
        "client_id": "pv",
    }
    await send(host, "poll.close", "pc", poll_id=poll["id"])
    assert (await both("poll.closed"))["tally"] == [1, 0]

    await send(guest, "hand.raise", "hr")
    assert (await both("hand.raised"))["user"]["id"] == bob.pk
    await send(guest, "hand.lower", "hl")
    assert (await both("hand.lowered"))["by"]["id"] == bob.pk
    await send(guest, "hand.raise", "hr2")
    await both("hand.raised")
    await send(host, "hand.lower", "hl2", user=bob.pk)
    lowered = await both("hand.lowered")
    assert (lowered["user"]["id"], lowered["by"]["id"]) == (bob.pk, alice.pk)

    await send(guest, "reaction.send", "r1", emoji="👏")
    assert (await both("reaction"))["emoji"] == "👏"

    await send(host, "slide.show", "s1", material_id=page.pk, index=1)
    slide = await both("slide.changed")
    assert (slide["material_id"], slide["index"], slide["html"]) == (page.pk, 1, "<h1>Two</h1>")
    await send(host, "slide.show", "s2", material_id=None, index=0)
    assert (await both("slide.changed"))["html"] == "<h1>Welcome</h1>"

    seqs = await sync_to_async(
        lambda: list(RoomEvent.objects.filter(room_id=live.pk).values_list("seq", flat=True))
    )()
    assert seqs == list(range(1, 17))
    assert await host.receive_nothing(timeout=0.1)


async def test_it_ends_the_room_for_everyone_and_keeps_them_out(
    connect: Connect, join: Join, live: LiveSession, alice: User, bob: User, mentorship: Engagement
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, events = await join(bob, live.pk)
    assert [e["type"] for e in events] == ["room.opened"]

    await send(host, "room.end", "end")

    assert (await next_frame(guest))["type"] == "room.ended"
    await closed_with(guest, protocol.CLOSE_ROOM_ENDED)
    assert (await next_frame(host))["type"] == "room.ended"
    await closed_with(host, protocol.CLOSE_ROOM_ENDED)
    entry = await sync_to_async(TimelineEntry.objects.get)(
        engagement=mentorship, verb=TimelineVerb.LIVE_SESSION_HELD
    )
    assert entry.params["people"] == 2
    again = await connect(bob, live.pk)
    await closed_with(again, protocol.CLOSE_ROOM_ENDED)


# --- Refusals -----------------------------------------------------------------------------


async def test_it_refuses_messages_in_the_lobby(join: Join, live: LiveSession, bob: User) -> None:
    guest, welcome, _events = await join(bob, live.pk)
    assert welcome["state"] == "lobby"

    await send(guest, "chat.send", "c1", text="Anyone?")

    error = await next_frame(guest, "error")
    assert (error["code"], error["client_id"]) == ("not_open", "c1")


async def test_it_refuses_host_messages_from_a_participant(
    join: Join, live: LiveSession, bob: User
) -> None:
    guest, _welcome, _events = await join(bob, live.pk)

    for kind in ("room.open", "poll.open", "slide.show", "participant.remove"):
        await send(guest, kind, kind)
        error = await next_frame(guest, "error")
        assert (error["code"], error["client_id"]) == ("forbidden", kind)
    assert await sync_to_async(RoomEvent.objects.count)() == 0


async def test_it_answers_an_invalid_field_and_stays_open(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)

    await send(guest, "chat.send", "c1", text="   ")
    error = await next_frame(guest, "error")
    assert (error["code"], error["field"], error["client_id"]) == ("invalid", "text", "c1")
    assert error["message"] == "Write something first."

    await send(guest, "poll.vote", "v1", poll_id=12345, choice=0)
    assert (await next_frame(guest, "error"))["field"] == "poll_id"

    await send(guest, "chat.send", "x" * 65, text="hi")
    assert (await next_frame(guest, "error"))["field"] == "client_id"

    await send(guest, "chat.send", "c2", text="fine")
    assert (await next_frame(guest))["type"] == "chat.message"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"text_data": "this is not json"}, "invalid_json"),
        ({"text_data": "[1, 2]"}, "invalid_json"),
        ({"bytes_data": b"\x00\x01binary"}, "invalid_json"),
        ({"text_data": '{"type": "chat.shout"}'}, "unknown_type"),
        ({"text_data": '{"text": "no type"}'}, "unknown_type"),
    ],
)
async def test_it_survives_malformed_frames(
    join: Join, live: LiveSession, alice: User, frame: dict[str, Any], code: str
) -> None:
    host = await open_room(join, alice, live)

    await host.send_to(**frame)

    assert (await next_frame(host, "error"))["code"] == code
    await send(host, "chat.send", "after", text="still here")
    assert (await next_frame(host))["type"] == "chat.message"


async def test_it_refuses_a_frame_over_64_kb_and_stays_open(
    join: Join, live: LiveSession, alice: User
) -> None:
    host = await open_room(join, alice, live)
    padding = "x" * protocol.MAX_FRAME_BYTES

    await host.send_to(
        text_data=f'{{"type": "chat.send", "client_id": "big", "text": "{padding}"}}'
    )

    error = await next_frame(host, "error")
    assert error["code"] == "too_large"
    await send(host, "chat.send", "small", text="short")
    assert (await next_frame(host))["client_id"] == "small"
    assert await sync_to_async(RoomEvent.objects.filter(client_id="big").exists)() is False


async def test_it_rate_limits_then_closes_a_flooding_client_with_4429(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)

    for _n in range(120):
        await guest.send_to(text_data='{"type": "nothing.here"}')

    codes: list[str] = []
    while True:
        message = await guest.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            assert message["code"] == protocol.CLOSE_RATE_LIMITED
            break
        frame = json.loads(message["text"])
        if frame["type"] == "error":
            codes.append(frame["code"])
    assert codes[: protocol.RATE_BURST] == ["unknown_type"] * protocol.RATE_BURST
    assert "rate_limited" in codes
    # The others are not affected.
    await send(host, "chat.send", "h", text="carry on")
    assert (await next_frame(host))["type"] == "chat.message"


def test_the_token_bucket_refills_at_its_rate() -> None:
    from realtime.sockets import TokenBucket

    with mock.patch("realtime.sockets.time.monotonic", return_value=100.0):
        bucket = TokenBucket(rate=10, burst=3)
        assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    with mock.patch("realtime.sockets.time.monotonic", return_value=100.25):
        assert [bucket.take() for _ in range(3)] == [True, True, False]
    with mock.patch("realtime.sockets.time.monotonic", return_value=200.0):
        assert [bucket.take() for _ in range(4)] == [True, True, True, False]


# --- Idempotency, resume and gap filling --------------------------------------------------


async def test_it_stores_a_repeated_client_id_once_and_answers_the_sender_only(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)

    await send(guest, "chat.send", "same", text="once")
    first = await next_frame(guest)
    assert (await next_frame(host)) == first

    await send(guest, "chat.send", "same", text="once")
    assert await next_frame(guest) == first
    assert await host.receive_nothing(timeout=0.3) or (await drain(host)) == []
    assert await sync_to_async(RoomEvent.objects.filter(type="chat.message").count)() == 1


async def test_it_resumes_with_exactly_the_missed_events_in_order(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    await run(services.room_open, session=live, actor=alice, client_id="o")
    for n in range(5):
        await run(services.chat_send, session=live, actor=alice, text=f"m{n}", client_id=f"m{n}")

    _socket, welcome, events = await join(bob, live.pk, after=3)

    assert welcome["last_seq"] == 6
    assert [e["seq"] for e in events] == [4, 5, 6]
    assert [e["html"] for e in events] == ["<p>m2</p>", "<p>m3</p>", "<p>m4</p>"]

    _socket, _welcome, everything = await join(bob, live.pk)
    assert [e["seq"] for e in everything] == [1, 2, 3, 4, 5, 6]
    _socket, _welcome, nothing = await join(bob, live.pk, after=6)
    assert nothing == []
    _socket, _welcome, beyond = await join(bob, live.pk, after=99)
    assert beyond == []


async def test_it_sends_no_duplicates_when_events_arrive_while_resuming(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    for n in range(3):
        await send(host, "chat.send", f"m{n}", text=f"m{n}")

    guest, _welcome, backlog = await join(bob, live.pk, after=0)
    for n in range(3, 6):
        await send(host, "chat.send", f"m{n}", text=f"m{n}")
    later = [f for f in await drain(guest) if f["type"] == "chat.message"]

    seqs = [e["seq"] for e in backlog + later]
    assert seqs == list(range(1, 8))


async def test_it_fills_a_gap_left_by_a_lost_broadcast(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)

    # A broadcast that never arrives (a full channel, a lost message).
    with mock.patch.object(services, "send_group"):
        await run(services.chat_send, session=live, actor=alice, text="lost", client_id="l")
    await send(host, "chat.send", "next", text="next")

    received = [await next_frame(guest), await next_frame(guest)]
    assert [(f["seq"], f["html"]) for f in received] == [(2, "<p>lost</p>"), (3, "<p>next</p>")]


async def test_it_answers_events_fetch_with_the_range(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    await run(services.room_open, session=live, actor=alice, client_id="o")
    for n in range(4):
        await run(services.chat_send, session=live, actor=alice, text=f"m{n}", client_id=f"m{n}")
    guest, _welcome, _events = await join(bob, live.pk)

    await send(guest, "events.fetch", "f", after=1, before=4)
    assert [(await next_frame(guest))["seq"] for _ in range(2)] == [2, 3]
    await send(guest, "events.fetch", "g", after=3)
    assert [(await next_frame(guest))["seq"] for _ in range(2)] == [4, 5]
    await send(guest, "events.fetch", "h", after=-1)
    assert (await next_frame(guest, "error"))["code"] == "invalid"
    assert await guest.receive_nothing(timeout=0.2)


# --- Removal, logout, WebRTC signals ------------------------------------------------------


async def test_removal_closes_the_removed_persons_sockets_and_keeps_them_out(
    connect: Connect, join: Join, live: LiveSession, alice: User, bob: User, moderator: User
) -> None:
    host = await open_room(join, alice, live)
    laptop, _welcome, _events = await join(bob, live.pk)
    phone, _welcome, _events = await join(bob, live.pk)
    watcher, _welcome, _events = await join(moderator, live.pk)

    await send(host, "participant.remove", "rm", user=bob.pk, reason="Off-topic")

    await closed_with(laptop, protocol.CLOSE_FORBIDDEN)
    await closed_with(phone, protocol.CLOSE_FORBIDDEN)
    removed = await next_frame(watcher)
    assert (removed["type"], removed["user"]["id"]) == ("participant.removed", bob.pk)
    assert "reason" not in removed
    again = await connect(bob, live.pk)
    await closed_with(again, protocol.CLOSE_FORBIDDEN)


async def test_logging_out_closes_the_live_socket(
    login: Callable[[User], Client],
    live: LiveSession,
    bob: User,
    open_sockets: list[WebsocketCommunicator],
) -> None:
    client = await sync_to_async(login)(bob)
    headers = [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    socket = WebsocketCommunicator(application, f"/ws/live/{live.pk}/", headers=headers)
    open_sockets.append(socket)
    assert (await socket.connect(timeout=5))[0]
    assert (await socket.receive_json_from(timeout=10))["type"] == "welcome"

    response = await sync_to_async(client.post)("/accounts/logout/")

    assert response.status_code == 302
    await closed_with(socket, protocol.CLOSE_SESSION_ENDED)


async def test_suspending_the_account_closes_the_live_socket(
    join: Join, connect: Connect, live: LiveSession, bob: User
) -> None:
    guest, _welcome, _events = await join(bob, live.pk)

    await sync_to_async(account_suspend)(user=bob)

    await closed_with(guest, protocol.CLOSE_SESSION_ENDED)
    again = await connect(bob, live.pk)
    await closed_with(again, protocol.CLOSE_UNAUTHENTICATED)


async def test_it_closes_on_a_user_disconnect_message(
    join: Join, live: LiveSession, bob: User
) -> None:
    guest, _welcome, _events = await join(bob, live.pk)

    await sync_to_async(broadcast.user_disconnect)(bob.pk)

    await closed_with(guest, protocol.CLOSE_SESSION_ENDED)


async def test_it_relays_a_webrtc_signal_to_one_person_without_storing_it(
    join: Join, live: LiveSession, alice: User, bob: User, moderator: User, charlie: User
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)
    other, _welcome, _events = await join(moderator, live.pk)
    offer = {"sdp": "v=0...", "kind": "offer"}

    await send(host, "rtc.signal", "s0", to=bob.pk, data=offer)
    assert (await next_frame(host, "error"))["code"] == "forbidden"  # not in the call
    await send(host, "call.join", "j1")
    assert (await next_frame(host, "call.joined"))["members"] == []
    await send(host, "rtc.signal", "s1", to=bob.pk, data=offer)
    error = await next_frame(host, "error")
    assert (error["code"], error["field"]) == ("invalid", "to")  # bob is not in the call
    await send(guest, "call.join", "j2")
    assert (await next_frame(guest, "call.joined"))["members"] == [alice.pk]

    await send(host, "rtc.signal", "s1", to=bob.pk, data=offer)

    signal = await next_frame(guest)
    assert (signal["type"], signal["from"], signal["data"]) == ("rtc.signal", alice.pk, offer)
    assert await other.receive_nothing(timeout=0.2) or (await drain(other)) == []
    assert await sync_to_async(RoomEvent.objects.count)() == 1  # room.opened only

    await send(host, "rtc.signal", "s2", to=charlie.pk, data=offer)
    error = await next_frame(host, "error")
    assert (error["code"], error["field"]) == ("invalid", "to")
    await send(host, "rtc.signal", "s3", to="bob", data=offer)
    assert (await next_frame(host, "error"))["code"] == "invalid"


async def test_a_call_holds_at_most_the_mesh_limit(
    join: Join,
    live: LiveSession,
    alice: User,
    bob: User,
    moderator: User,
    settings: Any,
) -> None:
    settings.RTC_MESH_LIMIT = 2
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)
    late, _welcome, _events = await join(moderator, live.pk)

    await send(host, "call.join", "a")
    await send(guest, "call.join", "b")
    assert (await next_frame(guest, "call.joined"))["members"] == [alice.pk]
    await send(late, "call.join", "c")

    full = await next_frame(late, "error")
    assert (full["code"], full["client_id"]) == ("call_full", "c")
    assert "2" in full["message"]

    await send(guest, "call.leave", "b2")
    assert (await next_frame(guest, "call.left"))["client_id"] == "b2"
    await send(late, "call.join", "c2")
    assert (await next_frame(late, "call.joined"))["members"] == [alice.pk]


async def test_presence_says_who_is_in_the_call_and_closing_leaves_it(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)
    people: dict[int, Frame] = {}

    await send(guest, "call.join", "b")
    await next_frame(guest, "call.joined")
    while not people.get(bob.pk, {}).get("in_call"):
        await next_presence(host, people)

    await guest.disconnect()
    while bob.pk in people:
        await next_presence(host, people)
    assert await sync_to_async(selectors.call_members)(live.pk) == set()


async def test_one_person_joins_the_call_from_one_socket_only(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    await open_room(join, alice, live)
    laptop, _welcome, _events = await join(bob, live.pk)
    phone, _welcome, _events = await join(bob, live.pk)

    await send(laptop, "call.join", "l")
    await next_frame(laptop, "call.joined")
    await send(phone, "call.join", "p")

    error = await next_frame(phone, "error")
    assert error["code"] == "invalid"
    assert "another window" in error["message"]


async def test_nobody_joins_the_call_in_the_lobby(
    join: Join, live: LiveSession, alice: User
) -> None:
    host, _welcome, _events = await join(alice, live.pk)

    await send(host, "call.join", "j")

    assert (await next_frame(host, "error"))["code"] == "not_open"


async def test_it_relays_no_signal_before_the_room_opens(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host, _welcome, _events = await join(alice, live.pk)
    guest, _welcome, _events = await join(bob, live.pk)

    await send(guest, "rtc.signal", "s", to=alice.pk, data={})

    assert (await next_frame(guest, "error"))["code"] == "not_open"
    assert await host.receive_nothing(timeout=0.2) or (await drain(host)) == []


async def test_it_ends_the_visit_when_the_socket_closes(
    join: Join, live: LiveSession, bob: User
) -> None:
    guest, _welcome, _events = await join(bob, live.pk)
    visit = await sync_to_async(Visit.objects.get)(room_id=live.pk, user=bob)
    assert visit.left_at is None

    await guest.disconnect()

    await sync_to_async(visit.refresh_from_db)()
    assert visit.left_at is not None
    assert timezone.now() - visit.left_at < timedelta(seconds=10)


async def test_it_delivers_the_same_way_with_channels_default_fan_out(
    join: Join, live: LiveSession, alice: User, bob: User, settings: Any
) -> None:
    """LIVE_FANOUT=socket, kept for bench/live_fanout.py's baseline, loses nothing either."""
    settings.LIVE_FANOUT = "socket"
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)

    for n in range(5):
        await send(guest, "chat.send", f"m{n}", text=f"Message {n}")

    for socket in (host, guest):
        seqs = [(await next_frame(socket, "chat.message"))["seq"] for _n in range(5)]
        assert seqs == [2, 3, 4, 5, 6]
        assert await socket.receive_nothing(timeout=0.3) or (await drain(socket)) == []


async def test_votes_go_out_together_a_few_times_a_second(
    join: Join,
    live: LiveSession,
    alice: User,
    bob: User,
    mentorship: Engagement,
    make_user: Any,
) -> None:
    host = await open_room(join, alice, live)
    voters = [await sync_to_async(make_user)(f"voter{n}@example.org") for n in range(8)]
    for voter in voters:
        await sync_to_async(participant_add)(
            engagement=mentorship, user=voter, role=ParticipantRole.MENTEE, by=alice
        )
    await send(host, "poll.open", "p", question="Ready?", choices=["Yes", "No"])
    poll = (await next_frame(host, "poll.opened"))["poll"]

    began = time.monotonic()
    for voter in voters:
        await run(services.poll_vote, session=live, actor=voter, poll_id=poll["id"], choice=0)
    await send(host, "chat.send", "after", text="Thanks")

    frames: list[Frame] = []
    events: list[Frame] = []
    while len(events) < 9:
        frame = await host.receive_json_from(timeout=10)
        if frame["type"] in PRESENCE:
            continue
        frames.append(frame)
        events += frame["events"] if frame["type"] == "events" else [frame]
    took = time.monotonic() - began

    assert [e["type"] for e in events] == ["poll.voted"] * 8 + ["chat.message"]
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[0]["seq"] + 9))
    assert events[-2]["tally"] == [8, 0]
    # However slowly the votes came, at most one frame per VOTE_INTERVAL carried them.
    assert len(frames) <= took / protocol.VOTE_INTERVAL + 1
    assert frames[-1]["type"] == "events"  # the chat went out with the votes before it
    assert (await drain(host)) == []


async def test_a_lone_vote_waits_at_most_the_vote_interval(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    guest, _welcome, _events = await join(bob, live.pk)
    await send(host, "poll.open", "p", question="Ready?", choices=["Yes", "No"])
    poll = (await next_frame(host, "poll.opened"))["poll"]
    await next_frame(guest, "poll.opened")

    await send(guest, "poll.vote", "v", poll_id=poll["id"], choice=1)

    assert (await next_frame(guest))["client_id"] == "v"  # the voter hears at once
    assert await host.receive_nothing(timeout=protocol.VOTE_INTERVAL / 2)
    voted = await next_frame(host, "poll.voted")
    assert voted["tally"] == [0, 1]
    assert (await drain(guest)) == []  # and not a second time


async def test_the_welcome_says_what_this_person_voted_on_any_device(
    join: Join, live: LiveSession, alice: User, bob: User
) -> None:
    host = await open_room(join, alice, live)
    await send(host, "poll.open", "p", question="Ready?", choices=["Yes", "No"])
    poll = (await next_frame(host, "poll.opened"))["poll"]
    await send(host, "question.ask", "q", text="Slides?")
    question = (await next_frame(host, "question.asked"))["question"]
    await run(services.poll_vote, session=live, actor=bob, poll_id=poll["id"], choice=1)
    await run(services.question_vote, session=live, actor=bob, question_id=question["id"])

    _phone, welcome, _events = await join(bob, live.pk)

    assert welcome["voted"] == {"polls": [poll["id"]], "questions": [question["id"]]}

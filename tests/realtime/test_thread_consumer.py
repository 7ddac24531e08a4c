"""`/ws/threads/<thread_id>/` through the real ASGI stack: who gets in, every message, resume,
gap filling, limits, and the sockets that close (silenced, kicked, suspended, moved away).

Sockets are authenticated with the session cookie of a Django test client, as a browser's.
`community` is public: alice moderates it, bob is a member, charlie is not. `thread` was opened
by bob (#1) and answered by alice (#2).
"""

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.accounts.services import account_suspend
from diaspora.asgi import application
from diaspora.communities import events
from diaspora.communities import services as forum
from diaspora.communities.models import (
    Community,
    Membership,
    Post,
    Reaction,
    ReadState,
    Thread,
    ThreadEvent,
)
from diaspora.moderation import services as moderation
from realtime import broadcast, protocol
from tests.communities import conftest as forum_fixtures
from tests.communities.conftest import add_member, add_thread

# The communities' fixtures (see tests/communities/conftest.py).
community = forum_fixtures.community
private_community = forum_fixtures.private_community
thread = forum_fixtures.thread

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
Headers = list[tuple[bytes, bytes]]
Frame = dict[str, Any]


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def roomy_limits(settings: Any) -> None:
    """These tests are about the socket: the posting limits have their own tests (and one
    here), and a Markdown worker starting cold on a busy machine may take its time."""
    settings.FORUM_POSTS_PER_MINUTE = 100
    settings.FORUM_NEW_MEMBER_POSTS_PER_HOUR = 100
    settings.MARKDOWN_RENDER_TIMEOUT = 15


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
def connect(
    open_sockets: list[WebsocketCommunicator], headers_of: Callable[[User], Headers]
) -> Connect:
    """Open a socket as `user` (None: anonymous) to a thread; not yet read."""

    async def make(
        user: User | None, thread_id: int, *, after: int | None = None
    ) -> WebsocketCommunicator:
        headers = await sync_to_async(headers_of)(user) if user else [ORIGIN]
        path = f"/ws/threads/{thread_id}/" + (f"?after={after}" if after is not None else "")
        socket = WebsocketCommunicator(application, path, headers=headers)
        open_sockets.append(socket)
        connected, _detail = await socket.connect(timeout=5)
        assert connected  # accepted first, even when closed at once
        return socket

    return make


Join = Callable[..., Awaitable[tuple[WebsocketCommunicator, Frame, list[Frame]]]]


@pytest.fixture
def join(connect: Connect) -> Join:
    """Connect, read the welcome and the stored events replayed after it."""

    async def make(
        user: User, thread_id: int, *, after: int | None = None
    ) -> tuple[WebsocketCommunicator, Frame, list[Frame]]:
        socket = await connect(user, thread_id, after=after)
        welcome = await socket.receive_json_from(timeout=10)
        assert welcome["type"] == "welcome", welcome
        return socket, welcome, await drain(socket, wait=0.2)

    return make


async def drain(socket: WebsocketCommunicator, wait: float = 0.3) -> list[Frame]:
    """Every frame until nothing comes for `wait` seconds."""
    frames: list[Frame] = []
    while not await socket.receive_nothing(timeout=wait):
        frames.append(await socket.receive_json_from(timeout=1))
    return frames


async def next_frame(socket: WebsocketCommunicator, kind: str | None = None) -> Frame:
    frame: Frame = await socket.receive_json_from(timeout=10)
    if kind is not None:
        assert frame["type"] == kind, frame
    return frame


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


def run(service: Callable[..., Any], **kwargs: Any) -> Awaitable[Any]:
    """A service, from async test code."""
    return sync_to_async(service)(**kwargs)


async def post_by(author: User, thread: Thread, text: str) -> Post:
    fresh = await sync_to_async(Thread.objects.select_related("community").get)(pk=thread.pk)
    post: Post = await run(forum.post_create, author=author, thread=fresh, text=text)
    return post


async def get_post(pk: int) -> Post:
    post: Post = await sync_to_async(Post.objects.select_related("thread__community").get)(pk=pk)
    return post


# --- Who gets in --------------------------------------------------------------------------


async def test_it_closes_an_anonymous_socket_with_4401(connect: Connect, thread: Thread) -> None:
    socket = await connect(None, thread.pk)

    await closed_with(socket, protocol.CLOSE_UNAUTHENTICATED)


async def test_it_refuses_outsiders_of_a_members_only_community_and_missing_threads_alike(
    connect: Connect, private_community: Community, alice: User, charlie: User
) -> None:
    secret = await sync_to_async(add_thread)(private_community, alice, "Budget", "Numbers.")

    outsider = await connect(charlie, secret.pk)
    missing = await connect(charlie, secret.pk + 1000)

    await closed_with(outsider, protocol.CLOSE_NOT_FOUND)
    await closed_with(missing, protocol.CLOSE_NOT_FOUND)


async def test_it_refuses_a_foreign_origin(
    headers_of: Callable[[User], Headers],
    thread: Thread,
    bob: User,
    open_sockets: list[WebsocketCommunicator],
) -> None:
    headers = await sync_to_async(headers_of)(bob)
    foreign = [(b"origin", b"http://evil.example"), *headers[1:]]
    socket = WebsocketCommunicator(application, f"/ws/threads/{thread.pk}/", headers=foreign)
    open_sockets.append(socket)

    connected, _detail = await socket.connect(timeout=5)

    assert connected is False


async def test_it_welcomes_a_member_with_the_threads_state(
    join: Join, thread: Thread, bob: User
) -> None:
    _socket, welcome, replayed = await join(bob, thread.pk)

    assert welcome == {
        "type": "welcome",
        "last_seq": 0,
        "locked": False,
        "can_post": True,
        "refused": None,
        "ts": welcome["ts"],
    }
    assert welcome["ts"].endswith("Z")
    assert replayed == []


async def test_a_reader_who_is_not_a_member_follows_but_cannot_post(
    join: Join, thread: Thread, charlie: User
) -> None:
    socket, welcome, _events = await join(charlie, thread.pk)
    assert (welcome["can_post"], welcome["refused"]["code"]) == (False, "not_member")

    await send(socket, "post.create", "c1", text="Hello?")

    error = await next_frame(socket, "error")
    assert (error["code"], error["client_id"]) == ("forbidden", "c1")
    assert "Join this community" in error["message"]
    assert await sync_to_async(Post.objects.filter(author=charlie).exists)() is False


# --- Every message ------------------------------------------------------------------------


async def test_a_new_post_reaches_every_reader_and_the_sender_gets_an_ack(
    join: Join, thread: Thread, alice: User, bob: User, charlie: User
) -> None:
    writer, _welcome, _events = await join(bob, thread.pk)
    reader, _welcome, _events = await join(charlie, thread.pk)
    second = await sync_to_async(Post.objects.get)(thread=thread, number=2)

    await send(writer, "post.create", "p1", text="Thanks **both**", reply_to=second.pk)

    ack = await next_frame(writer, "ack")
    post = await sync_to_async(Post.objects.get)(thread=thread, number=3)
    assert ack == {
        "type": "ack",
        "request": "post.create",
        "client_id": "p1",
        "post": {"id": post.pk, "number": 3},
        "repeated": False,
        "ts": ack["ts"],
    }
    created = await next_frame(writer, "post.created")
    assert await next_frame(reader) == created
    assert created["seq"] == 1
    assert created["post"] == {
        "id": post.pk,
        "number": 3,
        "author": {"id": bob.pk, "name": "Bob Mensah", "handle": bob.handle},
        "html": "<p>Thanks <strong>both</strong></p>",
        "hidden": False,
        "hidden_by_flags": False,
        "reply_to": {
            "id": second.pk,
            "number": 2,
            "author": {"id": alice.pk, "name": "Alice Ndiaye", "handle": alice.handle},
        },
        "created_at": created["post"]["created_at"],
        "edited_at": None,
        "edit_count": 0,
        "reactions": {},
    }
    assert await writer.receive_nothing(timeout=0.2)


async def test_it_stores_a_repeated_client_id_once_and_answers_the_sender_only(
    join: Join, thread: Thread, bob: User, charlie: User
) -> None:
    writer, _welcome, _events = await join(bob, thread.pk)
    reader, _welcome, _events = await join(charlie, thread.pk)

    await send(writer, "post.create", "same", text="Once")
    first = await next_frame(writer, "ack")
    await next_frame(writer, "post.created")
    await next_frame(reader, "post.created")

    await send(writer, "post.create", "same", text="Once")

    again = await next_frame(writer, "ack")
    assert (again["repeated"], again["post"]) == (True, first["post"])
    assert await writer.receive_nothing(timeout=0.3)
    assert await reader.receive_nothing(timeout=0.1)
    assert await sync_to_async(Post.objects.filter(client_id="same").count)() == 1
    assert await sync_to_async(ThreadEvent.objects.count)() == 1


async def test_it_answers_invalid_posts_with_the_field_and_keeps_the_socket_open(
    join: Join, thread: Thread, private_community: Community, alice: User, bob: User
) -> None:
    writer, _welcome, _events = await join(bob, thread.pk)
    elsewhere = await sync_to_async(add_thread)(private_community, alice, "Other", "Other text")
    foreign_post = await sync_to_async(Post.objects.get)(thread=elsewhere)

    cases: list[tuple[dict[str, Any], str]] = [
        ({"text": "   "}, "text"),
        ({"text": 42}, "text"),
        ({"text": "Hi", "reply_to": foreign_post.pk}, "reply_to"),
        ({"text": "Hi", "reply_to": "2"}, "reply_to"),
    ]
    for fields, field in cases:
        await send(writer, "post.create", "bad", **fields)
        error = await next_frame(writer, "error")
        assert (error["code"], error["field"], error["client_id"]) == ("invalid", field, "bad")

    await send(writer, "post.create", "x" * 65, text="Hi")
    assert (await next_frame(writer, "error"))["field"] == "client_id"
    await send(writer, "post.create", "good", text="Fine now")
    assert (await next_frame(writer, "ack"))["post"]["number"] == 3


async def test_reactions_toggle_and_every_reader_sees_the_counts(
    join: Join, thread: Thread, alice: User, bob: User, charlie: User
) -> None:
    member, _welcome, _events = await join(bob, thread.pk)
    reader, _welcome, _events = await join(charlie, thread.pk)
    second = await sync_to_async(Post.objects.get)(thread=thread, number=2)

    await send(member, "post.react", "r1", post_id=second.pk, emoji="👍")

    ack = await next_frame(member, "ack")
    assert (ack["request"], ack["post_id"], ack["reactions"], ack["mine"]) == (
        "post.react",
        second.pk,
        {"👍": 1},
        True,
    )
    reacted = await next_frame(reader, "post.reacted")
    assert (reacted["post_id"], reacted["reactions"]) == (second.pk, {"👍": 1})
    assert await next_frame(member) == reacted

    await send(member, "post.react", "r2", post_id=second.pk, emoji="👍")
    assert (await next_frame(member, "ack"))["mine"] is False
    assert (await next_frame(reader, "post.reacted"))["reactions"] == {}
    assert (await next_frame(member, "post.reacted"))["reactions"] == {}
    assert await sync_to_async(Reaction.objects.count)() == 0

    await send(member, "post.react", "r3", post_id=second.pk, emoji="💩")
    assert (await next_frame(member, "error"))["field"] == "emoji"
    await send(member, "post.react", "r4", post_id=second.pk + 999, emoji="👍")
    assert (await next_frame(member, "error"))["field"] == "post_id"
    # A reader who is not a member may not react.
    await send(reader, "post.react", "r5", post_id=second.pk, emoji="👍")
    assert (await next_frame(reader, "error"))["code"] == "forbidden"


async def test_thread_read_moves_the_read_state_forward(
    join: Join, thread: Thread, charlie: User, bob: User
) -> None:
    socket, _welcome, _events = await join(bob, thread.pk)

    await send(socket, "thread.read", "t1", number=2)
    ack = await next_frame(socket, "ack")
    assert (ack["request"], ack["number"], ack["client_id"]) == ("thread.read", 2, "t1")
    await send(socket, "thread.read", "t2", number=1)
    assert (await next_frame(socket, "ack"))["number"] == 2  # never back
    await send(socket, "thread.read", "t3", number=-1)
    assert (await next_frame(socket, "error"))["field"] == "number"

    state = await sync_to_async(ReadState.objects.get)(thread=thread, user=bob)
    assert state.last_read_number == 2


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"text_data": "this is not json"}, "invalid_json"),
        ({"text_data": "[1, 2]"}, "invalid_json"),
        ({"bytes_data": b"\x00\x01binary"}, "invalid_json"),
        ({"text_data": '{"type": "thread.shout"}'}, "unknown_type"),
        ({"text_data": '{"text": "no type"}'}, "unknown_type"),
    ],
)
async def test_it_survives_malformed_frames(
    join: Join, thread: Thread, bob: User, frame: dict[str, Any], code: str
) -> None:
    socket, _welcome, _events = await join(bob, thread.pk)

    await socket.send_to(**frame)

    assert (await next_frame(socket, "error"))["code"] == code
    await send(socket, "post.create", "after", text="Still here")
    assert (await next_frame(socket, "ack"))["client_id"] == "after"


async def test_it_refuses_a_frame_over_64_kb_and_stays_open(
    join: Join, thread: Thread, bob: User
) -> None:
    socket, _welcome, _events = await join(bob, thread.pk)
    padding = "x" * protocol.MAX_FRAME_BYTES

    await socket.send_to(
        text_data=f'{{"type": "post.create", "client_id": "big", "text": "{padding}"}}'
    )

    assert (await next_frame(socket, "error"))["code"] == "too_large"
    await send(socket, "post.create", "small", text="Short")
    assert (await next_frame(socket, "ack"))["client_id"] == "small"
    assert await sync_to_async(Post.objects.filter(client_id="big").exists)() is False


async def test_it_rate_limits_then_closes_a_flooding_client_with_4429(
    join: Join, thread: Thread, alice: User, bob: User
) -> None:
    flooder, _welcome, _events = await join(bob, thread.pk)
    other, _welcome, _events = await join(alice, thread.pk)

    for _n in range(120):
        await flooder.send_to(text_data='{"type": "nothing.here"}')

    codes: list[str] = []
    while True:
        message = await flooder.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            assert message["code"] == protocol.CLOSE_RATE_LIMITED
            break
        codes.append(json.loads(message["text"])["code"])
    assert codes[: protocol.RATE_BURST] == ["unknown_type"] * protocol.RATE_BURST
    assert "rate_limited" in codes
    # The others are not affected.
    await send(other, "post.create", "a", text="Carry on")
    assert (await next_frame(other, "ack"))["client_id"] == "a"


async def test_the_posting_limit_is_an_error_with_its_own_code(
    join: Join, thread: Thread, bob: User, settings: Any
) -> None:
    settings.FORUM_POSTS_PER_MINUTE = 2  # bob's opening post counts too
    socket, _welcome, _events = await join(bob, thread.pk)
    await send(socket, "post.create", "one", text="One")
    await next_frame(socket, "ack")
    await next_frame(socket, "post.created")

    await send(socket, "post.create", "two", text="Two")

    error = await next_frame(socket, "error")
    assert (error["code"], error["client_id"]) == ("limited", "two")


# --- Resume and gap filling ---------------------------------------------------------------


async def test_it_resumes_with_exactly_the_missed_events_in_order(
    join: Join, thread: Thread, bob: User, charlie: User
) -> None:
    for n in range(5):
        await post_by(bob, thread, f"m{n}")

    _socket, welcome, replayed = await join(charlie, thread.pk, after=3)

    assert welcome["last_seq"] == 5
    assert [e["seq"] for e in replayed] == [4, 5]
    assert [e["post"]["html"] for e in replayed] == ["<p>m3</p>", "<p>m4</p>"]
    _socket, _welcome, everything = await join(charlie, thread.pk)
    assert [e["seq"] for e in everything] == [1, 2, 3, 4, 5]
    _socket, _welcome, nothing = await join(charlie, thread.pk, after=5)
    assert nothing == []
    _socket, _welcome, beyond = await join(charlie, thread.pk, after=99)
    assert beyond == []


async def test_it_sends_no_duplicates_when_events_arrive_while_resuming(
    join: Join, thread: Thread, bob: User, charlie: User
) -> None:
    writer, _welcome, _events = await join(bob, thread.pk)
    for n in range(3):
        await send(writer, "post.create", f"m{n}", text=f"m{n}")

    reader, _welcome, replayed = await join(charlie, thread.pk, after=0)
    for n in range(3, 6):
        await send(writer, "post.create", f"m{n}", text=f"m{n}")
    later = await drain(reader)

    assert [e["seq"] for e in replayed + later] == [1, 2, 3, 4, 5, 6]


async def test_it_fills_a_gap_left_by_a_lost_broadcast(
    join: Join, thread: Thread, bob: User, charlie: User
) -> None:
    writer, _welcome, _events = await join(bob, thread.pk)
    reader, _welcome, _events = await join(charlie, thread.pk)

    # A broadcast that never arrives (a full channel, a lost message).
    with mock.patch.object(broadcast, "send_group"):
        await post_by(bob, thread, "lost")
    await send(writer, "post.create", "next", text="next")

    received = [await next_frame(reader), await next_frame(reader)]
    assert [(f["seq"], f["post"]["html"]) for f in received] == [
        (1, "<p>lost</p>"),
        (2, "<p>next</p>"),
    ]


async def test_the_sender_sees_its_own_post_even_when_the_broadcast_is_lost(
    join: Join, thread: Thread, bob: User
) -> None:
    writer, _welcome, _events = await join(bob, thread.pk)

    with mock.patch.object(broadcast, "send_group"):
        await send(writer, "post.create", "mine", text="Mine")
        ack = await next_frame(writer, "ack")

    created = await next_frame(writer, "post.created")  # read from the database
    assert (created["seq"], created["post"]["id"]) == (1, ack["post"]["id"])


async def test_it_answers_events_fetch_with_the_range(
    join: Join, thread: Thread, bob: User, charlie: User
) -> None:
    for n in range(5):
        await post_by(bob, thread, f"m{n}")
    socket, _welcome, _events = await join(charlie, thread.pk, after=5)

    await send(socket, "events.fetch", "f", after=1, before=4)
    assert [(await next_frame(socket))["seq"] for _ in range(2)] == [2, 3]
    await send(socket, "events.fetch", "g", after=3)
    assert [(await next_frame(socket))["seq"] for _ in range(2)] == [4, 5]
    await send(socket, "events.fetch", "h", after=-1)
    assert (await next_frame(socket, "error"))["code"] == "invalid"
    await send(socket, "events.fetch", "i", after=0, before="5")
    assert (await next_frame(socket, "error"))["code"] == "invalid"
    assert await socket.receive_nothing(timeout=0.2)


# --- What moderators do, live -------------------------------------------------------------


async def test_an_edit_shows_live_with_the_new_text(
    join: Join, thread: Thread, bob: User, charlie: User
) -> None:
    reader, _welcome, _events = await join(charlie, thread.pk)
    first = await get_post((await sync_to_async(Post.objects.get)(thread=thread, number=1)).pk)

    await run(forum.post_edit, editor=bob, post=first, text="What data do we have, **really**?")

    edited = await next_frame(reader, "post.edited")
    assert edited["post"]["id"] == first.pk
    assert edited["post"]["html"] == "<p>What data do we have, <strong>really</strong>?</p>"
    assert edited["post"]["edit_count"] == 1
    assert edited["post"]["edited_at"] is not None


async def test_a_hidden_posts_event_carries_no_text_and_a_restore_brings_it_back(
    join: Join, thread: Thread, alice: User, bob: User, charlie: User
) -> None:
    reader, _welcome, _events = await join(charlie, thread.pk)
    spam = await post_by(bob, thread, "Buy cheap watches at example.com")
    await next_frame(reader, "post.created")

    await run(moderation.post_hide, actor=alice, post=await get_post(spam.pk), reason="Spam")

    message = await reader.receive_output(timeout=10)
    hidden = json.loads(message["text"])
    assert hidden["type"] == "post.hidden"
    assert (hidden["post"]["id"], hidden["post"]["hidden"], hidden["post"]["html"]) == (
        spam.pk,
        True,
        "",
    )
    assert "watches" not in message["text"]
    assert "Spam" not in message["text"]  # the reason stays with the moderators
    stored = await sync_to_async(ThreadEvent.objects.get)(type="post.hidden")
    assert "watches" not in json.dumps(stored.payload)

    await run(moderation.post_restore, actor=alice, post=await get_post(spam.pk))

    restored = await next_frame(reader, "post.restored")
    assert restored["post"]["html"] == "<p>Buy cheap watches at example.com</p>"


async def test_a_lock_shows_live_and_refuses_members_but_not_moderators(
    join: Join, connect: Connect, thread: Thread, alice: User, bob: User
) -> None:
    member, _welcome, _events = await join(bob, thread.pk)
    mod, _welcome, _events = await join(alice, thread.pk)

    await run(moderation.thread_lock, actor=alice, thread=thread, reason="Heated")

    locked = await next_frame(member, "thread.locked")
    assert locked["locked"] is True
    assert await next_frame(mod) == locked
    await send(member, "post.create", "m", text="But wait")
    error = await next_frame(member, "error")
    assert (error["code"], error["client_id"]) == ("locked", "m")
    await send(mod, "post.create", "a", text="Locked while we calm down.")
    assert (await next_frame(mod, "ack"))["post"]["number"] == 3

    _again, welcome, _events = await join(bob, thread.pk, after=locked["seq"])
    assert (welcome["locked"], welcome["can_post"], welcome["refused"]["code"]) == (
        True,
        False,
        "locked",
    )

    await run(moderation.thread_unlock, actor=alice, thread=thread)
    assert (await next_frame(member, "post.created"))["post"]["number"] == 3
    assert (await next_frame(member, "thread.unlocked"))["locked"] is False


async def test_pins_show_live(join: Join, thread: Thread, alice: User, charlie: User) -> None:
    reader, _welcome, _events = await join(charlie, thread.pk)

    await run(moderation.thread_pin, actor=alice, thread=thread)
    await run(moderation.thread_unpin, actor=alice, thread=thread)

    assert (await next_frame(reader, "thread.pinned"))["pinned"] is True
    assert (await next_frame(reader, "thread.unpinned"))["pinned"] is False


async def test_a_silenced_members_socket_closes_and_they_cannot_post_through_a_new_one(
    join: Join, thread: Thread, community: Community, alice: User, bob: User
) -> None:
    member, _welcome, _events = await join(bob, thread.pk)
    mod, _welcome, _events = await join(alice, thread.pk)

    await run(
        moderation.member_silence,
        actor=alice,
        community=community,
        member=bob,
        ends_at=timezone.now() + timedelta(days=1),
        reason="Insults",
    )

    await closed_with(member, protocol.CLOSE_FORBIDDEN)
    assert await mod.receive_nothing(timeout=0.2)
    # They may still read, but not post or react.
    again, welcome, _events = await join(bob, thread.pk)
    assert (welcome["can_post"], welcome["refused"]["code"]) == (False, "silenced")
    await send(again, "post.create", "s", text="Let me speak")
    error = await next_frame(again, "error")
    assert (error["code"], error["client_id"]) == ("silenced", "s")
    second = await sync_to_async(Post.objects.get)(thread=thread, number=2)
    await send(again, "post.react", "r", post_id=second.pk, emoji="👍")
    assert (await next_frame(again, "error"))["code"] == "silenced"
    assert await sync_to_async(Post.objects.filter(thread=thread).count)() == 2


async def test_leaving_a_members_only_community_closes_the_socket_and_keeps_them_out(
    join: Join, connect: Connect, private_community: Community, alice: User, bob: User
) -> None:
    await sync_to_async(add_member)(private_community, bob)
    secret = await sync_to_async(add_thread)(private_community, alice, "Budget", "Numbers.")
    socket, _welcome, _events = await join(bob, secret.pk)

    await run(forum.membership_leave, user=bob, community=private_community)

    await closed_with(socket, protocol.CLOSE_FORBIDDEN)
    again = await connect(bob, secret.pk)
    await closed_with(again, protocol.CLOSE_NOT_FOUND)


async def test_readers_who_are_not_members_go_when_a_community_stops_being_public(
    join: Join, community: Community, thread: Thread, alice: User, bob: User, charlie: User
) -> None:
    outsider, _welcome, _events = await join(charlie, thread.pk)
    member, _welcome, _events = await join(bob, thread.pk)

    await run(
        forum.community_update,
        actor=alice,
        community=community,
        name=community.name,
        kind=community.kind,
        visibility="members",
        description=community.description_md,
        code_of_conduct=community.code_of_conduct_md,
    )

    await closed_with(outsider, protocol.CLOSE_NOT_FOUND)
    # The member stays: the socket still answers.
    await send(member, "thread.read", "r", number=1)
    assert (await next_frame(member))["type"] == "ack"


async def test_a_member_who_lost_read_access_without_a_kick_is_closed_at_their_next_message(
    join: Join, private_community: Community, alice: User, bob: User
) -> None:
    await sync_to_async(add_member)(private_community, bob)
    secret = await sync_to_async(add_thread)(private_community, alice, "Budget", "Numbers.")
    socket, _welcome, _events = await join(bob, secret.pk)
    # As if the kick were lost on the way.
    await sync_to_async(Membership.objects.filter(community=private_community, user=bob).update)(
        left_at=timezone.now()
    )

    await send(socket, "post.create", "p", text="Still here?")

    await closed_with(socket, protocol.CLOSE_NOT_FOUND)
    assert await sync_to_async(Post.objects.filter(author=bob).exists)() is False


async def test_a_thread_moved_out_of_reach_closes_the_socket_after_saying_where(
    join: Join,
    thread: Thread,
    private_community: Community,
    alice: User,
    bob: User,
) -> None:
    member, _welcome, _events = await join(bob, thread.pk)
    mod, _welcome, _events = await join(alice, thread.pk)

    await run(
        moderation.thread_move,
        actor=alice,
        thread=thread,
        to_community=private_community,
        reason="Council business",
    )

    moved = await next_frame(member, "thread.moved")
    assert moved["community"] == {"slug": "council", "name": "Council"}
    await closed_with(member, protocol.CLOSE_NOT_FOUND)
    assert (await next_frame(mod, "thread.moved")) == moved
    assert await mod.receive_nothing(timeout=0.2)


async def test_a_moved_threads_socket_follows_it_into_the_new_community(
    join: Join,
    thread: Thread,
    community: Community,
    private_community: Community,
    alice: User,
    bob: User,
) -> None:
    await sync_to_async(add_member)(private_community, bob)
    member, _welcome, _events = await join(bob, thread.pk)
    await run(
        moderation.thread_move,
        actor=alice,
        thread=thread,
        to_community=private_community,
        reason="Council business",
    )
    await next_frame(member, "thread.moved")

    # The socket listens for kicks in the community the thread is in now, not the old one.
    await run(
        moderation.member_silence,
        actor=alice,
        community=community,
        member=bob,
        ends_at=timezone.now() + timedelta(hours=1),
        reason="Old quarrel",
    )
    assert await member.receive_nothing(timeout=0.3)
    await run(
        moderation.member_silence,
        actor=alice,
        community=private_community,
        member=bob,
        ends_at=timezone.now() + timedelta(hours=1),
        reason="Off-topic",
    )

    await closed_with(member, protocol.CLOSE_FORBIDDEN)


# --- Signing out and suspension -----------------------------------------------------------


async def test_suspending_the_account_closes_the_thread_socket(
    join: Join, connect: Connect, thread: Thread, bob: User
) -> None:
    socket, _welcome, _events = await join(bob, thread.pk)

    await sync_to_async(account_suspend)(user=bob)

    await closed_with(socket, protocol.CLOSE_SESSION_ENDED)
    again = await connect(bob, thread.pk)
    await closed_with(again, protocol.CLOSE_UNAUTHENTICATED)


async def test_logging_out_closes_the_thread_socket(
    login: Callable[[User], Client],
    thread: Thread,
    bob: User,
    open_sockets: list[WebsocketCommunicator],
) -> None:
    client = await sync_to_async(login)(bob)
    headers = [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    socket = WebsocketCommunicator(application, f"/ws/threads/{thread.pk}/", headers=headers)
    open_sockets.append(socket)
    assert (await socket.connect(timeout=5))[0]
    assert (await socket.receive_json_from(timeout=10))["type"] == "welcome"

    response = await sync_to_async(client.post)("/accounts/logout/")

    assert response.status_code == 302
    await closed_with(socket, protocol.CLOSE_SESSION_ENDED)


async def test_a_notification_count_for_the_reader_does_not_disturb_the_thread_socket(
    join: Join, thread: Thread, alice: User, bob: User
) -> None:
    """alice is told of bob's reply through her user group, which her thread socket is in
    too (to be closed with it): the socket ignores the count and carries on."""
    watcher, _welcome, _events = await join(alice, thread.pk)
    writer, _welcome, _events = await join(bob, thread.pk)
    second = await sync_to_async(Post.objects.get)(thread=thread, number=2)

    await send(writer, "post.create", "reply", text="Thanks", reply_to=second.pk)

    assert (await next_frame(watcher, "post.created"))["post"]["number"] == 3
    assert await watcher.receive_nothing(timeout=0.3)
    await send(watcher, "thread.read", "r", number=3)
    assert (await next_frame(watcher, "ack"))["number"] == 3


def test_every_thread_event_type_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "live-protocol.md").read_text()
    section = doc.split("## `/ws/threads/<thread_id>/`", 1)[1]
    for name in dir(events):
        value = getattr(events, name)
        if name.isupper() and isinstance(value, str) and "." in value:
            assert f"`{value}`" in section, value

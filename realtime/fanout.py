"""One subscription per live room per process, fanned out to that process's sockets.

Channels' default is one `group_send` per event to every socket's channel: with N people in a
room, every event goes through Redis N times and is decoded and JSON-encoded N times. Here
each process joins a room's group once (`RoomHub.channel`), receives each event once, encodes
it once and hands the same text to each of its sockets in the room (`bench/live_fanout.py`
measures both ways).

The hub also keeps the stream dense for its process: an event that overtakes an earlier one
(two transactions' broadcasts may cross) or follows one the channel layer dropped (a full
channel) is preceded by the missing ones, read from the database once for all its sockets.
Presence is worked out once per process every PRESENCE_INTERVAL at most, and sent as changes.
A socket that cannot keep up is not waited for: sending hands the frame to the server's
transport (Daphne buffers it), and a client that stops reading stops answering pings and is
dropped by Daphne (`--ping-interval`, `--ping-timeout`).
"""

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer
from django.conf import settings
from django.utils import timezone

from mentoring.rooms import selectors, services
from mentoring.rooms.models import Room
from realtime import groups, protocol

logger = logging.getLogger(__name__)

# Sockets served before the hub lets the event loop run (writes, reads) during a fan-out.
FAN_SLICE = 100


class Member(Protocol):
    """A socket in a room, as the hub sees it."""

    visit_id: int | None

    async def offer(self, frame: dict[str, Any], text: str | None = None) -> None:
        """A stored event, with its JSON when already encoded."""

    async def offer_many(self, frames: list[dict[str, Any]], text: str) -> None:
        """Consecutive stored events, and their `events` frame."""

    async def send_presence(self, text: str) -> None: ...


def per_process() -> bool:
    """False only when measuring Channels' default against this (settings.LIVE_FANOUT)."""
    return bool(settings.LIVE_FANOUT == "process")


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class RoomHub:
    """This process's subscription to one room."""

    def __init__(self, session_id: int, layer: BaseChannelLayer) -> None:
        self.session_id = session_id
        self.layer = layer
        self.channel = ""
        self.members: set[Member] = set()
        self.last_seq = 0
        self.people: dict[int, dict[str, Any]] | None = None
        self.presence_ready: set[Member] = set()
        self.presence_lock = asyncio.Lock()
        self.presence_task: asyncio.Task[None] | None = None
        self.presence_dirty = False
        self.tasks: list[asyncio.Task[None]] = []
        # Votes waiting to go out together (protocol.VOTE_INTERVAL), and what follows them.
        self.held: list[dict[str, Any]] = []
        self.flush_task: asyncio.Task[None] | None = None
        # One fan-out at a time, so that a batch and the event after it never cross.
        self.fan_lock = asyncio.Lock()
        self.started: asyncio.Future[None] = asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        self.channel = await self.layer.new_channel()
        # Join before reading last_seq: an event committed from now on reaches the channel,
        # one committed before is counted in last_seq and in every member's own replay.
        await self.layer.group_add(groups.live_room(self.session_id), self.channel)
        self.last_seq = await database_sync_to_async(_last_seq)(self.session_id)
        self.tasks = [
            asyncio.ensure_future(self._read()),
            asyncio.ensure_future(self._heartbeat()),
        ]

    async def stop(self) -> None:
        if not self.started.done():
            self.started.cancel()
        if self.flush_task is not None:
            self.flush_task.cancel()
        for task in self.tasks:
            task.cancel()
        if self.presence_task is not None:
            self.presence_task.cancel()
        if self.channel:
            await self.layer.group_discard(groups.live_room(self.session_id), self.channel)

    # --- Events ---------------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            try:
                if message.get("type") == protocol.LIVE_EVENT and per_process():
                    await self._event(message["event"])
                elif message.get("type") == protocol.LIVE_PRESENCE:
                    self.presence_soon()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Live room %s: a broadcast failed", self.session_id)

    async def _event(self, frame: dict[str, Any]) -> None:
        seq = frame["seq"]
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            for missing in await database_sync_to_async(selectors.frames_after)(
                self.session_id, self.last_seq, seq
            ):
                await self._fan(missing)
        await self._fan(frame)

    async def _fan(self, frame: dict[str, Any]) -> None:
        if frame["seq"] <= self.last_seq:
            return
        self.last_seq = frame["seq"]
        if frame["type"] in protocol.VOTE_EVENTS or self.held:
            # A vote waits up to VOTE_INTERVAL for others; anything else behind held votes
            # goes out with them at once, in order.
            self.held.append(frame)
            if frame["type"] not in protocol.VOTE_EVENTS:
                await self._flush()
            elif self.flush_task is None:
                self.flush_task = asyncio.ensure_future(self._flush_later())
            return
        async with self.fan_lock:
            text = encode(frame)
            await self._each(self.members, lambda member: member.offer(frame, text))

    async def _each(self, members: set[Member], send: Callable[[Member], Awaitable[None]]) -> None:
        """`send` to each socket. One closing under us must not cost the others the frame;
        every FAN_SLICE sockets the event loop gets to write what is queued and read."""
        for n, member in enumerate(list(members), 1):
            try:
                await send(member)
            except Exception:
                logger.debug("Live room %s: a socket refused a frame", self.session_id)
            if n % FAN_SLICE == 0:
                await asyncio.sleep(0)

    async def _flush_later(self) -> None:
        try:
            await asyncio.sleep(protocol.VOTE_INTERVAL)
            self.flush_task = None
            await self._flush()
        finally:
            self.flush_task = None

    async def _flush(self) -> None:
        frames, self.held = self.held, []
        if self.flush_task is not None and self.flush_task is not asyncio.current_task():
            self.flush_task.cancel()
            self.flush_task = None
        if not frames:
            return
        async with self.fan_lock:
            text = encode(
                {
                    "type": protocol.FRAME_EVENTS,
                    "events": frames,
                    "ts": selectors.iso(timezone.now()),
                }
            )
            await self._each(self.members, lambda member: member.offer_many(frames, text))

    # --- Presence -------------------------------------------------------------------------

    async def presence_snapshot(
        self, member: Member, itself: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Everyone here now, as last worked out, and `itself` (the newcomer, whom the next
        change will count in); from then on `member` gets the changes."""
        async with self.presence_lock:
            if self.people is None:
                self.people = await database_sync_to_async(_presence)(self.session_id)
            self.presence_ready.add(member)
            people = {**self.people}
        people.setdefault(itself["id"], itself)
        return selectors.sorted_presence(list(people.values()))

    def presence_soon(self) -> None:
        self.presence_dirty = True
        if self.presence_task is None:
            self.presence_task = asyncio.ensure_future(self._presence_later())

    async def _presence_later(self) -> None:
        try:
            while self.presence_dirty:
                await asyncio.sleep(protocol.PRESENCE_INTERVAL)
                # Changes from here on need another round; those before are in this one.
                self.presence_dirty = False
                await self._send_presence_changes()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Presence of live room %s failed", self.session_id)
        finally:
            self.presence_task = None

    async def _send_presence_changes(self) -> None:
        async with self.presence_lock:
            before = self.people or {}
            now = await database_sync_to_async(_presence)(self.session_id)
            self.people = now
        changed = [entry for user_id, entry in now.items() if before.get(user_id) != entry]
        left = [user_id for user_id in before if user_id not in now]
        if not changed and not left:
            return
        text = encode(
            {
                "type": protocol.FRAME_PRESENCE_CHANGED,
                "people": changed,
                "left": left,
                "ts": selectors.iso(timezone.now()),
            }
        )
        await self._each(self.presence_ready, lambda member: member.send_presence(text))

    # --- Keeping visits and the subscription alive ---------------------------------------

    async def _heartbeat(self) -> None:
        interval = selectors.VISIT_HEARTBEAT.total_seconds()
        while True:
            await asyncio.sleep(interval)
            try:
                # channels-redis forgets group members after `group_expiry` (a day).
                await self.layer.group_add(groups.live_room(self.session_id), self.channel)
                visit_ids = [m.visit_id for m in self.members if m.visit_id is not None]
                closed = await database_sync_to_async(_keep_alive)(self.session_id, visit_ids)
                if closed:
                    self.presence_soon()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Live room %s: heartbeat failed", self.session_id)


def _last_seq(session_id: int) -> int:
    return Room.objects.filter(pk=session_id).values_list("last_seq", flat=True).first() or 0


def _presence(session_id: int) -> dict[int, dict[str, Any]]:
    room = Room.objects.select_related("session__engagement").get(pk=session_id)
    return {entry["id"]: entry for entry in selectors.presence(room)}


def _keep_alive(session_id: int, visit_ids: list[int]) -> int:
    services.visits_touch(visit_ids=visit_ids)
    return services.visits_close_stale(room_id=session_id)


# Hubs of each event loop (one in Daphne; tests run a loop each).
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, RoomHub]]" = (
    weakref.WeakKeyDictionary()
)


async def join(session_id: int, member: Member, layer: BaseChannelLayer) -> RoomHub:
    """Add a socket to its room's hub, starting the hub for the first one."""
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = hubs.get(session_id)
    if hub is None:
        hub = hubs[session_id] = RoomHub(session_id, layer)
    hub.members.add(member)
    try:
        await asyncio.shield(hub.started)
    except Exception:
        hub.members.discard(member)
        if hubs.get(session_id) is hub:
            del hubs[session_id]
        raise
    return hub


async def leave(hub: RoomHub, member: Member) -> None:
    """Take a socket out; the last one out stops the hub."""
    hub.members.discard(member)
    hub.presence_ready.discard(member)
    if hub.members:
        return
    hubs = _hubs.get(asyncio.get_running_loop(), {})
    if hubs.get(hub.session_id) is hub:
        del hubs[hub.session_id]
    await hub.stop()

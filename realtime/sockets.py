"""What every sequenced socket (`live.py`, `threads.py`) does the same way: refusing at
connect with a close code the browser can see, reading `?after`, closing once, error frames,
the rate limit's strikes, and sending stored events in order and once."""

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any, TypeGuard
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from realtime import protocol

logger = logging.getLogger(__name__)


def now_iso() -> str:
    """ISO 8601 in UTC, with a Z, as every frame's `ts`."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; one per frame."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class GuardedSocket(AsyncJsonWebsocketConsumer):
    closing: bool = False
    refused_at: float = 0.0
    strikes: int = 0

    async def _refuse(self, code: int) -> None:
        # Accept first: a close before accepting is an HTTP 403 and the browser never sees
        # the code.
        await self.accept()
        await self._close(code)

    async def _close(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code)

    def _after(self) -> int:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            return max(int(query.get("after", ["0"])[0]), 0)
        except ValueError:
            return 0

    async def _rate_limited(self) -> None:
        now = time.monotonic()
        if now - self.refused_at > 1.0:
            # A new burst of refusals: say so once, then count.
            self.strikes = 0
            await self._error(
                protocol.ERROR_RATE_LIMITED, _("Too many messages: slow down and try again.")
            )
        self.refused_at = now
        self.strikes += 1
        if self.strikes > protocol.RATE_STRIKES:
            await self._close(protocol.CLOSE_RATE_LIMITED)

    async def _error(
        self, code: str, message: str, *, client_id: str = "", field: str = ""
    ) -> None:
        frame: dict[str, Any] = {
            "type": protocol.FRAME_ERROR,
            "code": code,
            "message": message,
            "ts": now_iso(),
        }
        if client_id:
            frame["client_id"] = client_id
        if field:
            frame["field"] = field
        await self.send_json(frame)


class SequencedSocket(GuardedSocket):
    """Stored events to one socket in order and each once, whatever mix of replay, live
    delivery and gap filling brings them (live rooms, forum threads).

    The socket keeps the last seq it sent (`last_seq`). While it catches up (replaying, or
    reading what the channel layer lost) events that arrive wait in `backlog`, so nothing
    overtakes anything; `want` asks it to catch up at least that far even if nothing else
    arrives (a sender's own event whose broadcast was lost). Subclasses say where stored
    events are read (`_frames_after`), how one is sent (`_deliver`) and what follows it
    (`_after_sent`)."""

    last_seq: int = 0
    want: int = 0
    backlog: list[dict[str, Any]] | None = None
    catch_up_task: "asyncio.Task[None] | None" = None

    def _frames_after(self, after: int, before: int | None) -> list[dict[str, Any]]:
        """Stored events with after < seq < before, in order (synchronous: database)."""
        raise NotImplementedError

    async def _deliver(self, frame: dict[str, Any], text: str | None) -> None:
        """Send one stored event; `text` is its encoding when the caller has it."""
        raise NotImplementedError

    async def _after_sent(self, frame: dict[str, Any]) -> None:
        """What a stored event does to this socket once sent (the room ended, say)."""

    def _stream(self) -> str:
        """Names the stream in logs."""
        return type(self).__name__

    async def _replay(self) -> None:
        """Everything stored after `last_seq`, read in batches until there is no more."""
        while not self.closing:
            frames = await database_sync_to_async(self._frames_after)(self.last_seq, None)
            if not frames:
                return
            for frame in frames:
                await self._send_stored(frame)

    async def offer(self, frame: dict[str, Any], text: str | None = None) -> None:
        """A stored event for this socket, from the channel layer or the sender's result."""
        if self.closing:
            return
        if self.backlog is not None:
            self.backlog.append(frame)
            return
        seq = frame["seq"]
        if seq <= self.last_seq:
            return
        if seq == self.last_seq + 1:
            await self._send_stored(frame, text)
            return
        # Something is missing: read it without holding up this socket's other messages.
        self.backlog = [frame]
        self.catch_up_task = asyncio.ensure_future(self._catch_up())

    async def ensure_through(self, seq: int) -> None:
        """Make sure this socket sends everything up to `seq`, reading it if it never comes."""
        if self.closing or seq <= self.last_seq:
            return
        self.want = max(self.want, seq)
        if self.backlog is None:
            self.backlog = []
            self.catch_up_task = asyncio.ensure_future(self._catch_up())

    async def _catch_up(self) -> None:
        """Send the backlog in order, reading what is missing from the database, until it is
        empty (and `want` is reached); then events go out as they come."""
        try:
            while not self.closing and self.backlog is not None:
                waiting = sorted(
                    {f["seq"]: f for f in self.backlog if f["seq"] > self.last_seq}.values(),
                    key=lambda f: int(f["seq"]),
                )
                self.backlog = waiting
                if waiting:
                    head = int(waiting[0]["seq"])
                elif self.want > self.last_seq:
                    head = self.want + 1
                else:
                    self.backlog = None
                    return
                if head > self.last_seq + 1:
                    missing = await database_sync_to_async(self._frames_after)(self.last_seq, head)
                    if not missing:  # not in the database: never wait for it forever
                        if waiting:
                            logger.warning("%s lacks events before %s", self._stream(), head)
                            self.last_seq = head - 1
                        else:
                            self.want = self.last_seq
                    for frame in missing:
                        await self._send_stored(frame)
                    continue
                for frame in waiting:
                    if frame["seq"] != self.last_seq + 1:
                        break
                    await self._send_stored(frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: catching up failed", self._stream())
            await self._close(protocol.CLOSE_SESSION_ENDED)
        finally:
            self.catch_up_task = None

    async def _send_stored(self, frame: dict[str, Any], text: str | None = None) -> None:
        if frame["seq"] <= self.last_seq or self.closing:
            return
        # Counted before sending: another task may offer the same event during the await.
        self.last_seq = frame["seq"]
        await self._deliver(frame, text)
        await self._after_sent(frame)

"""What every sequenced socket (`live.py`, `threads.py`) does the same way: refusing at
connect with a close code the browser can see, reading `?after`, closing once, error frames,
and the rate limit's strikes."""

import time
from datetime import UTC, datetime
from typing import Any, TypeGuard
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from realtime import protocol


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

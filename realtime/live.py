"""`/ws/live/<session_id>/`: a live session's room. See docs/live-protocol.md.

The consumer is transport only: who gets in comes from `mentoring.rooms.permissions`, every
message goes to a service in `mentoring.rooms.services`, which stores the event, and the
services broadcast it to the room after commit. Broadcasts reach this socket through its
process's `realtime.fanout.RoomHub`; WebRTC signals, removals and sign-outs through the
socket's own channel.

Delivery: each socket keeps the last seq it sent (`last_seq`) and sends stored events in
order, each once. While it is catching up (replaying the log on connect, or filling a gap
from the database) events from the hub wait in `backlog`, so nothing overtakes anything.
"""

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from mentoring.rooms import selectors, services
from mentoring.rooms.models import Room, RoomEvent, RoomState
from mentoring.rooms.permissions import base_role, is_removed
from mentoring.scheduling.models import LiveSession
from realtime import fanout, groups, protocol
from realtime.sockets import SequencedSocket, TokenBucket, is_count

logger = logging.getLogger(__name__)

# Client message -> (service, {service argument: frame field}, fixed arguments).
_SERVICES: dict[str, tuple[Any, dict[str, str], dict[str, Any]]] = {
    "room.open": (services.room_open, {}, {}),
    "room.end": (services.room_end, {}, {}),
    "chat.send": (services.chat_send, {"text": "text"}, {}),
    "question.ask": (services.question_ask, {"text": "text"}, {}),
    "question.vote": (services.question_vote, {"question_id": "question_id"}, {}),
    "question.answer": (
        services.question_mark,
        {"question_id": "question_id"},
        {"status": "answered"},
    ),
    "question.hide": (services.question_mark, {"question_id": "question_id"}, {"status": "hidden"}),
    "poll.open": (services.poll_open, {"question": "question", "choices": "choices"}, {}),
    "poll.vote": (services.poll_vote, {"poll_id": "poll_id", "choice": "choice"}, {}),
    "poll.close": (services.poll_close, {"poll_id": "poll_id"}, {}),
    "hand.raise": (services.hand_raise, {}, {}),
    "hand.lower": (services.hand_lower, {"user": "user"}, {}),
    "reaction.send": (services.reaction_send, {"emoji": "emoji"}, {}),
    "slide.show": (services.slide_show, {"material_id": "material_id", "index": "index"}, {}),
    "participant.remove": (services.participant_remove, {"user": "user", "reason": "reason"}, {}),
}
# Fields a client may leave out, and what that means.
_DEFAULTS: dict[str, Any] = {"user": None, "reason": "", "material_id": None, "index": 0}


@dataclass(frozen=True)
class _Admission:
    user: User
    session: LiveSession
    role: str


def _admit(user_id: int, session_id: int) -> _Admission | int:
    """Who this is in the room, or the close code. Missing and not allowed look the same."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    session = LiveSession.objects.select_related("engagement").filter(pk=session_id).first()
    if user is None or session is None:
        return protocol.CLOSE_NOT_FOUND
    role = base_role(user, session)
    if role is None:
        return protocol.CLOSE_NOT_FOUND
    if is_removed(user.pk, session.pk):
        return protocol.CLOSE_FORBIDDEN
    room = services.room_get_or_create(session)
    if room.state == RoomState.ENDED:
        return protocol.CLOSE_ROOM_ENDED
    return _Admission(user=user, session=session, role=role)


def _now() -> str:
    return selectors.iso(timezone.now())


class LiveRoomConsumer(SequencedSocket):
    """One person's socket in one live room."""

    user: User
    session_id: int
    role: str
    groups_joined: list[str]
    hub: fanout.RoomHub | None = None
    visit_id: int | None = None

    # --- Connecting ---------------------------------------------------------------------

    async def connect(self) -> None:
        self.groups_joined = []
        self.bucket = TokenBucket(protocol.RATE_PER_SECOND, protocol.RATE_BURST)
        self.rtc_bucket = TokenBucket(protocol.RTC_RATE_PER_SECOND, protocol.RTC_RATE_BURST)
        scope_user = self.scope.get("user")
        if scope_user is None or not scope_user.is_authenticated:
            # Accept first: a close before accepting is an HTTP 403 and the browser never
            # sees the code.
            await self._refuse(protocol.CLOSE_UNAUTHENTICATED)
            return
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        admission = await database_sync_to_async(_admit)(scope_user.pk, self.session_id)
        if isinstance(admission, int):
            await self._refuse(admission)
            return
        self.user, self.role = admission.user, admission.role
        own_groups = [groups.live_member(self.session_id, self.user.pk), groups.user(self.user.pk)]
        if not fanout.per_process():
            own_groups.append(groups.live_room(self.session_id))
        for group in own_groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        # Join the hub before reading the log: an event stored from now on arrives through
        # the hub (and waits in the backlog), one stored before is in the log, and
        # `last_seq` drops the overlap.
        self.backlog = []
        self.hub = await fanout.join(self.session_id, self, self.channel_layer)
        started = await database_sync_to_async(self._start)()
        if started is None:  # removed between the check and joining
            await self._close(protocol.CLOSE_FORBIDDEN)
            return
        state, last_seq, votes = started
        await self.send_json(
            {
                "type": protocol.FRAME_WELCOME,
                "role": self.role,
                "user": selectors.person(self.user),
                "state": state,
                "last_seq": last_seq,
                "voted": votes,
                "ts": _now(),
            }
        )
        self.last_seq = min(self._after(), last_seq)
        await self._replay()
        await self._catch_up()
        if self.closing:
            return
        itself = {**selectors.person(self.user), "role": self.role, "in_call": False}
        people = await self.hub.presence_snapshot(self, itself)
        await self.send_json({"type": protocol.FRAME_PRESENCE, "people": people, "ts": _now()})
        await self.channel_layer.group_send(
            groups.live_room(self.session_id), {"type": protocol.LIVE_PRESENCE}
        )

    def _start(self) -> tuple[str, int, dict[str, list[int]]] | None:
        if is_removed(self.user.pk, self.session_id):
            return None
        room = Room.objects.get(pk=self.session_id)
        visit = services.visit_start(room=room, user=self.user, channel_name=self.channel_name)
        self.visit_id = visit.pk
        return room.state, room.last_seq, selectors.votes_of(room.pk, self.user.pk)

    # --- Leaving ------------------------------------------------------------------------

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.catch_up_task is not None:
            self.catch_up_task.cancel()
        if self.hub is not None:
            await fanout.leave(self.hub, self)
            self.hub = None
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.visit_id is not None:
            await database_sync_to_async(services.visit_end)(visit_id=self.visit_id)
            self.visit_id = None
            await self.channel_layer.group_send(
                groups.live_room(self.session_id), {"type": protocol.LIVE_PRESENCE}
            )

    async def send_json(self, content: Any, close: bool = False) -> None:
        if self.closing and not close:
            return
        await super().send_json(content, close=close)

    # --- Receiving ----------------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if self.closing:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > protocol.MAX_FRAME_BYTES:
            if self.bucket.take():
                await self._error(
                    protocol.ERROR_TOO_LARGE,
                    _("A frame may be at most %(limit)s bytes.")
                    % {"limit": protocol.MAX_FRAME_BYTES},
                )
            else:
                await self._rate_limited()
            return
        try:
            frame = json.loads(text_data) if text_data is not None else None
        except ValueError:
            frame = None
        kind = frame.get("type") if isinstance(frame, dict) else None
        bucket = self.rtc_bucket if kind == "rtc.signal" else self.bucket
        if not bucket.take():
            await self._rate_limited()
            return
        if not isinstance(frame, dict):
            await self._error(protocol.ERROR_INVALID_JSON, _("A frame is a JSON object."))
            return
        client_id = frame.get("client_id", "")
        if not isinstance(client_id, str) or len(client_id) > services.CLIENT_ID_MAX_LENGTH:
            await self._error(
                protocol.ERROR_INVALID,
                _("client_id must be a string of at most %(max)s characters.")
                % {"max": services.CLIENT_ID_MAX_LENGTH},
                field="client_id",
            )
            return
        if kind == "events.fetch":
            await self._fetch(frame, client_id)
        elif kind == "rtc.signal":
            await self._relay(frame, client_id)
        elif kind == "call.join":
            await self._call_join(client_id)
        elif kind == "call.leave":
            await self._call_leave(client_id)
        elif isinstance(kind, str) and kind in _SERVICES:
            await self._call(kind, frame, client_id)
        else:
            await self._error(
                protocol.ERROR_UNKNOWN_TYPE,
                _("Unknown message type: %(type)s") % {"type": str(kind)[:40]},
                client_id=client_id,
            )

    async def _refused(self, error: Exception, client_id: str) -> None:
        """The error frame for what a service refused."""
        if isinstance(error, services.RoomNotOpen):
            await self._error(
                protocol.ERROR_NOT_OPEN, " ".join(error.messages), client_id=client_id
            )
        elif isinstance(error, services.CallFull):
            await self._error(
                protocol.ERROR_CALL_FULL, " ".join(error.messages), client_id=client_id
            )
        elif isinstance(error, ValidationError):
            field = next(iter(error.message_dict), "") if hasattr(error, "error_dict") else ""
            await self._error(
                protocol.ERROR_INVALID, " ".join(error.messages), client_id=client_id, field=field
            )
        else:
            await self._error(
                protocol.ERROR_FORBIDDEN,
                str(error) or _("You may not do this here."),
                client_id=client_id,
            )

    async def _call(self, kind: str, frame: dict[str, Any], client_id: str) -> None:
        service, fields, fixed = _SERVICES[kind]
        arguments = {name: frame.get(key, _DEFAULTS.get(key)) for name, key in fields.items()}
        try:
            result, repeated = await database_sync_to_async(self._run)(
                service, {**arguments, **fixed, "client_id": client_id}
            )
        except (ValidationError, PermissionDenied) as error:
            await self._refused(error, client_id)
            return
        if repeated:
            # The stored event again, to the sender only: the answer to a repeat.
            await self.send_json(result)
        elif result["seq"] == self.last_seq + 1 and self.backlog is None:
            await self.offer(result)
        else:
            # Events before it are still on their way through the hub (votes wait up to
            # VOTE_INTERVAL): let them come in order, and read them only if they do not.
            loop = asyncio.get_running_loop()
            loop.call_later(
                protocol.ECHO_GRACE, lambda: asyncio.ensure_future(self._offer_quietly(result))
            )

    async def _offer_quietly(self, frame: dict[str, Any]) -> None:
        try:
            await self.offer(frame)
        except Exception:  # the socket closed meanwhile
            logger.debug("Live room %s: a late echo found the socket gone", self.session_id)

    def _run(self, service: Any, arguments: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The event's frame, and whether this client_id was stored before."""
        session = LiveSession.objects.select_related("engagement").get(pk=self.session_id)
        event: RoomEvent = service(session=session, actor=self.user, **arguments)
        return selectors.event_frame(event), event.repeated

    # --- The call -----------------------------------------------------------------------

    def _join_call(self) -> list[int]:
        session = LiveSession.objects.select_related("engagement").get(pk=self.session_id)
        return services.call_join(session=session, actor=self.user, visit_id=self.visit_id or 0)

    async def _call_join(self, client_id: str) -> None:
        try:
            members = await database_sync_to_async(self._join_call)()
        except (ValidationError, PermissionDenied) as error:
            await self._refused(error, client_id)
            return
        frame = {"type": protocol.FRAME_CALL_JOINED, "members": members, "ts": _now()}
        await self.send_json({**frame, "client_id": client_id} if client_id else frame)

    async def _call_leave(self, client_id: str) -> None:
        await database_sync_to_async(services.call_leave)(visit_id=self.visit_id or 0)
        frame = {"type": protocol.FRAME_CALL_LEFT, "ts": _now()}
        await self.send_json({**frame, "client_id": client_id} if client_id else frame)

    # --- Gap filling and relaying -------------------------------------------------------

    async def _fetch(self, frame: dict[str, Any], client_id: str) -> None:
        after, before = frame.get("after", 0), frame.get("before")
        if not is_count(after) or not (before is None or is_count(before)):
            await self._error(
                protocol.ERROR_INVALID,
                _("after and before are whole numbers."),
                client_id=client_id,
                field="after",
            )
            return
        for event in await database_sync_to_async(selectors.frames_after)(
            self.session_id, after, before
        ):
            # Asked for: sent even if this socket sent it before.
            await self.send_json(event)
            if event["seq"] == self.last_seq + 1 and self.backlog is None:
                self.last_seq = event["seq"]

    def _signal_problem(self, user_id: int) -> str:
        """ "" when both ends are in the room's call and it is open, else the error."""
        state = Room.objects.filter(pk=self.session_id).values_list("state", flat=True).first()
        if state != RoomState.OPEN:
            return protocol.ERROR_NOT_OPEN
        # One query for both ends: a call has at most RTC_MESH_LIMIT visits.
        calling = dict(
            selectors.live_visits(self.session_id).filter(in_call=True).values_list("pk", "user_id")
        )
        if self.visit_id not in calling:
            return protocol.ERROR_FORBIDDEN
        if user_id not in calling.values():
            return protocol.ERROR_INVALID
        return ""

    async def _relay(self, frame: dict[str, Any], client_id: str) -> None:
        to = frame.get("to")
        if not is_count(to) or to == self.user.pk:
            await self._error(
                protocol.ERROR_INVALID,
                _("Say whom the signal is for."),
                client_id=client_id,
                field="to",
            )
            return
        problem = await database_sync_to_async(self._signal_problem)(to)
        messages = {
            protocol.ERROR_NOT_OPEN: _("The room is not open."),
            protocol.ERROR_FORBIDDEN: _("Join the call first."),
            protocol.ERROR_INVALID: _("This person is not in the call."),
        }
        if problem:
            await self._error(
                problem,
                messages[problem],
                client_id=client_id,
                field="to" if problem == protocol.ERROR_INVALID else "",
            )
            return
        await self.channel_layer.group_send(
            groups.live_member(self.session_id, to),
            {"type": protocol.LIVE_RTC, "from": self.user.pk, "data": frame.get("data")},
        )

    # --- Sending stored events, in order and once ---------------------------------------

    async def offer_many(self, frames: list[dict[str, Any]], text: str) -> None:
        """Consecutive stored events from the hub, as one `events` frame when they follow on
        from what this socket sent; else one by one."""
        if self.closing:
            return
        if self.backlog is None and frames[0]["seq"] == self.last_seq + 1:
            self.last_seq = frames[-1]["seq"]
            await self._send_text(text)
            if any(frame["type"] == "room.ended" for frame in frames):
                await self._close(protocol.CLOSE_ROOM_ENDED)
            return
        for frame in frames:
            await self.offer(frame)

    def _frames_after(self, after: int, before: int | None) -> list[dict[str, Any]]:
        return selectors.frames_after(self.session_id, after, before)

    async def _deliver(self, frame: dict[str, Any], text: str | None) -> None:
        await self._send_text(text if text is not None else fanout.encode(frame))

    async def _after_sent(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "room.ended":
            await self._close(protocol.CLOSE_ROOM_ENDED)

    def _stream(self) -> str:
        return f"Live room {self.session_id}"

    async def send_presence(self, text: str) -> None:
        if not self.closing:
            await self._send_text(text)

    async def _send_text(self, text: str) -> None:
        """Straight to the server: the fan-out's hot path, a thousand times per event."""
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except Exception:
            # The client went away between two frames; its disconnect is on its way.
            self.closing = True

    # --- Channel-layer messages ---------------------------------------------------------

    async def live_event(self, message: dict[str, Any]) -> None:
        """Only with LIVE_FANOUT=socket: each socket hears every event itself."""
        await self.offer(message["event"])

    async def live_presence(self, message: dict[str, Any]) -> None:
        """Only with LIVE_FANOUT=socket: presence stays the hub's job."""

    async def live_rtc(self, message: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": protocol.FRAME_RTC_SIGNAL,
                "from": message["from"],
                "data": message.get("data"),
                "ts": _now(),
            }
        )

    async def live_kick(self, message: dict[str, Any]) -> None:
        await self._close(protocol.CLOSE_FORBIDDEN)

    async def user_disconnect(self, message: dict[str, Any]) -> None:
        await self._close(protocol.CLOSE_SESSION_ENDED)

    async def notifications_count(self, message: dict[str, Any]) -> None:
        """For `/ws/me/`: this socket is in the user's group only to be closed with it (a
        message without a handler would kill the consumer)."""

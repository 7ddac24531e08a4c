"""`/ws/threads/<thread_id>/`: an open forum thread. See docs/live-protocol.md ("Forum threads").

The consumer is transport only, in the manner of `realtime/live.py`: who gets in comes from
`diaspora.communities.permissions`, every message goes to a service
(`diaspora.communities.services`), which stores a `ThreadEvent` with the thread's next seq and
broadcasts it to `groups.thread(id)` after commit. The answer to the sender's own request is
an `ack` frame; what everyone sees is the stored event.

Fan-out is Channels' plain group send: every socket of a thread is a member of the thread's
group and receives each event itself. A forum thread has tens of readers at once, not the
thousands a live session may have, so the per-process hub of `realtime/fanout.py` would buy
nothing here.

Delivery: each socket keeps the last seq it sent (`last_seq`) and sends stored events in order,
each once. While it is catching up (filling a gap from the database) events from the group
wait in `backlog`, so nothing overtakes anything.

Who is closed, and when: a person removed from the community or silenced in it is closed
with 4403 (`thread.kick`, sent by the membership and moderation services to
`groups.community_member`); signing out and suspension close every socket with 4001
(`user.disconnect`); a thread moved to a community this person cannot read closes with 4404.
Whatever the socket, the services decide again at each message, so a post by someone who
lost the right to post is refused anyway.
"""

import asyncio
import json
import logging
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from diaspora.accounts.models import User
from diaspora.communities import events, services
from diaspora.communities.models import Post, Reaction, Thread
from diaspora.communities.permissions import (
    PostingRefused,
    ThreadAccess,
    ensure_can_post,
    get_thread_for_user,
)
from realtime import groups, protocol
from realtime.sockets import SequencedSocket, TokenBucket, is_count

logger = logging.getLogger(__name__)

CLIENT_ID_MAX_LENGTH = int(Post._meta.get_field("client_id").max_length or 64)
# PostingRefused codes a client sees as they are; the others (not_member, signed_out,
# inactive) are `forbidden`.
_OWN_CODES = {protocol.ERROR_LOCKED, protocol.ERROR_SILENCED, protocol.ERROR_LIMITED}


class _LostAccess(Exception):
    """This person may no longer read the thread (or it is gone): the socket closes 4404."""


@dataclass(frozen=True)
class _Admission:
    user: User
    community_id: int


def _admit(user_id: int, thread_id: int) -> _Admission | int:
    """Who this is, or the close code. Missing and not readable look the same."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return protocol.CLOSE_NOT_FOUND
    try:
        found = get_thread_for_user(user, thread_id)
    except Http404:
        return protocol.CLOSE_NOT_FOUND
    return _Admission(user=user, community_id=found.thread.community_id)


def _language(scope: dict[str, Any]) -> str:
    """The language the pages use for this browser: its language cookie, else what it
    accepts (as LocaleMiddleware decides for HTTP)."""
    candidates = []
    cookies = scope.get("cookies") or {}
    if cookies.get(settings.LANGUAGE_COOKIE_NAME):
        candidates.append(cookies[settings.LANGUAGE_COOKIE_NAME])
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates.extend(code for code, _quality in parse_accept_lang_header(accept) if code != "*")
    for code in candidates:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def _zone(user: User) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(user.timezone) if user.timezone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class ThreadConsumer(SequencedSocket):
    """One person's socket on one forum thread."""

    user: User
    thread_id: int
    community_id: int
    language: str
    zone: zoneinfo.ZoneInfo | None = None
    groups_joined: list[str]

    # --- Connecting ---------------------------------------------------------------------

    async def connect(self) -> None:
        self.groups_joined = []
        self.bucket = TokenBucket(protocol.RATE_PER_SECOND, protocol.RATE_BURST)
        self.language = _language(self.scope)
        scope_user = self.scope.get("user")
        if scope_user is None or not scope_user.is_authenticated:
            # Accept first: a close before accepting is an HTTP 403 and the browser never
            # sees the code.
            await self._refuse(protocol.CLOSE_UNAUTHENTICATED)
            return
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        admission = await database_sync_to_async(_admit)(scope_user.pk, self.thread_id)
        if isinstance(admission, int):
            await self._refuse(admission)
            return
        self.user, self.community_id = admission.user, admission.community_id
        self.zone = _zone(self.user)
        for group in (
            groups.thread(self.thread_id),
            groups.community_member(self.community_id, self.user.pk),
            groups.user(self.user.pk),
        ):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        # Joined before reading the log: an event stored from now on comes through the group
        # (after this handler returns), one stored before is in the log, and `last_seq`
        # drops the overlap.
        try:
            with self._locale():
                last_seq, locked, refused = await database_sync_to_async(self._start)()
        except _LostAccess:  # lost between the check and joining
            await self._close(protocol.CLOSE_NOT_FOUND)
            return
        await self.send_json(
            {
                "type": protocol.FRAME_WELCOME,
                "last_seq": last_seq,
                "locked": locked,
                "can_post": refused is None,
                # Why not, for the page to say beside the reply form.
                "refused": refused,
                "ts": events.iso(timezone.now()),
            }
        )
        self.last_seq = min(self._after(), last_seq)
        await self._replay()

    @contextmanager
    def _locale(self) -> Iterator[None]:
        """Messages in the reader's language, times in their zone, as on the pages."""
        with translation.override(self.language), timezone.override(self.zone):
            yield

    def _fresh(self) -> tuple[User, ThreadAccess]:
        """The person and the thread as they are now; _LostAccess if it is no longer theirs
        to read."""
        user = User.objects.filter(pk=self.user.pk).first()
        if user is None:
            raise _LostAccess
        try:
            found = get_thread_for_user(user, self.thread_id)
        except Http404:
            raise _LostAccess from None
        return user, found

    def _start(self) -> tuple[int, bool, dict[str, str] | None]:
        user, found = self._fresh()
        refused = None
        try:
            ensure_can_post(user, found.access, found.thread)
        except PostingRefused as error:
            refused = {"code": error.code, "message": str(error.message)}
        return found.thread.last_seq, found.thread.is_locked, refused

    # --- Leaving ------------------------------------------------------------------------

    async def disconnect(self, code: int) -> None:
        self.closing = True
        if self.catch_up_task is not None:
            self.catch_up_task.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def send_json(self, content: Any, close: bool = False) -> None:
        if self.closing and not close:
            return
        try:
            await super().send_json(content, close=close)
        except Exception:
            # The client went away between two frames; its disconnect is on its way.
            self.closing = True

    # --- Receiving ----------------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if self.closing:
            return
        with self._locale():
            await self._receive(text_data, bytes_data)

    async def _receive(self, text_data: str | None, bytes_data: bytes | None) -> None:
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
        if not self.bucket.take():
            await self._rate_limited()
            return
        try:
            frame = json.loads(text_data) if text_data is not None else None
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await self._error(protocol.ERROR_INVALID_JSON, _("A frame is a JSON object."))
            return
        kind = frame.get("type")
        client_id = frame.get("client_id", "")
        if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_LENGTH:
            await self._error(
                protocol.ERROR_INVALID,
                _("client_id must be a string of at most %(max)s characters.")
                % {"max": CLIENT_ID_MAX_LENGTH},
                field="client_id",
            )
            return
        handlers = {
            "post.create": self._post_create,
            "post.react": self._post_react,
            "thread.read": self._thread_read,
            "events.fetch": self._fetch,
        }
        handler = handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            await self._error(
                protocol.ERROR_UNKNOWN_TYPE,
                _("Unknown message type: %(type)s") % {"type": str(kind)[:40]},
                client_id=client_id,
            )
            return
        await handler(frame, client_id)

    async def _invalid(self, message: str, field: str, client_id: str) -> None:
        await self._error(protocol.ERROR_INVALID, message, client_id=client_id, field=field)

    # --- Requests -----------------------------------------------------------------------

    async def _call(
        self,
        request: str,
        work: Callable[[], dict[str, Any]],
        client_id: str,
    ) -> None:
        """Run a service; answer the sender with an `ack` or an error frame."""
        try:
            answer = await database_sync_to_async(self._run)(work)
        except _LostAccess:
            await self._close(protocol.CLOSE_NOT_FOUND)
            return
        except PostingRefused as error:
            code = error.code if error.code in _OWN_CODES else protocol.ERROR_FORBIDDEN
            await self._error(code, str(error.message), client_id=client_id)
            return
        except ValidationError as error:
            field = next(iter(error.message_dict), "") if hasattr(error, "error_dict") else ""
            await self._error(
                protocol.ERROR_INVALID, " ".join(error.messages), client_id=client_id, field=field
            )
            return
        except PermissionDenied as error:
            await self._error(
                protocol.ERROR_FORBIDDEN,
                str(error) or _("You may not do this here."),
                client_id=client_id,
            )
            return
        through = answer.pop("through")
        ack = {"type": "ack", "request": request, **answer, "ts": events.iso(timezone.now())}
        await self.send_json({**ack, "client_id": client_id} if client_id else ack)
        if through > self.last_seq:
            # Its event is on its way through the group; read it only if it does not come
            # (a lost broadcast), so the sender always sees what it wrote.
            loop = asyncio.get_running_loop()
            loop.call_later(
                protocol.ECHO_GRACE,
                lambda: asyncio.ensure_future(self.ensure_through(through)),
            )

    def _run(self, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        answer = work()
        answer["through"] = (
            Thread.objects.filter(pk=self.thread_id).values_list("last_seq", flat=True).first() or 0
        )
        return answer

    async def _post_create(self, frame: dict[str, Any], client_id: str) -> None:
        text, reply_to = frame.get("text"), frame.get("reply_to")
        if not isinstance(text, str):
            await self._invalid(_("Write something first."), "text", client_id)
            return
        if reply_to is not None and not is_count(reply_to):
            await self._invalid(_("reply_to is the id of a post."), "reply_to", client_id)
            return

        def work() -> dict[str, Any]:
            user, found = self._fresh()
            reply = None
            if reply_to is not None:
                reply = Post.objects.filter(pk=reply_to, thread_id=self.thread_id).first()
                if reply is None:
                    raise ValidationError(
                        {"reply_to": [_("There is no such post in this thread.")]}
                    )
            post = services.post_create(
                author=user, thread=found.thread, text=text, reply_to=reply, client_id=client_id
            )
            return {
                "post": {"id": post.pk, "number": post.number},
                "repeated": bool(getattr(post, "repeated", False)),
            }

        await self._call("post.create", work, client_id)

    async def _post_react(self, frame: dict[str, Any], client_id: str) -> None:
        post_id, emoji = frame.get("post_id"), frame.get("emoji")
        if not is_count(post_id):
            await self._invalid(_("post_id is the id of a post."), "post_id", client_id)
            return
        if not isinstance(emoji, str):
            await self._invalid(_("Choose a reaction."), "emoji", client_id)
            return

        def work() -> dict[str, Any]:
            user, found = self._fresh()
            post = Post.objects.filter(pk=post_id, thread_id=self.thread_id).first()
            if post is None or (
                post.is_hidden and not (found.access.is_moderator or post.author_id == user.pk)
            ):
                raise ValidationError({"post_id": [_("There is no such post in this thread.")]})
            post.thread = found.thread
            counts = services.reaction_toggle(user=user, post=post, emoji=emoji)
            mine = Reaction.objects.filter(post=post, user=user, emoji=emoji).exists()
            return {"post_id": post.pk, "emoji": emoji, "reactions": counts, "mine": mine}

        await self._call("post.react", work, client_id)

    async def _thread_read(self, frame: dict[str, Any], client_id: str) -> None:
        number = frame.get("number")
        if not is_count(number):
            await self._invalid(_("number is a post number."), "number", client_id)
            return

        def work() -> dict[str, Any]:
            user, found = self._fresh()
            state = services.read_mark(user=user, thread=found.thread, number=number)
            return {"number": state.last_read_number}

        await self._call("thread.read", work, client_id)

    # --- Gap filling --------------------------------------------------------------------

    async def _fetch(self, frame: dict[str, Any], client_id: str) -> None:
        after, before = frame.get("after", 0), frame.get("before")
        if not is_count(after) or not (before is None or is_count(before)):
            await self._invalid(_("after and before are whole numbers."), "after", client_id)
            return
        for event in await database_sync_to_async(events.frames_after)(
            self.thread_id, after, before
        ):
            # Asked for: sent even if this socket sent it before.
            await self.send_json(event)
            if event["seq"] == self.last_seq + 1 and self.backlog is None:
                self.last_seq = event["seq"]
                await self._after_sent(event)

    # --- Sending stored events, in order and once ---------------------------------------

    def _frames_after(self, after: int, before: int | None) -> list[dict[str, Any]]:
        return events.frames_after(self.thread_id, after, before)

    async def _deliver(self, frame: dict[str, Any], text: str | None) -> None:
        await self.send_json(frame)

    def _stream(self) -> str:
        return f"Thread {self.thread_id}"

    async def _after_sent(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == events.THREAD_MOVED:
            await self._moved()

    async def _moved(self) -> None:
        """The thread is in another community now: may this person still read it? Their
        community group follows it, so that a silence there reaches this socket."""
        community_id = await database_sync_to_async(self._readable_in)()
        if community_id is None:
            await self._close(protocol.CLOSE_NOT_FOUND)
            return
        if community_id != self.community_id:
            old = groups.community_member(self.community_id, self.user.pk)
            new = groups.community_member(community_id, self.user.pk)
            await self.channel_layer.group_add(new, self.channel_name)
            self.groups_joined.append(new)
            await self.channel_layer.group_discard(old, self.channel_name)
            self.groups_joined.remove(old)
            self.community_id = community_id

    def _readable_in(self) -> int | None:
        try:
            _user, found = self._fresh()
        except _LostAccess:
            return None
        return found.thread.community_id

    # --- Channel-layer messages ---------------------------------------------------------

    async def thread_event(self, message: dict[str, Any]) -> None:
        await self.offer(message["event"])

    async def thread_recheck(self, message: dict[str, Any]) -> None:
        """The community stopped being public: a reader who is not a member goes (4404)."""
        await self._moved()

    async def thread_kick(self, message: dict[str, Any]) -> None:
        await self._close(protocol.CLOSE_FORBIDDEN)

    async def user_disconnect(self, message: dict[str, Any]) -> None:
        await self._close(protocol.CLOSE_SESSION_ENDED)

    async def notifications_count(self, message: dict[str, Any]) -> None:
        """For `/ws/me/`: this socket is in the user's group only to be closed with it."""

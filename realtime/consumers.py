from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from realtime import groups, protocol


class UserConsumer(AsyncJsonWebsocketConsumer):
    """A signed-in person's own socket: `/ws/me/`.

    It is how the server reaches a person wherever they are connected: the notification
    services push the unread count through it (`notifications.count`, for the navigation
    badge), and logging out (or a ban) closes every socket the user has.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first: a close before accepting is an HTTP 403 and the browser never
            # sees the code that tells it to sign in rather than retry.
            await self.accept()
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        self.group = groups.user(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": protocol.FRAME_HELLO, "user": user.pk})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        # Any frame, even binary or not JSON, gets the answer: decoding it first would crash
        # the consumer on malformed input.
        await self.send_json(
            {
                "type": protocol.FRAME_ERROR,
                "code": "unsupported",
                "message": "This socket only listens.",
            }
        )

    async def notifications_count(self, event: dict[str, Any]) -> None:
        unread = event.get("unread")
        if isinstance(unread, int) and not isinstance(unread, bool) and unread >= 0:
            await self.send_json({"type": protocol.FRAME_NOTIFICATIONS_COUNT, "unread": unread})

    async def user_disconnect(self, event: dict[str, Any]) -> None:
        await self.close(code=protocol.CLOSE_SESSION_ENDED)

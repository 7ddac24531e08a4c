"""Send to channel-layer groups from synchronous service code.

Services call these only inside `transaction.on_commit`, so listeners never hear of a row
that was rolled back. A channel layer is at-most-once: what must not be lost is persisted
by the service before it is broadcast.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from realtime import groups, protocol

logger = logging.getLogger(__name__)


def send_group(group: str, message: dict[str, object]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # A broadcast failing must not fail the request that already committed its data.
        logger.exception("Broadcast to %s failed", group)


def user_disconnect(user_id: int) -> None:
    send_group(groups.user(user_id), {"type": protocol.USER_DISCONNECT})

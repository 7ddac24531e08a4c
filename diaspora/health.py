"""`GET /healthz`: is this process able to reach its database and its channel layer?"""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

CHANNEL_LAYER_TIMEOUT = 2.0


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


async def _check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "error: no channel layer configured"
    try:
        channel = await layer.new_channel("healthz.")
        token = uuid.uuid4().hex
        async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT):
            await layer.send(channel, {"type": "healthz", "token": token})
            message = await layer.receive(channel)
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok" if message.get("token") == token else "error: wrong message"


async def healthz(request: HttpRequest) -> JsonResponse:
    database = await sync_to_async(_check_database, thread_sensitive=True)()
    channel_layer = await _check_channel_layer()
    healthy = database == "ok" and channel_layer == "ok"
    body = {
        "status": "ok" if healthy else "error",
        "database": database,
        "channel_layer": channel_layer,
    }
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response

"""What the websocket tests share: a channel layer of their own per test, signed-in headers
for a communicator, and communicators that are closed whatever happens."""

import copy
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from diaspora.accounts.models import User

ORIGIN = (b"origin", b"http://testserver")
Headers = list[tuple[bytes, bytes]]


@pytest.fixture(autouse=True)
def own_channel_layer(settings: Any) -> None:
    """A fresh layer per test; on Redis, a prefix of its own so no other run can reach it."""
    layers: dict[str, Any] = copy.deepcopy(django_settings.CHANNEL_LAYERS)
    if "CONFIG" in layers["default"]:
        layers["default"]["CONFIG"]["prefix"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()


@pytest.fixture
def headers_of(login: Callable[[User], Client]) -> Callable[[User], Headers]:
    """The headers a signed-in browser's websocket would send."""

    def make(user: User) -> Headers:
        client = login(user)
        return [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]

    return make


@pytest.fixture
async def open_sockets() -> AsyncIterator[list[WebsocketCommunicator]]:
    """Every communicator a test opens is disconnected at the end, whatever happened."""
    sockets: list[WebsocketCommunicator] = []
    yield sockets
    for socket in sockets:
        await socket.disconnect()
    # The consumers' database work runs in asgiref's one sync thread: close its connection,
    # or PostgreSQL cannot drop the test database at the end.
    await sync_to_async(connections.close_all)()

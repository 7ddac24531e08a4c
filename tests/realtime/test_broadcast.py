"""`realtime.broadcast`: group sends from synchronous service code, never failing the caller."""

import asyncio
import logging
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.db import transaction

from diaspora.accounts.services import account_close_sockets
from realtime import broadcast, groups, protocol


class _BrokenLayer(InMemoryChannelLayer):
    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        raise ConnectionError("Redis went away")


async def _listen(group: str) -> str:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def _next_message(channel: str, timeout: float = 3) -> dict[str, Any]:
    layer = get_channel_layer()
    assert layer is not None
    return await asyncio.wait_for(layer.receive(channel), timeout=timeout)


async def test_it_sends_to_every_member_of_the_group() -> None:
    first = await _listen("lobby.7")
    second = await _listen("lobby.7")
    outsider = await _listen("lobby.8")

    await sync_to_async(broadcast.send_group)("lobby.7", {"type": "lobby.news", "n": 1})

    assert await _next_message(first) == {"type": "lobby.news", "n": 1}
    assert await _next_message(second) == {"type": "lobby.news", "n": 1}
    with pytest.raises(TimeoutError):
        await _next_message(outsider, timeout=0.2)


async def test_it_tells_a_users_group_to_disconnect() -> None:
    channel = await _listen(groups.user(42))

    await sync_to_async(broadcast.user_disconnect)(42)

    assert await _next_message(channel) == {"type": protocol.USER_DISCONNECT}
    assert groups.user(42) == "user.42"


def test_it_swallows_and_logs_a_failing_layer(caplog: pytest.LogCaptureFixture) -> None:
    with (
        mock.patch.object(broadcast, "get_channel_layer", return_value=_BrokenLayer()),
        caplog.at_level(logging.ERROR, logger="realtime.broadcast"),
    ):
        broadcast.user_disconnect(42)  # must not raise

    [record] = [r for r in caplog.records if r.name == "realtime.broadcast"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Broadcast to user.42 failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ConnectionError)


def test_it_swallows_and_logs_an_unreachable_redis(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "test-bc-unreachable"},
        }
    }
    channel_layers.backends.clear()

    with caplog.at_level(logging.ERROR, logger="realtime.broadcast"):
        broadcast.user_disconnect(42)  # must not raise

    assert [r.getMessage() for r in caplog.records if r.name == "realtime.broadcast"] == [
        "Broadcast to user.42 failed"
    ]


def test_it_does_nothing_without_a_channel_layer(caplog: pytest.LogCaptureFixture) -> None:
    with mock.patch.object(broadcast, "get_channel_layer", return_value=None):
        broadcast.send_group("lobby.7", {"type": "lobby.news"})

    assert not [r for r in caplog.records if r.name == "realtime.broadcast"]


@pytest.mark.django_db
def test_it_closes_sockets_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        mock.patch.object(broadcast, "user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        account_close_sockets(user_id=42)
        disconnect.assert_not_called()

    assert len(callbacks) == 1
    disconnect.assert_called_once_with(42)


@pytest.mark.django_db
def test_it_does_not_close_sockets_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        mock.patch.object(broadcast, "user_disconnect") as disconnect,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        account_close_sockets(user_id=42)
        raise RuntimeError("the service failed after asking")

    assert callbacks == []
    disconnect.assert_not_called()

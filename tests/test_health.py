"""`GET /healthz`: 200 when the database and the channel layer answer, 503 naming what failed."""

import copy
import time
import uuid
from typing import Any
from unittest import mock

import pytest
from channels.layers import InMemoryChannelLayer, channel_layers
from django.conf import settings as django_settings
from django.db import OperationalError, connections
from django.test import Client

from diaspora import health

pytestmark = pytest.mark.django_db


class _BrokenLayer(InMemoryChannelLayer):
    async def send(self, channel: str, message: dict[str, Any]) -> None:
        raise ConnectionError("channel layer is down")


class _SilentLayer(InMemoryChannelLayer):
    """Accepts every message and never delivers one, like a wedged backend."""

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        return None


@pytest.fixture
def redis_layer_settings(settings: Any, redis_url: str) -> Any:
    """Use the project's own Redis layer configuration, under a prefix of its own."""
    configured: dict[str, Any] = copy.deepcopy(django_settings.CHANNEL_LAYERS["default"])
    assert configured["BACKEND"] == "channels_redis.core.RedisChannelLayer"

    def use(address: str | None = None) -> None:
        layer = copy.deepcopy(configured)
        layer["CONFIG"]["prefix"] = f"test-health-{uuid.uuid4().hex[:8]}"
        if address is not None:
            layer["CONFIG"]["hosts"] = [
                {**host, "address": address} for host in layer["CONFIG"]["hosts"]
            ]
        settings.CHANNEL_LAYERS = {"default": layer}
        channel_layers.backends.clear()

    yield use
    channel_layers.backends.clear()


def test_it_reports_ok_when_everything_answers(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_it_reports_503_naming_the_database_when_it_is_down(client: Client) -> None:
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("server closed")
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error: OperationalError",
        "channel_layer": "ok",
    }


def test_it_reports_503_naming_the_channel_layer_when_it_fails(client: Client) -> None:
    with mock.patch.object(health, "get_channel_layer", return_value=_BrokenLayer()):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "channel_layer": "error: ConnectionError",
    }


def test_it_reports_503_when_the_channel_layer_never_delivers(client: Client) -> None:
    with (
        mock.patch.object(health, "get_channel_layer", return_value=_SilentLayer()),
        mock.patch.object(health, "CHANNEL_LAYER_TIMEOUT", 0.05),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error: TimeoutError"


def test_it_reports_503_when_no_channel_layer_is_configured(client: Client) -> None:
    with mock.patch.object(health, "get_channel_layer", return_value=None):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error: no channel layer configured"


def test_it_reports_ok_through_redis(client: Client, redis_layer_settings: Any) -> None:
    redis_layer_settings()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert type(channel_layers["default"]).__name__ == "RedisChannelLayer"


def test_it_reports_503_quickly_when_redis_is_unreachable(
    client: Client, redis_layer_settings: Any
) -> None:
    redis_layer_settings("redis://127.0.0.1:1/0")

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["channel_layer"].startswith("error: ")
    assert elapsed < health.CHANNEL_LAYER_TIMEOUT + 2

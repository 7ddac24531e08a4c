"""In CI (REQUIRE_SERVICES=1) the suite must really run against PostgreSQL and Redis."""

import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_it_runs_on_postgresql_when_required(postgres: None) -> None:
    assert connection.vendor == "postgresql"


def test_it_uses_redis_channel_layer_when_required(redis_url: str) -> None:
    assert os.environ["REDIS_URL"] == redis_url
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"

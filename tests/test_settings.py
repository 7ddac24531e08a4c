"""Settings are read from the environment at import, so each case runs in a fresh process.

The subprocess gets a clean environment: CI exports DATABASE_URL, REDIS_URL and friends,
and they must not leak into a case that did not ask for them.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

# Only what a Python process needs to start; every setting comes from `env` below.
_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")

_DUMP = """
import json
from django.conf import settings

print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "NAME": str(settings.DATABASES["default"]["NAME"]),
    "HOST": settings.DATABASES["default"].get("HOST", ""),
    "PORT": settings.DATABASES["default"].get("PORT", ""),
    "USER": settings.DATABASES["default"].get("USER", ""),
    "CHANNEL_LAYERS": settings.CHANNEL_LAYERS,
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION", ""),
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": settings.EMAIL_HOST,
    "EMAIL_PORT": getattr(settings, "EMAIL_PORT", None),
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "ACCOUNT_EMAIL_VERIFICATION": settings.ACCOUNT_EMAIL_VERIFICATION,
    "ACCOUNT_DEFAULT_HTTP_PROTOCOL": settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL,
    "SECRET_KEY_LENGTH": len(settings.SECRET_KEY),
}))
"""


def _env(**values: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in _KEEP if key in os.environ}
    env["DJANGO_SETTINGS_MODULE"] = "diaspora.settings"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(values)
    return env


def _run(args: list[str], **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=_env(**values),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _settings(**values: str) -> dict[str, object]:
    result = _run(["-c", _DUMP], **values)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _secret_key() -> str:
    return secrets.token_urlsafe(50)


def _production(**values: str) -> dict[str, str]:
    return {"DEBUG": "0", "SECRET_KEY": _secret_key(), "ALLOWED_HOSTS": "example.org", **values}


def test_it_runs_embedded_with_only_debug_set() -> None:
    loaded = _settings(DEBUG="1")

    assert loaded["DEBUG"] is True
    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["NAME"] == str(BASE_DIR / "db.sqlite3")
    assert loaded["CHANNEL_LAYERS"] == {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    assert loaded["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert loaded["ACCOUNT_EMAIL_VERIFICATION"] == "optional"
    assert "testserver" in loaded["ALLOWED_HOSTS"]  # type: ignore[operator]
    # The development key is only handed out when DEBUG is on.
    assert loaded["SECRET_KEY_LENGTH"] >= 50  # type: ignore[operator]


def test_it_refuses_to_start_without_secret_key_when_debug_is_off() -> None:
    result = _run(["-c", _DUMP], DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_it_refuses_to_start_when_debug_is_unset_and_secret_key_missing() -> None:
    # DEBUG defaults to off: forgetting every variable must not start an insecure server.
    result = _run(["-c", _DUMP])

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_it_names_debug_when_its_value_is_not_understood(value: str) -> None:
    result = _run(["-c", _DUMP], DEBUG=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"DEBUG must be one of 1/0, true/false, yes/no, on/off; got '{value}'" in result.stderr


def test_it_names_a_number_setting_that_is_not_a_number() -> None:
    result = _run(["-c", _DUMP], DEBUG="1", DIRECTORY_PAGE_SIZE="twenty")

    assert result.returncode != 0
    assert "DIRECTORY_PAGE_SIZE must be a whole number; got 'twenty'" in result.stderr


def test_it_refuses_an_unknown_live_fanout() -> None:
    result = _run(["-c", _DUMP], DEBUG="1", LIVE_FANOUT="broadcast")

    assert result.returncode != 0
    assert "LIVE_FANOUT is process or socket." in result.stderr


def test_it_uses_postgresql_from_database_url() -> None:
    loaded = _settings(
        DEBUG="1", DATABASE_URL="postgres://dkn:secret@db.internal:6543/diaspora_prod"
    )

    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["NAME"] == "diaspora_prod"
    assert loaded["HOST"] == "db.internal"
    assert loaded["PORT"] == 6543
    assert loaded["USER"] == "dkn"


def test_it_uses_redis_for_channel_layer_and_cache_from_redis_url() -> None:
    loaded = _settings(DEBUG="1", REDIS_URL="redis://cache.internal:6380/2")

    layer = loaded["CHANNEL_LAYERS"]["default"]  # type: ignore[index]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    [host] = layer["CONFIG"]["hosts"]
    assert host["address"] == "redis://cache.internal:6380/2"
    assert layer["CONFIG"]["prefix"] == "dkn"
    assert loaded["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["CACHE_LOCATION"] == "redis://cache.internal:6380/2"


def test_it_lets_redis_reads_outlast_the_channel_layers_blocking_wait() -> None:
    # channels-redis blocks in BZPOPMIN for `brpop_timeout` seconds waiting for a message;
    # a shorter socket read timeout (redis-py 8 defaults to 5 s) kills every idle consumer.
    result = _run(
        [
            "-c",
            "from django.conf import settings; from channels_redis.core import RedisChannelLayer;"
            "[host] = settings.CHANNEL_LAYERS['default']['CONFIG']['hosts'];"
            "print(host.get('socket_timeout', 'unset'), RedisChannelLayer.brpop_timeout)",
        ],
        DEBUG="1",
        REDIS_URL="redis://cache.internal:6380/2",
    )
    assert result.returncode == 0, result.stderr
    socket_timeout, brpop_timeout = result.stdout.split()

    assert socket_timeout != "unset"
    assert socket_timeout == "None" or float(socket_timeout) > float(brpop_timeout)


def test_it_sends_mail_over_smtp_when_email_host_is_set() -> None:
    loaded = _settings(DEBUG="1", EMAIL_HOST="smtp.example.org", EMAIL_PORT="2525")

    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["EMAIL_HOST"] == "smtp.example.org"
    assert loaded["EMAIL_PORT"] == 2525


def test_it_secures_cookies_and_transport_when_debug_is_off() -> None:
    loaded = _settings(**_production())

    assert loaded["DEBUG"] is False
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] >= 31_536_000  # type: ignore[operator]
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded["ALLOWED_HOSTS"] == ["example.org"]
    assert loaded["ACCOUNT_DEFAULT_HTTP_PROTOCOL"] == "https"


_CLIENT_IP = """
import django
django.setup()
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

# What nginx's `proxy_add_x_forwarded_for` sends: any header the client forged, then its address.
request = RequestFactory().post(
    "/accounts/login/",
    REMOTE_ADDR="127.0.0.1",
    HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5",
)
print(get_adapter().get_client_ip(request))
"""


def test_it_rate_limits_the_client_behind_the_proxy_not_the_proxy() -> None:
    # Every request reaches Daphne from the proxy at 127.0.0.1: counting per-IP rate limits
    # by that address would let ten wrong passwords a minute lock everybody out.
    result = _run(["-c", _CLIENT_IP], **_production())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "203.0.113.5"


def test_it_trusts_no_forwarded_address_without_a_proxy() -> None:
    result = _run(["-c", _CLIENT_IP], **_production(BEHIND_TLS_PROXY="0"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "127.0.0.1"


def test_it_makes_email_verification_mandatory_when_debug_is_off() -> None:
    loaded = _settings(**_production())

    assert loaded["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"


def test_it_refuses_optional_email_verification_when_debug_is_off() -> None:
    result = _run(["-c", _DUMP], **_production(ACCOUNT_EMAIL_VERIFICATION="optional"))

    assert result.returncode != 0
    assert "Email verification must be mandatory when DEBUG is off" in result.stderr


def test_it_passes_the_deployment_checks_in_production() -> None:
    result = _run(["manage.py", "check", "--deploy"], **_production())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout

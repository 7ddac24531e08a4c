"""`mentoring.rooms.rtc`: the ICE servers and the mesh limit a room page gives its script."""

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest

from mentoring.rooms.rtc import call_config, ice_servers, turn_credentials

STUN = ["stun:stun.example.org:3478"]
TURN = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]


@pytest.fixture(autouse=True)
def _no_servers(settings: Any) -> None:
    settings.RTC_STUN_URLS = []
    settings.RTC_TURN_URLS = []
    settings.RTC_TURN_USERNAME = ""
    settings.RTC_TURN_CREDENTIAL = ""
    settings.RTC_TURN_SECRET = ""
    settings.RTC_TURN_TTL = 6 * 3600
    settings.RTC_MESH_LIMIT = 6


def test_without_servers_there_are_none() -> None:
    assert ice_servers(7) == []


def test_stun_servers_need_no_credentials(settings: Any) -> None:
    settings.RTC_STUN_URLS = STUN
    assert ice_servers(7) == [{"urls": STUN}]


def test_a_fixed_turn_login_is_given_as_set(settings: Any) -> None:
    settings.RTC_STUN_URLS = STUN
    settings.RTC_TURN_URLS = TURN
    settings.RTC_TURN_USERNAME = "diaspora"
    settings.RTC_TURN_CREDENTIAL = "fixed-password"
    assert ice_servers(7) == [
        {"urls": STUN},
        {"urls": TURN, "username": "diaspora", "credential": "fixed-password"},
    ]


def test_a_shared_secret_gives_each_person_a_login_that_expires(settings: Any) -> None:
    """coturn's REST scheme (use-auth-secret): username `<expiry>:<user>`, password
    base64(HMAC-SHA1(secret, username)). The vector was computed with
    `echo -n 1700021600:7 | openssl dgst -sha1 -hmac north -binary | base64`."""
    settings.RTC_TURN_SECRET = "north"
    settings.RTC_TURN_USERNAME = "ignored"
    settings.RTC_TURN_CREDENTIAL = "ignored"
    settings.RTC_TURN_TTL = 6 * 3600
    assert turn_credentials(7, now=1_700_000_000) == (
        "1700021600:7",
        "zcJtH70rMuONO0aRtBsuHTeML2Y=",
    )

    settings.RTC_TURN_URLS = TURN
    before = time.time()
    [server] = ice_servers(7)
    after = time.time()
    assert server["urls"] == TURN
    expires, user = server["username"].split(":")
    assert user == "7"
    assert before + 6 * 3600 - 1 <= int(expires) <= after + 6 * 3600
    digest = hmac.new(b"north", server["username"].encode(), hashlib.sha1).digest()
    assert server["credential"] == base64.b64encode(digest).decode()
    # Another person, another login.
    assert ice_servers(8)[0]["username"].endswith(":8")
    assert ice_servers(8)[0]["credential"] != server["credential"]


def test_the_ttl_comes_from_settings(settings: Any) -> None:
    settings.RTC_TURN_SECRET = "north"
    settings.RTC_TURN_TTL = 60
    username, _password = turn_credentials(3, now=1000.5)
    assert username == "1060:3"


def test_the_mesh_limit_comes_from_settings_and_the_link_from_the_session(
    settings: Any,
) -> None:
    settings.RTC_MESH_LIMIT = 4
    settings.RTC_STUN_URLS = STUN
    assert call_config(7, "https://meet.example.org/x") == {
        "ice_servers": [{"urls": STUN}],
        "mesh_limit": 4,
        "external_url": "https://meet.example.org/x",
    }
    assert call_config(7, "")["external_url"] == ""

"""What a browser needs to place a call in a live room: ICE servers and the mesh limit.

TURN credentials reach only people let into the room. With a shared secret (coturn's
`use-auth-secret`), each person gets a login that expires, so a leaked page is worth little:
the username is `<expiry>:<user id>` and the password base64(HMAC-SHA1(secret, username)),
the scheme coturn checks.
"""

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings


def turn_credentials(user_id: int, *, now: float | None = None) -> tuple[str, str]:
    """The TURN username and password for this person, from settings."""
    secret = settings.RTC_TURN_SECRET
    if not secret:
        return settings.RTC_TURN_USERNAME, settings.RTC_TURN_CREDENTIAL
    expires = int((time.time() if now is None else now) + settings.RTC_TURN_TTL)
    username = f"{expires}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(user_id: int) -> list[dict[str, Any]]:
    """RTCPeerConnection's `iceServers` for this person."""
    servers: list[dict[str, Any]] = []
    if settings.RTC_STUN_URLS:
        servers.append({"urls": list(settings.RTC_STUN_URLS)})
    if settings.RTC_TURN_URLS:
        username, credential = turn_credentials(user_id)
        servers.append(
            {"urls": list(settings.RTC_TURN_URLS), "username": username, "credential": credential}
        )
    return servers


def call_config(user_id: int, external_url: str) -> dict[str, Any]:
    return {
        "ice_servers": ice_servers(user_id),
        "mesh_limit": settings.RTC_MESH_LIMIT,
        "external_url": external_url,
    }

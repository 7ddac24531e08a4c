"""Calls in the live room in real browsers: two Chromium contexts with fake cameras and
microphones, signalling through a real Daphne (tests/browser/live_server.py).

Headless Chromium hides the machine's addresses behind mDNS names (the page gathers its ICE
candidates when it joins, before any camera is on); both pages live in one browser, which
resolves its own names, so no `--disable-features=WebRtcHideLocalIpsWithMdns` is needed: the
test takes the path a real browser takes. No STUN or TURN server either: host candidates
suffice on one machine.
"""

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from mentoring.scheduling.models import LiveSession
from tests.browser import live_server
from tests.browser.conftest import launched
from tests.browser.live_server import DaphneServer, Room, open_room, running_daphne

# Fixtures shared by the browser tests of the live room.
daphne_server = live_server.daphne_server
room = live_server.room
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
EXTERNAL = "https://meet.example.org/week-1-cohorts"

# Every RTCPeerConnection the page makes, for the test to look at.
RECORD_CONNECTIONS = """
window.__pcs = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(...args) { super(...args); window.__pcs.push(this); }
};
"""
CONNECTED = """() => window.__pcs.some((pc) =>
  pc.connectionState === "connected" ||
  ["connected", "completed"].includes(pc.iceConnectionState))"""
# The other person's tile plays their camera: a live video track with frames.
REMOTE_VIDEO = """() => {
  const video = document.querySelector("#call-tiles [data-peer] video");
  if (!video || !video.srcObject) return false;
  const tracks = video.srcObject.getVideoTracks();
  return tracks.some((t) => t.readyState === "live") && video.videoWidth > 0;
}"""


@pytest.fixture
def browser(chromium_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Chromium with a fake camera and microphone that it may use without asking."""
    with launched(chromium_path, monkeypatch, *FAKE_MEDIA) as browser:
        yield browser


@pytest.fixture
def linked_room(room: Room) -> Room:
    """The room, with an external video link for when the call is full."""
    LiveSession.objects.filter(pk=room.session.pk).update(external_url=EXTERNAL)
    return room


@pytest.fixture
def small_daphne(postgres: None) -> Iterator[DaphneServer]:
    """Daphne with calls of at most one person."""
    with running_daphne(RTC_MESH_LIMIT="1") as server:
        yield server


def test_two_people_call_each_other_through_the_room(
    daphne_server: DaphneServer, room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    host = open_room(browser, daphne_server, room.host_cookie, room, init_script=RECORD_CONNECTIONS)
    guest = open_room(
        browser, daphne_server, room.learner_cookie, room, init_script=RECORD_CONNECTIONS
    )
    problems: list[str] = []
    for page in (host, guest):
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "warning" else None,
        )
    join = guest.get_by_role("button", name="Join the call")
    expect(guest.locator("#room-status")).to_have_text("Connected.")
    expect(join).to_be_disabled()  # the lobby
    host.get_by_role("button", name="Open the room").click()
    expect(join).to_be_enabled()

    # Joining turns nothing on; the host is there first, the learner calls her.
    host.get_by_role("button", name="Join the call").click()
    expect(host.get_by_role("button", name="Leave the call")).to_be_visible()
    expect(host.locator("#call-tiles .self")).to_contain_text("Muted · Camera off")
    join.click()
    for page in (host, guest):
        expect(page.locator("#call-count")).to_have_text("2 of 6")
        page.wait_for_function(CONNECTED, timeout=20_000)
    expect(host.locator("#call-tiles [data-peer]")).to_contain_text("Lina Learner")
    expect(guest.locator("#call-tiles [data-peer]")).to_contain_text("Alice")
    expect(guest.locator("#people")).to_contain_text("In the call")

    # Cameras on, one after the other: each sees the other's.
    host.get_by_role("button", name="Turn camera on").click()
    guest.get_by_role("button", name="Turn camera on").click()
    guest.get_by_role("button", name="Unmute microphone").click()
    for page in (host, guest):
        page.wait_for_function(REMOTE_VIDEO, timeout=20_000)
        expect(page.get_by_role("button", name="Turn camera off")).to_be_visible()
    expect(host.locator("#call-tiles [data-peer]")).not_to_contain_text("Camera off")
    expect(host.locator("#call-tiles [data-peer]")).not_to_contain_text("Muted")
    expect(guest.locator("#call-tiles [data-peer]")).to_contain_text("Muted")  # the host's mic
    assert host.evaluate(
        "document.querySelector('#call-tiles .self video').srcObject.getVideoTracks()[0].readyState"
    ) == ("live")

    if os.environ.get("SCREENSHOTS"):
        host.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "call-host.png"))

    # The learner leaves: the host's tile for her goes, and her camera is off.
    guest.get_by_role("button", name="Leave the call").click()
    expect(host.locator("#call-tiles [data-peer]")).to_have_count(0)
    expect(guest.locator("#call-tiles li")).to_have_count(0)
    expect(guest.get_by_role("button", name="Join the call")).to_be_enabled()
    assert guest.evaluate("window.__pcs.every((pc) => pc.connectionState === 'closed')")
    expect(host.locator("#call-count")).to_have_text("1 of 6")

    # She comes back: a new connection, connected again.
    guest.get_by_role("button", name="Join the call").click()
    expect(host.locator("#call-tiles [data-peer]")).to_have_count(1)
    guest.wait_for_function(
        "window.__pcs.length === 2 && window.__pcs[1].connectionState === 'connected'"
    )
    assert problems == [], problems  # no failed negotiation step, no script error


def test_a_full_call_offers_the_external_link(
    small_daphne: DaphneServer, linked_room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    room = linked_room
    host = open_room(
        browser,
        small_daphne,
        room.host_cookie,
        room,
        # The browser refuses the microphone: the host is told, and stays in the call.
        init_script="navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));",
    )
    host.get_by_role("button", name="Open the room").click()
    host.get_by_role("button", name="Join the call").click()
    host.get_by_role("button", name="Unmute microphone").click()
    expect(host.locator("#call-notice")).to_contain_text("did not allow the microphone")
    expect(host.get_by_role("button", name="Leave the call")).to_be_visible()

    guest = open_room(browser, small_daphne, room.learner_cookie, room)
    notice = guest.locator("#call-notice")
    # Presence already says the call is full.
    expect(notice).to_contain_text("The call is full (at most 1 person).")
    link = notice.get_by_role("link", name=re.compile("external video link"))
    expect(link).to_have_attribute("href", EXTERNAL)
    # Trying anyway: the server refuses, the page says the same.
    guest.evaluate(
        "window.__refusals = [];"
        "LiveRoom.on('frame', (f) => { if (f.code === 'call_full') window.__refusals.push(f); })"
    )
    guest.get_by_role("button", name="Join the call").click()
    guest.wait_for_function("window.__refusals.length === 1")
    expect(notice).to_contain_text("The call is full")
    expect(link).to_be_visible()
    expect(guest.get_by_role("button", name="Join the call")).to_be_enabled()
    expect(guest.get_by_role("button", name="Leave the call")).to_be_hidden()

    # The host leaves: there is room again.
    host.get_by_role("button", name="Leave the call").click()
    expect(notice).to_be_hidden()
    guest.get_by_role("button", name="Join the call").click()
    expect(guest.get_by_role("button", name="Leave the call")).to_be_visible()


# --- The script with a fake socket: the rest of what a real server rarely does ---------------

FAKE_SOCKET = """
window.__sockets = [];
window.WebSocket = class {
  constructor(url) {
    if (url.endsWith("/ws/me/")) return; // the navigation's socket (nav-live.js): never opens
    this.readyState = 0; this.sent = []; window.__sockets.push(this);
    setTimeout(() => { this.readyState = 1; }, 0);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close(code) { this.drop(code || 1000); }
  drop(code) { this.readyState = 3; if (this.onclose) this.onclose({ code: code }); }
  receive(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
};
window.WebSocket.OPEN = 1;
"""


def _receive(page: Any, *frames: dict[str, Any]) -> None:
    page.evaluate("(frames) => frames.forEach((f) => window.__sockets.at(-1).receive(f))", frames)


def _sent(page: Any, kind: str) -> list[dict[str, Any]]:
    frames = page.evaluate("window.__sockets.at(-1).sent")
    return [frame for frame in frames if frame["type"] == kind]


def _welcome(state: str) -> dict[str, Any]:
    user = {"id": 999, "name": "Lina Learner"}
    return {"type": "welcome", "role": "participant", "user": user, "state": state, "last_seq": 0}


def _presence(in_call: int) -> dict[str, Any]:
    people = [
        {"id": n, "name": f"Person {n}", "role": "participant", "in_call": n <= in_call}
        for n in range(1, 8)
    ]
    return {"type": "presence", "people": people}


def test_the_call_panel_follows_the_room_the_limit_and_the_connection(
    live_server: Any, room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": room.learner_cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(FAKE_SOCKET)
    page.goto(f"{live_server.url}/sessions/{room.session.pk}/room/")
    page.wait_for_function("window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    join = page.get_by_role("button", name="Join the call")
    notice = page.locator("#call-notice")

    _receive(page, _welcome("lobby"), _presence(0))
    expect(join).to_be_disabled()
    _receive(page, {"type": "room.state", "state": "open"})
    expect(join).to_be_enabled()

    # Six in the call, and no external link for this session.
    _receive(page, _presence(6))
    expect(notice).to_contain_text("The call is full (at most 6 people).")
    expect(notice).to_contain_text("The host has not set an external video link")
    expect(page.locator("#call-count")).to_have_text("6 of 6")
    _receive(page, _presence(5))
    expect(notice).to_be_hidden()

    join.click()
    [request] = _sent(page, "call.join")
    expect(join).to_be_disabled()  # waiting for the answer
    _receive(page, {"type": "call.joined", "members": [], "client_id": request["client_id"]})
    expect(page.get_by_role("button", name="Leave the call")).to_be_visible()
    expect(page.locator("#call-tiles .self")).to_contain_text("Lina Learner (you)")

    # The socket drops: out of the call, told why, free to join again once back.
    page.evaluate("window.__sockets[0].drop(1006)")
    expect(notice).to_contain_text("you left the call")
    expect(page.get_by_role("button", name="Leave the call")).to_be_hidden()
    expect(page.locator("#call-tiles li")).to_have_count(0)
    page.wait_for_function("window.__sockets.length === 2 && window.__sockets[1].readyState === 1")
    expect(join).to_be_disabled()
    _receive(page, _welcome("open"))
    expect(join).to_be_enabled()

"""The live room in real browsers, against a real Daphne serving HTTP and websockets
(tests/browser/live_server.py). The host and a learner on a phone sign in through two browser
contexts.
"""

import os
import re
import time
from typing import Any

import pytest

from tests.browser import live_server
from tests.browser.live_server import DaphneServer, Room, open_room

# Fixtures shared by the browser tests of the live room.
daphne_server = live_server.daphne_server
room = live_server.room
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chat_items(page: Any, text: str) -> Any:
    return page.locator("#chat-log > li", has_text=text)


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def open_and_join(browser: Any, server: DaphneServer, room: Room) -> tuple[Any, Any]:
    """The host opens the room, then the learner joins it from a phone."""
    host = open_room(browser, server, room.host_cookie, room)
    host.get_by_role("button", name="Open the room").click()
    return host, open_room(browser, server, room.learner_cookie, room, **PHONE)


def test_the_host_and_a_learner_chat_vote_and_follow_the_slides(
    daphne_server: DaphneServer, room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    host = open_room(browser, daphne_server, room.host_cookie, room)
    guest = open_room(browser, daphne_server, room.learner_cookie, room, **PHONE)

    # The lobby: the learner waits, the host opens.
    expect(guest.locator("#room-notice")).to_contain_text("Waiting for the host")
    expect(guest.get_by_label(re.compile("^Message"))).to_be_disabled()
    expect(host.locator("#people")).to_contain_text("Lina Learner")
    host.get_by_role("button", name="Open the room").click()
    expect(guest.locator("#room-notice")).to_be_hidden()
    expect(guest.get_by_label(re.compile("^Message"))).to_be_enabled()
    expect(host.get_by_role("button", name="End the session")).to_be_visible()

    # Chat: each sees the other's message, once.
    host.get_by_label(re.compile("^Message")).fill("Welcome, **everyone**")
    host.get_by_role("button", name="Send").click()
    guest.get_by_label(re.compile("^Message")).fill("Hello from Dakar")
    guest.get_by_role("button", name="Send").click()
    for page in (host, guest):
        expect(chat_items(page, "Welcome, everyone")).to_have_count(1)
        expect(chat_items(page, "Hello from Dakar")).to_have_count(1)
    expect(
        chat_items(guest, "Welcome, everyone").locator("strong", has_text="everyone")
    ).to_have_count(1)
    expect(chat_items(host, "Hello from Dakar")).to_contain_text("Lina Learner")

    # A poll: the host opens it, the learner votes, both see the tally.
    host.get_by_text("New poll").click()
    host.get_by_label("Question", exact=True).fill("Have you used a cohort design?")
    host.get_by_label(re.compile("^Choices")).fill("Yes\nNo\nNot sure")
    host.get_by_role("button", name="Open the poll").click()
    guest.get_by_role("radio", name="Yes").check()
    guest.get_by_role("button", name="Vote", exact=True).click()
    for page in (host, guest):
        expect(page.locator("#polls")).to_contain_text("Yes: 1 vote (100%)")
        expect(page.locator("#polls")).to_contain_text("No: 0 votes (0%)")
    expect(guest.get_by_role("button", name="Vote", exact=True)).to_have_count(0)  # once

    # Slides: the host picks the deck and moves on; the learner follows.
    host.locator("#slide-material").select_option(label="Cohorts deck")
    expect(guest.locator("#slide")).to_contain_text("Follow people over time.")
    expect(guest.locator("#slide-caption")).to_contain_text("Cohorts deck · Slide 1")
    host.get_by_role("button", name="Next").click()
    expect(guest.locator("#slide")).to_contain_text("Loss to follow-up.")
    expect(guest.locator("#slide-caption")).to_contain_text("Slide 2")
    expect(host.get_by_role("button", name="Next")).to_be_disabled()  # the last slide

    # Nothing arrived twice, and the phone needs no sideways scrolling.
    for page in (host, guest):
        expect(chat_items(page, "Hello from Dakar")).to_have_count(1)
    assert guest.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if os.environ.get("SCREENSHOTS"):
        for name, page in (("room-host", host), ("room-learner-phone", guest)):
            path = os.path.join(os.environ["SCREENSHOTS"], f"{name}.png")
            page.screenshot(path=path, full_page=True)


def test_a_message_sent_while_the_server_is_down_arrives_once_after_it_is_back(
    daphne_server: DaphneServer, room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    host = open_room(browser, daphne_server, room.host_cookie, room)
    host.get_by_role("button", name="Open the room").click()
    guest = open_room(browser, daphne_server, room.learner_cookie, room)
    guest.get_by_label(re.compile("^Message")).fill("Before the restart")
    guest.get_by_role("button", name="Send").click()
    expect(chat_items(host, "Before the restart")).to_have_count(1)

    daphne_server.stop()
    expect(guest.locator("#room-status")).to_contain_text("Reconnecting")
    guest.get_by_label(re.compile("^Message")).fill("While the server was down")
    guest.get_by_role("button", name="Send").click()
    expect(guest.locator("#room-pending")).to_contain_text("1 waiting to be sent")
    daphne_server.start()

    for page in (host, guest):
        expect(page.locator("#room-status")).to_have_text("Connected.", timeout=30_000)
        expect(chat_items(page, "While the server was down")).to_have_count(1)
        expect(chat_items(page, "Before the restart")).to_have_count(1)
    expect(guest.locator("#room-pending")).to_be_hidden()
    # In order: the resumed page applied the events by their sequence numbers.
    texts = guest.locator("#chat-log > li .prose").all_inner_texts()
    assert texts == ["Before the restart", "While the server was down"]


def test_the_host_removes_a_learner_who_is_disconnected_at_once_and_kept_out(
    daphne_server: DaphneServer, room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    from mentoring.rooms.models import Removal

    host, guest = open_and_join(browser, daphne_server, room)
    learner = host.locator("#people li", has_text="Lina Learner")
    expect(learner).to_be_visible()
    expect(host.locator("#people li", has_text="(you)").get_by_role("button")).to_have_count(0)
    expect(guest.locator("#people").get_by_role("button", name="Remove")).to_have_count(0)

    host.once("dialog", lambda dialog: dialog.accept("Posting adverts"))
    learner.get_by_role("button", name="Remove").click()

    expect(guest.locator("#room-notice")).to_contain_text("You were removed from this room")
    expect(guest.get_by_label(re.compile("^Message"))).to_be_disabled()
    expect(host.locator("#people")).not_to_contain_text("Lina Learner")
    removal = Removal.objects.get(room_id=room.session.pk)
    assert removal.reason == "Posting adverts"
    assert guest.reload().status == 404  # the page is gone for them, as for an outsider


def test_questions_hands_reactions_errors_and_the_end_of_the_session(
    daphne_server: DaphneServer, room: Room, browser: Any
) -> None:
    from playwright.sync_api import expect

    host, guest = open_and_join(browser, daphne_server, room)

    # Q&A: asked, upvoted once, answered.
    guest.get_by_label("Your question").fill("Is a *cohort* always prospective?")
    guest.get_by_role("button", name="Ask").click()
    expect(host.locator("#questions")).to_contain_text("Is a cohort always prospective?")
    guest.get_by_role("button", name="Upvote").click()
    expect(host.locator("#questions")).to_contain_text("1 vote")
    expect(guest.get_by_role("button", name="Upvoted")).to_be_disabled()
    host.get_by_role("button", name="Mark answered").click()
    expect(guest.locator("#questions")).to_contain_text("Answered")

    # A raised hand, lowered by the host.
    guest.get_by_role("button", name="Raise my hand").click()
    expect(host.locator("#hands")).to_contain_text("Lina Learner")
    host.locator("#hands").get_by_role("button", name="Lower").click()
    expect(guest.get_by_role("button", name="Raise my hand")).to_be_visible()
    expect(host.locator("#hands")).to_contain_text("No hands raised.")

    # A reaction reaches the host.
    guest.get_by_role("button", name="Applause").click()
    expect(host.locator("#reactions")).to_contain_text("Lina Learner reacted 👏")

    # The server's refusal shows beside the form, and what was typed comes back.
    host.get_by_text("New poll").click()
    host.get_by_label("Question", exact=True).fill("Which design?")
    host.get_by_label(re.compile("^Choices")).fill("Cohort\n" + "x" * 201)
    host.get_by_role("button", name="Open the poll").click()
    expect(host.locator('[data-error-for="poll-new"]')).to_contain_text("at most 200 characters")
    host.get_by_text("New poll").click()
    expect(host.get_by_label("Question", exact=True)).to_have_value("Which design?")

    # The end: everyone is told, and nothing can be sent any more.
    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the session").click()
    for page in (host, guest):
        expect(page.locator("#room-notice")).to_contain_text("This session has ended.")
        expect(page.get_by_label(re.compile("^Message"))).to_be_disabled()
    expect(host.get_by_role("button", name="Open the room")).to_be_hidden()


# --- The script on its own: a fake socket in the page, driven by the test -----------------
# These need no websocket server, so they run on any database with pytest-django's
# `live_server`: they check the rules of docs/live-protocol.md that a real server rarely
# exercises (duplicates, gaps, resuming, resending, backing off, final close codes).

FAKE_SOCKET = """
window.__sockets = [];
class FakeSocket {
  constructor(url) {
    if (url.endsWith("/ws/me/")) return; // the navigation's socket (nav-live.js): never opens
    this.url = url; this.readyState = 0; this.sent = []; window.__sockets.push(this);
    setTimeout(() => { this.readyState = 1; if (this.onopen) this.onopen({}); }, 0);
  }
  send(data) { this.sent.push(JSON.parse(data)); }
  close(code) { this.drop(code || 1000); }
  drop(code) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    if (this.onclose) this.onclose({ code: code });
  }
  receive(frame) { if (this.onmessage) this.onmessage({ data: JSON.stringify(frame) }); }
}
FakeSocket.CONNECTING = 0; FakeSocket.OPEN = 1; FakeSocket.CLOSING = 2; FakeSocket.CLOSED = 3;
window.WebSocket = FakeSocket;
"""


def _fake_room(browser: Any, live_server: Any, room: Room, *, clock: bool = False) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": room.learner_cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(FAKE_SOCKET)
    if clock:
        # The longest jitter every time, so each wait is exactly the ceiling.
        page.add_init_script("Math.random = () => 0.999999;")
        page.clock.install()
        page.clock.pause_at(time.time() + 60)  # time moves only when the test says
    page.goto(f"{live_server.url}/sessions/{room.session.pk}/room/")
    return page


def _sockets(page: Any) -> int:
    return int(page.evaluate("window.__sockets.length"))


def _receive(page: Any, *frames: dict[str, Any]) -> None:
    page.evaluate("(frames) => frames.forEach((f) => window.__sockets.at(-1).receive(f))", frames)


def _sent(page: Any, index: int = -1) -> list[dict[str, Any]]:
    return list(page.evaluate("(i) => window.__sockets.at(i).sent", index))


def _welcome(last_seq: int = 0, state: str = "open") -> dict[str, Any]:
    return {
        "type": "welcome",
        "role": "participant",
        "user": {"id": 999, "name": "Lina Learner"},
        "state": state,
        "last_seq": last_seq,
        "ts": "2030-01-01T10:00:00Z",
    }


def _chat(seq: int, text: str, client_id: str = "") -> dict[str, Any]:
    return {
        "type": "chat.message",
        "seq": seq,
        "ts": "2030-01-01T10:00:00Z",
        "author": {"id": 7, "name": "Alice Ndiaye"},
        "html": f"<p>{text}</p>",
        "client_id": client_id,
    }


def test_the_script_applies_each_event_once_in_order_and_asks_for_a_gap(
    live_server: Any, room: Room, browser: Any
) -> None:
    page = _fake_room(browser, live_server, room)
    page.wait_for_function("window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    assert page.evaluate("window.__sockets[0].url").endswith(f"/ws/live/{room.session.pk}/")
    _receive(page, _welcome(last_seq=1), _chat(1, "one"), _chat(1, "one"), _chat(3, "three"))
    fetch = [frame for frame in _sent(page) if frame["type"] == "events.fetch"]
    assert len(fetch) == 1
    assert (fetch[0]["after"], fetch[0]["before"]) == (1, 3)
    assert fetch[0]["client_id"]
    assert page.locator("#chat-log > li .prose").all_inner_texts() == ["one"]  # three waits
    _receive(page, _chat(2, "two"), _chat(3, "three"), _chat(2, "two"))
    assert page.locator("#chat-log > li .prose").all_inner_texts() == ["one", "two", "three"]


def test_the_script_resumes_after_the_last_event_and_sends_again_what_was_not_acknowledged(
    live_server: Any, room: Room, browser: Any
) -> None:
    page = _fake_room(browser, live_server, room)
    page.wait_for_function("window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    _receive(page, _welcome(last_seq=2), _chat(1, "one"), _chat(2, "two"))
    page.get_by_label(re.compile("^Message")).fill("Are the slides shared?")
    page.get_by_role("button", name="Send").click()
    first = [frame for frame in _sent(page) if frame["type"] == "chat.send"]
    assert len(first) == 1 and first[0]["text"] == "Are the slides shared?"
    client_id = first[0]["client_id"]

    page.evaluate("window.__sockets[0].drop(1006)")  # gone before the echo came
    page.wait_for_function("window.__sockets.length === 2")
    assert page.evaluate("window.__sockets[1].url").endswith("?after=2")
    assert "1 waiting to be sent" in page.locator("#room-pending").inner_text()
    page.wait_for_function("window.__sockets[1].readyState === 1")
    assert [f for f in _sent(page) if f["type"] == "chat.send"] == []  # not before welcome
    _receive(page, _welcome(last_seq=2))
    again = [frame for frame in _sent(page) if frame["type"] == "chat.send"]
    assert [(f["client_id"], f["text"]) for f in again] == [(client_id, "Are the slides shared?")]

    _receive(page, _chat(3, "Are the slides shared?", client_id))  # the echo acknowledges
    page.evaluate("window.__sockets[1].drop(1006)")
    page.wait_for_function("window.__sockets.length === 3 && window.__sockets[2].readyState === 1")
    assert page.evaluate("window.__sockets[2].url").endswith("?after=3")
    _receive(page, _welcome(last_seq=3))
    assert [f for f in _sent(page) if f["type"] == "chat.send"] == []
    assert page.locator("#chat-log > li .prose").all_inner_texts() == [
        "one",
        "two",
        "Are the slides shared?",
    ]


def test_the_script_backs_off_up_to_15_seconds_and_stops_on_a_final_close(
    live_server: Any, room: Room, browser: Any
) -> None:
    page = _fake_room(browser, live_server, room, clock=True)
    page.clock.run_for(10)
    assert _sockets(page) == 1
    waits = []
    for _attempt in range(7):
        page.evaluate("window.__sockets.at(-1).drop(1006)")
        before = _sockets(page)
        waited = 0
        while _sockets(page) == before and waited < 20_000:
            page.clock.run_for(100)
            waited += 100
        waits.append(waited)
        page.clock.run_for(10)  # it opens
    assert waits == [500, 1000, 2000, 4000, 8000, 15000, 15000]

    # Welcomed, the next loss starts again from the shortest wait.
    _receive(page, _welcome())
    page.evaluate("window.__sockets.at(-1).drop(1006)")
    count = _sockets(page)
    page.clock.run_for(500)
    assert _sockets(page) == count + 1

    page.clock.run_for(10)
    page.evaluate("window.__sockets.at(-1).drop(4403)")
    count = _sockets(page)
    page.clock.run_for(120_000)
    assert _sockets(page) == count  # removed: no more tries
    assert "You were removed from this room" in page.locator("#room-notice").inner_text()
    assert page.get_by_label(re.compile("^Message")).is_disabled()


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (4401, "Sign in again"),
        (4404, "does not exist or is not open to you"),
        (4410, "This session has ended."),
    ],
)
def test_the_script_says_why_instead_of_reconnecting(
    live_server: Any, room: Room, browser: Any, code: int, says: str
) -> None:
    page = _fake_room(browser, live_server, room, clock=True)
    page.clock.run_for(10)
    page.evaluate(f"window.__sockets[0].drop({code})")
    page.clock.run_for(60_000)
    assert _sockets(page) == 1
    assert says in page.locator("#room-notice").inner_text()
    if code == 4401:
        link = page.locator("#room-notice a")
        assert link.get_attribute("href") == (
            f"/accounts/login/?next=%2Fsessions%2F{room.session.pk}%2Froom%2F"
        )


def test_the_script_applies_batches_presence_changes_and_votes_cast_elsewhere(
    live_server: Any, room: Room, browser: Any
) -> None:
    page = _fake_room(browser, live_server, room)
    page.wait_for_function("window.__sockets.length === 1 && window.__sockets[0].readyState === 1")
    poll = {"id": 7, "question": "Ready?", "choices": ["Yes", "No"]}
    _receive(
        page,
        {**_welcome(last_seq=1), "voted": {"polls": [7], "questions": []}},
        {"type": "poll.opened", "seq": 1, "ts": "2030-01-01T10:00:00Z", "poll": poll},
        {
            "type": "presence",
            "people": [{"id": 1, "name": "Ama Host", "role": "host", "in_call": False}],
            "ts": "2030-01-01T10:00:00Z",
        },
    )
    # Voted from another device: no form, and it says so.
    assert page.locator("#polls form").count() == 0
    assert "You voted." in page.locator("#polls").inner_text()

    # Votes come together in one `events` frame; a change of presence keeps the host first.
    voted = [
        {"type": "poll.voted", "seq": seq, "ts": "2030-01-01T10:00:01Z", "poll_id": 7}
        | {"tally": [seq - 1, 0]}
        for seq in (2, 3, 4)
    ]
    _receive(
        page,
        {"type": "events", "events": voted, "ts": "2030-01-01T10:00:01Z"},
        {
            "type": "presence.changed",
            "people": [{"id": 2, "name": "Aaron Early", "role": "participant", "in_call": True}],
            "left": [],
            "ts": "2030-01-01T10:00:01Z",
        },
    )
    assert "3 votes" in page.locator("#polls").inner_text()
    people = page.locator("#people > li").all_inner_texts()
    assert people[0].startswith("Ama Host") and people[1].startswith("Aaron Early")
    assert "In the call" in people[1]
    assert [f for f in _sent(page) if f["type"] == "events.fetch"] == []  # no gap seen

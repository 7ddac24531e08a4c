"""Forum threads live, in Chromium.

1. static/js/thread-live.js on the real thread page (rendered by Django, served to the browser
   by Playwright) with a fake WebSocket: every kind of frame, gap filling, the reply form over
   the socket and its errors, reconnecting. No server; SQLite is enough.
2. Two people in two browser contexts against a real Daphne (tests/browser/live_server.py, on
   PostgreSQL): a reply written in one appears in the other without a reload, and so do an
   edit, a moderator's hide and a lock; the notification badge of the person replied to
   updates live.
"""

import json
import mimetypes
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from tests.browser import live_server
from tests.browser.live_server import DaphneServer
from tests.communities import conftest as forum_fixtures

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://forum.test"

community = forum_fixtures.community
thread = forum_fixtures.thread
daphne_server = live_server.daphne_server
pytestmark = [pytest.mark.browser]


# --- 1. The script with a fake socket -----------------------------------------------------

# Installed before the page's scripts: sockets that record what is sent and let the test
# deliver frames and closes.
FAKE_SOCKET = """
window.__sockets = [];
function FakeSocket(url) {
  this.url = url; this.readyState = 0; this.sent = [];
  window.__sockets.push(this);
  var self = this;
  setTimeout(function () { self.readyState = 1; if (self.onopen) self.onopen({}); }, 0);
}
FakeSocket.prototype.send = function (text) { this.sent.push(JSON.parse(text)); };
FakeSocket.prototype.close = function (code) {
  if (this.readyState === 3) return;
  this.readyState = 3; if (this.onclose) this.onclose({ code: code || 1000 });
};
FakeSocket.OPEN = 1;
window.WebSocket = FakeSocket;
window.__thread = function () {
  var found = window.__sockets.filter(function (s) { return s.url.indexOf("/ws/threads/") >= 0; });
  return found[found.length - 1];
};
window.__frame = function (frame) { window.__thread().onmessage({ data: JSON.stringify(frame) }); };
window.__close = function (code) { window.__thread().close(code); };
"""


def rendered(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return str(response.content.decode())


@dataclass(frozen=True)
class Pages:
    thread: Thread
    member: str  # bob's page (a member, author of #1)
    moderator: str  # alice's page (moderates the community, author of #2)
    outsider: str  # charlie's page (reads the public community, not a member)
    first: Post
    second: Post


@pytest.fixture
def pages(
    db: None,
    thread: Thread,
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
) -> Pages:
    """The thread page as bob and as alice see it. Asked for before `browser` (see
    live_server.room)."""
    path = f"/threads/{thread.pk}/"
    posts = list(Post.objects.filter(thread=thread).order_by("number"))
    return Pages(
        thread=thread,
        member=rendered(login(bob), path),
        moderator=rendered(login(alice), path),
        outsider=rendered(login(charlie), path),
        first=posts[0],
        second=posts[1],
    )


def serve(browser: Any, html: str, path: str) -> Any:
    """A page at SITE + path with this HTML and the project's static files, and fake sockets."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(FAKE_SOCKET)

    def answer(route: Any) -> None:
        url = route.request.url.split("?")[0]
        local = url[len(SITE) :]
        if local == path:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif local.startswith("/static/"):
            file = ROOT / local.lstrip("/")
            if file.is_file():
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                route.fulfill(status=200, content_type=kind, body=file.read_bytes())
            else:
                route.fulfill(status=404, body="")
        else:
            route.fulfill(status=404, content_type="application/json", body="{}")

    context.route(f"{SITE}/**", answer)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(SITE + path)
    page.wait_for_function(
        "window.ThreadLive && window.__thread() && window.__thread().readyState === 1"
    )
    return page


def frame(page: Any, value: dict[str, Any]) -> None:
    page.evaluate("frame => window.__frame(frame)", value)


def sent(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__thread().sent"))


def welcome(page: Any, last_seq: int = 0, **extra: Any) -> None:
    frame(
        page,
        {
            "type": "welcome",
            "last_seq": last_seq,
            "locked": False,
            "can_post": True,
            "refused": None,
            "ts": "2026-01-01T00:00:00Z",
            **extra,
        },
    )


def payload(
    post_id: int, number: int, author: User, html: str = "<p>Hi</p>", **extra: Any
) -> dict[str, Any]:
    return {
        "id": post_id,
        "number": number,
        "author": {"id": author.pk, "name": author.display_name, "handle": author.handle},
        "html": html,
        "hidden": False,
        "reply_to": None,
        "created_at": "2026-01-01T10:00:00Z",
        "edited_at": None,
        "edit_count": 0,
        "reactions": {},
        **extra,
    }


def event(seq: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "seq": seq, "ts": "2026-01-01T10:00:00Z", **fields}


@pytest.mark.django_db
def test_the_script_connects_after_the_pages_last_event_and_appends_new_posts(
    pages: Pages, browser: Any, alice: User, bob: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    assert page.evaluate("window.__thread().url").endswith(f"/ws/threads/{pages.thread.pk}/")
    welcome(page)

    frame(
        page,
        event(
            1,
            "post.created",
            post=payload(
                901,
                3,
                alice,
                "<p>Weekly <strong>counts</strong></p>",
                reply_to={
                    "id": pages.first.pk,
                    "number": 1,
                    "author": {"id": bob.pk, "name": bob.display_name},
                },
            ),
        ),
    )

    article = page.locator("#post-901")
    expect(article).to_have_attribute("data-number", "3")
    expect(article.locator(".post-author")).to_have_text("Alice Ndiaye")
    expect(article.locator(".post-handle")).to_have_text(f"@{alice.handle}")
    # In the reader's profile zone, in the same format as the posts the server wrote.
    zone = page.locator("#thread").get_attribute("data-tz")
    assert zone == bob.timezone
    same_format = page.evaluate(
        """([iso, zone]) => new Intl.DateTimeFormat(document.documentElement.lang || undefined,
            {dateStyle: "medium", timeStyle: "short", timeZone: zone}).format(new Date(iso))""",
        ["2026-01-01T10:00:00Z", zone],
    )
    expect(article.locator(".post-time")).to_have_text(same_format)
    first_iso = page.locator(f"#post-{pages.first.pk} .post-time").get_attribute("datetime")
    expect(page.locator(f"#post-{pages.first.pk} .post-time")).to_have_text(
        page.evaluate(
            """([iso, zone]) => new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                {dateStyle: "medium", timeStyle: "short", timeZone: zone}).format(new Date(iso))""",
            [first_iso, zone],
        )
    )
    expect(article.locator(".post-number")).to_have_text("#3")
    expect(article.locator(".post-body strong")).to_have_text("counts")
    expect(article.locator(".post-reply-to")).to_contain_text("#1")
    expect(article.locator(".post-reply-to")).to_contain_text("Bob Mensah")
    # The blank template's URLs named post 0; now they name this one. bob may not edit it.
    expect(article.locator("a.post-history")).to_have_attribute("href", "/posts/901/history/")
    expect(article.locator("a.post-flag")).to_have_attribute("href", "/posts/901/flag/")
    expect(article.locator("form.post-reactions")).to_have_attribute("action", "/posts/901/react/")
    expect(article.locator("a.post-edit")).to_have_count(0)
    expect(page.locator("#posts article.post")).to_have_count(3)
    # The same event again (a resumed socket) changes nothing.
    frame(page, event(1, "post.created", post=payload(901, 3, alice)))
    expect(page.locator("#posts article.post")).to_have_count(3)

    # bob's own post: he may edit it, not flag it.
    frame(page, event(2, "post.created", post=payload(902, 4, bob, "<p>Mine</p>")))
    mine = page.locator("#post-902")
    expect(mine.locator("a.post-edit")).to_have_attribute("href", "/posts/902/edit/")
    expect(mine.locator("a.post-flag")).to_have_count(0)

    # Read up to the newest post, once the page has shown it.
    page.wait_for_function(
        "window.__thread().sent.some(m => m.type === 'thread.read' && m.number === 4)"
    )


@pytest.mark.django_db
def test_the_script_fills_a_gap_before_applying_what_came_early(
    pages: Pages, browser: Any, alice: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    welcome(page)

    frame(page, event(2, "post.created", post=payload(902, 4, alice, "<p>Second</p>")))

    expect(page.locator("#post-902")).to_have_count(0)  # waits for seq 1
    fetches = [m for m in sent(page) if m["type"] == "events.fetch"]
    assert [(m["after"], m["before"]) for m in fetches] == [(0, 2)]
    frame(page, event(1, "post.created", post=payload(901, 3, alice, "<p>First</p>")))
    numbers = page.locator("#posts article.post").evaluate_all(
        "nodes => nodes.map(n => n.dataset.number)"
    )
    assert numbers == ["1", "2", "3", "4"]
    assert page.evaluate("window.ThreadLive.state().lastSeq") == 2


@pytest.mark.django_db
def test_the_script_shows_edits_hides_restores_and_reactions(
    pages: Pages, browser: Any, alice: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    welcome(page)
    second = page.locator(f"#post-{pages.second.pk}")
    expect(second.locator(".post-edited")).to_be_hidden()

    edited = payload(
        pages.second.pk,
        2,
        alice,
        "<p>The ministry publishes <em>daily</em> counts.</p>",
        edited_at="2026-01-01T11:00:00Z",
        edit_count=1,
    )
    frame(page, event(1, "post.edited", post=edited))
    expect(second.locator(".post-body em")).to_have_text("daily")
    expect(second.locator(".post-edited")).to_be_visible()
    expect(second.locator("a.post-history")).to_be_visible()

    frame(page, event(2, "post.reacted", post_id=pages.second.pk, reactions={"👍": 3, "🎉": 1}))
    expect(second.locator('button.reaction[data-emoji="👍"] .count')).to_have_text("3")
    expect(second.locator('button.reaction[data-emoji="🎉"] .count')).to_have_text("1")
    expect(second.locator('button.reaction[data-emoji="👀"] .count')).to_have_text("")

    hidden = {**edited, "html": "", "hidden": True}
    frame(page, event(3, "post.hidden", post=hidden))
    expect(second).to_have_class("post is-hidden")
    expect(second.locator(".post-body")).to_have_text("This post was hidden by a moderator.")
    expect(second.locator("button.reaction")).to_have_count(0)
    expect(second.locator("a.post-reply")).to_have_count(0)

    frame(page, event(4, "post.restored", post={**edited, "reactions": {"👍": 3}}))
    expect(second.locator(".post-body em")).to_have_text("daily")
    expect(second).not_to_have_class("post is-hidden")
    expect(second.locator('button.reaction[data-emoji="👍"] .count')).to_have_text("3")
    expect(second.locator("a.post-reply")).to_have_attribute(
        "href", re.compile(rf"reply_to={pages.second.pk}#reply-form$")
    )
    expect(second.locator('button.reaction[data-emoji="🎉"] .count')).to_have_text("")


@pytest.mark.django_db
def test_a_moderator_keeps_the_text_of_a_hidden_post_and_gets_the_restore_form(
    pages: Pages, browser: Any, bob: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.moderator, f"/threads/{pages.thread.pk}/")
    welcome(page)
    first = page.locator(f"#post-{pages.first.pk}")

    frame(page, event(1, "post.hidden", post=payload(pages.first.pk, 1, bob, "", hidden=True)))

    expect(first.locator(".post-body")).to_contain_text("What data do we have?")
    expect(first.locator(".post-hidden-note")).to_be_visible()
    form = first.locator(".post-moderate form.mod-form")
    expect(form).to_have_attribute("action", f"/posts/{pages.first.pk}/restore/")
    expect(form.locator("button")).to_have_text("Restore the post")
    expect(form.locator("input[name=reason]")).not_to_have_attribute("required", "")

    # A new post on a moderator's page: the moderation controls name it.
    frame(page, event(2, "post.created", post=payload(903, 3, bob, "<p>New</p>")))
    new = page.locator("#post-903")
    expect(new.locator("a.post-edit")).to_have_attribute("href", "/posts/903/edit/")
    expect(new.locator(".post-moderate form.mod-form")).to_have_attribute(
        "action", "/posts/903/hide/"
    )
    expect(new.locator("#hide-reason-903")).to_have_count(1)
    expect(new.locator("label[for=hide-reason-903]")).to_have_count(1)


@pytest.mark.django_db
def test_the_script_follows_locks_pins_and_moves(
    pages: Pages, browser: Any, community: Community
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    welcome(page)
    status = page.locator("#thread-status")
    fields = page.get_by_label("Your reply")
    expect(fields).to_be_enabled()

    frame(page, event(1, "thread.locked", locked=True))
    expect(status).to_contain_text("This thread is locked")
    expect(fields).to_be_disabled()
    expect(page.locator("#reply-refusal")).to_contain_text("locked")
    frame(page, event(2, "thread.unlocked", locked=False))
    expect(fields).to_be_enabled()
    expect(status).to_contain_text("This thread is open again.")
    frame(page, event(3, "thread.pinned", pinned=True))
    expect(status).to_contain_text("pinned")

    frame(page, event(4, "thread.moved", community={"slug": "water", "name": "Water & Sanitation"}))
    link = status.get_by_role("link", name="Water & Sanitation")
    expect(link).to_have_attribute("href", "/communities/water/")
    expect(status).to_contain_text("This thread moved to Water & Sanitation.")


@pytest.mark.django_db
def test_the_reply_form_goes_over_the_socket_and_keeps_the_text_when_refused(
    pages: Pages, browser: Any, bob: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    welcome(page)
    page.locator(f"#post-{pages.second.pk} a.post-reply").click()
    box = page.get_by_label("Your reply")
    box.fill("Thanks, that helps.")
    client_id = page.locator("#reply-form input[name=client_id]").input_value()

    page.get_by_role("button", name="Post the reply").click()

    page.wait_for_function("window.__thread().sent.some(m => m.type === 'post.create')")
    message = next(m for m in sent(page) if m["type"] == "post.create")
    assert message == {
        "type": "post.create",
        "client_id": client_id,
        "text": "Thanks, that helps.",
        "reply_to": pages.second.pk,
    }
    assert page.url.endswith(f"/threads/{pages.thread.pk}/")  # no navigation
    frame(
        page,
        {
            "type": "error",
            "code": "limited",
            "message": "You can post 6 times a minute.",
            "client_id": client_id,
            "ts": "x",
        },
    )
    expect(page.locator("[data-live-error]")).to_have_text("You can post 6 times a minute.")
    expect(box).to_have_value("Thanks, that helps.")

    page.get_by_role("button", name="Post the reply").click()
    page.wait_for_function(
        "window.__thread().sent.filter(m => m.type === 'post.create').length === 2"
    )
    again = [m for m in sent(page) if m["type"] == "post.create"][1]
    assert again["client_id"] == client_id  # the same reply: stored at most once
    frame(
        page,
        {
            "type": "ack",
            "request": "post.create",
            "client_id": client_id,
            "post": {"id": 950, "number": 3},
            "repeated": False,
            "ts": "x",
        },
    )
    expect(box).to_have_value("")
    expect(page.locator("[data-live-error]")).to_be_hidden()
    new_id = page.locator("#reply-form input[name=client_id]").input_value()
    assert new_id and new_id != client_id
    assert page.locator("#reply-form input[name=reply_to]").input_value() == ""
    frame(page, event(1, "post.created", post=payload(950, 3, bob, "<p>Thanks, that helps.</p>")))
    expect(page.locator("#post-950")).to_contain_text("Thanks, that helps.")


@pytest.mark.django_db
def test_reactions_go_over_the_socket_and_the_ack_says_whether_they_are_mine(
    pages: Pages, browser: Any
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    welcome(page)
    button = page.locator(f'#post-{pages.second.pk} button.reaction[data-emoji="🎉"]')

    button.click()

    page.wait_for_function("window.__thread().sent.some(m => m.type === 'post.react')")
    react = next(m for m in sent(page) if m["type"] == "post.react")
    assert (react["post_id"], react["emoji"]) == (pages.second.pk, "🎉")
    frame(
        page,
        {
            "type": "ack",
            "request": "post.react",
            "client_id": react["client_id"],
            "post_id": pages.second.pk,
            "emoji": "🎉",
            "reactions": {"🎉": 1},
            "mine": True,
            "ts": "x",
        },
    )
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".count")).to_have_text("1")


@pytest.mark.django_db
def test_the_script_reconnects_with_after_and_stops_when_refused(
    pages: Pages, browser: Any, alice: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")
    welcome(page)
    frame(page, event(1, "post.created", post=payload(901, 3, alice)))

    page.evaluate("window.__close(1006)")
    expect(page.locator("#thread-status")).to_contain_text("Reconnecting")
    page.wait_for_function(
        "window.__sockets.filter(s => s.url.includes('/ws/threads/')).length === 2"
    )
    assert page.evaluate("window.__thread().url").endswith("?after=1")

    page.wait_for_function("window.__thread().readyState === 1")
    welcome(page, last_seq=1)
    expect(page.locator("#thread-status")).to_have_text(
        "Live: new posts appear as they are written."
    )
    page.evaluate("window.__close(4404)")
    expect(page.locator("#thread-status")).to_have_text("This thread is no longer open to you.")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__sockets.filter(s => s.url.includes('/ws/threads/')).length") == 2


@pytest.mark.django_db
def test_the_page_hands_over_every_word_of_the_script(pages: Pages, browser: Any) -> None:
    from diaspora.communities.live_strings import SCRIPT_STRINGS

    page = serve(browser, pages.member, f"/threads/{pages.thread.pk}/")

    words = page.evaluate("window.ThreadLive.strings")
    assert words == {key: str(text) for key, text in SCRIPT_STRINGS.items()}
    # And the script's own English is the same, for a page that does not.
    source = (ROOT / "static/js/thread-live.js").read_text()
    for key, text in SCRIPT_STRINGS.items():
        assert f"{key}: {json.dumps(str(text), ensure_ascii=False)}" in source, key


@pytest.mark.django_db
def test_a_reader_who_is_not_a_member_gets_no_flag_link_on_new_posts(
    pages: Pages, browser: Any, alice: User
) -> None:
    from playwright.sync_api import expect

    page = serve(browser, pages.outsider, f"/threads/{pages.thread.pk}/")
    refused = {"code": "not_member", "message": "Join this community to take part."}
    welcome(page, can_post=False, refused=refused)

    frame(page, event(1, "post.created", post=payload(901, 3, alice)))

    expect(page.locator("#post-901 a.post-history")).to_have_count(1)
    expect(page.locator("#post-901 a.post-flag")).to_have_count(0)
    expect(page.locator("#post-901 a.post-edit")).to_have_count(0)
    expect(page.locator("#post-901 button.reaction").first).to_be_disabled()
    # The page's own refusal, with its link to join, stays as the page rendered it.
    expect(page.locator("#reply-refusal").get_by_role("link")).to_have_count(1)


@pytest.mark.django_db
def test_on_an_earlier_page_new_posts_are_a_link(pages: Pages, browser: Any, alice: User) -> None:
    from playwright.sync_api import expect

    html = pages.member.replace('data-page-last="true"', 'data-page-last="false"')
    page = serve(browser, html, f"/threads/{pages.thread.pk}/")
    welcome(page)

    for seq, number in ((1, 3), (2, 4)):
        frame(page, event(seq, "post.created", post=payload(900 + number, number, alice)))

    expect(page.locator("#posts article.post")).to_have_count(2)
    link = page.locator("#thread-status").get_by_role("link", name="2 new posts")
    expect(link).to_have_attribute("href", "?post=3#post-903")


@pytest.fixture
def dashboard(db: None, login: Callable[[User], Client], bob: User) -> str:
    """bob's dashboard, without unread notifications. Asked for before `browser`."""
    return rendered(login(bob), "/dashboard/")


@pytest.mark.django_db
def test_the_navigation_badge_follows_the_count(dashboard: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = serve_plain(browser, dashboard, "/dashboard/")
    link = page.locator("a[data-unread-link]")
    expect(link.locator(".badge")).to_have_count(0)
    me = "window.__sockets.find(s => s.url.endsWith('/ws/me/'))"
    page.wait_for_function(f"{me} && {me}.readyState === 1")

    def count(n: int) -> None:
        page.evaluate(
            f"n => {me}.onmessage({{data: JSON.stringify({{type: 'notifications.count', unread: n}})}})",
            n,
        )

    count(1)
    expect(link.locator(".badge")).to_have_text("1")
    expect(link.locator(".badge")).to_have_attribute("aria-label", "1 unread")
    count(12)
    expect(link.locator(".badge")).to_have_attribute("aria-label", "12 unread")
    count(0)
    expect(link.locator(".badge")).to_have_count(0)


def serve_plain(browser: Any, html: str, path: str) -> Any:
    """Like `serve`, for a page without a thread."""
    context = browser.new_context()
    context.add_init_script(FAKE_SOCKET)

    def answer(route: Any) -> None:
        local = route.request.url.split("?")[0][len(SITE) :]
        if local == path:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif local.startswith("/static/") and (ROOT / local.lstrip("/")).is_file():
            file = ROOT / local.lstrip("/")
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            route.fulfill(status=200, content_type=kind, body=file.read_bytes())
        else:
            route.fulfill(status=404, body="")

    context.route(f"{SITE}/**", answer)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(SITE + path)
    return page


# --- 2. Two people, a real server -----------------------------------------------------------


@dataclass(frozen=True)
class Forum:
    thread: Thread
    member_cookie: str  # bob
    moderator_cookie: str  # alice


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


@pytest.fixture
def forum(
    thread: Thread, community: Community, alice: User, bob: User, make_user: Callable[..., User]
) -> Forum:
    """The thread with a third post, an advert by another member. Asked for before `browser`
    (see live_server.room)."""
    spammer = make_user("ads@example.org", name="Cheap Watches")
    forum_fixtures.add_member(community, spammer)
    forum_fixtures.add_post(thread, spammer, "Buy cheap watches at example.com")
    return Forum(
        thread=thread, member_cookie=session_cookie(bob), moderator_cookie=session_cookie(alice)
    )


def open_thread(browser: Any, server: DaphneServer, cookie: str, thread: Thread) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server.url}/threads/{thread.pk}/")
    from playwright.sync_api import expect

    expect(page.locator("#thread")).to_have_attribute("data-live", "live")
    return page


@pytest.fixture
def reads_closed() -> Iterator[None]:
    """The test's own queries, made while Playwright's event loop runs, have a connection of
    their own: close it before the test database is dropped. Asked for after `browser`."""
    yield
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_reply_an_edit_a_hide_and_a_lock_show_live_in_the_other_browser(
    forum: Forum, daphne_server: DaphneServer, browser: Any, reads_closed: None
) -> None:
    from playwright.sync_api import expect

    bob_page = open_thread(browser, daphne_server, forum.member_cookie, forum.thread)
    alice_page = open_thread(browser, daphne_server, forum.moderator_cookie, forum.thread)
    badge = alice_page.locator("a[data-unread-link] .badge")
    expect(badge).to_have_count(0)

    # bob answers alice's post: it appears on both pages, and alice's badge counts it.
    bob_page.locator("article.post", has_text="The ministry publishes").get_by_role(
        "link", name="Reply"
    ).click()
    bob_page.get_by_label("Your reply").fill("Thanks! Do they publish by **district**?")
    bob_page.get_by_role("button", name="Post the reply").click()

    for page in (alice_page, bob_page):
        reply = page.locator("article.post", has_text="Do they publish by district?")
        expect(reply).to_have_count(1)
        expect(reply.locator(".post-body strong")).to_have_text("district")
        expect(reply.locator(".post-number")).to_have_text("#4")
    expect(bob_page.get_by_label("Your reply")).to_have_value("")
    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("aria-label", "1 unread")
    assert bob_page.evaluate("performance.getEntriesByType('navigation').length") == 1
    post = Post.objects.get(thread=forum.thread, number=4)
    assert post.reply_to is not None and post.reply_to.number == 2

    # bob edits it (in another tab): alice sees the new text.
    editor = bob_page.context.new_page()
    editor.goto(f"{daphne_server.url}/posts/{post.pk}/edit/")
    editor.get_by_label("Text").fill("Thanks! Do they publish by **region**?")
    editor.get_by_role("button", name="Save the changes").click()
    reply_on_alice = alice_page.locator(f"#post-{post.pk}")
    expect(reply_on_alice.locator(".post-body strong")).to_have_text("region")
    expect(reply_on_alice.locator(".post-edited")).to_be_visible()
    editor.close()

    # alice hides the advert: bob sees the placeholder at once, and no trace of the text.
    advert = Post.objects.get(thread=forum.thread, number=3)
    alice_page.locator(f"#post-{advert.pk} .post-moderate summary").click()
    alice_page.locator(f"#hide-reason-{advert.pk}").fill("Advertising")
    alice_page.locator(f"#post-{advert.pk}").get_by_role("button", name="Hide the post").click()
    hidden = bob_page.locator(f"#post-{advert.pk}")
    expect(hidden.locator(".post-body")).to_have_text("This post was hidden by a moderator.")
    expect(hidden.locator(".post-body")).not_to_contain_text("example.com")
    expect(hidden.locator("button.reaction")).to_have_count(0)

    # alice locks the thread: bob's form closes without a reload.
    alice_page = open_thread(browser, daphne_server, forum.moderator_cookie, forum.thread)
    alice_page.get_by_role("button", name="Lock").click()
    expect(bob_page.locator("#thread-status")).to_contain_text("locked")
    expect(bob_page.get_by_label("Your reply")).to_be_disabled()
    assert bob_page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert bob_page.evaluate("window.ThreadLive.state().locked") is True

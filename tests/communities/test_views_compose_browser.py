"""static/js/forum-compose.js in Chromium, on the thread page as Django renders it: the live
preview (through POST /preview/, answered by the real view), the reply and quote buttons.

The page is served to the browser by Playwright; /preview/ and /posts/<id>/source/ go to the
Django test client signed in as bob. The thread socket is a stub that never connects.
"""

import mimetypes
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from diaspora.accounts.models import User
from diaspora.communities.models import Thread
from tests.browser.conftest import launched

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://forum.test"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SOCKET = """
window.WebSocket = function () { this.readyState = 0; };
window.WebSocket.prototype.send = function () {};
window.WebSocket.prototype.close = function () {};
window.WebSocket.OPEN = 1;
window.__xss = 0;
"""


@pytest.fixture
def open_thread(
    chromium_path: str,
    monkeypatch: pytest.MonkeyPatch,
    thread: Thread,
    login: Callable[[User], Client],
    bob: User,
) -> Iterator[Callable[..., Any]]:
    client = login(bob)
    path = f"/threads/{thread.pk}/"
    # Read before the browser starts: while Playwright runs, Django calls get connections of
    # their own (the answers below close theirs; the tests make no queries).
    html = client.get(path).content.decode()
    post_ids = dict(thread.posts.values_list("number", "pk"))

    def open_page(preview_status: int | None = None) -> Any:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_init_script(NO_SOCKET)
        seen: list[str] = []

        def answer(route: Any) -> None:
            request = route.request
            local = request.url[len(SITE) :]
            bare = local.split("?")[0]
            seen.append(f"{request.method} {bare}")
            if bare == path and request.method == "GET":
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif bare.startswith("/static/"):
                file = ROOT / bare.lstrip("/")
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                route.fulfill(status=200, content_type=kind, body=file.read_bytes())
            elif bare == "/preview/" and preview_status:
                route.fulfill(
                    status=preview_status,
                    content_type="application/json",
                    body='{"error": "Too many previews in a minute."}',
                )
            elif bare == "/preview/" or bare.startswith("/posts/"):
                response = client.generic(
                    request.method,
                    local,
                    data=request.post_data_buffer or b"",
                    content_type=request.headers.get("content-type", ""),
                    HTTP_ACCEPT="application/json",
                )
                # Playwright calls back in its own context, which Django gives its own
                # connections: close them, or the test database cannot be dropped.
                connections.close_all()
                route.fulfill(
                    status=response.status_code,
                    content_type=response["Content-Type"],
                    body=response.content,
                )
            else:
                route.fulfill(status=404, body="")

        context.route(f"{SITE}/**", answer)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(SITE + path)
        page.seen = seen
        page.post_ids = post_ids
        page.thread_id = thread.pk
        return page

    with launched(chromium_path, monkeypatch) as browser:
        yield open_page
    connections.close_all()


def test_it_previews_as_you_type(open_thread: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = open_thread()
    box = page.locator("#reply-form textarea[name=text]")
    preview = page.locator("#reply-form [data-compose-preview]")
    # The no-JavaScript button goes away: the preview follows the typing.
    expect(page.locator("#reply-form [data-preview-button]")).to_be_hidden()
    box.fill("Some **bold** words for @alice-ndiaye")
    expect(preview.locator("strong")).to_have_text("bold")
    expect(preview.locator("span.mention")).to_have_text("@alice-ndiaye")
    # Several keystrokes in quick succession make one request.
    page.seen.clear()
    box.press_sequentially(" and more", delay=20)
    expect(preview).to_contain_text("and more")
    assert page.seen.count("POST /preview/") == 1


def test_it_previews_hostile_markdown_harmlessly(open_thread: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = open_thread()
    page.locator("#reply-form textarea[name=text]").fill(
        'Hi <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
        "[x](javascript:window.__xss=3)"
    )
    preview = page.locator("#reply-form [data-compose-preview]")
    expect(preview).to_contain_text("Hi")
    assert preview.locator("img, script, [onerror]").count() == 0
    assert preview.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.__xss") == 0


def test_it_says_when_the_preview_is_refused(open_thread: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = open_thread(preview_status=429)
    page.locator("#reply-form textarea[name=text]").fill("Hello")
    expect(page.locator("#reply-form [data-compose-error]")).to_have_text(
        "Too many previews in a minute."
    )
    # The text is untouched.
    expect(page.locator("#reply-form textarea[name=text]")).to_have_value("Hello")


def test_it_replies_to_a_post(open_thread: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = open_thread()
    second = page.post_ids[2]
    page.locator(f"#post-{second} a.post-reply").click()
    expect(page.locator("#reply-form input[name=reply_to]")).to_have_value(str(second))
    expect(page.locator("#reply-form [data-reply-label]")).to_have_text(
        "Replying to #2 by Alice Ndiaye"
    )
    expect(page.locator("#reply-form textarea[name=text]")).to_be_focused()
    assert page.url.endswith(f"/threads/{page.thread_id}/")  # no navigation
    page.locator("#reply-form [data-reply-cancel]").click()
    expect(page.locator("#reply-form input[name=reply_to]")).to_have_value("")
    expect(page.locator("#reply-form [data-reply-target]")).to_be_hidden()


def test_it_quotes_a_post(open_thread: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    page = open_thread()
    box = page.locator("#reply-form textarea[name=text]")
    box.fill("My opening line.")
    page.locator(f"#post-{page.post_ids[2]} a.post-quote").click()
    expect(box).to_have_value(
        "My opening line.\n\n> @alice-ndiaye wrote:\n>\n> The ministry publishes weekly counts.\n\n"
    )
    # The quote is previewed like anything typed.
    expect(page.locator("#reply-form [data-compose-preview] blockquote")).to_contain_text(
        "The ministry publishes weekly counts."
    )

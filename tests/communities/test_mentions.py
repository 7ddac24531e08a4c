"""Mentions: found outside code, linked with escaping, and quotes that mention."""

import pytest

from diaspora.accounts.models import User
from diaspora.communities.mentions import (
    html_mentions,
    link_mentions,
    mention_users,
    mentioned_handles,
    quote_markdown,
    render_with_mentions,
)

SPAN = '<span class="mention">@{}</span>'


def test_it_finds_handles_in_prose() -> None:
    text = "Thanks @amina-diallo and @Kofi_M, (@zoe)!"
    assert mentioned_handles(text) == {"amina-diallo", "kofi_m", "zoe"}


def test_it_ignores_email_addresses_and_paths() -> None:
    assert mentioned_handles("write to bob@example.org or see /@bob and a.@b") == set()


def test_it_ignores_a_run_too_long_for_a_handle() -> None:
    assert mentioned_handles("@" + "a" * 41) == set()
    assert mentioned_handles("@" + "a" * 40) == {"a" * 40}


def test_it_ignores_mentions_in_code_spans_and_blocks() -> None:
    text = (
        "Ask @alice.\n\n"
        "```\n@bob in a fence\n```\n\n"
        "~~~~\n@carol\n~~~~\n\n"
        "Inline `@dave` and ``@erin``.\n\n"
        "    @frank indented\n\n"
        "- a list item\n\n    @grace continues the item\n"
    )
    assert mentioned_handles(text) == {"alice", "grace"}


def test_it_treats_an_unclosed_fence_as_text_like_the_renderer() -> None:
    assert mentioned_handles("```\n@bob") == {"bob"}


def test_it_links_known_handles_only() -> None:
    html = "<p>Hi @alice and @nobody</p>"
    assert link_mentions(html, {"alice"}) == f"<p>Hi {SPAN.format('alice')} and @nobody</p>"


def test_it_keeps_the_case_written_but_matches_any_case() -> None:
    assert link_mentions("<p>@Alice</p>", {"alice"}) == f"<p>{SPAN.format('Alice')}</p>"


def test_it_does_not_link_inside_code_pre_or_links() -> None:
    html = (
        '<p><code>@alice</code> <a href="https://x.org">@alice</a></p>'
        "<pre><code>@alice\n</code></pre><p>@alice</p>"
    )
    linked = link_mentions(html, {"alice"})
    assert linked.count('class="mention"') == 1
    assert linked.endswith(f"<p>{SPAN.format('alice')}</p>")
    assert html_mentions(html) == {"alice"}


def test_it_copies_entities_and_attributes_unchanged() -> None:
    html = '<p title="a&gt;b @alice">x &amp; @alice &lt;@alice&gt;</p>'
    linked = link_mentions(html, {"alice"})
    assert linked == (
        f'<p title="a&gt;b @alice">x &amp; {SPAN.format("alice")} &lt;{SPAN.format("alice")}&gt;</p>'
    )


def test_it_never_links_a_handle_with_html_characters() -> None:
    hostile = {'"><script>alert(1)</script>', "a<b", "x onmouseover=alert(1)"}
    html = '<p>@"><script>alert(1)</script> @a<b @x onmouseover=alert(1)</p>'
    linked = link_mentions(html, hostile)
    assert "mention" not in linked
    assert linked == html


def test_it_escapes_what_it_inserts() -> None:
    # Only handle characters can be matched, and the inserted text is escaped anyway.
    linked = link_mentions("<p>@al-ice_1</p>", {"al-ice_1"})
    assert linked == f"<p>{SPAN.format('al-ice_1')}</p>"


def test_it_survives_unclosed_html() -> None:
    linked = link_mentions("<p>@alice <b>open <i>still", {"alice"})
    assert linked.startswith(f"<p>{SPAN.format('alice')} <b>open <i>still")


@pytest.mark.django_db
def test_it_renders_hostile_markdown_harmlessly(alice: User) -> None:
    handle = alice.handle
    text = (
        f"<script>alert('x')</script>\n\n"
        f"[click](javascript:alert(1)) @{handle}\n\n"
        f'<a href="https://example.org" onclick="steal()">link</a>\n\n'
        f"<img src=x onerror=alert(1)>\n\n"
        f"```\n@{handle} <script>in code</script>\n```\n\n"
        f"<div onmouseover='evil()'>unclosed <b>bold"
    )
    html, people = render_with_mentions(text)
    lowered = html.lower()
    for bad in ("<script", "javascript:", "onclick", "onerror", "onmouseover", "<img", "<div"):
        assert bad not in lowered
    assert html.count('class="mention"') == 1
    assert "&lt;script&gt;in code" in html
    assert people == [alice]


@pytest.mark.django_db
def test_it_finds_only_existing_people(alice: User, bob: User) -> None:
    assert mention_users({alice.handle or "", "nobody-here"}) == [alice]
    assert mention_users(set()) == []


@pytest.mark.django_db
def test_it_does_not_link_a_user_whose_handle_holds_html(make_user) -> None:
    # The handle validator forbids this; a row written around it must still be harmless.
    evil = make_user("evil@example.org", handle="<b>x</b>")
    html, people = render_with_mentions("hello @<b>x</b>")
    assert evil not in people
    assert "mention" not in html
    assert "<b>x</b>" in html  # Markdown's own bold, sanitised: no attribute, no script


@pytest.mark.django_db
def test_it_quotes_with_a_line_that_mentions_the_author(alice: User) -> None:
    quoted = quote_markdown(author=alice, markdown="First line\n\nSecond @bob")
    assert quoted.startswith(f"> @{alice.handle} wrote:\n>\n> First line\n>\n> Second @bob")
    assert alice.handle in mentioned_handles(quoted)
    html, people = render_with_mentions(quoted + "I agree.")
    assert "<blockquote>" in html
    assert alice in people


@pytest.mark.django_db
def test_it_quotes_someone_without_a_handle_by_name(alice: User) -> None:
    alice.handle = None
    quoted = quote_markdown(author=alice, markdown="Hi")
    assert quoted.startswith("> Alice Ndiaye wrote:")

"""`render_markdown`: user Markdown in, HTML that is safe to show as-is out.

The checks parse the output with the standard library's HTMLParser, so they do not trust
the sanitiser they are testing.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from diaspora.markup import render_markdown

# What safe output may contain: written out here, not imported from the code under test.
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
SAFE_ATTRIBUTES = {"href", "title", "rel", "align", "start"}
SAFE_SCHEMES = {"http", "https", "mailto"}
NEVER_TAGS = {
    "script", "iframe", "svg", "style", "object", "embed", "form", "input", "meta", "base",
    "math", "img", "link", "template", "textarea", "button", "frame", "frameset", "details",
}  # fmt: skip
# A URL scheme as a browser reads it: letters first, then letters, digits, + - .
SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


@dataclass
class Parsed:
    tags: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    declarations: list[str] = field(default_factory=list)
    text: str = ""


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Parsed()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.result.tags.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.result.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.result.declarations.append(decl)

    def unknown_decl(self, data: str) -> None:
        self.result.declarations.append(data)

    def handle_pi(self, data: str) -> None:
        self.result.declarations.append(data)

    def handle_data(self, data: str) -> None:
        self.result.text += data


def parse(html: str) -> Parsed:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector.result


def browser_url(value: str) -> str:
    """What a browser's URL parser makes of an attribute value (entities already decoded)."""
    value = value.strip("".join(chr(c) for c in range(0x21)))
    return re.sub(r"[\t\n\r]", "", value)


def assert_harmless(html: str) -> None:
    parsed = parse(html)
    assert "<script" not in html.lower()
    assert not parsed.comments, parsed.comments
    assert not parsed.declarations, parsed.declarations
    for tag, attrs in parsed.tags:
        assert tag not in NEVER_TAGS, (tag, html)
        assert tag in SAFE_TAGS, (tag, html)
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style", (tag, html)
            assert name in SAFE_ATTRIBUTES, (tag, name, html)
            if name in ("href", "src"):
                url = browser_url(value or "")
                scheme = SCHEME_RE.match(url)
                assert scheme is None or scheme.group(1).lower() in SAFE_SCHEMES, (url, html)
                for bad in ("javascript:", "data:", "vbscript:"):
                    assert bad not in url.lower(), (url, html)
    # The raw text as well: no event-handler attribute inside any tag.
    for raw_tag in re.findall(r"<[^>]*>", html):
        assert not re.search(r"\son\w+\s*=", raw_tag, re.IGNORECASE), raw_tag
        assert not re.search(r"\sstyle\s*=", raw_tag, re.IGNORECASE), raw_tag


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "[a](javascript:alert(1))",
    "[a](JAVASCRIPT:alert(1))",
    "[a](  javascript:alert(1))",
    "[a](<javascript:alert(1)>)",
    "[a](javascript&#58;alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](java\tscript:alert(1))",
    "[a](data:text/html;base64,PHNjcmlwdD4=)",
    "[a](vbscript:msgbox(1))",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "<a href='javascript&colon;alert(1)'>x</a>",
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="javascript\x00:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example">',
    "<style>body{}</style>",
    '<div onclick="x()">hi</div>',
    '<p onmouseover="x()" style="color:red">hi</p>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="https://evil.example"><input name="password"></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<a href="http://ok.example" style="position:fixed">x</a>',
    '<a href="https://ok.example" title="x" onmouseover="alert(1)">hover</a>',
    '<a href="https://x.example"\nonclick="alert(1)">x</a>',
    '<a href="https://ok.example" rel="opener" target="_blank">x</a>',
    "<!-- <script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    '<<a href="javascript:alert(1)">x</a>',
    "[a][x]\n\n[x]: javascript:alert(1)",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "[a][x]\n\n[x]: data:text/html;base64,PHNjcmlwdD4=",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "![x](javascript:alert(1))",
    "![t](https://tracker.example/pixel.gif)",
    '<img src="https://tracker.example/pixel.gif">',
    '[a](https://ok.example "t" onclick=x)',
    "<details open ontoggle=alert(1)>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<textarea><script>alert(1)</script></textarea>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<abbr title="x" onclick="y">a</abbr>',
    '<ol start="3" onclick="y"><li>x</li></ol>',
    '<p title="a" class="x" id="y" data-x="1">hi</p>',
    "*[HTML]: <script>alert(1)</script>\n\nHTML",
    "Term\n: <img src=x onerror=alert(1)>",
    "[^1]\n\n[^1]: <script>alert(1)</script>",
    '<div markdown="1">[a](javascript:alert(1))</div>',
    "> <script>alert(1)</script>\n> [a](javascript:alert(1))",
    "- <svg onload=alert(1)>\n- [a](vbscript:x)",
    "| a |\n|---|\n| <script>alert(1)</script> |",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_it_renders_hostile_input_harmless(source: str) -> None:
    assert_harmless(render_markdown(source))


@pytest.mark.parametrize(
    "source",
    [
        "[a](javascript:alert(1))",
        "[a](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        "[a][x]\n\n[x]: javascript:alert(1)",
    ],
)
def test_it_keeps_the_link_text_but_drops_the_dangerous_target(source: str) -> None:
    html = render_markdown(source)
    [attrs] = [a for t, a in parse(html).tags if t == "a"]
    assert "href" not in dict(attrs)
    assert dict(attrs)["rel"] == "nofollow ugc noopener"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<style>body{display:none}</style>",
        "<iframe>alert(1)</iframe>",
        "<svg><text>alert(1)</text></svg>",
        "<template>alert(1)</template>",
    ],
)
def test_it_drops_dangerous_elements_with_their_content(source: str) -> None:
    html = render_markdown(source)
    assert "alert(1)" not in html
    assert "display:none" not in html


def test_it_shows_no_remote_image_at_all() -> None:
    # A remote image would tell its host the reader's IP address.
    html = render_markdown("![me](https://tracker.example/p.gif)\n\n<img src=https://t.example/x>")
    assert "tracker.example" not in html
    assert "t.example" not in html
    assert all(tag != "img" for tag, _ in parse(html).tags)


def test_it_renders_ordinary_markdown() -> None:
    html = render_markdown(
        "# Title\n\n## Section\n\n*em* and **strong**\n\n- one\n- two\n\n1. first\n2. second\n\n"
        "> quoted\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n```\nx = 1 < 2\n```\n\n"
        "Inline `code` here."
    )
    assert "<h1>Title</h1>" in html
    assert "<h2>Section</h2>" in html
    assert "<em>em</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html
    assert "<blockquote>" in html and "quoted" in html
    assert "<table>" in html and "<th>a</th>" in html and "<td>1</td>" in html
    assert '<td align="right">2</td>' in html
    assert "<pre><code>x = 1 &lt; 2\n</code></pre>" in html
    assert "<code>code</code>" in html
    assert_harmless(html)


def test_it_keeps_the_start_of_an_ordered_list() -> None:
    assert '<ol start="3">' in render_markdown("3. three\n4. four")


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](http://example.org/a?b=1&c=2)", "http://example.org/a?b=1&amp;c=2"),
        ("[site](https://example.org/)", "https://example.org/"),
        ("[mail](mailto:alice@example.org)", "mailto:alice@example.org"),
        ("<https://example.org/auto>", "https://example.org/auto"),
        ("[ref][r]\n\n[r]: https://example.org/ref", "https://example.org/ref"),
        ('<a href="https://example.org/raw">raw</a>', "https://example.org/raw"),
    ],
)
def test_it_keeps_safe_links_and_marks_them_nofollow(source: str, href: str) -> None:
    html = render_markdown(source)
    assert f'href="{href}"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert_harmless(html)


def test_it_adds_rel_to_every_link() -> None:
    html = render_markdown("[a](https://a.example) [b](https://b.example) <https://c.example>")
    links = [dict(attrs) for tag, attrs in parse(html).tags if tag == "a"]
    assert len(links) == 3
    assert all(link["rel"] == "nofollow ugc noopener" for link in links)


def test_it_keeps_a_link_title() -> None:
    html = render_markdown('[a](https://a.example "The A site")')
    assert 'title="The A site"' in html


def test_it_escapes_plain_text() -> None:
    html = render_markdown('5 < 6 & 7 > 3 "quoted"')
    assert parse(html).text == '5 < 6 & 7 > 3 "quoted"'
    assert "5 &lt; 6 &amp; 7 &gt; 3" in html


def test_it_turns_single_newlines_into_line_breaks() -> None:
    assert "one<br>\ntwo" in render_markdown("one\ntwo")


@pytest.mark.parametrize("source", ["", " ", "\n\n\t  \n"])
def test_it_renders_empty_input_as_an_empty_string(source: str) -> None:
    assert render_markdown(source) == ""


def test_it_refuses_text_over_the_limit_and_states_the_limit(settings: object) -> None:
    settings.MARKDOWN_MAX_LENGTH = 1_200  # type: ignore[attr-defined]
    assert render_markdown("a" * 1_200) == "<p>" + "a" * 1_200 + "</p>"
    with pytest.raises(ValidationError) as caught:
        render_markdown("a" * 1_201)
    assert caught.value.code == "too_long"
    [message] = caught.value.messages
    assert "1,200" in message
    assert "1,201" in message


def test_it_states_the_configured_limit() -> None:
    limit = settings.MARKDOWN_MAX_LENGTH
    with pytest.raises(ValidationError) as caught:
        render_markdown("x" * (limit + 1))
    assert f"{limit:,}" in caught.value.messages[0]


def test_it_counts_characters_not_bytes(settings: object) -> None:
    settings.MARKDOWN_MAX_LENGTH = 10  # type: ignore[attr-defined]
    assert "é" * 10 in render_markdown("é" * 10)  # 20 bytes in UTF-8, 10 characters


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" data:text/html,x">x</a>',
        '<a href="vbscript:x">x</a>',
        '<a href="tel:123">x</a>',
        '<p onclick="x()">x</p>',
        '<p style="color:red">x</p>',
        '<img src="https://t.example/x">',
        "<iframe></iframe>",
        "<!-- x -->",
        "<![CDATA[x]]>",
        '<p class="x">x</p>',
    ],
)
def test_it_uses_a_checker_that_catches_unsafe_html(html: str) -> None:
    # The safety assertions above are only worth something if they can fail.
    with pytest.raises(AssertionError):
        assert_harmless(html)

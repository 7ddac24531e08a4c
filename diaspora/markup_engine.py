"""Markdown to sanitised HTML, with no Django in sight.

It runs in worker processes (see `diaspora.markup`), so it imports only Python-Markdown and
nh3 and starts fast.
"""

import sys
from typing import BinaryIO

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# No <img>: a remote image tells its host the IP address of everyone who reads the page, and
# some of our members are exiles who must not be located that way.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Dropped together with what they contain, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "svg", "math", "object", "embed", "template"}
LINK_REL = "nofollow ugc noopener"

_EXTENSIONS = ["extra", "sane_lists", "nl2br"]
# Column alignment as `align`, which the allow-list keeps; the default `style` would be dropped.
_EXTENSION_CONFIGS = {"extra": {"tables": {"use_align_attribute": True}}}


_converter: markdown.Markdown | None = None


def render_unchecked(text: str) -> str:
    """Render and sanitise, with no limit on size or time: call `render_markdown` instead.

    One converter per worker process, reset between texts: building it costs a third of a
    render. Workers are single-threaded, so sharing it is safe."""
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html"
        )
    html = _converter.reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Worker loop: each request and answer is a length line, then that many UTF-8 bytes."""
    while True:
        header = stdin.readline()
        if not header:
            return
        text = stdin.read(int(header)).decode()
        html = render_unchecked(text).encode()
        stdout.write(b"%d\n" % len(html))
        stdout.write(html)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)

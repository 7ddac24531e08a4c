"""@mentions and quotes in forum posts.

A mention is `@handle` (`accounts.models.HANDLE_PATTERN`) written in prose: not inside code,
not part of an email address, not inside a link. Posts store their HTML with the mentions of
known people wrapped in `<span class="mention">`, so the page shows them without a lookup.

Who is notified is decided from the rendered HTML (`html_mentions`), the same text that
`link_mentions` links, so a reader never sees a highlighted mention that notified nobody or
the reverse. `mentioned_handles` reads Markdown source for callers that have no HTML (the
quote helper, previews of a draft).
"""

import html
import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from diaspora.accounts.models import User

# A handle after "@", not preceded by a word character or one that makes it part of an
# address or a path ("bob@example.org", "/@bob"), and not followed by more handle characters
# (a 41-character run is nobody's handle, not a prefix of one).
MENTION_RE = re.compile(r"(?<![\w@./+-])@([a-z0-9][a-z0-9_-]{0,39})(?![a-z0-9_-])", re.IGNORECASE)

# Python-Markdown's fenced code (`extra`): a fence at the start of a line, closed by the same
# fence. An unclosed fence is not a code block there, so it is not one here either.
_FENCED_RE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?<=\n)(?P=fence)[ ]*$", re.MULTILINE | re.DOTALL
)
# An inline code span: a run of backticks closed by a run of the same length.
_CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_LIST_ITEM_RE = re.compile(r"^\s*(?:[*+-]|\d+\.)\s")

# Inside these elements "@name" is not a mention: code shows it literally, and a link already
# goes somewhere.
_SKIPPED_ELEMENTS = {"code", "pre", "a"}
_VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


def _without_indented_code(markdown: str) -> str:
    """Drop indented code blocks: lines indented by four spaces (or a tab) after a blank line
    or at the start, outside a list (in a list the indent continues the item)."""
    kept: list[str] = []
    in_code = False
    in_list = False
    previous_blank = True
    for line in markdown.split("\n"):
        blank = not line.strip()
        indented = line.startswith(("    ", "\t"))
        if _LIST_ITEM_RE.match(line):
            in_list = True
        elif not blank and not indented:
            in_list = False
        if indented and not blank and not in_list and (previous_blank or in_code):
            in_code = True
            kept.append("")
        else:
            if not blank:
                in_code = False
            kept.append(line)
        previous_blank = blank
    return "\n".join(kept)


def mentioned_handles(markdown: str) -> set[str]:
    """The lower-case handles mentioned in Markdown source, leaving out code blocks and code
    spans. Whether anyone has those handles is not checked here."""
    text = markdown.replace("\r\n", "\n")
    text = _FENCED_RE.sub("", text)
    text = _without_indented_code(text)
    text = _CODE_SPAN_RE.sub("", text)
    return {match.group(1).lower() for match in MENTION_RE.finditer(text)}


class _MentionLinker(HTMLParser):
    """Copies HTML through unchanged, except `@handle` in text outside code, pre and links.

    Tags are copied as the parser found them (`get_starttag_text`) and text as it was
    written (character references are not decoded), so nothing is re-escaped or lost; only
    the inserted spans are new, and their text is escaped."""

    def __init__(self, handles: set[str] | None) -> None:
        super().__init__(convert_charrefs=False)
        # None: only collect the mentions, link nothing.
        self.handles = handles
        self.found: set[str] = set()
        self.out: list[str] = []
        self.text: list[str] = []
        self.skip_depth = 0

    def _flush(self) -> None:
        if not self.text:
            return
        raw = "".join(self.text)
        self.text = []
        if self.skip_depth:
            self.out.append(raw)
            return
        self.out.append(MENTION_RE.sub(self._replace, raw))

    def _replace(self, match: re.Match[str]) -> str:
        handle = match.group(1).lower()
        self.found.add(handle)
        if self.handles is None or handle not in self.handles:
            return match.group(0)
        return f'<span class="mention">@{html.escape(match.group(1))}</span>'

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self.out.append(self.get_starttag_text() or "")
        if tag in _SKIPPED_ELEMENTS:
            self.skip_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        if tag in _SKIPPED_ELEMENTS and self.skip_depth:
            self.skip_depth -= 1
        if tag not in _VOID_ELEMENTS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.text.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        # Sanitised HTML has no comments; anything else is dropped rather than copied.
        self._flush()

    def handle_decl(self, decl: str) -> None:
        self._flush()

    def handle_pi(self, data: str) -> None:
        self._flush()

    def unknown_decl(self, data: str) -> None:
        self._flush()

    def result(self) -> str:
        self.close()
        self._flush()
        return "".join(self.out)


def link_mentions(html_text: str, handles: set[str]) -> str:
    """Wrap `@handle` of the given (known) handles in `<span class="mention">`, outside code,
    pre and links. The input is sanitised HTML (`render_markdown`); the output is too."""
    if not handles or "@" not in html_text:
        return html_text
    linker = _MentionLinker({h.lower() for h in handles})
    linker.feed(html_text)
    return linker.result()


def html_mentions(html_text: str) -> set[str]:
    """The lower-case handles mentioned in rendered HTML, outside code, pre and links."""
    if "@" not in html_text:
        return set()
    finder = _MentionLinker(None)
    finder.feed(html_text)
    finder.result()
    return finder.found


def mention_users(handles: set[str]) -> list[User]:
    """The people with these handles (unknown handles are left out)."""
    if not handles:
        return []
    return list(User.objects.filter(handle__in=sorted(handles)))


def render_with_mentions(text: str) -> tuple[str, list[User]]:
    """A post's HTML: the one sanitiser (`render_markdown`), then the mentions of people who
    exist linked; and those people. Raises the renderer's ValidationErrors."""
    from diaspora.markup import render_markdown

    html_text = render_markdown(text)
    people = mention_users(html_mentions(html_text))
    return link_mentions(html_text, {p.handle for p in people if p.handle}), people


def quote_markdown(*, author: User, markdown: str) -> str:
    """A Markdown quote of someone's post for a reply box: `> @handle wrote:` and the text.
    The line names them, so quoting someone mentions them (and notifies them)."""
    who = f"@{author.handle}" if author.handle else author.display_name
    header = "> " + _("%(who)s wrote:") % {"who": who}
    lines = markdown.replace("\r\n", "\n").strip().split("\n")
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"{header}\n>\n{quoted}\n\n"

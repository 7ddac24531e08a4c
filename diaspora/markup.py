"""The one place where user Markdown becomes HTML.

Python-Markdown renders, then nh3 (ammonia) keeps only an allow-list of tags, attributes
and URL schemes. Every model stores the result beside its source, so this runs once per edit.
"""

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


class MarkdownTooLarge(ValidationError):
    pass


def render_markdown(text: str) -> str:
    """Render user Markdown to HTML that is safe to show as-is.

    Raises `MarkdownTooLarge` (a ValidationError) when the text exceeds MARKDOWN_MAX_LENGTH.
    """
    limit = settings.MARKDOWN_MAX_LENGTH
    if len(text) > limit:
        raise MarkdownTooLarge(
            _("This text is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"},
            code="too_long",
        )
    if not text.strip():
        return ""
    html = markdown.markdown(text, extensions=_EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )

"""Search across forum threads and posts.

On PostgreSQL: full-text search over the thread's title (weight A) and the post's text
(weight B), a `websearch` query (quotes for phrases, `-word` to leave out, `or`), ranked,
with a highlighted snippet from `ts_headline`. The "simple" configuration does not stem: our
members write in many languages, and an English stemmer would mangle French or Portuguese.

On SQLite (development): every word must appear in the title or the text, newest first, with
a plain snippet around the first match.

Either way only posts in communities the person may read, never hidden posts.
"""

import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.safestring import SafeString, mark_safe

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.communities.selectors import readable_communities_q

SEARCH_CONFIG = "simple"
# The most hits one search returns.
SEARCH_LIMIT = 50
# A plain snippet: this many characters around the first match.
SNIPPET_LENGTH = 240
# ts_headline marks matches with these; they are turned into <mark> after escaping the rest.
# Private-use characters, so they do not appear in what people write (and if someone types
# them, the marks stay balanced: see `_marked`).
_START, _STOP = "\ue000", "\ue001"


@dataclass(frozen=True)
class SearchHit:
    post: Post
    thread: Thread
    community: Community
    rank: float
    # Escaped text with matches in <mark>: safe to show as-is.
    snippet_html: SafeString


def _marked(text: str) -> SafeString:
    """Escape everything, then turn the start and stop markers into balanced <mark> tags."""
    out: list[str] = []
    open_ = False
    for piece in re.split(f"([{_START}{_STOP}])", text):
        if piece == _START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == _STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(html.escape(piece))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of user text is escaped above


_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _terms(q: str) -> tuple[list[str], list[str]]:
    """The fallback's reading of a web-search query: words and "quoted phrases" that must
    appear, and `-word` or `-"phrase"` that must not. "or" is taken as a plain word's
    absence: the fallback needs every term."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for match in _TERM_RE.finditer(q):
        if match.group(3) is not None:
            word = match.group(3)
            negated = word.startswith("-")
            word = word.lstrip("-+")
            if not word or word.lower() == "or":
                continue
        else:
            negated = match.group(1) == "-"
            word = " ".join(match.group(2).split())
            if not word:
                continue
        (unwanted if negated else wanted).append(word)
    return wanted, unwanted


def _plain_snippet(text: str, words: list[str]) -> SafeString:
    """A window of the text around the first match, with every match marked."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    positions = [lowered.find(w.lower()) for w in words if w]
    positions = [p for p in positions if p >= 0]
    start = max(0, min(positions) - SNIPPET_LENGTH // 3) if positions else 0
    window = flat[start : start + SNIPPET_LENGTH]
    if start > 0:
        window = "…" + window
    if start + SNIPPET_LENGTH < len(flat):
        window += "…"
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        window = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", window)
    return _marked(window)


def full_text_available() -> bool:
    return connection.vendor == "postgresql"


def _filtered(
    *,
    user: Any,
    community: Community | None,
    tag: str | None,
    author: User | None,
    since: date | None,
    until: date | None,
) -> QuerySet[Post]:
    posts = (
        Post.objects.visible()
        .filter(readable_communities_q(user, "thread__community__"))
        .select_related("thread__community", "author")
    )
    if community is not None:
        posts = posts.filter(thread__community=community)
    if tag:
        # A subquery, not a join: the join could repeat a post.
        posts = posts.filter(thread__in=Thread.objects.filter(tags__slug=tag).values("pk"))
    if author is not None:
        posts = posts.filter(author=author)
    # Dates are the reader's days (the active time zone).
    if since is not None:
        posts = posts.filter(created_at__date__gte=since)
    if until is not None:
        posts = posts.filter(created_at__date__lte=until)
    return posts


def search_posts(
    *,
    user: Any,
    q: str,
    community: Community | None = None,
    tag: str | None = None,
    author: User | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[SearchHit]:
    """Posts matching `q` (and the filters) that this person may read, best first on
    PostgreSQL, newest first on SQLite. With no words but some filter, the newest posts that
    pass the filters; with neither, nothing."""
    q = " ".join(q.split())[:500]
    if not q and not any(x is not None for x in (community, author, since, until)) and not tag:
        return []
    posts = _filtered(
        user=user, community=community, tag=tag, author=author, since=since, until=until
    )
    if q and full_text_available():
        return _full_text(posts, q, limit)
    words, unwanted = _terms(q)
    for word in words:
        posts = posts.filter(Q(body_md__icontains=word) | Q(thread__title__icontains=word))
    for word in unwanted:
        posts = posts.exclude(Q(body_md__icontains=word) | Q(thread__title__icontains=word))
    found = posts.order_by("-created_at", "-id")[:limit]
    return [
        SearchHit(
            post=post,
            thread=post.thread,
            community=post.thread.community,
            rank=0.0,
            snippet_html=_plain_snippet(post.body_md, words),
        )
        for post in found
    ]


def _full_text(posts: QuerySet[Post], q: str, limit: int) -> list[SearchHit]:
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    vector = SearchVector("thread__title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body_md", weight="B", config=SEARCH_CONFIG
    )
    found = (
        posts.annotate(document=vector)
        .filter(document=query)
        .annotate(
            rank=SearchRank(vector, query),
            headline=SearchHeadline(
                "body_md",
                query,
                config=SEARCH_CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                max_words=40,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-created_at", "-id")[:limit]
    )
    return [
        SearchHit(
            post=post,
            thread=post.thread,
            community=post.thread.community,
            rank=float(post.rank),
            snippet_html=_marked(" ".join(post.headline.split())),
        )
        for post in found
    ]

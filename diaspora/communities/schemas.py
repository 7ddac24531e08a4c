"""API schemas and serialisers shared by the communities and moderation routers.

A serialiser returns what the page would show to this viewer: a hidden post's text goes only
to the community's moderators and its author. The serialisers used for lists never query:
callers hand them rows with what they need already loaded (the selectors' `select_related`/
`prefetch_related`), so a list costs the same number of queries whatever its length.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Schema
from pydantic import Field

from diaspora.api_utils import PageMeta
from diaspora.communities.models import Community, Post, Thread
from diaspora.communities.permissions import CommunityAccess, PostingRefused, ensure_can_post
from diaspora.communities.selectors import can_see_hidden
from diaspora.communities.services import post_path


class UserRef(Schema):
    id: int
    name: str
    handle: str = Field(description="For @mentions")


class CommunityRef(Schema):
    slug: str
    name: str


class ThreadRef(Schema):
    id: int
    title: str


class TagOut(Schema):
    slug: str
    name: str


class RefusalOut(Schema):
    code: str = Field(description="signed_out, not_member, inactive, silenced or locked")
    message: str


class ReactionsOut(Schema):
    counts: dict[str, int] = Field(description="Emoji → how many people reacted with it")
    mine: list[str] = Field(description="The emoji you reacted with")


class PostReplyRef(Schema):
    id: int
    number: int
    author: UserRef


class PostOut(Schema):
    id: int
    url: str
    thread_id: int
    number: int = Field(description="#1 opens the thread; numbers are never reused")
    author: UserRef
    hidden: bool
    text: str = Field(
        description="The Markdown source; empty for a hidden post unless you moderate the "
        "community or wrote it"
    )
    html: str = Field(description="The sanitised HTML; empty when `text` is")
    hidden_reason: str = Field(description="Only to moderators and the author")
    reply_to: PostReplyRef | None
    created_at: datetime
    edited_at: datetime | None
    edit_count: int
    reactions: ReactionsOut


class PostPage(Schema):
    meta: PageMeta
    results: list[PostOut]


class ErrorOut(Schema):
    """The shape of every error (`diaspora.api`), declared for the OpenAPI document."""

    error: dict[str, Any]


@contextmanager
def fields_named(names: dict[str, str]) -> Iterator[None]:
    """A service's ValidationError with its fields named as in the request body (the service
    names model fields: `description_md` is `description` here)."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {names.get(key, key): value for key, value in error.error_dict.items()}
        raise ValidationError(renamed) from None


def user_ref(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name, "handle": user.handle}


def community_ref(community: Community) -> dict[str, Any]:
    return {"slug": community.slug, "name": community.name}


def thread_ref(thread: Thread) -> dict[str, Any]:
    return {"id": thread.pk, "title": thread.title}


def refusal(user: Any, access: CommunityAccess, thread: Thread | None = None) -> dict | None:
    """Why this person may not post here now (the permission helper's answer), or None."""
    try:
        ensure_can_post(user, access, thread)
    except PostingRefused as refused:
        return {"code": refused.code, "message": refused.message}
    return None


def reactions_out(mine_and_counts: dict[str, Any] | None) -> dict[str, Any]:
    """`reactions_for`'s entry for one post as `{"counts", "mine"}`."""
    if not mine_and_counts:
        return {"counts": {}, "mine": []}
    return {
        "counts": dict(mine_and_counts.get("counts", {})),
        "mine": sorted(mine_and_counts.get("mine", [])),
    }


def post_out(
    post: Post, *, user: Any, access: CommunityAccess, reactions: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One post for this viewer. The caller loaded `author` and `reply_to__author`."""
    visible = not post.is_hidden or can_see_hidden(access=access, post=post, user=user)
    reply_to = None
    if post.reply_to_id is not None and post.reply_to is not None:
        reply_to = {
            "id": post.reply_to.pk,
            "number": post.reply_to.number,
            "author": user_ref(post.reply_to.author),
        }
    return {
        "id": post.pk,
        "url": post_path(post),
        "thread_id": post.thread_id,
        "number": post.number,
        "author": user_ref(post.author),
        "hidden": post.is_hidden,
        "text": post.body_md if visible else "",
        "html": post.body_html if visible else "",
        "hidden_reason": post.hidden_reason if visible else "",
        "reply_to": reply_to,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "edit_count": post.edit_count,
        "reactions": reactions_out(reactions),
    }

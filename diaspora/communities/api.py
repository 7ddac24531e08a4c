"""Communities, threads, posts, reactions, flags, preview and search over the API.

The pages' permission helpers decide here too (`diaspora.communities.permissions`): a
members-only community and everything in it is a 404 to outsiders, a hidden post is a 404 to
anyone but its author and the moderators, and acting where one may not is a 403. Posting
goes through the same services as the pages and the thread socket, so a refusal (silenced,
locked, limited, …) answers 403 with its code (`diaspora.api`)."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from pydantic import Field

from diaspora.accounts.models import User
from diaspora.api_utils import ANYONE, PageMeta, PageQuery, paginated, signed_in_user, viewer
from diaspora.communities import selectors, services
from diaspora.communities.limits import preview_allowed
from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    Membership,
    Post,
    Thread,
    WatchLevel,
)
from diaspora.communities.permissions import (
    CommunityAccess,
    get_community_for_user,
    get_post_for_user,
    get_thread_for_user,
    silenced_until,
)
from diaspora.communities.schemas import (
    CommunityRef,
    ErrorOut,
    PostOut,
    PostPage,
    ReactionsOut,
    RefusalOut,
    TagOut,
    ThreadRef,
    UserRef,
    community_ref,
    fields_named,
    post_out,
    reactions_out,
    refusal,
    thread_ref,
    user_ref,
)
from diaspora.communities.search import search_posts
from diaspora.moderation import services as moderation_services
from diaspora.moderation.models import Flag, FlagReason

router = Router()

# The service's (model's) names for what the request body calls otherwise.
COMMUNITY_FIELDS = {"description_md": "description", "code_of_conduct_md": "code_of_conduct"}

KindFilter = Literal["", "discipline", "region", "country", "programme"]
Level = Literal["watching", "normal", "muted", ""]


# -- schemas --------------------------------------------------------------------------------


class CommunityOut(Schema):
    slug: str
    url: str
    name: str
    kind: str = Field(description="discipline, region, country or programme")
    visibility: str = Field(description="public, members (only) or invitation")
    country: str = Field(description="ISO 3166-1 alpha-2, or empty")
    description: str
    description_html: str
    member_count: int
    thread_count: int
    created_at: datetime
    is_member: bool


class CommunityPage(Schema):
    meta: PageMeta
    results: list[CommunityOut]


class ViewerOut(Schema):
    is_member: bool
    role: str = Field(description="member or moderator; empty if you are not a member")
    is_moderator: bool = Field(description="May moderate here (its own or a platform moderator)")
    can_read: bool
    can_join: bool = Field(description="May join without an invitation")
    can_post: bool
    posting_refused: RefusalOut | None = Field(description="Why you may not post, if so")
    silenced_until: datetime | None
    watch_level: str


class CommunityDetailOut(CommunityOut):
    code_of_conduct: str
    code_of_conduct_html: str
    tags: list[TagOut]
    viewer: ViewerOut


class CommunityQuery(PageQuery):
    kind: KindFilter = ""
    mine: bool = Field(False, description="Only communities you belong to (signed in)")


class CommunityIn(Schema):
    name: str
    slug: str
    kind: str = Field(description="discipline, region, country or programme")
    visibility: str = Field(
        CommunityVisibility.PUBLIC, description="public, members (only) or invitation"
    )
    description: str = ""
    code_of_conduct: str
    country: str = ""


class CommunityPatch(Schema):
    name: str | None = None
    kind: str | None = None
    visibility: str | None = None
    description: str | None = None
    code_of_conduct: str | None = None
    country: str | None = None


class JoinIn(Schema):
    accept_conduct: bool = Field(False, description="You accept the code of conduct")


class MembershipOut(Schema):
    community: CommunityRef
    role: str
    joined_at: datetime
    conduct_accepted_at: datetime
    left_at: datetime | None


class WatchIn(Schema):
    level: Level = Field(
        description="watching: every new post; normal: mentions and replies; muted: nothing; "
        "empty: back to the default (a thread follows its community)"
    )


class WatchOut(Schema):
    level: str


class ThreadOut(Schema):
    id: int
    url: str
    community: CommunityRef
    title: str
    author: UserRef
    tags: list[TagOut]
    post_count: int = Field(description="Posts you can all see (hidden ones not counted)")
    created_at: datetime
    last_posted_at: datetime
    pinned: bool
    locked: bool
    unread: int = Field(description="Posts after the last one you read; 0 when muted")
    watch_level: str


class ThreadPage(Schema):
    meta: PageMeta
    results: list[ThreadOut]


class ThreadDetailOut(ThreadOut):
    last_seq: int = Field(description="Resume the thread socket with ?after=<last_seq>")
    last_number: int
    ws_path: str
    can_post: bool
    posting_refused: RefusalOut | None
    is_moderator: bool


class ThreadQuery(PageQuery):
    tag: str = Field("", description="A tag's slug")
    unread: bool = Field(False, description="Only threads with unread posts")


class ThreadIn(Schema):
    title: str
    text: str = Field(description="Markdown")
    tags: list[str] = Field([], description="Tag slugs of the community")
    client_id: str = Field("", max_length=64)


class PostIn(Schema):
    text: str = Field(description="Markdown")
    reply_to: int | None = Field(None, description="The id of a post in this thread")
    client_id: str = Field(
        "", max_length=64, description="Sending the same one again returns the stored post"
    )


class PostPatch(Schema):
    text: str
    reason: str = Field("", description="Required when you edit someone else's post")


class ReadIn(Schema):
    number: int = Field(ge=0, description="The number of the last post you read")


class ReadOut(Schema):
    last_read_number: int


class RevisionOut(Schema):
    text: str = Field(
        description="The text before this edit; empty when a moderator's edit replaced it, "
        "unless you moderate the community or wrote the post"
    )
    html: str
    edited_by: UserRef | None
    edited_at: datetime
    by_moderator: bool
    reason: str


class ReactionIn(Schema):
    emoji: str = Field(description=", ".join(services.REACTIONS))


class FlagIn(Schema):
    reason: Literal["spam", "off_topic", "abusive", "other"]
    note: str = Field("", description="Required for 'other'")


class FlagOut(Schema):
    id: int
    post_id: int
    reason: str
    note: str
    status: str
    created_at: datetime


class PreviewIn(Schema):
    text: str


class PreviewOut(Schema):
    html: str


class SearchQuery(PageQuery):
    q: str = ""
    community: str = Field("", description="A community's slug")
    tag: str = Field("", description="A tag's slug (with community)")
    author: str = Field("", description="A handle, with or without @")
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class SearchHitOut(Schema):
    post_id: int
    number: int
    url: str
    thread: ThreadRef
    community: CommunityRef
    author: UserRef
    created_at: datetime
    rank: float
    snippet_html: str = Field(description="Escaped text with <mark> around the matches")


class SearchPage(Schema):
    meta: PageMeta
    results: list[SearchHitOut]


# -- serialisers ----------------------------------------------------------------------------


def community_out(community: Community, *, is_member: bool) -> dict[str, Any]:
    """A community as `visible_communities` returns it (with its counts)."""
    return {
        "slug": community.slug,
        "url": reverse("community_detail", args=[community.slug]),
        "name": community.name,
        "kind": community.kind,
        "visibility": community.visibility,
        "country": community.country.code or "",
        "description": community.description_md,
        "description_html": community.description_html,
        "member_count": getattr(community, "member_count", 0),
        "thread_count": getattr(community, "thread_count", 0),
        "created_at": community.created_at,
        "is_member": is_member,
    }


def community_detail_out(user: Any, access: CommunityAccess) -> dict[str, Any]:
    community = (
        selectors.visible_communities(user).filter(pk=access.community.pk).first()
        or access.community
    )
    refused = refusal(user, access)
    membership = access.membership
    return {
        **community_out(community, is_member=access.is_member),
        "code_of_conduct": community.code_of_conduct_md,
        "code_of_conduct_html": community.code_of_conduct_html,
        "tags": [{"slug": t.slug, "name": t.name} for t in community.tags.all()],
        "viewer": {
            "is_member": access.is_member,
            "role": membership.role if membership is not None else "",
            "is_moderator": access.is_moderator,
            "can_read": access.can_read,
            "can_join": user.is_authenticated and access.can_join,
            "can_post": refused is None,
            "posting_refused": refused,
            "silenced_until": (
                silenced_until(user.pk, community.pk) if user.is_authenticated else None
            ),
            "watch_level": selectors.community_watch_level(user=user, community_id=community.pk),
        },
    }


def membership_out(membership: Membership) -> dict[str, Any]:
    return {
        "community": community_ref(membership.community),
        "role": membership.role,
        "joined_at": membership.joined_at,
        "conduct_accepted_at": membership.conduct_accepted_at,
        "left_at": membership.left_at,
    }


def thread_out(thread: Thread, community: Community) -> dict[str, Any]:
    """A thread as `community_threads` returns it (author, tags, `unread`, `watch_level`)."""
    return {
        "id": thread.pk,
        "url": services.thread_path(thread),
        "community": community_ref(community),
        "title": thread.title,
        "author": user_ref(thread.author),
        "tags": [{"slug": t.slug, "name": t.name} for t in thread.tags.all()],
        "post_count": thread.post_count,
        "created_at": thread.created_at,
        "last_posted_at": thread.last_posted_at,
        "pinned": thread.is_pinned,
        "locked": thread.is_locked,
        "unread": getattr(thread, "unread", 0) or 0,
        "watch_level": getattr(thread, "watch_level", None) or WatchLevel.NORMAL,
    }


def thread_detail_out(user: Any, access: CommunityAccess, thread: Thread) -> dict[str, Any]:
    # The list's row: `unread` and the effective `watch_level` come annotated.
    listed = (
        selectors.community_threads(access=access, user=user).filter(pk=thread.pk).first() or thread
    )
    refused = refusal(user, access, thread)
    return {
        **thread_out(listed, access.community),
        "last_seq": thread.last_seq,
        "last_number": thread.last_number,
        "ws_path": f"/ws/threads/{thread.pk}/",
        "can_post": refused is None,
        "posting_refused": refused,
        "is_moderator": access.is_moderator,
    }


def one_post_out(post: Post, user: Any, access: CommunityAccess) -> dict[str, Any]:
    reactions = selectors.reactions_for([post], user)
    return post_out(post, user=user, access=access, reactions=reactions.get(post.pk))


def flag_out(flag: Flag) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "post_id": flag.post_id,
        "reason": flag.reason,
        "note": flag.note,
        "status": flag.status,
        "created_at": flag.created_at,
    }


def readable(access: CommunityAccess) -> CommunityAccess:
    """Threads of a by-invitation community are for members: its description is not."""
    if not access.can_read:
        raise PermissionDenied
    return access


# -- communities ----------------------------------------------------------------------------


@router.get("/communities", response=CommunityPage, auth=ANYONE, summary="Communities you can see")
def list_communities(request: HttpRequest, query: Query[CommunityQuery]) -> dict[str, Any]:
    user = viewer(request)
    if query.mine and not user.is_authenticated:
        raise AuthenticationError(message=_("Sign in to see your communities."))
    communities = selectors.visible_communities(user)
    # One query for the whole page's `is_member`.
    mine = set(selectors.my_communities(user).values_list("pk", flat=True))
    if query.mine:
        communities = communities.filter(pk__in=mine)
    if query.kind:
        communities = communities.filter(kind=query.kind)
    return paginated(communities, query, lambda c: community_out(c, is_member=c.pk in mine))


@router.post(
    "/communities",
    response={201: CommunityDetailOut},
    summary="Create a community (platform moderators and staff)",
)
def create_community(request: HttpRequest, payload: CommunityIn) -> Status:
    user = signed_in_user(request)
    with fields_named(COMMUNITY_FIELDS):
        community = services.community_create(
            actor=user,
            name=payload.name,
            slug=payload.slug,
            kind=payload.kind,
            visibility=payload.visibility,
            description=payload.description,
            code_of_conduct=payload.code_of_conduct,
            country=payload.country,
        )
    access = get_community_for_user(user, community.slug)
    return Status(201, community_detail_out(user, access))


@router.get(
    "/communities/{slug:slug}",
    response=CommunityDetailOut,
    auth=ANYONE,
    summary="One community, and what you may do in it",
)
def get_community(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = viewer(request)
    return community_detail_out(user, get_community_for_user(user, slug))


@router.patch(
    "/communities/{slug:slug}",
    response=CommunityDetailOut,
    summary="Change a community (its moderators)",
)
def update_community(request: HttpRequest, slug: str, payload: CommunityPatch) -> dict[str, Any]:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug, for_moderation=True).community
    given = payload.dict(exclude_unset=True)
    for key, value in given.items():
        if value is None:
            raise ValidationError({key: [_("Give a value or leave the field out.")]})
    with fields_named(COMMUNITY_FIELDS):
        services.community_update(
            actor=user,
            community=community,
            name=given.get("name", community.name),
            kind=given.get("kind", community.kind),
            visibility=given.get("visibility", community.visibility),
            description=given.get("description", community.description_md),
            code_of_conduct=given.get("code_of_conduct", community.code_of_conduct_md),
            country=given.get("country", community.country.code or ""),
        )
    return community_detail_out(user, get_community_for_user(user, slug))


@router.post(
    "/communities/{slug:slug}/join",
    response=MembershipOut,
    summary="Join a public community, accepting its code of conduct",
)
def join_community(request: HttpRequest, slug: str, payload: JoinIn) -> dict[str, Any]:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug).community
    membership = services.membership_join(
        user=user, community=community, accept_conduct=payload.accept_conduct
    )
    return membership_out(membership)


@router.post("/communities/{slug:slug}/leave", response=MembershipOut, summary="Leave")
def leave_community(request: HttpRequest, slug: str) -> dict[str, Any]:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug).community
    return membership_out(services.membership_leave(user=user, community=community))


@router.get(
    "/communities/{slug:slug}/watch",
    response=WatchOut,
    summary="Your level for the community's threads (a thread's own level wins)",
)
def get_community_watch(request: HttpRequest, slug: str) -> dict[str, str]:
    user = signed_in_user(request)
    access = readable(get_community_for_user(user, slug))
    return {"level": selectors.community_watch_level(user=user, community_id=access.community.pk)}


@router.put("/communities/{slug:slug}/watch", response=WatchOut, summary="Set your level")
def put_community_watch(request: HttpRequest, slug: str, payload: WatchIn) -> dict[str, str]:
    user = signed_in_user(request)
    access = readable(get_community_for_user(user, slug))
    level = services.watch_set(user=user, level=payload.level, community=access.community)
    return {"level": level}


# -- threads --------------------------------------------------------------------------------


@router.get(
    "/communities/{slug:slug}/threads",
    response=ThreadPage,
    auth=ANYONE,
    summary="Threads, pinned first, then the most recently active",
)
def list_threads(request: HttpRequest, slug: str, query: Query[ThreadQuery]) -> dict[str, Any]:
    user = viewer(request)
    access = readable(get_community_for_user(user, slug))
    if query.unread and not user.is_authenticated:
        raise AuthenticationError(message=_("Sign in to see what you have not read."))
    threads = selectors.community_threads(
        access=access, user=user, tag=query.tag or None, unread_only=query.unread
    )
    return paginated(threads, query, lambda t: thread_out(t, access.community))


@router.post(
    "/communities/{slug:slug}/threads",
    response={201: ThreadDetailOut},
    summary="Open a thread (its first post is `text`)",
)
def create_thread(request: HttpRequest, slug: str, payload: ThreadIn) -> Status:
    user = signed_in_user(request)
    access = get_community_for_user(user, slug)
    thread = services.thread_create(
        author=user,
        community=access.community,
        title=payload.title,
        text=payload.text,
        tags=payload.tags,
        client_id=payload.client_id,
    )
    made = get_thread_for_user(user, thread.pk)
    return Status(201, thread_detail_out(user, made.access, made.thread))


@router.get(
    "/threads/{int:thread_id}",
    response=ThreadDetailOut,
    auth=ANYONE,
    summary="One thread: its state and where its live socket is",
)
def get_thread(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    user = viewer(request)
    found = get_thread_for_user(user, thread_id)
    return thread_detail_out(user, found.access, found.thread)


@router.get(
    "/threads/{int:thread_id}/posts",
    response=PostPage,
    auth=ANYONE,
    summary="Posts in number order; a hidden post's text only to moderators and its author",
)
def list_posts(request: HttpRequest, thread_id: int, query: Query[PageQuery]) -> dict[str, Any]:
    user = viewer(request)
    found = get_thread_for_user(user, thread_id)
    posts = selectors.thread_posts(access=found.access, thread=found.thread, user=user)
    result = paginated(posts, query, lambda post: post)
    page = result["results"]
    reactions = selectors.reactions_for(page, user)
    result["results"] = [
        post_out(post, user=user, access=found.access, reactions=reactions.get(post.pk))
        for post in page
    ]
    return result


@router.post(
    "/threads/{int:thread_id}/posts",
    response={200: PostOut, 201: PostOut},
    summary="Reply (201; 200 with the stored post when client_id was sent before)",
)
def create_post(request: HttpRequest, thread_id: int, payload: PostIn) -> Status:
    user = signed_in_user(request)
    found = get_thread_for_user(user, thread_id)
    reply_to = None
    if payload.reply_to is not None:
        reply_to = Post.objects.select_related("author").filter(pk=payload.reply_to).first()
        if reply_to is None:
            raise ValidationError({"reply_to": [_("There is no such post in this thread.")]})
    post = services.post_create(
        author=user,
        thread=found.thread,
        text=payload.text,
        reply_to=reply_to,
        client_id=payload.client_id,
    )
    status = 200 if getattr(post, "repeated", False) else 201
    return Status(status, one_post_out(post, user, found.access))


@router.put("/threads/{int:thread_id}/watch", response=WatchOut, summary="Your level here")
def put_thread_watch(request: HttpRequest, thread_id: int, payload: WatchIn) -> dict[str, str]:
    user = signed_in_user(request)
    found = get_thread_for_user(user, thread_id)
    return {"level": services.watch_set(user=user, level=payload.level, thread=found.thread)}


@router.post(
    "/threads/{int:thread_id}/read",
    response=ReadOut,
    summary="You have read up to post #number (never moves back)",
)
def mark_read(request: HttpRequest, thread_id: int, payload: ReadIn) -> dict[str, int]:
    user = signed_in_user(request)
    found = get_thread_for_user(user, thread_id)
    state = services.read_mark(user=user, thread=found.thread, number=payload.number)
    return {"last_read_number": state.last_read_number}


# -- posts ----------------------------------------------------------------------------------


@router.get("/posts/{int:post_id}", response=PostOut, auth=ANYONE, summary="One post")
def get_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    user = viewer(request)
    found = get_post_for_user(user, post_id)
    return one_post_out(found.post, user, found.access)


@router.patch(
    "/posts/{int:post_id}",
    response=PostOut,
    summary="Edit a post (its author; a moderator gives a reason)",
)
def edit_post(request: HttpRequest, post_id: int, payload: PostPatch) -> dict[str, Any]:
    user = signed_in_user(request)
    found = get_post_for_user(user, post_id, for_write=True)
    post = services.post_edit(
        editor=user, post=found.post, text=payload.text, reason=payload.reason
    )
    return one_post_out(post, user, found.access)


@router.get(
    "/posts/{int:post_id}/history",
    response=list[RevisionOut],
    auth=ANYONE,
    summary="The texts a post had before each edit, oldest first",
)
def post_history(request: HttpRequest, post_id: int) -> list[dict[str, Any]]:
    user = viewer(request)
    found = get_post_for_user(user, post_id)
    rows = []
    for row in selectors.post_history_for(access=found.access, post=found.post, user=user):
        revision = row.revision
        rows.append(
            {
                "text": revision.body_md if row.show_text else "",
                "html": revision.body_html if row.show_text else "",
                "edited_by": user_ref(revision.edited_by) if revision.edited_by else None,
                "edited_at": revision.edited_at,
                "by_moderator": row.by_moderator,
                "reason": revision.reason,
            }
        )
    return rows


@router.post(
    "/posts/{int:post_id}/reactions",
    response=ReactionsOut,
    summary="Add your reaction, or take it back if you had given it",
)
def toggle_reaction(request: HttpRequest, post_id: int, payload: ReactionIn) -> dict[str, Any]:
    user = signed_in_user(request)
    found = get_post_for_user(user, post_id)
    services.reaction_toggle(user=user, post=found.post, emoji=payload.emoji)
    return reactions_out(selectors.reactions_for([found.post], user).get(found.post.pk))


@router.post(
    "/posts/{int:post_id}/flags",
    response={201: FlagOut},
    summary="Flag a post for the community's moderators",
)
def flag_post(request: HttpRequest, post_id: int, payload: FlagIn) -> Status:
    user = signed_in_user(request)
    found = get_post_for_user(user, post_id)
    flag = moderation_services.flag_create(
        user=user, post=found.post, reason=FlagReason(payload.reason), note=payload.note
    )
    return Status(201, flag_out(flag))


# -- preview and search ---------------------------------------------------------------------


@router.post(
    "/preview",
    response={200: PreviewOut, 429: ErrorOut},
    summary="Render Markdown exactly as a saved post would be",
)
def preview(request: HttpRequest, payload: PreviewIn) -> Status:
    user = signed_in_user(request)
    # The page's limit, counted in the same place: the API is not a way around it.
    if not preview_allowed(user.pk):
        message = _("Too many previews in a minute; the preview resumes shortly.")
        return Status(429, {"error": {"code": "rate_limited", "message": message}})
    if not payload.text.strip():
        return Status(200, {"html": ""})
    return Status(200, {"html": selectors.preview_html(text=payload.text)})


@router.get(
    "/search",
    response=SearchPage,
    auth=ANYONE,
    summary="Search posts in the communities you can read (never hidden posts)",
)
def search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    user = viewer(request)
    community = None
    if query.community:
        community = readable(get_community_for_user(user, query.community)).community
    author = None
    if query.author:
        handle = query.author.removeprefix("@").lower()
        author = User.objects.filter(handle=handle, is_active=True).first()
        if author is None:
            raise ValidationError({"author": [_("Nobody has the handle @%(h)s.") % {"h": handle}]})
    if query.from_ and query.to and query.from_ > query.to:
        raise ValidationError({"to": [_("The end date is before the start date.")]})
    hits = search_posts(
        user=user,
        q=query.q,
        community=community,
        tag=query.tag or None,
        author=author,
        since=query.from_,
        until=query.to,
    )
    return paginated(
        hits,  # type: ignore[arg-type]
        query,
        lambda hit: {
            "post_id": hit.post.pk,
            "number": hit.post.number,
            "url": services.post_path(hit.post),
            "thread": thread_ref(hit.thread),
            "community": community_ref(hit.community),
            "author": user_ref(hit.post.author),
            "created_at": hit.post.created_at,
            "rank": float(hit.rank or 0),
            "snippet_html": hit.snippet_html,
        },
    )

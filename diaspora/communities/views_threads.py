"""Forum pages: a thread with its posts and reply form, opening a thread, editing a post and
its history, reactions, watching a thread, and the Markdown preview.

The thread page renders the DOM that `static/js/thread-live.js` (live updates) and
`static/js/forum-compose.js` (preview, reply, quote) work on ("Thread page DOM" in the brief;
`templates/communities/thread_detail.html`). Every form also works without JavaScript: reply
and quote are links that prefill the form, and "Preview" is a submit button.
"""

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diaspora.communities import selectors, services
from diaspora.communities.forms import (
    ComposeForm,
    PostEditForm,
    ReactForm,
    ReplyForm,
    ThreadForm,
    WatchForm,
    new_client_id,
)
from diaspora.communities.limits import preview_allowed
from diaspora.communities.live_strings import thread_live_strings
from diaspora.communities.mentions import quote_markdown
from diaspora.communities.models import Post, ReadState, Thread, WatchLevel
from diaspora.communities.permissions import (
    CommunityAccess,
    PostingRefused,
    ensure_can_post,
    get_community_for_user,
    get_post_for_user,
    get_thread_for_user,
)
from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest

# Previews are rendered on every pause in typing; this many a minute per person is plenty for
# a human and stops a script from using the renderer as a free service.


def posting_refusal(user: Any, access: CommunityAccess, thread: Thread | None = None) -> Any:
    """Why this person may not post here now (a PostingRefused), or None."""
    try:
        ensure_can_post(user, access, thread)
    except PostingRefused as refusal:
        return refusal
    return None


def _render_preview(form: ComposeForm) -> str:
    """The preview of a form's text for the page without JavaScript; errors go on the form."""
    try:
        return selectors.preview_html(text=form.cleaned_data["text"])
    except ValidationError as error:
        form.add_error("text", error.messages)
        return ""


# -- the thread page ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReactionButton:
    emoji: str
    count: int
    mine: bool


@dataclass(frozen=True)
class PostItem:
    """A post as this viewer sees it on the thread page."""

    post: Post
    # The text rather than the "hidden" placeholder: moderators and the author still see it.
    show_body: bool
    can_edit: bool
    can_flag: bool
    reactions: list[ReactionButton]


def _reaction_buttons(counts: dict[str, int], mine: Any) -> list[ReactionButton]:
    return [
        ReactionButton(emoji=emoji, count=counts.get(emoji, 0), mine=emoji in mine)
        for emoji in services.REACTIONS
    ]


def _post_items(posts: list[Post], user: Any, access: CommunityAccess) -> list[PostItem]:
    reactions = selectors.reactions_for(posts, user) if posts else {}
    may_flag = user.is_authenticated and (access.is_member or access.is_platform_moderator)
    items = []
    for post in posts:
        is_author = user.is_authenticated and post.author_id == user.pk
        mine = reactions.get(post.pk, {})
        items.append(
            PostItem(
                post=post,
                show_body=not post.is_hidden or access.is_moderator or is_author,
                can_edit=is_author or access.is_moderator,
                can_flag=may_flag and not is_author and not post.is_hidden,
                reactions=_reaction_buttons(mine.get("counts", {}), mine.get("mine", ())),
            )
        )
    return items


def _page_of(request: HttpRequest, posts: QuerySet[Post], thread: Thread, *, last: bool) -> Page:
    """The page asked for: `?post=<n>` is the page holding post n, `?unread=1` the page of
    the first unread post, `last` (a reply form sent back with errors) the last page."""
    per_page = settings.FORUM_POSTS_PER_PAGE
    paginator = Paginator(posts, per_page)
    number: int | None = None
    if last:
        return paginator.get_page(paginator.num_pages)
    if request.GET.get("post", "").isdigit():
        number = int(request.GET["post"])
    elif request.GET.get("unread") and request.user.is_authenticated:
        read = (
            ReadState.objects.filter(thread=thread, user_id=request.user.pk)
            .values_list("last_read_number", flat=True)
            .first()
        )
        number = (read or 0) + 1
    if number is not None:
        before = posts.filter(number__lt=number).count()
        return paginator.get_page(math.floor(before / per_page) + 1)
    return paginator.get_page(request.GET.get("page"))


def _reply_target(thread: Thread, access: CommunityAccess, user: Any, pk: Any) -> Post | None:
    """The post of this thread named by `pk`, if this viewer may see its text."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    post = Post.objects.select_related("author").filter(thread=thread, pk=pk).first()
    if post is None:
        return None
    if post.is_hidden and not (access.is_moderator or post.author_id == user.pk):
        return None
    return post


def _render_thread(
    request: HttpRequest,
    thread: Thread,
    access: CommunityAccess,
    form: ReplyForm,
    *,
    preview: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    posts = selectors.thread_posts(access=access, thread=thread, user=user)
    page = _page_of(request, posts, thread, last=form.is_bound)
    items = _post_items(list(page.object_list), user, access)
    if user.is_authenticated and items:
        services.read_mark(user=user, thread=thread, number=items[-1].post.number)
    reply_to = form["reply_to"].value()
    context = {
        "thread": thread,
        "community": thread.community,
        "access": access,
        "tags": list(thread.tags.all()),
        "page": page,
        "items": items,
        "is_last_page": page.number == page.paginator.num_pages,
        "form": form,
        "preview": preview,
        "reply_target": _reply_target(thread, access, user, reply_to) if reply_to else None,
        "refusal": posting_refusal(user, access, thread),
        "watch_level": (
            selectors.watch_level(user=user, thread=thread)
            if user.is_authenticated
            else WatchLevel.NORMAL
        ),
        "watch_levels": WatchLevel.choices,
        "blank_reactions": _reaction_buttons({}, ()),
        "live_strings": _live_strings(),
    }
    return render(request, "communities/thread_detail.html", context, status=status)


def _live_strings() -> dict[str, str]:
    return thread_live_strings()


def _reply_initial(request: HttpRequest, thread: Thread, access: CommunityAccess) -> dict[str, Any]:
    """`?reply_to=<id>` and `?quote=<id>`: the reply and quote links without JavaScript."""
    initial: dict[str, Any] = {"client_id": new_client_id()}
    target = _reply_target(thread, access, request.user, request.GET.get("reply_to"))
    if target is not None:
        initial["reply_to"] = target.pk
    quoted = _reply_target(thread, access, request.user, request.GET.get("quote"))
    if quoted is not None:
        initial["text"] = quote_markdown(author=quoted.author, markdown=quoted.body_md)
    return initial


@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thread_access = get_thread_for_user(request.user, pk)
    thread, access = thread_access.thread, thread_access.access
    if request.method != "POST":
        form = ReplyForm(initial=_reply_initial(request, thread, access))
        return _render_thread(request, thread, access, form)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _render_thread(request, thread, access, form)
    if "preview" in request.POST:
        return _render_thread(request, thread, access, form, preview=_render_preview(form))
    data = form.cleaned_data
    reply_to = None
    if data["reply_to"]:
        reply_to = _reply_target(thread, access, request.user, data["reply_to"])
        if reply_to is None:
            form.add_error(None, _("The post you are answering is no longer in this thread."))
            return _render_thread(request, thread, access, form)
    try:
        post = services.post_create(
            author=request.user,
            thread=thread,
            text=data["text"],
            reply_to=reply_to,
            client_id=data["client_id"] or "",
        )
    except PostingRefused as refusal:
        form.add_error(None, refusal.message)
        return _render_thread(request, thread, access, form, status=403)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_thread(request, thread, access, form)
    return redirect(services.post_path(post))


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug)
    community = access.community
    tags = list(community.tags.all())
    form = ThreadForm(
        request.POST if request.method == "POST" else None,
        tags=tags,
        initial={"client_id": new_client_id()},
    )
    preview = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = _render_preview(form)
        else:
            try:
                thread = services.thread_create(
                    author=request.user,
                    community=community,
                    title=data["title"],
                    text=data["text"],
                    tags=data.get("tags") or [],
                    client_id=data["client_id"] or "",
                )
            except PostingRefused as refusal:
                form.add_error(None, refusal.message)
                status = 403
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("thread_detail", pk=thread.pk)
    return render(
        request,
        "communities/thread_form.html",
        {
            "community": community,
            "access": access,
            "form": form,
            "preview": preview,
            "refusal": posting_refusal(request.user, access),
        },
        status=status,
    )


@login_required
@require_POST
def thread_watch(request: AuthedRequest, pk: int) -> HttpResponse:
    thread = get_thread_for_user(request.user, pk).thread
    form = WatchForm(request.POST, thread=True)
    if form.is_valid():
        services.watch_set(user=request.user, level=form.cleaned_data["level"], thread=thread)
        messages.success(request, _("Notification level saved."))
    else:
        messages.error(request, _("Choose a level from the list."))
    return redirect("thread_detail", pk=thread.pk)


# -- posts ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    post_access = get_post_for_user(request.user, pk, for_write=True)
    post, access = post_access.post, post_access.access
    moderator_edit = post.author_id != request.user.pk
    form = PostEditForm(
        request.POST if request.method == "POST" else None,
        initial={"text": post.body_md},
        moderator_edit=moderator_edit,
    )
    preview = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _render_preview(form)
        else:
            try:
                services.post_edit(
                    editor=request.user,
                    post=post,
                    text=form.cleaned_data["text"],
                    reason=form.cleaned_data.get("reason", ""),
                )
            except PostingRefused as refusal:
                form.add_error(None, refusal.message)
                status = 403
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(services.post_path(post))
    return render(
        request,
        "communities/post_edit.html",
        {
            "post": post,
            "thread": post.thread,
            "form": form,
            "preview": preview,
            "moderator_edit": moderator_edit,
            "refusal": None
            if moderator_edit
            else posting_refusal(request.user, access, post.thread),
        },
        status=status,
    )


def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post_access = get_post_for_user(request.user, pk)
    post, access = post_access.post, post_access.access
    rows = selectors.post_history_for(access=access, post=post, user=request.user)
    rows.reverse()  # newest first, under the current text
    return render(
        request,
        "communities/post_history.html",
        {
            "post": post,
            "thread": post.thread,
            "rows": rows,
            "show_current": not post.is_hidden
            or selectors.can_see_hidden(access=access, post=post, user=request.user),
        },
    )


@require_GET
def post_source(request: HttpRequest, pk: int) -> JsonResponse:
    """A post's Markdown and its author's handle, for the quote button."""
    post = get_post_for_user(request.user, pk).post
    return JsonResponse(
        {
            "id": post.pk,
            "number": post.number,
            "handle": post.author.handle or "",
            "quote": quote_markdown(author=post.author, markdown=post.body_md),
        }
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def post_react(request: AuthedRequest, pk: int) -> HttpResponse:
    post = get_post_for_user(request.user, pk).post
    form = ReactForm(request.POST)
    error = ""
    status = 200
    counts: dict[str, int] = {}
    if not form.is_valid() or form.cleaned_data["emoji"] not in services.REACTIONS:
        error, status = _("Choose one of the reactions shown."), 400
    else:
        try:
            counts = services.reaction_toggle(
                user=request.user, post=post, emoji=form.cleaned_data["emoji"]
            )
        except PostingRefused as refusal:
            error, status = refusal.message, 403
        except ValidationError as problem:
            error, status = " ".join(problem.messages), 400
    if _wants_json(request):
        if error:
            return JsonResponse({"error": error}, status=status)
        return JsonResponse({"reactions": counts})
    if error:
        messages.error(request, error)
    return redirect(services.post_path(post))


# -- preview --------------------------------------------------------------------------------


@require_POST
def markdown_preview(request: HttpRequest) -> JsonResponse:
    """`text` rendered exactly as a saved post would be: `{"html"}` or `{"error"}`."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Sign in to see a preview.")}, status=401)
    if not request.user.is_active:
        raise PermissionDenied
    if not preview_allowed(request.user.pk):
        return JsonResponse(
            {"error": _("Too many previews in a minute; the preview resumes shortly.")},
            status=429,
        )
    text = request.POST.get("text", "")
    if not text.strip():
        return JsonResponse({"html": ""})
    try:
        html = selectors.preview_html(text=text)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"html": html})

"""Moderating what people wrote: flagging a post, the review queue, hiding and restoring
posts, locking, pinning and moving threads.

Permission helpers come first in every view: a post or thread the person may not read is 404
(a members-only community does not exist for outsiders); one they may read but not moderate is
403; only then is the form read.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from diaspora.communities.models import Community, Thread
from diaspora.communities.permissions import (
    get_community_for_user,
    get_post_for_user,
    get_thread_for_user,
)
from diaspora.http import AuthedRequest
from diaspora.moderation import services
from diaspora.moderation.forms import (
    FlagForm,
    MoveForm,
    ReasonForm,
    RequiredReasonForm,
    ResolveForm,
)
from diaspora.moderation.selectors import moderated_communities, review_queue
from diaspora.moderation.views import initial_next, post_url, posted, run_action, thread_url

ACTION_TEMPLATE = "moderation/action.html"

# -- flags ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def post_flag(request: AuthedRequest, pk: int) -> HttpResponse:
    """A member tells the moderators what is wrong with a post."""
    found = get_post_for_user(request.user, pk)
    post, access = found.post, found.access
    if not (access.is_member or access.is_platform_moderator):
        raise PermissionDenied(_("Join this community to flag its posts."))
    form = FlagForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.flag_create(user=request.user, post=post, reason=data["reason"], note=data["note"])
        return _("Thank you: the moderators will look at this post.")

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=post_url(post),
        template="moderation/flag.html",
        context={"post": post, "thread": post.thread, "community": access.community},
    )


@login_required
@require_GET
def review_queue_page(request: AuthedRequest, slug: str) -> HttpResponse:
    """Posts with pending flags, each with its text (hidden or not), the reasons counted, the
    flaggers' notes, and the buttons to agree or disagree."""
    access = get_community_for_user(request.user, slug, for_moderation=True)
    items = review_queue(community=access.community)
    return render(
        request,
        "moderation/review_queue.html",
        {"community": access.community, "items": items, "here": request.get_full_path()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def flags_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_post_for_user(request.user, pk, for_moderation=True)
    post = found.post
    form = ResolveForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        agree = data["decision"] == "agree"
        count = services.flags_resolve(
            actor=request.user, post=post, agree=agree, reason=data["reason"]
        )
        if agree:
            return ngettext(
                "Agreed with %(n)s flag: the post is hidden.",
                "Agreed with %(n)s flags: the post is hidden.",
                count,
            ) % {"n": count}
        return ngettext(
            "Disagreed with %(n)s flag: the post stays.",
            "Disagreed with %(n)s flags: the post stays.",
            count,
        ) % {"n": count}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=reverse("review_queue", args=[found.access.community.slug]),
        template="moderation/resolve.html",
        context={"post": post, "thread": post.thread, "community": found.access.community},
    )


# -- posts ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def post_hide(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_post_for_user(request.user, pk, for_moderation=True)
    post = found.post
    form = RequiredReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.post_hide(actor=request.user, post=post, reason=data["reason"])
        return _("The post is hidden. Its author and the moderators can still read it.")

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=post_url(post),
        template=ACTION_TEMPLATE,
        context={
            "community": found.access.community,
            "post": post,
            "thread": post.thread,
            "title": _("Hide post #%(number)s") % {"number": post.number},
            "intro": _(
                "Readers will see a placeholder instead of the text; the author is told why."
            ),
            "submit": _("Hide the post"),
            "danger": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_restore(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_post_for_user(request.user, pk, for_moderation=True)
    post = found.post
    form = ReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.post_restore(actor=request.user, post=post, reason=data["reason"])
        return _("The post is visible again.")

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=post_url(post),
        template=ACTION_TEMPLATE,
        context={
            "community": found.access.community,
            "post": post,
            "thread": post.thread,
            "title": _("Restore post #%(number)s") % {"number": post.number},
            "intro": _("Everyone who can read the thread will see the post again."),
            "submit": _("Restore the post"),
        },
    )


# -- threads --------------------------------------------------------------------------------

# Lazy: these are read when a page is rendered, in the language of that request.
THREAD_ACTIONS: dict[str, dict[str, Any]] = {
    "lock": {
        "service": services.thread_lock,
        "title": gettext_lazy("Lock “%(title)s”"),
        "intro": gettext_lazy("Only moderators will be able to post in it."),
        "submit": gettext_lazy("Lock the thread"),
        "done": gettext_lazy("The thread is locked."),
        "danger": True,
    },
    "unlock": {
        "service": services.thread_unlock,
        "title": gettext_lazy("Unlock “%(title)s”"),
        "intro": gettext_lazy("Members will be able to reply again."),
        "submit": gettext_lazy("Unlock the thread"),
        "done": gettext_lazy("The thread is unlocked."),
    },
    "pin": {
        "service": services.thread_pin,
        "title": gettext_lazy("Pin “%(title)s”"),
        "intro": gettext_lazy("It will head the community's list of threads."),
        "submit": gettext_lazy("Pin the thread"),
        "done": gettext_lazy("The thread is pinned."),
    },
    "unpin": {
        "service": services.thread_unpin,
        "title": gettext_lazy("Unpin “%(title)s”"),
        "intro": gettext_lazy("It will take its place in the list by its latest post."),
        "submit": gettext_lazy("Unpin the thread"),
        "done": gettext_lazy("The thread is no longer pinned."),
    },
}


def _thread_action(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    found = get_thread_for_user(request.user, pk, for_moderation=True)
    thread = found.thread
    spec = THREAD_ACTIONS[kind]
    form = ReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        spec["service"](actor=request.user, thread=thread, reason=data["reason"])
        return str(spec["done"])

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=thread_url(thread),
        template=ACTION_TEMPLATE,
        context={
            "community": found.access.community,
            "thread": thread,
            "title": str(spec["title"]) % {"title": thread.title},
            "intro": spec["intro"],
            "submit": spec["submit"],
            "danger": spec.get("danger", False),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_lock(request: AuthedRequest, pk: int) -> HttpResponse:
    return _thread_action(request, pk, "lock")


@login_required
@require_http_methods(["GET", "POST"])
def thread_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    return _thread_action(request, pk, "unlock")


@login_required
@require_http_methods(["GET", "POST"])
def thread_pin(request: AuthedRequest, pk: int) -> HttpResponse:
    return _thread_action(request, pk, "pin")


@login_required
@require_http_methods(["GET", "POST"])
def thread_unpin(request: AuthedRequest, pk: int) -> HttpResponse:
    return _thread_action(request, pk, "unpin")


def _move_targets(request: AuthedRequest, thread: Thread) -> Any:
    """Communities this moderator may move the thread to: those they moderate, not archived,
    not the thread's own."""
    moderated = moderated_communities(request.user).values("pk")
    return (
        Community.objects.active()
        .filter(pk__in=moderated)
        .exclude(pk=thread.community_id)
        .order_by("name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_move(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_thread_for_user(request.user, pk, for_moderation=True)
    thread = found.thread
    form = MoveForm(
        posted(request),
        initial=initial_next(request),
        communities=_move_targets(request, thread),
    )

    def perform(data: dict[str, Any]) -> str:
        target = data["to_community"]
        # The target is re-checked like any community the moderator names: 404 if they may
        # not see it, 403 if they may not moderate it (the service checks it too).
        get_community_for_user(request.user, target.slug, for_moderation=True)
        services.thread_move(
            actor=request.user, thread=thread, to_community=target, reason=data["reason"]
        )
        return _("The thread is now in %(community)s.") % {"community": target.name}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=thread_url(thread),
        template="moderation/move.html",
        context={"community": found.access.community, "thread": thread},
    )

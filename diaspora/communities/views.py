"""Community pages: the directory, a community's page with its threads, joining and leaving,
settings, invitations and watching. The forum pages (threads, posts, preview) are in
`views_threads.py`, search in `views_search.py`.

Every view asks `permissions` first: a members-only community is a 404 to everyone else, and
a community that is visible but not theirs to moderate is a 403.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.accounts.models import User
from diaspora.communities import selectors, services
from diaspora.communities.forms import (
    CommunityFilterForm,
    CommunityForm,
    InvitationForm,
    JoinForm,
    TagForm,
    ThreadFilterForm,
    WatchForm,
)
from diaspora.communities.models import (
    CommunityInvitation,
    Membership,
    WatchLevel,
)
from diaspora.communities.permissions import (
    get_community_for_user,
    is_platform_moderator,
)
from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.pagination import paginate, querystring_without_page

# The service names the model's fields; the form calls them by what the person wrote.
_FIELD_NAMES = {"description_md": "description", "code_of_conduct_md": "code_of_conduct"}


def _add_community_errors(form: CommunityForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {_FIELD_NAMES.get(name, name): errors for name, errors in error.error_dict.items()}
        )
    add_service_errors(form, error)


def community_list(request: HttpRequest) -> HttpResponse:
    form = CommunityFilterForm(request.GET or None)
    # A bad value is shown next to its field; the other filters still apply.
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    communities = selectors.visible_communities(request.user)
    if data.get("kind"):
        communities = communities.filter(kind=data["kind"])
    if data.get("q"):
        communities = communities.filter(
            Q(name__icontains=data["q"]) | Q(description_md__icontains=data["q"])
        )
    if data.get("mine") and request.user.is_authenticated:
        communities = communities.filter(pk__in=selectors.my_communities(request.user).values("pk"))
    page = paginate(request, communities)
    member_of: set[int] = set()
    if request.user.is_authenticated:
        member_of = set(
            Membership.objects.current()
            .filter(user_id=request.user.pk, community__in=list(page.object_list))
            .values_list("community_id", flat=True)
        )
    return render(
        request,
        "communities/community_list.html",
        {
            "form": form,
            "page": page,
            "query": querystring_without_page(request),
            "member_of": member_of,
            "may_create": is_platform_moderator(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_create(request: AuthedRequest) -> HttpResponse:
    if not is_platform_moderator(request.user):
        raise PermissionDenied
    form = CommunityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            _add_community_errors(form, error)
        else:
            messages.success(request, _("The community is open. You are its first moderator."))
            return redirect("community_detail", slug=community.slug)
    return render(request, "communities/community_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def community_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    community = access.community
    adding_tag = request.method == "POST" and "add_tag" in request.POST
    form = CommunityForm(
        request.POST if request.method == "POST" and not adding_tag else None,
        community=community,
    )
    tag_form = TagForm(request.POST if adding_tag else None)
    if adding_tag and tag_form.is_valid():
        try:
            tag = services.tag_create(
                actor=request.user, community=community, name=tag_form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(tag_form, error)
        else:
            messages.success(request, _("Tag “%(name)s” added.") % {"name": tag.name})
            return redirect("community_edit", slug=community.slug)
    elif form.is_bound and form.is_valid():
        try:
            services.community_update(
                actor=request.user, community=community, **form.service_arguments()
            )
        except ValidationError as error:
            _add_community_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("community_detail", slug=community.slug)
    return render(
        request,
        "communities/community_form.html",
        {
            "form": form,
            "tag_form": tag_form,
            "community": community,
            "tags": list(community.tags.all()),
        },
    )


def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug)
    community = access.community
    tags = list(community.tags.all())
    form = ThreadFilterForm(request.GET or None, tags=tags)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    page = None
    if access.can_read:
        threads = selectors.community_threads(
            access=access,
            user=request.user,
            tag=data.get("tag") or None,
            unread_only=bool(data.get("unread")) and request.user.is_authenticated,
        )
        page = paginate(request, threads, per_page=settings.FORUM_THREADS_PER_PAGE)
    return render(
        request,
        "communities/community_detail.html",
        {
            "community": community,
            "access": access,
            "form": form,
            "tags": tags,
            "page": page,
            "query": querystring_without_page(request),
            "watch_level": selectors.community_watch_level(
                user=request.user, community_id=community.pk
            ),
            "watch_levels": WatchLevel.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_join(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug)
    community = access.community
    if access.is_member:
        messages.info(request, _("You are already a member of %(name)s.") % {"name": community})
        return redirect("community_detail", slug=community.slug)
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_join(user=request.user, community=community, accept_conduct=True)
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(
                None,
                str(error) or _("This community takes new members by invitation only."),
            )
        else:
            messages.success(request, _("Welcome to %(name)s.") % {"name": community})
            return redirect("community_detail", slug=community.slug)
    return render(
        request,
        "communities/community_join.html",
        {"community": community, "access": access, "form": form},
    )


@login_required
@require_POST
def community_leave(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug)
    community = access.community
    if not access.is_member:
        messages.info(request, _("You are not a member of %(name)s.") % {"name": community})
        return redirect("community_detail", slug=community.slug)
    try:
        services.membership_leave(user=request.user, community=community)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("community_detail", slug=community.slug)
    messages.success(request, _("You have left %(name)s.") % {"name": community})
    # A community that is not public is no longer open to someone who left it.
    try:
        get_community_for_user(request.user, slug)
    except Http404:
        return redirect("community_list")
    return redirect("community_detail", slug=community.slug)


@login_required
@require_http_methods(["GET", "POST"])
def community_invitations(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    community = access.community
    if request.method == "POST" and "revoke" in request.POST:
        revoke = _int_or_none(request.POST.get("revoke"))
        invitation = community.invitations.filter(pk=revoke).first() if revoke else None
        if invitation is None:
            raise Http404
        try:
            services.invitation_revoke(actor=request.user, invitation=invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Invitation to %(email)s revoked.") % {"email": invitation.email}
            )
        return redirect("community_invitations", slug=community.slug)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_send(
                actor=request.user, community=community, email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("community_invitations", slug=community.slug)
    now = timezone.now()
    pending = community.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).select_related("invited_by")
    recent = community.invitations.exclude(pk__in=pending.values("pk")).select_related(
        "invited_by"
    )[:20]
    return render(
        request,
        "communities/community_invitations.html",
        {
            "community": community,
            "form": form,
            "pending": list(pending),
            "recent": list(recent),
            "now": now,
        },
    )


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _has_address(user: User, email: str) -> bool:
    """The account's login or one of its verified addresses (as `invitation_accept` checks)."""
    return (
        user.email.lower() == email.lower()
        or EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    )


def _invitation(token: str) -> CommunityInvitation | None:
    return (
        CommunityInvitation.objects.select_related("community", "invited_by")
        .filter(token=token)
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_invitation_accept(request: AuthedRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    if invitation is None:
        raise Http404
    community = invitation.community
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(user=request.user, token=token, accept_conduct=True)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Welcome to %(name)s.") % {"name": community})
            return redirect("community_detail", slug=community.slug)
    now = timezone.now()
    usable = (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > now
    )
    return render(
        request,
        "communities/invitation_accept.html",
        {
            "invitation": invitation,
            "community": community,
            "form": form,
            "usable": usable,
            "wrong_account": not _has_address(request.user, invitation.email),
        },
    )


@login_required
@require_POST
def community_watch(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug)
    if not access.can_read:
        raise PermissionDenied
    form = WatchForm(request.POST)
    if form.is_valid():
        services.watch_set(
            user=request.user, level=form.cleaned_data["level"], community=access.community
        )
        messages.success(request, _("Notification level saved."))
    else:
        messages.error(request, _("Choose a level from the list."))
    return redirect("community_detail", slug=access.community.slug)

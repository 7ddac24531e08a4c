"""Moderating people: the members page of a community (role, joined, silence), and the acts on
a member: warn, silence for a while and lift it, remove, make or unmake a moderator (platform
moderators), and suspend or reinstate an account (staff).

An act names its member by user id, and only people who have (or had) a membership of the
community can be acted on from its pages (404 otherwise), so these pages cannot be used to
learn who has an account.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from diaspora.accounts.models import User
from diaspora.communities.models import Community, MemberRole, Membership, Post
from diaspora.communities.permissions import (
    CommunityAccess,
    get_community_for_user,
    is_platform_moderator,
)
from diaspora.communities.services import moderator_set as community_moderator_set
from diaspora.http import AuthedRequest
from diaspora.moderation import services
from diaspora.moderation.forms import (
    SILENCE_DURATION_CHOICES,
    MemberFilterForm,
    ModeratorForm,
    ReasonForm,
    RequiredReasonForm,
    SilenceForm,
    WarnForm,
)
from diaspora.moderation.models import Silence
from diaspora.moderation.selectors import silences_in_force
from diaspora.moderation.views import initial_next, posted, run_action
from diaspora.pagination import paginate, querystring_without_page

ACTION_TEMPLATE = "moderation/action.html"


@dataclass
class MemberRow:
    membership: Membership
    silence: Silence | None
    # The viewer may warn, silence and remove this person from this page.
    actionable: bool

    @property
    def user(self) -> User:
        return self.membership.user


def _may_act_on(access: CommunityAccess, viewer: User, membership: Membership) -> bool:
    """What the services allow, decided from rows already loaded: not oneself, and a fellow
    moderator (or a platform moderator) only by a platform moderator."""
    if membership.user_id == viewer.pk:
        return False
    if access.is_platform_moderator:
        return True
    return membership.role != MemberRole.MODERATOR and not is_platform_moderator(membership.user)


@login_required
@require_GET
def community_members(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    community = access.community
    form = MemberFilterForm(request.GET or None)
    form.is_valid()
    text = (getattr(form, "cleaned_data", {}).get("q") or "").strip()
    memberships = (
        Membership.objects.current()
        .filter(community=community)
        .select_related("user")
        # "moderator" sorts after "member": moderators first.
        .order_by("-role", "user__name", "user__pk")
    )
    if text:
        memberships = memberships.filter(
            Q(user__name__icontains=text) | Q(user__handle__icontains=text.lstrip("@"))
        )
    page = paginate(request, memberships)
    silences = list(silences_in_force(community=community))
    by_member = {silence.member_id: silence for silence in silences}
    rows = [
        MemberRow(
            membership=membership,
            silence=by_member.get(membership.user_id),
            actionable=_may_act_on(access, request.user, membership),
        )
        for membership in page.object_list
    ]
    return render(
        request,
        "moderation/members.html",
        {
            "community": community,
            "access": access,
            "form": form,
            "page": page,
            "rows": rows,
            "silences": silences,
            "query": querystring_without_page(request),
            "here": request.get_full_path(),
            "durations": SILENCE_DURATION_CHOICES,
            "is_staff": request.user.is_staff or request.user.is_superuser,
        },
    )


def _member_of(community: Community, user_id: int) -> User:
    """Someone who is or was a member of the community; 404 for anyone else."""
    membership = (
        Membership.objects.filter(community=community, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    return membership.user


def _members_url(community: Community) -> str:
    return reverse("community_members", args=[community.slug])


def _member_context(access: CommunityAccess, member: User, **extra: Any) -> dict[str, Any]:
    return {"community": access.community, "member": member, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def member_warn(request: AuthedRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    member = _member_of(access.community, user_id)
    initial: dict[str, Any] = {**initial_next(request), "post": request.GET.get("post")}
    form = WarnForm(posted(request), initial=initial)
    post_id = form["post"].value()
    about = (
        Post.objects.filter(pk=post_id, thread__community=access.community)
        .select_related("thread")
        .first()
        if str(post_id or "").isdigit()
        else None
    )

    def perform(data: dict[str, Any]) -> str:
        if data.get("post") and about is None:
            raise ValidationError({"post": [_("That post is not in this community.")]})
        services.member_warn(
            actor=request.user,
            community=access.community,
            member=member,
            message=data["message"],
            post=about if data.get("post") else None,
        )
        return _("%(name)s is warned.") % {"name": member.display_name}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_members_url(access.community),
        template=ACTION_TEMPLATE,
        context=_member_context(
            access,
            member,
            post=about,
            thread=about.thread if about else None,
            title=_("Warn %(name)s") % {"name": member.display_name},
            intro=_("The member is notified and reads the message on their warnings page."),
            submit=_("Send the warning"),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_silence(request: AuthedRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    member = _member_of(access.community, user_id)
    form = SilenceForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        silence = services.member_silence(
            actor=request.user,
            community=access.community,
            member=member,
            ends_at=data["ends_at"],
            reason=data["reason"],
        )
        return _("%(name)s cannot post here (until %(until)s).") % {
            "name": member.display_name,
            "until": _local(silence.ends_at),
        }

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_members_url(access.community),
        template="moderation/silence.html",
        context=_member_context(access, member),
        field_map={"ends_at": "until"},
    )


def _local(moment: datetime) -> str:
    return str(formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"))


@login_required
@require_http_methods(["GET", "POST"])
def member_unsilence(request: AuthedRequest, slug: str, silence_id: int) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    silence = get_object_or_404(
        Silence.objects.select_related("member"), pk=silence_id, community=access.community
    )
    form = ReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.member_unsilence(actor=request.user, silence=silence, reason=data["reason"])
        return _("%(name)s can post here again.") % {"name": silence.member.display_name}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_members_url(access.community),
        template=ACTION_TEMPLATE,
        context=_member_context(
            access,
            silence.member,
            silence=silence,
            title=_("Lift the silence on %(name)s") % {"name": silence.member.display_name},
            intro=_("They will be able to post in this community again at once."),
            submit=_("Lift the silence"),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: AuthedRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    member = _member_of(access.community, user_id)
    form = RequiredReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.member_remove(
            actor=request.user, community=access.community, member=member, reason=data["reason"]
        )
        return _("%(name)s is no longer a member.") % {"name": member.display_name}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_members_url(access.community),
        template=ACTION_TEMPLATE,
        context=_member_context(
            access,
            member,
            title=_("Remove %(name)s from %(community)s")
            % {"name": member.display_name, "community": access.community.name},
            intro=_(
                "Their posts stay. They are told why; in a public community they can join again."
            ),
            submit=_("Remove from the community"),
            danger=True,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def moderator_set(request: AuthedRequest, slug: str, user_id: int) -> HttpResponse:
    """Platform moderators make a member a moderator of the community, or no longer."""
    access = get_community_for_user(request.user, slug, for_moderation=True)
    if not access.is_platform_moderator:
        raise PermissionDenied(_("Only a platform moderator can choose a community's moderators."))
    member = _member_of(access.community, user_id)
    current = (
        Membership.objects.current()
        .filter(community=access.community, user=member, role=MemberRole.MODERATOR)
        .exists()
    )
    initial = {**initial_next(request), "is_moderator": "0" if current else "1"}
    form = ModeratorForm(posted(request), initial=initial)

    def perform(data: dict[str, Any]) -> str:
        making = bool(data["is_moderator"])
        names = {"name": member.display_name, "community": access.community.name}
        if making == current:
            # Nothing changes (a second click, or another moderator was quicker): no entry.
            if making:
                return _("%(name)s already moderates %(community)s.") % names
            return _("%(name)s does not moderate %(community)s.") % names
        community_moderator_set(
            actor=request.user,
            community=access.community,
            member=member,
            is_moderator=making,
            reason=data["reason"],
        )
        if making:
            return _("%(name)s moderates %(community)s.") % names
        return _("%(name)s no longer moderates %(community)s.") % names

    making = not current
    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_members_url(access.community),
        template=ACTION_TEMPLATE,
        context=_member_context(
            access,
            member,
            title=(
                _("Make %(name)s a moderator") if making else _("Remove %(name)s as a moderator")
            )
            % {"name": member.display_name},
            intro=(
                _("They will be able to act on posts, threads and members of this community.")
                if making
                else _("They stay a member, without moderation rights.")
            ),
            submit=_("Make moderator") if making else _("Remove as moderator"),
            danger=not making,
        ),
    )


# -- accounts (staff) --------------------------------------------------------------------------


def _staff_only(user: User) -> None:
    if not (user.is_staff or user.is_superuser):
        raise PermissionDenied(_("Only staff can suspend or reinstate an account."))


def _account_fallback(member: User) -> str:
    return f"{reverse('audit_all')}?member={member.handle}"


@login_required
@require_http_methods(["GET", "POST"])
def member_suspend(request: AuthedRequest, user_id: int) -> HttpResponse:
    _staff_only(request.user)
    member = get_object_or_404(User, pk=user_id)
    form = RequiredReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.member_suspend(actor=request.user, member=member, reason=data["reason"])
        return _("%(name)s's account is suspended.") % {"name": member.display_name}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_account_fallback(member),
        template=ACTION_TEMPLATE,
        context={
            "member": member,
            "title": _("Suspend %(name)s's account") % {"name": member.display_name},
            "intro": _(
                "Everywhere on the platform: they cannot sign in, and their open pages are "
                "disconnected."
            ),
            "submit": _("Suspend the account"),
            "danger": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_reinstate(request: AuthedRequest, user_id: int) -> HttpResponse:
    _staff_only(request.user)
    member = get_object_or_404(User, pk=user_id)
    form = ReasonForm(posted(request), initial=initial_next(request))

    def perform(data: dict[str, Any]) -> str:
        services.member_reinstate(actor=request.user, member=member, reason=data["reason"])
        return _("%(name)s's account is active again.") % {"name": member.display_name}

    return run_action(
        request,
        form=form,
        perform=perform,
        fallback=_account_fallback(member),
        template=ACTION_TEMPLATE,
        context={
            "member": member,
            "title": _("Reinstate %(name)s's account") % {"name": member.display_name},
            "intro": _("They will be able to sign in again."),
            "submit": _("Reinstate the account"),
        },
    )

"""Moderation over the API: the review queue, acting on posts, threads and members, the audit
trail, and a member's own warnings.

Every operation asks the pages' permission helpers first (`for_moderation=True`: 404 for
what this person cannot see, 403 for what they can see but do not moderate), then calls the
moderation service, which checks again and writes the audit entry in the same transaction.
A community's moderators act only inside it; platform moderators and staff everywhere;
suspending an account is for staff."""

from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.accounts.models import User
from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from diaspora.communities.api import ThreadDetailOut, thread_detail_out
from diaspora.communities.models import Community, Membership, Post
from diaspora.communities.permissions import (
    get_community_for_user,
    get_post_for_user,
    get_thread_for_user,
    is_platform_moderator,
)
from diaspora.communities.schemas import (
    CommunityRef,
    PostOut,
    ThreadRef,
    UserRef,
    community_ref,
    fields_named,
    post_out,
    thread_ref,
    user_ref,
)
from diaspora.communities.selectors import reactions_for
from diaspora.moderation import selectors, services
from diaspora.moderation.models import ActionKind, ModerationAction, Silence
from diaspora.moderation.models import Warning as MemberWarning

router = Router()


# -- schemas --------------------------------------------------------------------------------


class ReasonIn(Schema):
    reason: str = Field("", description="Goes into the audit trail; some acts require it")


class ResolveIn(Schema):
    agree: bool = Field(
        description="true: hide the post; false: keep it (and restore it if the flags hid it)"
    )
    reason: str = ""


class ResolvedOut(Schema):
    resolved: int = Field(description="How many pending flags this closed")
    post: PostOut


class FlagCountOut(Schema):
    reason: str
    label: str
    count: int


class FlagNoteOut(Schema):
    flagged_by: UserRef
    reason: str
    note: str
    created_at: datetime


class QueueItemOut(Schema):
    post: PostOut
    thread: ThreadRef
    author: UserRef
    flag_count: int
    reasons: list[FlagCountOut]
    notes: list[FlagNoteOut]
    first_flagged_at: datetime
    last_flagged_at: datetime


class MoveIn(Schema):
    community: str = Field(description="The slug of the community to move it to")
    reason: str


class WarnIn(Schema):
    message: str
    post: int | None = Field(None, description="The post it is about, in this community")


class SilenceIn(Schema):
    ends_at: datetime = Field(description="Until when, with its offset: 2030-01-31T18:00:00+01:00")
    reason: str


class SilenceOut(Schema):
    id: int
    community: CommunityRef
    member: UserRef
    reason: str
    created_at: datetime
    ends_at: datetime
    lifted_at: datetime | None


class MembershipStateOut(Schema):
    community: CommunityRef
    member: UserRef
    role: str
    joined_at: datetime
    left_at: datetime | None


class AccountOut(Schema):
    id: int
    name: str
    handle: str
    is_active: bool


class WarningOut(Schema):
    id: int
    community: CommunityRef | None
    message: str
    post_id: int | None
    created_at: datetime
    acknowledged_at: datetime | None


class AuditQuery(PageQuery):
    action: str = Field("", description="One of: " + ", ".join(ActionKind.values))
    actor: str = Field("", description="The moderator's handle")
    member: str = Field("", description="The handle of the member acted on")
    since: date | None = None
    until: date | None = None


class AuditEntryOut(Schema):
    id: int
    created_at: datetime
    community: CommunityRef | None = Field(description="Empty for platform-wide acts")
    actor: UserRef | None = Field(description="Empty for what the platform did by itself")
    action: str
    action_label: str
    target: str
    post_id: int | None
    thread_id: int | None
    member: UserRef | None
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


class AuditPage(Schema):
    meta: PageMeta
    results: list[AuditEntryOut]


# -- serialisers and look-ups ---------------------------------------------------------------


def silence_out(silence: Silence) -> dict[str, Any]:
    return {
        "id": silence.pk,
        "community": community_ref(silence.community),
        "member": user_ref(silence.member),
        "reason": silence.reason,
        "created_at": silence.created_at,
        "ends_at": silence.ends_at,
        "lifted_at": silence.lifted_at,
    }


def warning_out(warning: MemberWarning) -> dict[str, Any]:
    return {
        "id": warning.pk,
        "community": community_ref(warning.community) if warning.community else None,
        "message": warning.message,
        "post_id": warning.post_id,
        "created_at": warning.created_at,
        "acknowledged_at": warning.acknowledged_at,
    }


def audit_entry_out(entry: ModerationAction) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "created_at": entry.created_at,
        "community": community_ref(entry.community) if entry.community else None,
        "actor": user_ref(entry.actor) if entry.actor else None,
        "action": entry.action,
        "action_label": entry.get_action_display(),
        "target": entry.target_label,
        "post_id": entry.post_id,
        "thread_id": entry.thread_id,
        "member": user_ref(entry.member) if entry.member else None,
        "reason": entry.reason,
        "before": entry.before,
        "after": entry.after,
    }


def account(user_id: int) -> User:
    """The person acted on; whether they may be (a member, not a moderator, not oneself) is
    the service's to say."""
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise Http404
    return found


def by_handle(field: str, handle: str) -> User | None:
    if not handle:
        return None
    found = User.objects.filter(handle=handle.removeprefix("@").lower()).first()
    if found is None:
        raise ValidationError({field: [_("Nobody has the handle @%(h)s.") % {"h": handle}]})
    return found


def representable(moment: datetime) -> datetime:
    """A time the database can store: year 9999 at -12:00 is past the end of time in UTC.
    (Whether it has an offset and lies in the future is the service's to say.)"""
    if timezone.is_aware(moment):
        try:
            moment.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError({"ends_at": [_("Give a real date and time.")]}) from error
    return moment


def moderated_post_out(post: Post, user: Any) -> dict[str, Any]:
    access = get_post_for_user(user, post.pk).access
    fresh = Post.objects.select_related("author", "reply_to__author").get(pk=post.pk)
    return post_out(
        fresh, user=user, access=access, reactions=reactions_for([fresh], user).get(post.pk)
    )


def audit_page(
    request: HttpRequest, query: AuditQuery, community: Community | None
) -> dict[str, Any]:
    user = signed_in_user(request)
    if query.since and query.until and query.since > query.until:
        raise ValidationError({"until": [_("The end date is before the start date.")]})
    entries = selectors.audit_entries(
        viewer=user,
        community=community,
        action=query.action or None,
        actor=by_handle("actor", query.actor),
        member=by_handle("member", query.member),
        since=query.since,
        until=query.until,
    )
    return paginated(entries, query, audit_entry_out)


# -- the review queue and flags -------------------------------------------------------------


@router.get(
    "/communities/{slug:slug}/review-queue",
    response=list[QueueItemOut],
    summary="Posts with pending flags (the community's moderators)",
)
def review_queue(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    user = signed_in_user(request)
    access = get_community_for_user(user, slug, for_moderation=True)
    items = selectors.review_queue(community=access.community)
    posts = [item.post for item in items]
    # What the posts reply to, for all of them at once (the queue does not load it).
    prefetch_related_objects(posts, "reply_to__author")
    reactions = reactions_for(posts, user)
    return [
        {
            "post": post_out(
                item.post, user=user, access=access, reactions=reactions.get(item.post.pk)
            ),
            "thread": thread_ref(item.thread),
            "author": user_ref(item.author),
            "flag_count": item.flag_count,
            "reasons": [
                {"reason": r.reason, "label": r.label, "count": r.count} for r in item.reasons
            ],
            "notes": [
                {
                    "flagged_by": user_ref(n.flagged_by),
                    "reason": n.reason,
                    "note": n.note,
                    "created_at": n.created_at,
                }
                for n in item.notes
            ],
            "first_flagged_at": item.first_flagged_at,
            "last_flagged_at": item.last_flagged_at,
        }
        for item in items
    ]


@router.post(
    "/posts/{int:post_id}/flags/resolve",
    response=ResolvedOut,
    summary="Agree with a post's pending flags (hide it) or disagree (keep it)",
)
def resolve_flags(request: HttpRequest, post_id: int, payload: ResolveIn) -> dict[str, Any]:
    user = signed_in_user(request)
    post = get_post_for_user(user, post_id, for_moderation=True).post
    resolved = services.flags_resolve(
        actor=user, post=post, agree=payload.agree, reason=payload.reason
    )
    return {"resolved": resolved, "post": moderated_post_out(post, user)}


# -- posts ----------------------------------------------------------------------------------


@router.post("/posts/{int:post_id}/hide", response=PostOut, summary="Hide a post")
def hide_post(request: HttpRequest, post_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = signed_in_user(request)
    post = get_post_for_user(user, post_id, for_moderation=True).post
    services.post_hide(actor=user, post=post, reason=payload.reason)
    return moderated_post_out(post, user)


@router.post("/posts/{int:post_id}/restore", response=PostOut, summary="Restore a hidden post")
def restore_post(request: HttpRequest, post_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = signed_in_user(request)
    post = get_post_for_user(user, post_id, for_moderation=True).post
    services.post_restore(actor=user, post=post, reason=payload.reason)
    return moderated_post_out(post, user)


# -- threads --------------------------------------------------------------------------------


THREAD_ACTIONS = {
    "lock": services.thread_lock,
    "unlock": services.thread_unlock,
    "pin": services.thread_pin,
    "unpin": services.thread_unpin,
}


def thread_action(request: HttpRequest, thread_id: int, act: str, reason: str) -> dict[str, Any]:
    user = signed_in_user(request)
    thread = get_thread_for_user(user, thread_id, for_moderation=True).thread
    THREAD_ACTIONS[act](actor=user, thread=thread, reason=reason)
    found = get_thread_for_user(user, thread_id)
    return thread_detail_out(user, found.access, found.thread)


@router.post("/threads/{int:thread_id}/lock", response=ThreadDetailOut, summary="Lock")
def lock_thread(request: HttpRequest, thread_id: int, payload: ReasonIn) -> dict[str, Any]:
    return thread_action(request, thread_id, "lock", payload.reason)


@router.post("/threads/{int:thread_id}/unlock", response=ThreadDetailOut, summary="Unlock")
def unlock_thread(request: HttpRequest, thread_id: int, payload: ReasonIn) -> dict[str, Any]:
    return thread_action(request, thread_id, "unlock", payload.reason)


@router.post("/threads/{int:thread_id}/pin", response=ThreadDetailOut, summary="Pin")
def pin_thread(request: HttpRequest, thread_id: int, payload: ReasonIn) -> dict[str, Any]:
    return thread_action(request, thread_id, "pin", payload.reason)


@router.post("/threads/{int:thread_id}/unpin", response=ThreadDetailOut, summary="Unpin")
def unpin_thread(request: HttpRequest, thread_id: int, payload: ReasonIn) -> dict[str, Any]:
    return thread_action(request, thread_id, "unpin", payload.reason)


@router.post(
    "/threads/{int:thread_id}/move",
    response=ThreadDetailOut,
    summary="Move a thread to another community (a moderator of both)",
)
def move_thread(request: HttpRequest, thread_id: int, payload: MoveIn) -> dict[str, Any]:
    user = signed_in_user(request)
    thread = get_thread_for_user(user, thread_id, for_moderation=True).thread
    try:
        # Missing and not visible read alike; visible but not yours is a 403.
        target = get_community_for_user(user, payload.community, for_moderation=True)
    except Http404 as error:
        raise ValidationError({"community": [_("There is no such community.")]}) from error
    with fields_named({"to_community": "community"}):
        services.thread_move(
            actor=user, thread=thread, to_community=target.community, reason=payload.reason
        )
    found = get_thread_for_user(user, thread_id)
    return thread_detail_out(user, found.access, found.thread)


# -- members --------------------------------------------------------------------------------


@router.post(
    "/communities/{slug:slug}/members/{int:user_id}/warn",
    response={201: WarningOut},
    summary="Warn a member with a message they can read and acknowledge",
)
def warn_member(request: HttpRequest, slug: str, user_id: int, payload: WarnIn) -> Status:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug, for_moderation=True).community
    member = account(user_id)
    post = None
    if payload.post is not None:
        post = Post.objects.filter(pk=payload.post, thread__community=community).first()
        if post is None:
            raise ValidationError({"post": [_("There is no such post in this community.")]})
    warning = services.member_warn(
        actor=user, community=community, member=member, message=payload.message, post=post
    )
    return Status(201, warning_out(warning))


@router.post(
    "/communities/{slug:slug}/members/{int:user_id}/silence",
    response={201: SilenceOut},
    summary="Silence a member in this community until a time",
)
def silence_member(request: HttpRequest, slug: str, user_id: int, payload: SilenceIn) -> Status:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug, for_moderation=True).community
    member = account(user_id)
    silence = services.member_silence(
        actor=user,
        community=community,
        member=member,
        ends_at=representable(payload.ends_at),
        reason=payload.reason,
    )
    return Status(201, silence_out(silence))


@router.post(
    "/communities/{slug:slug}/members/{int:user_id}/unsilence",
    response=list[SilenceOut],
    summary="Lift the member's silences in force here",
)
def unsilence_member(
    request: HttpRequest, slug: str, user_id: int, payload: ReasonIn
) -> list[dict[str, Any]]:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug, for_moderation=True).community
    member = account(user_id)
    silences = [
        s for s in selectors.silences_in_force(community=community) if s.member_id == member.pk
    ]
    if not silences:
        raise ValidationError(_("This member is not silenced here."))
    return [
        silence_out(services.member_unsilence(actor=user, silence=s, reason=payload.reason))
        for s in silences
    ]


@router.post(
    "/communities/{slug:slug}/members/{int:user_id}/remove",
    response=MembershipStateOut,
    summary="Remove a member from this community",
)
def remove_member(
    request: HttpRequest, slug: str, user_id: int, payload: ReasonIn
) -> dict[str, Any]:
    user = signed_in_user(request)
    community = get_community_for_user(user, slug, for_moderation=True).community
    member = account(user_id)
    membership: Membership = services.member_remove(
        actor=user, community=community, member=member, reason=payload.reason
    )
    return {
        "community": community_ref(community),
        "member": user_ref(member),
        "role": membership.role,
        "joined_at": membership.joined_at,
        "left_at": membership.left_at,
    }


def account_out(user: User) -> dict[str, Any]:
    return {**user_ref(user), "is_active": user.is_active}


@router.post(
    "/users/{int:user_id}/suspend",
    response=AccountOut,
    summary="Suspend an account platform-wide (staff)",
)
def suspend_user(request: HttpRequest, user_id: int, payload: ReasonIn) -> dict[str, Any]:
    actor = signed_in_user(request)
    member = services.member_suspend(actor=actor, member=account(user_id), reason=payload.reason)
    return account_out(member)


@router.post(
    "/users/{int:user_id}/reinstate",
    response=AccountOut,
    summary="Reinstate a suspended account (staff)",
)
def reinstate_user(request: HttpRequest, user_id: int, payload: ReasonIn) -> dict[str, Any]:
    actor = signed_in_user(request)
    member = services.member_reinstate(actor=actor, member=account(user_id), reason=payload.reason)
    return account_out(member)


# -- the audit trail ------------------------------------------------------------------------


@router.get(
    "/communities/{slug:slug}/audit",
    response=AuditPage,
    summary="Every moderation act in this community, newest first (its moderators)",
)
def community_audit(request: HttpRequest, slug: str, query: Query[AuditQuery]) -> dict[str, Any]:
    community = get_community_for_user(signed_in_user(request), slug, for_moderation=True)
    return audit_page(request, query, community.community)


@router.get(
    "/moderation/audit",
    response=AuditPage,
    summary="Every moderation act, platform-wide ones too (platform moderators and staff)",
)
def platform_audit(request: HttpRequest, query: Query[AuditQuery]) -> dict[str, Any]:
    if not is_platform_moderator(signed_in_user(request)):
        raise PermissionDenied
    return audit_page(request, query, None)


# -- my warnings ----------------------------------------------------------------------------


@router.get("/me/warnings", response=list[WarningOut], summary="Warnings you were given")
def my_warnings(request: HttpRequest) -> list[dict[str, Any]]:
    return [warning_out(w) for w in selectors.warnings_for(user=signed_in_user(request))]


@router.post(
    "/me/warnings/{int:warning_id}/acknowledge",
    response=WarningOut,
    summary="Say you have read a warning",
)
def acknowledge_warning(request: HttpRequest, warning_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    warning = MemberWarning.objects.filter(pk=warning_id, member=user).first()
    if warning is None:
        raise Http404
    return warning_out(services.warning_acknowledge(user=user, warning=warning))

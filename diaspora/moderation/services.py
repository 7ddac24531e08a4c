"""Moderation: every act a moderator (or the flags of members) can take, each one audited.

Each service checks that the actor may moderate the community first (a community's own
moderators act only inside it; platform moderators and staff everywhere), then does the act,
then writes the audit entry with the content as it was before, in the same transaction. What
an open thread page must show is also a thread event (`communities.events`), broadcast after
commit; sockets that must close (a silence, a removal) are told after commit too.

Row locks are taken thread first, then post, the order `post_create` uses, so a flag racing
a reply cannot deadlock with it.
"""

from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.accounts.services import account_reinstate, account_suspend
from diaspora.communities import events
from diaspora.communities.models import Community, MemberRole, Membership, Post, Thread
from diaspora.communities.permissions import CommunityAccess, community_access
from diaspora.communities.services import post_path
from diaspora.moderation.audit import audit_record
from diaspora.moderation.models import (
    ActionKind,
    Flag,
    FlagReason,
    FlagStatus,
    Silence,
    Warning,
)
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from realtime import broadcast, groups, protocol

# -- helpers ---------------------------------------------------------------------------------


def _moderator_access(actor: User, community: Community) -> CommunityAccess:
    """The actor's access, if they may moderate this community; PermissionDenied otherwise."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Only a moderator of this community can do that."))
    access = community_access(actor, community)
    if not access.is_moderator:
        raise PermissionDenied(_("Only a moderator of this community can do that."))
    return access


def _is_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def _required(field: str, value: str, message: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError({field: [message]})
    return text


def _thread_url(thread: Thread) -> str:
    return f"/threads/{thread.pk}/"


def _tell(user: User | None, title: str, body: str = "", url: str = "") -> None:
    """A moderation notification to one person (nothing for an inactive account)."""
    if user is not None:
        notify_many(users=[user], kind=NotificationKind.MODERATION, title=title, body=body, url=url)


def _when(moment: datetime, user: User) -> str:
    """A moment as the person reads it: in their own time zone, with the zone's name."""
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone.key})"


def _iso(moment: datetime | None) -> str | None:
    return events.iso(moment) if moment is not None else None


def _lock_thread(thread: Thread) -> None:
    """Take the thread's row lock and refresh the fields moderation changes."""
    Thread.objects.select_for_update().filter(pk=thread.pk).values_list("pk", flat=True).get()
    thread.refresh_from_db(
        fields=["community", "post_count", "pinned_at", "locked_at", "last_seq", "title"]
    )


def _lock_post(post: Post) -> None:
    """Lock the post's thread, then the post, and refresh what moderation reads and changes."""
    _lock_thread(post.thread)
    Post.objects.select_for_update().filter(pk=post.pk).values_list("pk", flat=True).get()
    post.refresh_from_db(
        fields=[
            "body_md",
            "body_html",
            "hidden_at",
            "hidden_by",
            "hidden_automatically",
            "hidden_reason",
        ]
    )


def _post_event(post: Post, event_type: str, actor: User | None) -> None:
    reactions = events.reaction_counts([post.pk])[post.pk]
    events.thread_event_record(
        thread=post.thread,
        event_type=event_type,
        payload={"post": events.post_payload(post, reactions)},
        actor=actor,
    )


def _set_post_count(thread: Thread, delta: int) -> None:
    """Hidden posts are not counted; the thread row is locked by the caller."""
    thread.post_count = max(0, thread.post_count + delta)
    Thread.objects.filter(pk=thread.pk).update(post_count=thread.post_count)


def _hide(post: Post, *, actor: User | None, reason: str, automatic: bool) -> None:
    post.hidden_at = timezone.now()
    post.hidden_by = actor
    post.hidden_automatically = automatic
    post.hidden_reason = reason[:500]
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_automatically", "hidden_reason"])
    _set_post_count(post.thread, -1)
    _post_event(post, events.POST_HIDDEN, actor)


def _restore(post: Post, *, actor: User | None) -> None:
    post.hidden_at = None
    post.hidden_by = None
    post.hidden_automatically = False
    post.hidden_reason = ""
    post.save(update_fields=["hidden_at", "hidden_by", "hidden_automatically", "hidden_reason"])
    _set_post_count(post.thread, +1)
    _post_event(post, events.POST_RESTORED, actor)


def _hidden_state(post: Post) -> dict[str, Any]:
    return {
        "hidden": post.is_hidden,
        "hidden_automatically": post.hidden_automatically,
        "hidden_reason": post.hidden_reason,
    }


def _resolve_pending(post: Post, *, actor: User | None, status: str) -> int:
    return Flag.objects.filter(post=post, status=FlagStatus.PENDING).update(
        status=status, resolved_by=actor, resolved_at=timezone.now()
    )


def _kick(community: Community, member: User) -> None:
    """Close the member's thread sockets in this community, after commit."""
    transaction.on_commit(
        partial(
            broadcast.send_group,
            groups.community_member(community.pk, member.pk),
            {"type": protocol.THREAD_KICK},
        )
    )


def _current_membership(community: Community, member: User) -> Membership | None:
    return Membership.objects.current().filter(community=community, user=member).first()


def _ensure_may_act_on_member(access: CommunityAccess, actor: User, member: User) -> None:
    """Not oneself; a community moderator may not act on a fellow moderator or a platform
    moderator: that is for platform moderators."""
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot do that to yourself."))
    if access.is_platform_moderator:
        return
    target = community_access(member, access.community)
    if target.is_moderator:
        raise PermissionDenied(
            _("Only a platform moderator can do that to a moderator of this community.")
        )


def _community_label(community: Community) -> dict[str, str]:
    return {"slug": community.slug, "name": community.name}


# -- flags ---------------------------------------------------------------------------------


def _ensure_may_flag(user: User, community: Community) -> None:
    """Readers who are members, or platform moderators."""
    access = community_access(user, community)
    if not access.can_read or not (access.is_member or access.is_platform_moderator):
        raise PermissionDenied(_("Join this community to flag its posts."))


@transaction.atomic
def flag_create(*, user: User, post: Post, reason: str, note: str = "") -> Flag:
    """A member flags a post for the moderators. At FORUM_AUTO_HIDE_FLAGS distinct people
    with pending flags the post hides itself until a moderator looks at it."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to flag a post."))
    _ensure_may_flag(user, post.thread.community)
    if post.author_id == user.pk:
        raise ValidationError(_("You cannot flag your own post."))
    if reason not in FlagReason.values:
        raise ValidationError({"reason": [_("Choose why you are flagging this post.")]})
    note = note.strip()
    if reason == FlagReason.OTHER and not note:
        raise ValidationError({"note": [_("Tell the moderators what is wrong with this post.")]})
    before_lock = post.thread.community_id
    _lock_post(post)
    community = post.thread.community
    if community.pk != before_lock:
        # The thread moved while we waited for its lock: the flag goes where it is now.
        _ensure_may_flag(user, community)
    if post.is_hidden:
        raise ValidationError(_("This post is already hidden."))
    pending = Flag.objects.filter(post=post, status=FlagStatus.PENDING)
    if pending.filter(flagged_by=user).exists():
        raise ValidationError(_("You have already flagged this post; a moderator will look at it."))
    flag = Flag(post=post, community=community, flagged_by=user, reason=reason, note=note)
    flag.full_clean()
    flag.save()

    flaggers = pending.values("flagged_by").distinct().count()
    if flaggers == 1:
        moderators = User.objects.filter(
            community_memberships__community=community,
            community_memberships__left_at__isnull=True,
            community_memberships__role=MemberRole.MODERATOR,
            is_active=True,
        ).exclude(pk=user.pk)
        notify_many(
            users=moderators,
            kind=NotificationKind.MODERATION,
            title=_("A post in %(community)s was flagged") % {"community": community.name},
            body=_("“%(thread)s”, post #%(number)s: waiting in the review queue.")
            % {"thread": post.thread.title, "number": post.number},
            url=f"/communities/{community.slug}/review/",
        )
    if flaggers >= settings.FORUM_AUTO_HIDE_FLAGS:
        before = {"body_md": post.body_md, **_hidden_state(post)}
        _hide(
            post,
            actor=None,
            reason=_("Hidden after flags from %(n)s members") % {"n": flaggers},
            automatic=True,
        )
        audit_record(
            actor=None,
            action=ActionKind.POST_AUTO_HIDE,
            community=community,
            post=post,
            reason=_("Flagged by %(n)s members") % {"n": flaggers},
            before=before,
            after={**_hidden_state(post), "flags": flaggers},
        )
        _tell(
            post.author,
            _("Your post in “%(thread)s” was hidden after members flagged it")
            % {"thread": post.thread.title},
            _("A moderator will review it and restore it if the flags were wrong."),
            post_path(post),
        )
    return flag


@transaction.atomic
def flags_resolve(*, actor: User, post: Post, agree: bool, reason: str = "") -> int:
    """A moderator's answer to a post's pending flags; returns how many were resolved.

    Agree: the post is hidden (if it is not already) and the flags are agreed with.
    Disagree: a post the flags hid comes back, a post a moderator hid stays hidden."""
    community = post.thread.community
    _moderator_access(actor, community)
    _lock_post(post)
    pending = list(
        Flag.objects.filter(post=post, status=FlagStatus.PENDING).values_list("reason", flat=True)
    )
    if not pending:
        raise ValidationError(_("This post has no flags waiting for review."))
    before = {"body_md": post.body_md, **_hidden_state(post)}
    reason = reason.strip()
    if agree:
        newly_hidden = not post.is_hidden
        if newly_hidden:
            _hide(post, actor=actor, reason=reason or _("Agreed with flags"), automatic=False)
        elif post.hidden_automatically:
            # Now a moderator's decision: disagreeing later with new flags will not bring it back.
            post.hidden_by = actor
            post.hidden_automatically = False
            if reason:
                post.hidden_reason = reason[:500]
            post.save(update_fields=["hidden_by", "hidden_automatically", "hidden_reason"])
        count = _resolve_pending(post, actor=actor, status=FlagStatus.AGREED)
        action = ActionKind.FLAG_AGREE
        if newly_hidden:
            _tell(
                post.author,
                _("A moderator hid your post in “%(thread)s”") % {"thread": post.thread.title},
                reason,
                post_path(post),
            )
    else:
        if post.is_hidden and post.hidden_automatically:
            _restore(post, actor=actor)
            _tell(
                post.author,
                _("Your post in “%(thread)s” is visible again") % {"thread": post.thread.title},
                _("A moderator reviewed the flags and restored it."),
                post_path(post),
            )
        count = _resolve_pending(post, actor=actor, status=FlagStatus.DISAGREED)
        action = ActionKind.FLAG_DISAGREE
    reasons: dict[str, int] = {}
    for code in pending:
        reasons[code] = reasons.get(code, 0) + 1
    audit_record(
        actor=actor,
        action=action,
        community=community,
        post=post,
        reason=reason,
        before={**before, "flags": reasons},
        after=_hidden_state(post),
    )
    return count


# -- posts -----------------------------------------------------------------------------------


@transaction.atomic
def post_hide(*, actor: User, post: Post, reason: str) -> Post:
    """A moderator hides a post: readers see a placeholder, the author and moderators the
    text. Pending flags on it are taken as agreed with."""
    community = post.thread.community
    _moderator_access(actor, community)
    reason = _required("reason", reason, _("Say why you are hiding this post."))
    _lock_post(post)
    if post.is_hidden:
        raise ValidationError(_("This post is already hidden."))
    before = {"body_md": post.body_md, **_hidden_state(post)}
    _hide(post, actor=actor, reason=reason, automatic=False)
    flags = _resolve_pending(post, actor=actor, status=FlagStatus.AGREED)
    audit_record(
        actor=actor,
        action=ActionKind.POST_HIDE,
        community=community,
        post=post,
        reason=reason,
        before=before,
        after={**_hidden_state(post), "flags_agreed": flags},
    )
    if post.author_id != actor.pk:
        _tell(
            post.author,
            _("A moderator hid your post in “%(thread)s”") % {"thread": post.thread.title},
            reason,
            post_path(post),
        )
    return post


@transaction.atomic
def post_restore(*, actor: User, post: Post, reason: str = "") -> Post:
    """A hidden post is shown again. Pending flags on it are taken as disagreed with (else
    the next flag would hide it again at once)."""
    community = post.thread.community
    _moderator_access(actor, community)
    _lock_post(post)
    if not post.is_hidden:
        raise ValidationError(_("This post is not hidden."))
    before = {
        "body_md": post.body_md,
        **_hidden_state(post),
        "hidden_by": post.hidden_by_id,
        "hidden_at": _iso(post.hidden_at),
    }
    _restore(post, actor=actor)
    flags = _resolve_pending(post, actor=actor, status=FlagStatus.DISAGREED)
    audit_record(
        actor=actor,
        action=ActionKind.POST_RESTORE,
        community=community,
        post=post,
        reason=reason.strip(),
        before=before,
        after={**_hidden_state(post), "flags_disagreed": flags},
    )
    if post.author_id != actor.pk:
        _tell(
            post.author,
            _("Your post in “%(thread)s” is visible again") % {"thread": post.thread.title},
            reason.strip(),
            post_path(post),
        )
    return post


# -- threads ---------------------------------------------------------------------------------


def _thread_state_change(
    *,
    actor: User,
    thread: Thread,
    field: str,
    on: bool,
    action: ActionKind,
    event_type: str,
    reason: str,
    already: str,
) -> Thread:
    _moderator_access(actor, thread.community)
    _lock_thread(thread)
    current = getattr(thread, field)
    if (current is not None) == on:
        raise ValidationError(already)
    setattr(thread, field, timezone.now() if on else None)
    thread.save(update_fields=[field])
    key = "locked" if field == "locked_at" else "pinned"
    events.thread_event_record(thread=thread, event_type=event_type, payload={key: on}, actor=actor)
    audit_record(
        actor=actor,
        action=action,
        community=thread.community,
        thread=thread,
        member=thread.author,
        reason=reason.strip(),
        before={field: _iso(current)},
        after={field: _iso(getattr(thread, field))},
    )
    return thread


@transaction.atomic
def thread_lock(*, actor: User, thread: Thread, reason: str = "") -> Thread:
    """Nobody but moderators may post in a locked thread."""
    return _thread_state_change(
        actor=actor,
        thread=thread,
        field="locked_at",
        on=True,
        action=ActionKind.THREAD_LOCK,
        event_type=events.THREAD_LOCKED,
        reason=reason,
        already=_("This thread is already locked."),
    )


@transaction.atomic
def thread_unlock(*, actor: User, thread: Thread, reason: str = "") -> Thread:
    return _thread_state_change(
        actor=actor,
        thread=thread,
        field="locked_at",
        on=False,
        action=ActionKind.THREAD_UNLOCK,
        event_type=events.THREAD_UNLOCKED,
        reason=reason,
        already=_("This thread is not locked."),
    )


@transaction.atomic
def thread_pin(*, actor: User, thread: Thread, reason: str = "") -> Thread:
    """Pinned threads head the community's list."""
    return _thread_state_change(
        actor=actor,
        thread=thread,
        field="pinned_at",
        on=True,
        action=ActionKind.THREAD_PIN,
        event_type=events.THREAD_PINNED,
        reason=reason,
        already=_("This thread is already pinned."),
    )


@transaction.atomic
def thread_unpin(*, actor: User, thread: Thread, reason: str = "") -> Thread:
    return _thread_state_change(
        actor=actor,
        thread=thread,
        field="pinned_at",
        on=False,
        action=ActionKind.THREAD_UNPIN,
        event_type=events.THREAD_UNPINNED,
        reason=reason,
        already=_("This thread is not pinned."),
    )


@transaction.atomic
def thread_move(*, actor: User, thread: Thread, to_community: Community, reason: str) -> Thread:
    """Move a thread to another community the actor also moderates. Its flags follow it (the
    new community's queue reviews them); its tags, which belong to the old community, are
    dropped. Both communities' trails record the move."""
    source = thread.community
    _moderator_access(actor, source)
    _moderator_access(actor, to_community)
    reason = _required("reason", reason, _("Say why you are moving this thread."))
    if to_community.pk == source.pk:
        raise ValidationError({"to_community": [_("The thread is already in this community.")]})
    if to_community.archived_at is not None:
        raise ValidationError({"to_community": [_("That community is archived.")]})
    _lock_thread(thread)
    tags = sorted(thread.tags.values_list("slug", flat=True))
    before = {"community": _community_label(source), "tags": tags}
    after = {"community": _community_label(to_community), "tags": []}
    thread.community = to_community
    thread.save(update_fields=["community"])
    thread.tags.clear()
    Flag.objects.filter(post__thread=thread).update(community=to_community)
    events.thread_event_record(
        thread=thread,
        event_type=events.THREAD_MOVED,
        payload={"community": _community_label(to_community)},
        actor=actor,
    )
    for community in (source, to_community):
        audit_record(
            actor=actor,
            action=ActionKind.THREAD_MOVE,
            community=community,
            thread=thread,
            member=thread.author,
            reason=reason,
            before=before,
            after=after,
        )
    if thread.author_id != actor.pk:
        _tell(
            thread.author,
            _("Your thread “%(thread)s” was moved to %(community)s")
            % {"thread": thread.title, "community": to_community.name},
            reason,
            _thread_url(thread),
        )
    return thread


# -- members -------------------------------------------------------------------------------


@transaction.atomic
def member_warn(
    *, actor: User, community: Community, member: User, message: str, post: Post | None = None
) -> Warning:
    """A message the member reads in their warnings and acknowledges."""
    access = _moderator_access(actor, community)
    _ensure_may_act_on_member(access, actor, member)
    message = _required("message", message, _("Write the warning the member will read."))
    if post is not None and post.thread.community_id != community.pk:
        raise ValidationError({"post": [_("That post is not in this community.")]})
    if not Membership.objects.filter(community=community, user=member).exists() and not (
        post is not None and post.author_id == member.pk
    ):
        raise ValidationError({"member": [_("This person is not a member of this community.")]})
    warning = Warning(
        community=community, member=member, issued_by=actor, message=message, post=post
    )
    warning.full_clean()
    warning.save()
    audit_record(
        actor=actor,
        action=ActionKind.MEMBER_WARN,
        community=community,
        post=post,
        member=member,
        target_label=member.display_name[:300],
        reason=message,
        after={"message": message, "post": post.pk if post is not None else None},
    )
    _tell(
        member,
        _("A moderator of %(community)s sent you a warning") % {"community": community.name},
        message,
        "/warnings/",
    )
    return warning


@transaction.atomic
def warning_acknowledge(*, user: User, warning: Warning) -> Warning:
    """The member says they have read it. Only the member may."""
    if not user.is_authenticated or warning.member_id != user.pk:
        raise PermissionDenied(_("This warning is not yours."))
    if warning.acknowledged_at is None:
        warning.acknowledged_at = timezone.now()
        warning.save(update_fields=["acknowledged_at"])
    return warning


@transaction.atomic
def member_silence(
    *, actor: User, community: Community, member: User, ends_at: datetime, reason: str
) -> Silence:
    """The member may not post in this community until `ends_at`. A silence in force is
    replaced (so a moderator can shorten it as well as lengthen it). Their open thread
    sockets in the community close after commit."""
    access = _moderator_access(actor, community)
    _ensure_may_act_on_member(access, actor, member)
    reason = _required("reason", reason, _("Say why you are silencing this member."))
    if timezone.is_naive(ends_at):
        raise ValidationError({"ends_at": [_("Give the end with its time zone.")]})
    now = timezone.now()
    if ends_at <= now:
        raise ValidationError({"ends_at": [_("The end of a silence must be in the future.")]})
    in_force = (
        Silence.objects.in_force(now).select_for_update().filter(community=community, member=member)
    )
    previous = max((s.ends_at for s in in_force), default=None)
    in_force.update(lifted_at=now, lifted_by=actor)
    silence = Silence(
        community=community, member=member, issued_by=actor, reason=reason, ends_at=ends_at
    )
    silence.full_clean()
    silence.save()
    audit_record(
        actor=actor,
        action=ActionKind.MEMBER_SILENCE,
        community=community,
        member=member,
        reason=reason,
        before={"ends_at": _iso(previous)},
        after={"ends_at": _iso(ends_at)},
    )
    _kick(community, member)
    _tell(
        member,
        _("You cannot post in %(community)s until %(until)s")
        % {"community": community.name, "until": _when(ends_at, member)},
        reason,
        f"/communities/{community.slug}/",
    )
    return silence


@transaction.atomic
def member_unsilence(*, actor: User, silence: Silence, reason: str = "") -> Silence:
    """Lift a silence before it ends."""
    community = silence.community
    _moderator_access(actor, community)
    silence = Silence.objects.select_for_update().select_related("member").get(pk=silence.pk)
    now = timezone.now()
    if silence.lifted_at is not None or silence.ends_at <= now:
        raise ValidationError(_("This silence is no longer in force."))
    silence.lifted_at = now
    silence.lifted_by = actor
    silence.save(update_fields=["lifted_at", "lifted_by"])
    audit_record(
        actor=actor,
        action=ActionKind.MEMBER_UNSILENCE,
        community=community,
        member=silence.member,
        reason=reason.strip(),
        before={"ends_at": _iso(silence.ends_at)},
        after={"lifted_at": _iso(now)},
    )
    _tell(
        silence.member,
        _("You can post in %(community)s again") % {"community": community.name},
        reason.strip(),
        f"/communities/{community.slug}/",
    )
    return silence


@transaction.atomic
def member_remove(*, actor: User, community: Community, member: User, reason: str) -> Membership:
    """Take someone out of a community; their open thread sockets there close."""
    access = _moderator_access(actor, community)
    _ensure_may_act_on_member(access, actor, member)
    reason = _required("reason", reason, _("Say why you are removing this member."))
    membership = (
        Membership.objects.current()
        .select_for_update()
        .filter(community=community, user=member)
        .first()
    )
    if membership is None:
        raise ValidationError(_("This person is not a member of this community."))
    before = {"role": membership.role, "joined_at": _iso(membership.joined_at)}
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    audit_record(
        actor=actor,
        action=ActionKind.MEMBER_REMOVE,
        community=community,
        member=member,
        reason=reason,
        before=before,
        after={"left_at": _iso(membership.left_at)},
    )
    _kick(community, member)
    _tell(
        member,
        _("A moderator removed you from %(community)s") % {"community": community.name},
        reason,
        f"/communities/{community.slug}/",
    )
    return membership


@transaction.atomic
def member_suspend(*, actor: User, member: User, reason: str) -> User:
    """Staff suspend an account platform-wide: no sign-in, every socket closes. Audited
    without a community (platform moderators and staff see it)."""
    if not _is_staff(actor):
        raise PermissionDenied(_("Only staff can suspend an account."))
    if member.pk == actor.pk:
        raise ValidationError(_("You cannot suspend your own account."))
    if member.is_superuser and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser can suspend a superuser."))
    reason = _required("reason", reason, _("Say why you are suspending this account."))
    if not member.is_active:
        raise ValidationError(_("This account is already suspended."))
    account_suspend(user=member)
    audit_record(
        actor=actor,
        action=ActionKind.MEMBER_SUSPEND,
        community=None,
        member=member,
        reason=reason,
        before={"is_active": True},
        after={"is_active": False},
    )
    return member


@transaction.atomic
def member_reinstate(*, actor: User, member: User, reason: str = "") -> User:
    """Staff let a suspended account back in."""
    if not _is_staff(actor):
        raise PermissionDenied(_("Only staff can reinstate an account."))
    if member.is_active:
        raise ValidationError(_("This account is not suspended."))
    account_reinstate(user=member)
    audit_record(
        actor=actor,
        action=ActionKind.MEMBER_REINSTATE,
        community=None,
        member=member,
        reason=reason.strip(),
        before={"is_active": False},
        after={"is_active": True},
    )
    _tell(member, _("Your account has been reinstated"), reason.strip(), "/")
    return member

"""Every write to communities and their forums.

Posting goes: permission (`ensure_can_post`), limits (`limits.py`), render (Markdown through
the one sanitiser, then mentions linked), store, thread event (broadcast after commit),
notifications. A post's number is taken under the thread's row lock, so two people
replying at once get consecutive numbers and nothing is lost.

Moderator acts in here (a moderator's edit, settings, invitations, moderators) are audited
in the same transaction as the act (`diaspora.moderation.audit.audit_record`).
"""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.communities import events
from diaspora.communities.limits import link_limit_check, posting_limits_check
from diaspora.communities.mentions import html_mentions
from diaspora.communities.models import (
    Community,
    CommunityInvitation,
    CommunityVisibility,
    CommunityWatch,
    MemberRole,
    Membership,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Tag,
    Thread,
    ThreadWatch,
    WatchLevel,
)
from diaspora.communities.permissions import (
    community_access,
    ensure_can_post,
    is_platform_moderator,
)
from diaspora.moderation.audit import audit_record
from diaspora.moderation.models import ActionKind
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from realtime import broadcast, groups, protocol

# The reactions a post can have, in the order pages show them.
REACTIONS = ("👍", "❤️", "🎉", "😄", "🤔", "👀")

# A notification's body: the start of the post, as plain as its Markdown.
EXCERPT_LENGTH = 280


# --- Helpers ---------------------------------------------------------------------------


def thread_path(thread: Thread) -> str:
    return f"/threads/{thread.pk}/"


def post_path(post: Post) -> str:
    """The post on its page: `?post=` picks the page that holds it, the anchor scrolls."""
    return f"/threads/{post.thread_id}/?post={post.number}#post-{post.pk}"


def invitation_path(invitation: CommunityInvitation) -> str:
    return f"/communities/invitations/{invitation.token}/"


def _excerpt(markdown: str) -> str:
    text = " ".join(markdown.split())
    if len(text) > EXCERPT_LENGTH:
        text = text[: EXCERPT_LENGTH - 1].rstrip() + "…"
    return text


def _ensure_moderator(actor: User, community: Community) -> None:
    if not community_access(actor, community).is_moderator:
        raise PermissionDenied(_("Only this community's moderators can do that."))


def _ensure_platform_moderator(actor: User) -> None:
    if not is_platform_moderator(actor):
        raise PermissionDenied(_("Only platform moderators and staff can do that."))


def _ensure_open(community: Community) -> None:
    if community.archived_at is not None:
        raise PermissionDenied(_("This community is archived."))


def _set_post_body(post: Post, text: str) -> list[User]:
    """`Post.set_body`, with its errors on the `text` field; returns the people mentioned."""
    if not text.strip():
        raise ValidationError({"text": [_("Write something first.")]})
    try:
        return post.set_body(text)
    except ValidationError as error:
        raise ValidationError({"text": error.messages}) from None


def _read_forward(*, user_id: int, thread_id: int, number: int) -> None:
    """Move a read state forward to `number`; never back."""
    now = timezone.now()
    moved = ReadState.objects.filter(
        thread_id=thread_id, user_id=user_id, last_read_number__lt=number
    ).update(last_read_number=number, updated_at=now)
    if not moved:
        ReadState.objects.get_or_create(
            thread_id=thread_id,
            user_id=user_id,
            defaults={"last_read_number": number, "updated_at": now},
        )


def _readers(users: Iterable[User], community: Community) -> list[User]:
    """Those of `users` who are active and may read the community's threads (one query for
    memberships, none for a public community)."""
    active = [u for u in users if u.is_active]
    if community.visibility == CommunityVisibility.PUBLIC or not active:
        return active
    members = set(
        Membership.objects.current()
        .filter(community=community, user_id__in=[u.pk for u in active])
        .values_list("user_id", flat=True)
    )
    return [u for u in active if u.pk in members or is_platform_moderator(u)]


def _post_notify(
    *,
    post: Post,
    thread: Thread,
    community: Community,
    author: User,
    reply_to: Post | None,
    mentioned: list[User],
    new_thread: bool,
) -> None:
    """Tell people about a new post (or thread). Each person hears once, for the strongest
    reason: replied to, then mentioned or quoted, then watching. A thread's own level beats
    the community's; muted means nothing, even a mention; the author never hears of their
    own post; only active people who can read the thread hear anything."""
    direct: dict[int, tuple[User, str]] = {}
    if reply_to is not None and reply_to.author_id != author.pk:
        direct[reply_to.author_id] = (reply_to.author, "reply")
    for person in mentioned:
        if person.pk != author.pk:
            direct.setdefault(person.pk, (person, "mention"))

    thread_levels = dict(ThreadWatch.objects.filter(thread=thread).values_list("user_id", "level"))
    community_levels = dict(
        CommunityWatch.objects.filter(community=community)
        .filter(Q(level=WatchLevel.WATCHING) | Q(user_id__in=list(direct)))
        .values_list("user_id", "level")
    )

    def level(user_id: int) -> str:
        return thread_levels.get(user_id) or community_levels.get(user_id) or WatchLevel.NORMAL

    direct = {pk: item for pk, item in direct.items() if level(pk) != WatchLevel.MUTED}
    watcher_ids = {
        pk
        for pk in set(thread_levels) | set(community_levels)
        if level(pk) == WatchLevel.WATCHING and pk != author.pk and pk not in direct
    }
    watchers = list(User.objects.filter(pk__in=watcher_ids, is_active=True)) if watcher_ids else []
    allowed = {u.pk for u in _readers([u for u, _reason in direct.values()] + watchers, community)}

    names = {"name": author.display_name, "title": thread.title, "community": community.name}
    url = post_path(post)
    body = _excerpt(post.body_md)
    by_reason: dict[str, list[User]] = {"reply": [], "mention": []}
    for pk, (person, reason) in direct.items():
        if pk in allowed:
            by_reason[reason].append(person)
    titles = {
        "reply": _("%(name)s replied to you in “%(title)s”"),
        "mention": _("%(name)s mentioned you in “%(title)s”"),
    }
    for reason, people in by_reason.items():
        if people:
            notify_many(
                users=people,
                kind=NotificationKind.FORUM,
                title=titles[reason] % names,
                body=body,
                url=url,
            )
    watching = [u for u in watchers if u.pk in allowed]
    if watching:
        if new_thread:
            title = _("New thread in %(community)s: “%(title)s” by %(name)s") % names
        else:
            title = _("%(name)s posted in “%(title)s”") % names
        notify_many(users=watching, kind=NotificationKind.FORUM, title=title, body=body, url=url)


def _tags_for(community: Community, slugs: list[str] | None) -> list[Tag]:
    wanted = sorted({s.strip() for s in slugs or [] if s.strip()})
    if not wanted:
        return []
    found = list(Tag.objects.filter(community=community, slug__in=wanted))
    unknown = sorted(set(wanted) - {t.slug for t in found})
    if unknown:
        raise ValidationError(
            {
                "tags": [
                    _("These tags are not this community's: %(tags)s")
                    % {"tags": ", ".join(unknown)}
                ]
            }
        )
    return found


def _client_id(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 64:
        raise ValidationError({"client_id": [_("A client id has at most 64 characters.")]})
    return value


def _join(membership: Membership | None, *, user: User, community: Community) -> Membership:
    """Make `user` a current member, reusing the row of an earlier membership."""
    now = timezone.now()
    if membership is None:
        return Membership.objects.create(
            community=community, user=user, joined_at=now, conduct_accepted_at=now
        )
    if membership.left_at is not None:
        membership.left_at = None
        membership.role = MemberRole.MEMBER
        membership.joined_at = now
    membership.conduct_accepted_at = now
    membership.save(update_fields=["left_at", "role", "joined_at", "conduct_accepted_at"])
    return membership


# --- Communities -----------------------------------------------------------------------


@transaction.atomic
def community_create(
    *,
    actor: User,
    name: str,
    slug: str,
    kind: str,
    visibility: str,
    description: str,
    code_of_conduct: str,
    country: str = "",
) -> Community:
    """A new community, made by a platform moderator or staff, who becomes its moderator."""
    _ensure_platform_moderator(actor)
    community = Community(
        name=name.strip(),
        slug=slug.strip().lower(),
        kind=kind,
        visibility=visibility,
        country=country,
        created_by=actor,
    )
    _clean(community, description=description, code_of_conduct=code_of_conduct)
    community.save()
    now = timezone.now()
    Membership.objects.create(
        community=community,
        user=actor,
        role=MemberRole.MODERATOR,
        joined_at=now,
        conduct_accepted_at=now,
    )
    return community


def _clean(community: Community, *, description: str, code_of_conduct: str) -> None:
    """Render the texts and validate the community, reporting every field's errors at once."""
    errors: dict[str, list[str]] = {}
    try:
        community.set_description(description)
    except ValidationError as error:
        errors["description_md"] = error.messages
    if not code_of_conduct.strip():
        errors["code_of_conduct_md"] = [_("A community needs a code of conduct.")]
    else:
        try:
            community.set_code_of_conduct(code_of_conduct)
        except ValidationError as error:
            errors["code_of_conduct_md"] = error.messages
    try:
        community.full_clean(exclude=["created_by", *errors])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


# The settings a moderator may change, as the audit trail names them.
_COMMUNITY_FIELDS = {
    "name": "name",
    "kind": "kind",
    "visibility": "visibility",
    "description": "description_md",
    "code_of_conduct": "code_of_conduct_md",
    "country": "country",
}


@transaction.atomic
def community_update(
    *,
    actor: User,
    community: Community,
    name: str,
    kind: str,
    visibility: str,
    description: str,
    code_of_conduct: str,
    country: str = "",
) -> Community:
    """Change a community's settings (its moderators). The audit trail keeps each changed
    field before and after."""
    _ensure_moderator(actor, community)
    community = Community.objects.select_for_update().get(pk=community.pk)
    before = {label: str(getattr(community, field)) for label, field in _COMMUNITY_FIELDS.items()}
    was_public = community.visibility == CommunityVisibility.PUBLIC
    community.name = name.strip()
    community.kind = kind
    community.visibility = visibility
    community.country = country
    _clean(community, description=description, code_of_conduct=code_of_conduct)
    community.save()
    after = {label: str(getattr(community, field)) for label, field in _COMMUNITY_FIELDS.items()}
    changed = [label for label in _COMMUNITY_FIELDS if before[label] != after[label]]
    if changed:
        audit_record(
            actor=actor,
            action=ActionKind.COMMUNITY_UPDATE,
            community=community,
            target_label=community.name,
            before={label: before[label] for label in changed},
            after={label: after[label] for label in changed},
        )
    if was_public and visibility != CommunityVisibility.PUBLIC:
        # Readers who are not members may no longer read: their open threads close.
        thread_ids = list(community.threads.values_list("pk", flat=True))
        transaction.on_commit(partial(_recheck_readers, thread_ids))
    return community


def _recheck_readers(thread_ids: list[int]) -> None:
    for thread_id in thread_ids:
        broadcast.send_group(groups.thread(thread_id), {"type": protocol.THREAD_RECHECK})


# --- Membership ------------------------------------------------------------------------


@transaction.atomic
def membership_join(*, user: User, community: Community, accept_conduct: bool) -> Membership:
    """Join a public community, accepting its code of conduct. Others are by invitation.
    Joining again reuses the old row: role back to member, the conduct accepted anew."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to join."))
    _ensure_open(community)
    if community.visibility != CommunityVisibility.PUBLIC:
        raise PermissionDenied(_("This community is by invitation only."))
    if not accept_conduct:
        raise ValidationError(
            {"accept_conduct": [_("Accept the code of conduct to join this community.")]}
        )
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is not None and membership.is_current:
        return membership
    return _join(membership, user=user, community=community)


@transaction.atomic
def membership_leave(*, user: User, community: Community) -> Membership:
    """Leave a community. In one that is not public, their open threads there close too."""
    membership = (
        Membership.objects.select_for_update()
        .current()
        .filter(community=community, user_id=user.pk)
        .first()
    )
    if membership is None:
        raise ValidationError(_("You are not a member of this community."))
    membership.left_at = timezone.now()
    membership.save(update_fields=["left_at"])
    if community.visibility != CommunityVisibility.PUBLIC:
        transaction.on_commit(
            partial(
                broadcast.send_group,
                groups.community_member(community.pk, user.pk),
                {"type": protocol.THREAD_KICK},
            )
        )
    return membership


@transaction.atomic
def invitation_send(*, actor: User, community: Community, email: str) -> CommunityInvitation:
    """Invite an email address (the community's moderators). The address gets the link by
    email; an account with that address also gets a notification. The moderator sees the
    same result whether or not an account exists."""
    _ensure_moderator(actor, community)
    _ensure_open(community)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    if Membership.objects.current().filter(community=community, user__email__iexact=email).exists():
        raise ValidationError({"email": [_("%(email)s is already a member.") % {"email": email}]})
    now = timezone.now()
    pending = CommunityInvitation.objects.filter(
        community=community,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if pending.exists():
        raise ValidationError(
            {"email": [_("%(email)s already has a pending invitation.") % {"email": email}]}
        )
    invitation = CommunityInvitation.objects.create(
        community=community,
        email=email,
        token=secrets.token_urlsafe(32),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=settings.COMMUNITY_INVITATION_DAYS),
    )
    audit_record(
        actor=actor,
        action=ActionKind.INVITATION_SEND,
        community=community,
        target_label=email,
        after={"email": email, "expires_at": events.iso(invitation.expires_at)},
    )
    account = User.objects.filter(email__iexact=email, is_active=True).first()
    if account is not None:
        notify_many(
            users=[account],
            kind=NotificationKind.FORUM,
            title=_("%(name)s invites you to join %(community)s")
            % {"name": actor.display_name, "community": community.name},
            body=_("Open the invitation to read the code of conduct and join."),
            url=invitation_path(invitation),
        )
    transaction.on_commit(partial(_send_invitation_email, invitation.pk), robust=True)
    return invitation


def _send_invitation_email(invitation_id: int) -> None:
    invitation = CommunityInvitation.objects.select_related("community", "invited_by").get(
        pk=invitation_id
    )
    inviter = invitation.invited_by.display_name if invitation.invited_by else ""
    names = {"name": inviter, "community": invitation.community.name}
    body = "\n\n".join(
        [
            _(
                "%(name)s invites you to join the community %(community)s on the Diaspora Knowledge Network."
            )
            % names,
            _("Open this link to read its code of conduct and join:"),
            settings.SITE_URL + invitation_path(invitation),
            _("The invitation is for this email address and expires on %(date)s.")
            % {"date": invitation.expires_at.date().isoformat()},
        ]
    )
    send_mail(
        subject=_("An invitation to %(community)s") % names,
        message=body + "\n",
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: CommunityInvitation) -> CommunityInvitation:
    _ensure_moderator(actor, invitation.community)
    invitation = CommunityInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=ActionKind.INVITATION_REVOKE,
            community=invitation.community,
            target_label=invitation.email,
            before={"email": invitation.email},
        )
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, token: str, accept_conduct: bool) -> Membership:
    """Join by invitation. The invitation is for an address: the signed-in account must have
    it (as its login or a verified address)."""
    from allauth.account.models import EmailAddress

    invitation = (
        CommunityInvitation.objects.select_for_update()
        .select_related("community")
        .filter(token=token)
        .first()
    )
    now = timezone.now()
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(_("This invitation is not valid: it may have been withdrawn."))
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.expires_at <= now:
        raise ValidationError(_("This invitation has expired. Ask a moderator for a new one."))
    if invitation.community.archived_at is not None:
        raise ValidationError(_("This community is archived."))
    owns = user.email.lower() == invitation.email.lower() or (
        EmailAddress.objects.filter(
            user=user, email__iexact=invitation.email, verified=True
        ).exists()
    )
    if not owns:
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    if not accept_conduct:
        raise ValidationError(
            {"accept_conduct": [_("Accept the code of conduct to join this community.")]}
        )
    membership = (
        Membership.objects.select_for_update()
        .filter(community=invitation.community, user=user)
        .first()
    )
    if membership is None or not membership.is_current:
        membership = _join(membership, user=user, community=invitation.community)
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def moderator_set(
    *, actor: User, community: Community, member: User, is_moderator: bool, reason: str = ""
) -> Membership:
    """Make a member a moderator of the community, or no longer (platform moderators)."""
    _ensure_platform_moderator(actor)
    membership = (
        Membership.objects.select_for_update()
        .current()
        .filter(community=community, user=member)
        .first()
    )
    if membership is None:
        raise ValidationError(
            _("%(name)s is not a member of this community.") % {"name": member.display_name}
        )
    role = MemberRole.MODERATOR if is_moderator else MemberRole.MEMBER
    if membership.role == role:
        return membership
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action=ActionKind.MODERATOR_ADD if is_moderator else ActionKind.MODERATOR_REMOVE,
        community=community,
        member=member,
        reason=reason,
        before=before,
        after={"role": role},
    )
    names = {"community": community.name}
    title = (
        _("You are now a moderator of %(community)s") % names
        if is_moderator
        else _("You are no longer a moderator of %(community)s") % names
    )
    notify_many(users=[member], kind=NotificationKind.MODERATION, title=title, body=reason)
    return membership


@transaction.atomic
def tag_create(*, actor: User, community: Community, name: str) -> Tag:
    _ensure_moderator(actor, community)
    name = " ".join(name.split())
    slug = slugify(name)[:40]
    if not name or not slug:
        raise ValidationError({"name": [_("Give the tag a name with letters or digits.")]})
    if Tag.objects.filter(community=community, slug=slug).exists():
        raise ValidationError({"name": [_("This community already has that tag.")]})
    tag = Tag(community=community, name=name, slug=slug)
    tag.full_clean()
    tag.save()
    audit_record(
        actor=actor,
        action=ActionKind.TAG_CREATE,
        community=community,
        target_label=name,
        after={"tag": name},
    )
    return tag


# --- Threads and posts -----------------------------------------------------------------


@transaction.atomic
def thread_create(
    *,
    author: User,
    community: Community,
    title: str,
    text: str,
    tags: list[str] | None = None,
    client_id: str = "",
) -> Thread:
    """Open a thread with its first post. The author watches it; the community's watchers
    and anyone mentioned hear of it. A repeated `client_id` returns the thread it made
    (with `repeated = True`)."""
    _ensure_open(community)
    client_id = _client_id(client_id)
    if client_id:
        first = (
            Post.objects.filter(
                thread__community=community, author_id=author.pk, number=1, client_id=client_id
            )
            .select_related("thread")
            .first()
        )
        if first is not None:
            first.thread.repeated = True  # type: ignore[attr-defined]
            return first.thread
    access = community_access(author, community)
    ensure_can_post(author, access)
    title = " ".join(title.split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the thread a title.")]
    elif len(title) > 200:
        errors["title"] = [_("A title has at most 200 characters.")]
    try:
        found_tags = _tags_for(community, tags)
    except ValidationError as error:
        errors.update(error.message_dict)
    post = Post(number=1, author=author, client_id=client_id)
    mentioned: list[User] = []
    try:
        mentioned = _set_post_body(post, text)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    posting_limits_check(
        user=author, community=community, new_thread=True, link_count=post.link_count
    )

    now = timezone.now()
    thread = Thread.objects.create(
        community=community,
        title=title,
        author=author,
        created_at=now,
        last_posted_at=now,
        post_count=1,
        last_number=1,
    )
    if found_tags:
        thread.tags.set(found_tags)
    post.thread = thread
    post.created_at = now
    post.save()
    ThreadWatch.objects.create(thread=thread, user=author, level=WatchLevel.WATCHING)
    ReadState.objects.create(thread=thread, user=author, last_read_number=1, updated_at=now)
    # Post #1 is an event like any other, so the event log of a thread holds all its posts.
    events.thread_event_record(
        thread=thread,
        event_type=events.POST_CREATED,
        payload={"post": events.post_payload(post, {})},
        actor=author,
    )
    _post_notify(
        post=post,
        thread=thread,
        community=community,
        author=author,
        reply_to=None,
        mentioned=mentioned,
        new_thread=True,
    )
    thread.repeated = False  # type: ignore[attr-defined]
    return thread


@transaction.atomic
def post_create(
    *,
    author: User,
    thread: Thread,
    text: str,
    reply_to: Post | None = None,
    client_id: str = "",
) -> Post:
    """Reply in a thread. Numbers are taken under the thread's row lock. Sending the same
    non-empty `client_id` again returns the stored post (`repeated = True`) and does
    nothing else, so a client may retry after a dropped connection."""
    client_id = _client_id(client_id)
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    if client_id:
        stored = (
            Post.objects.filter(thread=locked, author_id=author.pk, client_id=client_id)
            .select_related("author", "reply_to__author")
            .first()
        )
        if stored is not None:
            stored.repeated = True  # type: ignore[attr-defined]
            return stored
    community = thread.community if thread.community_id == locked.community_id else locked.community
    _ensure_open(community)
    access = community_access(author, community)
    ensure_can_post(author, access, locked)
    errors: dict[str, list[str]] = {}
    if reply_to is not None and (reply_to.thread_id != locked.pk or reply_to.is_hidden):
        errors["reply_to"] = [_("You can only reply to a visible post of this thread.")]
    post = Post(thread=locked, author=author, reply_to=reply_to, client_id=client_id)
    mentioned: list[User] = []
    try:
        mentioned = _set_post_body(post, text)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    posting_limits_check(
        user=author, community=community, new_thread=False, link_count=post.link_count
    )

    now = timezone.now()
    post.number = locked.last_number + 1
    post.created_at = now
    post.save()
    Thread.objects.filter(pk=locked.pk).update(
        last_number=post.number, post_count=locked.post_count + 1, last_posted_at=now
    )
    # The caller's object is now out of date; bring it up to date.
    thread.last_number = post.number
    thread.post_count = locked.post_count + 1
    thread.last_posted_at = now
    events.thread_event_record(
        thread=thread,
        event_type=events.POST_CREATED,
        payload={"post": events.post_payload(post, {})},
        actor=author,
    )
    _read_forward(user_id=author.pk, thread_id=locked.pk, number=post.number)
    _post_notify(
        post=post,
        thread=thread,
        community=community,
        author=author,
        reply_to=reply_to,
        mentioned=mentioned,
        new_thread=False,
    )
    post.repeated = False  # type: ignore[attr-defined]
    return post


@transaction.atomic
def post_edit(*, editor: User, post: Post, text: str, reason: str = "") -> Post:
    """Change a post's text, keeping the old text as a revision. The author edits while they
    may post there; anyone else editing is a moderator, who must give a reason: that edit is
    audited and the author told."""
    # The thread's lock orders edits with new posts, moderation and each other.
    Thread.objects.select_for_update().filter(pk=post.thread_id).values_list("pk").get()
    post = Post.objects.select_related("thread__community", "author", "reply_to__author").get(
        pk=post.pk
    )
    thread = post.thread
    community = thread.community
    _ensure_open(community)
    access = community_access(editor, community)
    is_author = editor.is_authenticated and post.author_id == editor.pk
    reason = reason.strip()
    if is_author:
        ensure_can_post(editor, access, thread)
    elif not access.is_moderator:
        raise PermissionDenied(_("You can only edit your own posts."))
    elif not reason:
        raise ValidationError(
            {"reason": [_("Say why you are editing someone else's post: the author will see it.")]}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": [_("A reason has at most 500 characters.")]})
    if text == post.body_md:
        return post
    old_md, old_html = post.body_md, post.body_html
    old_mentions = html_mentions(old_html)
    mentioned = _set_post_body(post, text)
    if is_author:
        link_limit_check(user=editor, community=community, link_count=post.link_count)
    now = timezone.now()
    PostRevision.objects.create(
        post=post,
        body_md=old_md,
        body_html=old_html,
        edited_by=editor,
        edited_at=now,
        reason=reason,
    )
    post.edited_at = now
    post.edit_count += 1
    post.save(update_fields=["body_md", "body_html", "link_count", "edited_at", "edit_count"])
    events.thread_event_record(
        thread=thread,
        event_type=events.POST_EDITED,
        payload={"post": events.post_payload(post, events.reaction_counts([post.pk])[post.pk])},
        actor=editor,
    )
    if not is_author:
        audit_record(
            actor=editor,
            action=ActionKind.POST_EDIT,
            community=community,
            post=post,
            reason=reason,
            before={"body_md": old_md},
            after={"body_md": post.body_md},
        )
        notify_many(
            users=[post.author],
            kind=NotificationKind.MODERATION,
            title=_("A moderator edited your post in “%(title)s”") % {"title": thread.title},
            body=reason,
            url=post_path(post),
        )
    elif not post.is_hidden:
        # People named for the first time by this edit hear of it, as if it were new.
        added = [p for p in mentioned if p.handle not in old_mentions]
        if added:
            _post_notify(
                post=post,
                thread=thread,
                community=community,
                author=editor,
                reply_to=None,
                mentioned=added,
                new_thread=False,
            )
    return post


@transaction.atomic
def reaction_toggle(*, user: User, post: Post, emoji: str) -> dict[str, int]:
    """Add the reaction, or take it back if it is there; returns the post's counts."""
    if emoji not in REACTIONS:
        raise ValidationError({"emoji": [_("This reaction is not one of the choices.")]})
    thread = Thread.objects.select_related("community").get(pk=post.thread_id)
    community = thread.community
    _ensure_open(community)
    access = community_access(user, community)
    ensure_can_post(user, access, thread)
    if post.is_hidden:
        raise ValidationError(_("This post is hidden."))
    mine = Reaction.objects.filter(post=post, user=user, emoji=emoji)
    if not mine.delete()[0]:
        try:
            with transaction.atomic():
                Reaction.objects.create(post=post, user=user, emoji=emoji)
        except IntegrityError:
            pass  # the same click twice at once: it is there, which is what they asked
    counts = events.reaction_counts([post.pk])[post.pk]
    events.thread_event_record(
        thread=thread,
        event_type=events.POST_REACTED,
        payload={"post_id": post.pk, "reactions": counts},
        actor=user,
    )
    return counts


@transaction.atomic
def watch_set(
    *, user: User, level: str, thread: Thread | None = None, community: Community | None = None
) -> str:
    """Set how much someone hears about a thread or about every thread of a community.
    For a thread, an empty level removes its own setting, so the community's applies again;
    the level that now applies is returned."""
    if (thread is None) == (community is None):
        raise ValueError("Give a thread or a community, not both.")
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to watch."))
    target = community if community is not None else thread.community  # type: ignore[union-attr]
    if not community_access(user, target).can_read:
        raise PermissionDenied(_("You cannot read this community."))
    if level and level not in WatchLevel.values:
        raise ValidationError({"level": [_("Choose watching, normal or muted.")]})
    if thread is not None:
        if not level:
            ThreadWatch.objects.filter(thread=thread, user=user).delete()
            level = (
                CommunityWatch.objects.filter(community_id=thread.community_id, user=user)
                .values_list("level", flat=True)
                .first()
            ) or WatchLevel.NORMAL
            return level
        ThreadWatch.objects.update_or_create(thread=thread, user=user, defaults={"level": level})
        return level
    if not level:
        CommunityWatch.objects.filter(community=target, user=user).delete()
        return WatchLevel.NORMAL
    CommunityWatch.objects.update_or_create(community=target, user=user, defaults={"level": level})
    return level


@transaction.atomic
def read_mark(*, user: User, thread: Thread, number: int) -> ReadState:
    """Someone has read a thread up to post `number` (never moves back, never past the
    last post)."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in first."))
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        raise ValidationError({"number": [_("A post number is a whole number.")]}) from None
    number = max(0, min(wanted, thread.last_number))
    _read_forward(user_id=user.pk, thread_id=thread.pk, number=number)
    return ReadState.objects.get(thread=thread, user=user)

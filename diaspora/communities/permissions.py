"""Who may see, join, post in and moderate a community. Pages, the API and the thread socket
all ask here.

Reading: a public community is open to everyone, signed in or not. A by-invitation
community is listed and described to everyone signed in, but its threads are for members. A
members-only community does not exist for anyone but its members (404). Platform moderators
and staff see and moderate everything; a community's own moderators act only inside it.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    MemberRole,
    Membership,
    Post,
    Thread,
)


class PostingRefused(PermissionDenied):
    """Why this person may not post here now; `code` names the reason for APIs and sockets:
    signed_out, not_member, inactive, silenced, locked."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def is_platform_moderator(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_moderator or user.is_staff or user.is_superuser)
    )


@dataclass(frozen=True)
class CommunityAccess:
    community: Community
    # The viewer's current membership, if any.
    membership: Membership | None
    is_platform_moderator: bool
    signed_in: bool

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_moderator(self) -> bool:
        """May act as a moderator here: the community's own, or a platform moderator."""
        return self.is_platform_moderator or (
            self.membership is not None and self.membership.role == MemberRole.MODERATOR
        )

    @property
    def can_see(self) -> bool:
        """Knows the community exists: its name, description and code of conduct."""
        visibility = self.community.visibility
        if visibility == CommunityVisibility.PUBLIC:
            return True
        if visibility == CommunityVisibility.INVITATION and self.signed_in:
            return True
        return self.is_member or self.is_platform_moderator

    @property
    def can_read(self) -> bool:
        """Reads its threads and posts."""
        if self.community.visibility == CommunityVisibility.PUBLIC:
            return True
        return self.is_member or self.is_platform_moderator

    @property
    def can_join(self) -> bool:
        """May join without an invitation."""
        return self.community.visibility == CommunityVisibility.PUBLIC and not self.is_member


def community_access(user: Any, community: Community) -> CommunityAccess:
    membership = None
    if user.is_authenticated:
        membership = (
            Membership.objects.current()
            .filter(community=community, user_id=user.pk)
            .select_related("user")
            .first()
        )
    return CommunityAccess(
        community=community,
        membership=membership,
        is_platform_moderator=is_platform_moderator(user),
        signed_in=bool(user.is_authenticated),
    )


def get_community_for_user(
    user: Any, slug: str, *, for_moderation: bool = False
) -> CommunityAccess:
    """The community and what this person may do in it. Missing, archived (except for
    platform moderators) and not visible are all 404; a visible community that this person
    may not moderate is 403 when `for_moderation`."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    access = community_access(user, community)
    if community.archived_at is not None and not access.is_platform_moderator:
        raise Http404
    if not access.can_see:
        raise Http404
    if for_moderation and not access.is_moderator:
        raise PermissionDenied
    return access


@dataclass(frozen=True)
class ThreadAccess:
    thread: Thread
    access: CommunityAccess


def get_thread_for_user(user: Any, pk: int, *, for_moderation: bool = False) -> ThreadAccess:
    """A thread whose community this person may read; 404 otherwise."""
    thread = Thread.objects.select_related("community", "author").filter(pk=pk).first()
    if thread is None:
        raise Http404
    access = community_access(user, thread.community)
    if not access.can_read or (
        thread.community.archived_at is not None and not access.is_platform_moderator
    ):
        raise Http404
    if for_moderation and not access.is_moderator:
        raise PermissionDenied
    return ThreadAccess(thread=thread, access=access)


@dataclass(frozen=True)
class PostAccess:
    post: Post
    access: CommunityAccess


def get_post_for_user(
    user: Any, pk: int, *, for_write: bool = False, for_moderation: bool = False
) -> PostAccess:
    """A post this person may read. A hidden post is readable by moderators and its author
    only. `for_write`: the author or a moderator (403 for other readers). `for_moderation`:
    a moderator of its community (403 for other readers)."""
    post = (
        Post.objects.select_related("thread__community", "author", "hidden_by")
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise Http404
    access = community_access(user, post.thread.community)
    if not access.can_read or (
        post.thread.community.archived_at is not None and not access.is_platform_moderator
    ):
        raise Http404
    is_author = user.is_authenticated and post.author_id == user.pk
    if post.is_hidden and not (access.is_moderator or is_author):
        raise Http404
    if for_moderation and not access.is_moderator:
        raise PermissionDenied
    if for_write and not (is_author or access.is_moderator):
        raise PermissionDenied
    return PostAccess(post=post, access=access)


def silenced_until(user_id: int, community_id: int) -> Any:
    """The end of the silence in force on this person here, or None."""
    from diaspora.moderation.models import Silence

    return (
        Silence.objects.in_force()
        .filter(community_id=community_id, member_id=user_id)
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )


def ensure_can_post(user: Any, access: CommunityAccess, thread: Thread | None = None) -> None:
    """Raise PostingRefused unless this person may post (or open a thread) here now.

    Moderators may still post in a locked thread (to explain the lock); nobody silenced or
    suspended may post anywhere it applies, whatever the door (page, API, socket)."""
    if not user.is_authenticated:
        raise PostingRefused(_("Sign in to take part."), "signed_out")
    if not user.is_active:
        raise PostingRefused(_("This account is suspended."), "inactive")
    if not access.is_member and not access.is_platform_moderator:
        raise PostingRefused(_("Join this community to take part."), "not_member")
    until = silenced_until(user.pk, access.community.pk)
    if until is not None:
        raise PostingRefused(
            _("A moderator has silenced you in this community (until %(until)s).")
            % {"until": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")},
            "silenced",
        )
    if thread is not None and thread.is_locked and not access.is_moderator:
        raise PostingRefused(_("This thread is locked."), "locked")

"""Who may see and run an engagement.

Participants see it; admins of its institution oversee it (see everything participants see,
and run it). Anyone else, moderators included, gets 404 for "missing" and "not yours" alike;
programme health for moderators is an aggregate page, not a way in. Running it (status,
invitations, plans, schedule) takes a manager role (mentor, instructor, project lead,
coordinator) or oversight: a participant who may only read gets PermissionDenied.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.engagements.models import Engagement, EngagementInvitation, Participant


@dataclass(frozen=True)
class Access:
    """What one user may do with one engagement, worked out once per request."""

    engagement: Engagement
    user_id: int
    participant: Participant | None
    overseer: bool

    @property
    def is_manager(self) -> bool:
        return self.overseer or bool(self.participant and self.participant.is_manager)

    @property
    def role(self) -> str:
        return self.participant.role if self.participant else ""


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_moderator or user.is_staff))


def is_institution_admin(user: Any, institution_id: int | None) -> bool:
    if not (user.is_authenticated and institution_id):
        return False
    return Membership.objects.filter(
        user=user, institution_id=institution_id, role=MemberRole.ADMIN
    ).exists()


def access_for(user: Any, engagement: Engagement) -> Access | None:
    """None when the user may not see the engagement at all."""
    if not user.is_authenticated:
        return None
    participant = (
        engagement.participants.current().filter(user_id=user.pk).select_related("user").first()
    )
    overseer = is_institution_admin(user, engagement.institution_id)
    if participant is None and not overseer:
        return None
    return Access(
        engagement=engagement, user_id=user.pk, participant=participant, overseer=overseer
    )


def get_engagement_access(user: Any, pk: int, *, for_write: bool = False) -> Access:
    engagement = Engagement.objects.select_related("institution", "need").filter(pk=pk).first()
    if engagement is None:
        raise Http404
    access = access_for(user, engagement)
    if access is None:
        raise Http404
    if for_write and not access.is_manager:
        raise PermissionDenied
    return access


def get_engagement_for_user(user: Any, pk: int, *, for_write: bool = False) -> Engagement:
    return get_engagement_access(user, pk, for_write=for_write).engagement


def get_participant_for_removal(access: Access, pk: int) -> Participant:
    """A current participant of the engagement: oneself (leaving) or, for a manager,
    anyone. Http404 for someone not in it, PermissionDenied for another person's place."""
    participant = (
        access.engagement.participants.current().select_related("user").filter(pk=pk).first()
    )
    if participant is None:
        raise Http404
    if participant.user_id != access.user_id and not access.is_manager:
        raise PermissionDenied
    return participant


def get_invitation_for_manager(access: Access, pk: int) -> EngagementInvitation:
    """One invitation of the engagement, for those who run it."""
    if not access.is_manager:
        raise PermissionDenied
    invitation = (
        EngagementInvitation.objects.select_related("invited_by")
        .filter(engagement_id=access.engagement.pk, pk=pk)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def get_institution_for_member(user: Any, pk: int) -> Institution:
    """An institution whose engagements the user may list: any member; 404 for everyone
    else (moderators included)."""
    if not user.is_authenticated:
        raise Http404
    institution = Institution.objects.filter(pk=pk, memberships__user_id=user.pk).first()
    if institution is None:
        raise Http404
    return institution


def require_moderator(user: Any) -> None:
    """Programme health is for moderators; everyone else gets 404."""
    if not is_moderator(user):
        raise Http404

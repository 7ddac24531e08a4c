from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.institutions.models import Institution, MemberRole, Membership


def is_institution_admin(user: Any, institution: Institution) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, institution=institution, role=MemberRole.ADMIN
    ).exists()


def get_institution_for_user(user: Any, pk: int, *, for_write: bool = False) -> Institution:
    """Institutions are public; changing one takes an admin membership of it."""
    institution = Institution.objects.filter(pk=pk).first()
    if institution is None:
        raise Http404
    if for_write and not is_institution_admin(user, institution):
        raise PermissionDenied
    return institution


def get_institution_for_moderator(user: Any, pk: int) -> Institution:
    institution = Institution.objects.filter(pk=pk).first()
    if institution is None:
        raise Http404
    if not (user.is_authenticated and (user.is_moderator or user.is_staff)):
        raise PermissionDenied
    return institution


def get_membership_for_admin(user: Any, institution: Institution, pk: int) -> Membership:
    if not is_institution_admin(user, institution):
        raise PermissionDenied
    membership = institution.memberships.select_related("user").filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership

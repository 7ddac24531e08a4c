from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.institutions.models import (
    Institution,
    Invitation,
    MemberRole,
    Membership,
    VerificationStatus,
)

EDITABLE_FIELDS = ("name", "country", "city", "type", "website")


@transaction.atomic
def institution_create(
    *, creator: User, values: dict[str, Any], description: str = ""
) -> Institution:
    institution = Institution()
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise ValidationError(_("Unknown institution field: %(f)s"), params={"f": name})
        setattr(institution, name, value)
    institution.set_description(description)
    institution.full_clean()
    institution.save()
    Membership.objects.create(institution=institution, user=creator, role=MemberRole.ADMIN)
    return institution


@transaction.atomic
def institution_update(
    *, institution: Institution, values: dict[str, Any], description: str | None = None
) -> Institution:
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise ValidationError(_("Unknown institution field: %(f)s"), params={"f": name})
        setattr(institution, name, value)
    if description is not None:
        institution.set_description(description)
    institution.full_clean()
    institution.save()
    return institution


@transaction.atomic
def institution_set_verification(
    *, institution: Institution, moderator: User, verified: bool
) -> Institution:
    if not (moderator.is_moderator or moderator.is_staff):
        raise PermissionDenied
    if verified:
        institution.verification_status = VerificationStatus.VERIFIED
        institution.verified_by = moderator
        institution.verified_at = timezone.now()
    else:
        institution.verification_status = VerificationStatus.UNVERIFIED
        institution.verified_by = None
        institution.verified_at = None
    institution.save(
        update_fields=["verification_status", "verified_by", "verified_at", "updated_at"]
    )
    return institution


@transaction.atomic
def invitation_create(
    *, institution: Institution, invited_by: User, email: str, role: str = MemberRole.MEMBER
) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(institution=institution, user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is already a member."), params={"email": email})
    if institution.invitations.pending().filter(email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s already has a pending invitation."), params={"email": email}
        )
    invitation = Invitation(institution=institution, invited_by=invited_by, email=email, role=role)
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(lambda: _send_invitation_email(invitation))
    return invitation


def _send_invitation_email(invitation: Invitation) -> None:
    url = settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])
    context = {"invitation": invitation, "url": url}
    send_mail(
        subject=_("%(name)s invites you to join %(institution)s on the Diaspora Knowledge Network")
        % {"name": invitation.invited_by.display_name, "institution": invitation.institution.name},
        message=render_to_string("institutions/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.is_pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person joins. The invitation is for an address: it must be theirs, verified."""
    from allauth.account.models import EmailAddress

    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was already used."))
    owns_address = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_address:
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that verified address to accept it."
            ),
            params={"email": invitation.email},
        )
    membership, _created = Membership.objects.get_or_create(
        institution=invitation.institution, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _ensure_another_admin(membership: Membership) -> None:
    # Lock every admin row, so two admins cannot demote each other at the same moment.
    admins = list(
        Membership.objects.select_for_update()
        .filter(institution_id=membership.institution_id, role=MemberRole.ADMIN)
        .values_list("pk", flat=True)
    )
    if not [pk for pk in admins if pk != membership.pk]:
        raise ValidationError(_("An institution needs at least one administrator."))


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == MemberRole.ADMIN and role != MemberRole.ADMIN:
        _ensure_another_admin(membership)
    membership.role = MemberRole(role)
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == MemberRole.ADMIN:
        _ensure_another_admin(membership)
    membership.delete()

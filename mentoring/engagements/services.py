"""Writes shared by every kind of engagement: opening one, the status machine, participants,
invitations, notes and the timeline.

Every change that participants should see is recorded on the timeline by `timeline_record`
in the same transaction, so the feed and the data never disagree. Kind-specific services
(mentorships, courses, projects, scheduling) call it too.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.markup import render_markdown
from diaspora.matches.models import Match, ProposalKind
from diaspora.needs.models import Need, Offer, OfferRequest
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from diaspora.reference.models import EngagementKind as NeedEngagementKind
from mentoring.engagements.models import (
    ENGAGEMENT_TRANSITIONS,
    KIND_ROLES,
    MANAGER_ROLES,
    Audience,
    Engagement,
    EngagementInvitation,
    EngagementKind,
    EngagementStatus,
    InvitationStatus,
    Participant,
    ParticipantRole,
    Side,
    StatusChange,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.requirements import reasons_not_to_start

# What each kind of need becomes once matched.
NEED_KIND_TO_ENGAGEMENT: dict[str, str] = {
    NeedEngagementKind.MENTORING: EngagementKind.MENTORSHIP,
    NeedEngagementKind.SUPERVISION: EngagementKind.MENTORSHIP,
    NeedEngagementKind.COURSE: EngagementKind.COURSE,
    NeedEngagementKind.LECTURE: EngagementKind.COURSE,
    NeedEngagementKind.RESEARCH: EngagementKind.PROJECT,
    NeedEngagementKind.CURRICULUM: EngagementKind.PROJECT,
}
# The role the matched expert takes in each kind.
EXPERT_ROLE: dict[str, str] = {
    EngagementKind.MENTORSHIP: ParticipantRole.MENTOR,
    EngagementKind.COURSE: ParticipantRole.INSTRUCTOR,
    EngagementKind.PROJECT: ParticipantRole.LEAD,
}
DEFAULT_COURSE_SEATS = 20


# --- Timeline -----------------------------------------------------------------------------


def timeline_record(
    *,
    engagement: Engagement,
    verb: str,
    actor: User | None,
    params: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    audience: str = Audience.PARTICIPANTS,
    body: str = "",
    url: str = "",
) -> TimelineEntry:
    """Add one entry and mark the engagement active now. `params` fill the verb's sentence;
    `actor` is added from the actor's display name. `body` is Markdown, rendered here."""
    if verb not in TimelineVerb.values:
        raise ValidationError(_("Unknown timeline entry: %(verb)s"), params={"verb": verb})
    if audience == Audience.AUTHOR and actor is None:
        raise ValidationError(_("A private entry needs an author."))
    now = timezone.now()
    values = dict(params or {})
    values.setdefault("actor", actor.display_name if actor else _("Someone"))
    entry = TimelineEntry.objects.create(
        engagement=engagement,
        verb=verb,
        params=values,
        actor=actor,
        occurred_at=occurred_at or now,
        created_at=now,
        audience=audience,
        body=body,
        body_html=render_markdown(body) if body else "",
        url=url,
    )
    Engagement.objects.filter(pk=engagement.pk).update(last_activity_at=now)
    engagement.last_activity_at = now
    return entry


@transaction.atomic
def engagement_note_add(
    *, engagement: Engagement, author: User, body: str, private: bool = False
) -> TimelineEntry:
    """A note on the timeline: shared with every participant, or private to its author."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(body) > TimelineEntry._meta.get_field("body").max_length:  # type: ignore[operator]
        raise ValidationError({"body": [_("This note is too long.")]})
    return timeline_record(
        engagement=engagement,
        verb=TimelineVerb.PRIVATE_NOTE if private else TimelineVerb.NOTE,
        actor=author,
        audience=Audience.AUTHOR if private else Audience.PARTICIPANTS,
        body=body,
    )


# --- Opening ------------------------------------------------------------------------------


@transaction.atomic
def engagement_create(
    *,
    kind: str,
    title: str,
    created_by: User,
    summary: str = "",
    institution: Institution | None = None,
    need: Need | None = None,
    match: Match | None = None,
) -> Engagement:
    """The shared record only; kind services create their own row beside it."""
    engagement = Engagement(
        kind=kind,
        title=title.strip(),
        institution=institution,
        need=need,
        match=match,
        created_by=created_by,
    )
    engagement.set_summary(summary)
    engagement.full_clean()
    engagement.save()
    StatusChange.objects.create(
        engagement=engagement, from_status="", to_status=engagement.status, changed_by=created_by
    )
    if match is not None and need is not None:
        timeline_record(
            engagement=engagement,
            verb=TimelineVerb.OPENED_FROM_MATCH,
            actor=created_by,
            params={"need": need.title},
            url=reverse("need_detail", args=[need.pk]),
        )
    else:
        timeline_record(engagement=engagement, verb=TimelineVerb.OPENED, actor=created_by)
    return engagement


def _institution_user(match: Match, by: User | None) -> User | None:
    """The person on the institution's side of the proposal that made the match."""
    proposal = match.proposal
    if proposal.kind == ProposalKind.INVITATION:
        return proposal.sent_by
    return proposal.answered_by or by


@transaction.atomic
def engagement_open_from_match(*, match: Match, by: User | None = None) -> Engagement:
    """An accepted match opens an engagement of the kind its need asked for, in `proposed`.

    A later match on the same need joins the open project or course already started from it
    (as a lead or co-instructor); every mentor gets a mentorship of their own.
    """
    need = match.need
    kind = NEED_KIND_TO_ENGAGEMENT.get(need.engagement_type.code, EngagementKind.PROJECT)
    expert_user = match.expert.user
    coordinator = _institution_user(match, by)
    engagement = None
    if kind != EngagementKind.MENTORSHIP:
        engagement = Engagement.objects.open().filter(need=need, kind=kind).first()
    if engagement is None:
        language = need.required_language_codes[:1] or need.preferred_language_codes[:1]
        engagement = engagement_create(
            kind=kind,
            title=need.title,
            created_by=coordinator or expert_user,
            summary=need.description,
            institution=need.institution,
            need=need,
            match=match,
        )
        _create_kind_row(engagement, language=language[0] if language else "en")
    _seat_both_sides(engagement, expert_user=expert_user, coordinator=coordinator)
    return engagement


def offer_engagements_in_use(offer: Offer) -> int:
    return Engagement.objects.open().filter(offer_request__offer=offer).count()


@transaction.atomic
def engagement_open_from_offer_request(*, offer_request: OfferRequest, by: User) -> Engagement:
    """An expert accepted an institution's request for one of their offers: the engagement
    opens in `proposed`, unless the offer already runs as many engagements as its capacity
    (then the acceptance is refused, and nothing of it is kept)."""
    offer = (
        Offer.objects.select_for_update()
        .select_related("expert__user", "engagement_type")
        .get(pk=offer_request.offer_id)
    )
    in_use = offer_engagements_in_use(offer)
    if in_use >= offer.capacity:
        raise ValidationError(
            _(
                "This offer already runs %(count)d engagements, its capacity. Raise the capacity or finish one first."
            )
            % {"count": in_use}
        )
    kind = NEED_KIND_TO_ENGAGEMENT.get(offer.engagement_type.code, EngagementKind.PROJECT)
    institution = offer_request.institution
    coordinator = offer_request.requested_by
    language = list(offer.languages.values_list("code", flat=True)[:1])
    engagement = engagement_create(
        kind=kind,
        title=f"{offer.title} · {institution.name}",
        created_by=by,
        summary=offer.description,
        institution=institution,
    )
    engagement.offer_request = offer_request
    engagement.save(update_fields=["offer_request"])
    _create_kind_row(engagement, language=language[0] if language else "en")
    _seat_both_sides(engagement, expert_user=offer.expert.user, coordinator=coordinator)
    return engagement


def _create_kind_row(engagement: Engagement, *, language: str) -> None:
    from mentoring.courses.models import Course, EnrolmentPolicy
    from mentoring.mentorships.models import Agreement
    from mentoring.projects.models import Project

    if engagement.kind == EngagementKind.MENTORSHIP:
        Agreement.objects.create(engagement=engagement)
    elif engagement.kind == EngagementKind.COURSE:
        # Not in the catalogue and on approval until the instructor has set it up: the
        # summary is still the institution's request and the syllabus is empty.
        Course.objects.create(
            engagement=engagement,
            language=language,
            capacity=DEFAULT_COURSE_SEATS,
            listed=False,
            enrolment_policy=EnrolmentPolicy.APPROVAL,
        )
    else:
        project = Project(engagement=engagement)
        project.set_work_plan("")
        project.save()


def _seat_both_sides(
    engagement: Engagement, *, expert_user: User, coordinator: User | None
) -> None:
    participant_add(
        engagement=engagement,
        user=expert_user,
        role=EXPERT_ROLE[engagement.kind],
        side=Side.EXPERT,
        by=coordinator,
    )
    if coordinator is not None and coordinator.pk != expert_user.pk:
        participant_add(
            engagement=engagement,
            user=coordinator,
            role=ParticipantRole.COORDINATOR,
            side=Side.INSTITUTION,
            by=coordinator,
        )
    _notify(
        users=[expert_user, coordinator] if coordinator else [expert_user],
        title=_("A new engagement is ready to plan: %(title)s") % {"title": engagement.title},
        engagement=engagement,
        skip=None,
    )


# --- Status machine -----------------------------------------------------------------------


@transaction.atomic
def engagement_transition(
    *, engagement: Engagement, to_status: str, by: User, reason: str = ""
) -> Engagement:
    """Move to `to_status` if the machine allows it and the kind's start requirements hold.
    Every change is kept with who made it and why."""
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    reason = reason.strip()
    if to_status not in EngagementStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if to_status not in ENGAGEMENT_TRANSITIONS[locked.status]:
        raise ValidationError(
            {
                "status": [
                    _("An engagement that is %(old)s cannot become %(new)s.")
                    % {
                        "old": EngagementStatus(locked.status).label.lower(),
                        "new": EngagementStatus(to_status).label.lower(),
                    }
                ]
            }
        )
    if to_status == EngagementStatus.CANCELLED and not reason:
        raise ValidationError({"reason": [_("Say why it is cancelled.")]})
    if to_status == EngagementStatus.ACTIVE and locked.started_at is None:
        problems = reasons_not_to_start(locked)
        if problems:
            raise ValidationError({"status": problems})
    old = locked.status
    now = timezone.now()
    locked.status = to_status
    fields = ["status", "updated_at"]
    if to_status == EngagementStatus.ACTIVE and locked.started_at is None:
        locked.started_at = now
        fields.append("started_at")
    if to_status in (EngagementStatus.COMPLETED, EngagementStatus.CANCELLED):
        locked.ended_at = now
        fields.append("ended_at")
    locked.save(update_fields=fields)
    StatusChange.objects.create(
        engagement=locked,
        from_status=old,
        to_status=to_status,
        changed_by=by,
        reason=reason,
        changed_at=now,
    )
    timeline_record(
        engagement=locked,
        verb=TimelineVerb.STATUS_CHANGED,
        actor=by,
        params={"old": old, "new": to_status},
        body=reason,
    )
    _notify(
        users=participant_users(locked),
        title=_("%(title)s is now %(status)s")
        % {"title": locked.title, "status": EngagementStatus(to_status).label.lower()},
        engagement=locked,
        skip=by,
        body=reason,
    )
    return locked


# --- Participants -------------------------------------------------------------------------


def participant_users(engagement: Engagement, *, roles: Iterable[str] | None = None) -> list[User]:
    participants = engagement.participants.current().select_related("user")
    if roles is not None:
        participants = participants.filter(role__in=list(roles))
    return [participant.user for participant in participants]


def manager_users(engagement: Engagement) -> list[User]:
    return participant_users(engagement, roles=MANAGER_ROLES)


@transaction.atomic
def participant_add(
    *,
    engagement: Engagement,
    user: User,
    role: str,
    by: User | None,
    side: str = "",
    role_title: str = "",
    audience: str | None = Audience.PARTICIPANTS,
) -> Participant:
    """Add someone, or bring back someone who left, with the given role. Someone already
    taking part keeps their place (and gets the new role). `audience` is who reads the
    "joined" entry; None writes none (a course records the enrolment itself)."""
    if role not in KIND_ROLES[engagement.kind]:
        raise ValidationError(
            {"role": [_("A %(kind)s has no such role.") % {"kind": engagement.get_kind_display()}]}
        )
    if not user.is_active:
        raise ValidationError(_("This account is not active."))
    participant = (
        Participant.objects.select_for_update().filter(engagement=engagement, user=user).first()
    )
    was_current = participant is not None and participant.left_at is None
    if participant is None:
        participant = Participant(engagement=engagement, user=user)
    participant.role = role
    participant.side = side
    participant.role_title = role_title.strip()
    participant.left_at = None
    if not was_current:
        participant.joined_at = timezone.now()
    participant.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as exc:  # added by another request at the same moment
        raise ValidationError(
            _("%(name)s already takes part.") % {"name": user.display_name}
        ) from exc
    if not was_current and audience is not None:
        timeline_record(
            engagement=engagement,
            verb=TimelineVerb.JOINED,
            actor=by or user,
            params={"name": user.display_name, "role": role},
            audience=audience,
        )
    return participant


@transaction.atomic
def participant_remove(
    *, participant: Participant, by: User, audience: str | None = Audience.PARTICIPANTS
) -> Participant:
    """Someone leaves or is taken off. The last manager cannot go: someone must run it."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.left_at is not None:
        return participant
    if participant.role in MANAGER_ROLES:
        others = (
            Participant.objects.managers()
            .filter(engagement_id=participant.engagement_id)
            .exclude(pk=participant.pk)
        )
        if not others.exists():
            raise ValidationError(
                _("Someone else must run this engagement before its last manager leaves.")
            )
    participant.left_at = timezone.now()
    participant.save(update_fields=["left_at"])
    if audience is not None:
        timeline_record(
            engagement=participant.engagement,
            verb=TimelineVerb.LEFT,
            actor=by,
            params={"name": participant.user.display_name},
            audience=audience,
        )
    return participant


@transaction.atomic
def participant_withdraw(*, participant: Participant, by: User) -> Participant:
    """Leave, or take someone off, from the shared engagement pages and API. A course's
    learners are refused here: their seat is managed by the course (so that a freed seat
    goes to the next person waiting). Someone taken off by another person is told."""
    if participant.role == ParticipantRole.LEARNER:
        raise ValidationError(
            _(
                "A learner's place is managed on the course's page, so that a freed seat goes to the next person waiting."
            )
        )
    removed = participant_remove(participant=participant, by=by)
    if removed.user_id != by.pk:
        notify_many(
            users=[removed.user],
            kind=NotificationKind.ENGAGEMENT,
            title=_("%(name)s took you off “%(title)s”")
            % {"name": by.display_name, "title": removed.engagement.title},
        )
    return removed


# --- Invitations --------------------------------------------------------------------------


@transaction.atomic
def engagement_invitation_send(
    *,
    engagement: Engagement,
    email: str,
    role: str,
    by: User,
    side: str = "",
    role_title: str = "",
    message: str = "",
) -> EngagementInvitation:
    """Ask someone by email to take a role. Learners of a course enrol through the course."""
    email = email.strip().lower()
    if not engagement.is_open:
        raise ValidationError(_("This engagement has ended."))
    if role not in KIND_ROLES[engagement.kind] or role == ParticipantRole.LEARNER:
        raise ValidationError({"role": [_("Choose one of the roles this engagement has.")]})
    if role == ParticipantRole.COORDINATOR:
        side = Side.INSTITUTION
    if acts_for_a_side(engagement.kind, role=role, side=side):
        _check_may_place_on_institution_side(engagement, by)
    if engagement.participants.current().filter(user__email__iexact=email).exists():
        raise ValidationError({"email": [_("%(email)s already takes part.") % {"email": email}]})
    pending = EngagementInvitation.objects.filter(
        engagement=engagement,
        email__iexact=email,
        status=InvitationStatus.PENDING,
    )
    for stale in pending:
        if stale.is_pending:
            raise ValidationError(
                {"email": [_("%(email)s already has a pending invitation.") % {"email": email}]}
            )
        stale.status = InvitationStatus.REVOKED
        stale.save(update_fields=["status"])
    invitation = EngagementInvitation(
        engagement=engagement,
        email=email,
        role=role,
        side=side,
        role_title=role_title.strip(),
        message=message.strip(),
        invited_by=by,
    )
    invitation.full_clean()
    invitation.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.INVITED,
        actor=by,
        params={"email": email, "role": role},
        audience=Audience.MANAGERS,
    )
    invitee = User.objects.filter(email__iexact=email, is_active=True).first()
    url = reverse("engagement_invitation", args=[invitation.token])
    title = _("%(name)s invites you to “%(title)s” as %(role)s") % {
        "name": by.display_name,
        "title": engagement.title,
        "role": ParticipantRole(role).label.lower(),
    }
    if invitee is not None:
        notify_many(
            users=[invitee],
            kind=NotificationKind.ENGAGEMENT,
            title=title,
            body=invitation.message,
            url=url,
        )
    else:
        transaction.on_commit(lambda: _send_invitation_email(invitation, title=title, url=url))
    return invitation


def _send_invitation_email(invitation: EngagementInvitation, *, title: str, url: str) -> None:
    send_mail(
        subject=title,
        message=render_to_string(
            "engagements/email/invitation.txt",
            {"invitation": invitation, "title": title, "url": settings.SITE_URL + url},
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def acts_for_a_side(kind: str, *, role: str, side: str) -> bool:
    """Whether this place acts for the institution: a coordinator, or a project member on its
    side (who approves the work plan for it). A mentee from the institution only learns."""
    return role == ParticipantRole.COORDINATOR or (
        side == Side.INSTITUTION and kind == EngagementKind.PROJECT
    )


def acts_for_institution(engagement: Engagement, user: User) -> bool:
    """An admin of the engagement's institution, or someone running it from that side."""
    if engagement.institution_id is None:
        return False
    if Membership.objects.filter(
        user=user, institution_id=engagement.institution_id, role=MemberRole.ADMIN
    ).exists():
        return True
    return (
        Participant.objects.managers()
        .filter(engagement=engagement, user=user, side=Side.INSTITUTION)
        .exists()
    )


def _check_may_place_on_institution_side(engagement: Engagement, by: User) -> None:
    """Whoever sits on the institution's side acts for it (approves plans, coordinates), so
    only the institution places people there, and only its own members."""
    if engagement.institution_id is None:
        raise ValidationError(
            {"side": [_("This engagement has no institution, so nobody can join on its side.")]}
        )
    if not acts_for_institution(engagement, by):
        raise ValidationError(
            {
                "side": [
                    _(
                        "Only the institution's coordinators and administrators can add people on its side."
                    )
                ]
            }
        )


def _check_institution_member(invitation: EngagementInvitation, user: User) -> None:
    engagement = invitation.engagement
    if not acts_for_a_side(engagement.kind, role=invitation.role, side=invitation.side):
        return
    institution_id = engagement.institution_id
    if institution_id is None or not (
        Membership.objects.filter(user=user, institution_id=institution_id).exists()
    ):
        raise ValidationError(
            _(
                "This invitation is for members of %(institution)s. Ask them to add you to the institution first."
            )
            % {"institution": engagement.institution.name if engagement.institution else ""}
        )


def _lock_pending(invitation: EngagementInvitation) -> EngagementInvitation:
    locked = EngagementInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_pending:
        raise ValidationError(_("This invitation has expired or was already answered."))
    return locked


def _check_invitee(invitation: EngagementInvitation, user: User) -> None:
    from allauth.account.models import EmailAddress

    owns_address = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_address:
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s. Sign in with that verified address to answer it."
            )
            % {"email": invitation.email}
        )


@transaction.atomic
def engagement_invitation_accept(*, invitation: EngagementInvitation, user: User) -> Participant:
    invitation = _lock_pending(invitation)
    _check_invitee(invitation, user)
    if not invitation.engagement.is_open:
        raise ValidationError(_("This engagement has ended."))
    _check_institution_member(invitation, user)
    participant = participant_add(
        engagement=invitation.engagement,
        user=user,
        role=invitation.role,
        side=invitation.side,
        role_title=invitation.role_title,
        by=user,
    )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = timezone.now()
    invitation.answered_by = user
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    _notify(
        users=[invitation.invited_by],
        title=_("%(name)s joined “%(title)s”")
        % {"name": user.display_name, "title": invitation.engagement.title},
        engagement=invitation.engagement,
        skip=user,
    )
    return participant


@transaction.atomic
def engagement_invitation_decline(
    *, invitation: EngagementInvitation, user: User
) -> EngagementInvitation:
    invitation = _lock_pending(invitation)
    _check_invitee(invitation, user)
    invitation.status = InvitationStatus.DECLINED
    invitation.answered_at = timezone.now()
    invitation.answered_by = user
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    _notify(
        users=[invitation.invited_by],
        title=_("%(email)s declined the invitation to “%(title)s”")
        % {"email": invitation.email, "title": invitation.engagement.title},
        engagement=invitation.engagement,
        skip=user,
    )
    return invitation


@transaction.atomic
def engagement_invitation_revoke(
    *, invitation: EngagementInvitation, by: User
) -> EngagementInvitation:
    invitation = EngagementInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.status = InvitationStatus.REVOKED
    invitation.answered_at = timezone.now()
    invitation.answered_by = by
    invitation.save(update_fields=["status", "answered_at", "answered_by"])
    return invitation


# --- Notifications ------------------------------------------------------------------------


def _notify(
    *,
    users: Iterable[User | None],
    title: str,
    engagement: Engagement,
    skip: User | None,
    body: str = "",
) -> None:
    recipients = [
        user for user in users if user is not None and (skip is None or user.pk != skip.pk)
    ]
    if recipients:
        notify_many(
            users=recipients,
            kind=NotificationKind.ENGAGEMENT,
            title=title,
            body=body,
            url=engagement.get_absolute_url(),
        )

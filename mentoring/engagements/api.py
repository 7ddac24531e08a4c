"""Engagements over the API: mine, one, its status machine, timeline, notes, participants and
invitations; an institution's engagements; programme health for moderators. The pages'
permission helpers decide here too: 404 outside, 403 for a participant who may only read."""

from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from mentoring.engagements import selectors, services
from mentoring.engagements.forms import MESSAGE_MAX, NOTE_MAX, REASON_MAX
from mentoring.engagements.models import (
    MANAGER_ROLES,
    Engagement,
    EngagementInvitation,
    InvitationStatus,
    Participant,
    StatusChange,
    TimelineEntry,
)
from mentoring.engagements.permissions import (
    Access,
    get_engagement_access,
    get_institution_for_member,
    get_invitation_for_manager,
    get_participant_for_removal,
    require_moderator,
)
from mentoring.engagements.timeline import timeline_item

router = Router()

KindFilter = Literal["", "mentorship", "course", "project"]
StatusFilter = Literal["", "open", "proposed", "active", "paused", "completed", "cancelled"]


# -- schemas --------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    name: str


class InstitutionRef(Schema):
    id: int
    name: str


class NeedRef(Schema):
    id: int
    title: str


class EngagementOut(Schema):
    id: int
    url: str
    kind: str = Field(description="mentorship, course or project")
    title: str
    summary: str
    summary_html: str
    status: str = Field(description="proposed → active → paused → completed / cancelled")
    institution: InstitutionRef | None
    need: NeedRef | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    last_activity_at: datetime
    participants_count: int
    my_role: str = Field(description="Your role; empty if you oversee it without taking part")
    can_manage: bool
    next_statuses: list[str] = Field(description="Where you may move it now")


class EngagementPage(Schema):
    meta: PageMeta
    results: list[EngagementOut]


class StatusChangeOut(Schema):
    id: int
    from_status: str = Field(description="Empty for the status it opened in")
    to_status: str
    changed_by: UserRef | None
    reason: str
    changed_at: datetime


class TimelineEntryOut(Schema):
    id: int
    verb: str
    text: str = Field(description="The sentence, in your language")
    occurred_at: datetime
    actor: UserRef | None
    private: bool = Field(description="A private note: only you see it")
    url: str
    body_html: str


class TimelinePage(Schema):
    meta: PageMeta
    results: list[TimelineEntryOut]


class ParticipantOut(Schema):
    id: int
    user: UserRef
    role: str
    side: str
    role_title: str
    joined_at: datetime
    is_manager: bool


class InvitationOut(Schema):
    id: int
    engagement_id: int
    engagement_title: str
    email: str
    role: str
    side: str
    role_title: str
    message: str
    status: str = Field(description="pending, accepted, declined or revoked")
    expired: bool = Field(description="Pending, but past expires_at: it can no longer be answered")
    invited_by: UserRef
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class InvitationPage(Schema):
    meta: PageMeta
    results: list[InvitationOut]


class InstitutionEngagementOut(Schema):
    id: int
    url: str
    kind: str
    title: str
    status: str
    participants_count: int
    last_activity_at: datetime
    can_open: bool = Field(description="Whether you may open it (you take part, or administer)")


class InstitutionEngagementPage(Schema):
    meta: PageMeta
    results: list[InstitutionEngagementOut]


class CountOut(Schema):
    kind: str
    status: str
    count: int


class StalledOut(Schema):
    id: int
    kind: str
    title: str
    institution: InstitutionRef | None
    status: str
    last_activity_at: datetime
    days_idle: int


class StalledPage(Schema):
    meta: PageMeta
    results: list[StalledOut]


class ProgrammeOut(Schema):
    stalled_days: int = Field(description="Open with no activity for this many days is stalled")
    counts: list[CountOut] = Field(description="Every kind and status, zeros included")
    stalled_counts: dict[str, int] = Field(description="Stalled engagements by kind")
    stalled: StalledPage = Field(description="Stalled engagements, longest idle first")


def _user_ref(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def engagement_out(
    engagement: Engagement, *, my_role: str, can_manage: bool, participants_count: int
) -> dict[str, Any]:
    institution = engagement.institution
    need = engagement.need
    return {
        "id": engagement.pk,
        "url": engagement.get_absolute_url(),
        "kind": engagement.kind,
        "title": engagement.title,
        "summary": engagement.summary,
        "summary_html": engagement.summary_html,
        "status": engagement.status,
        "institution": {"id": institution.pk, "name": institution.name} if institution else None,
        "need": {"id": need.pk, "title": need.title} if need else None,
        "created_at": engagement.created_at,
        "started_at": engagement.started_at,
        "ended_at": engagement.ended_at,
        "last_activity_at": engagement.last_activity_at,
        "participants_count": participants_count,
        "my_role": my_role,
        "can_manage": can_manage,
        "next_statuses": selectors.next_statuses(engagement) if can_manage else [],
    }


def _access_out(access: Access) -> dict[str, Any]:
    engagement = access.engagement
    return engagement_out(
        engagement,
        my_role=access.role,
        can_manage=access.is_manager,
        participants_count=engagement.participants.current().count(),
    )


def _row_out(engagement: Engagement) -> dict[str, Any]:
    """A row of `selectors.engagements_of_user`."""
    row: Any = engagement
    return engagement_out(
        engagement,
        my_role=row.my_role,
        can_manage=row.oversees or row.my_role in MANAGER_ROLES,
        participants_count=row.participants_count,
    )


def status_change_out(change: StatusChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "from_status": change.from_status,
        "to_status": change.to_status,
        "changed_by": _user_ref(change.changed_by),
        "reason": change.reason,
        "changed_at": change.changed_at,
    }


def timeline_entry_out(entry: TimelineEntry) -> dict[str, Any]:
    item = timeline_item(entry)
    return {
        "id": item.id,
        "verb": item.verb,
        "text": item.text,
        "occurred_at": item.occurred_at,
        "actor": _user_ref(entry.actor),
        "private": item.private,
        "url": item.url,
        "body_html": item.body_html,
    }


def participant_out(participant: Participant) -> dict[str, Any]:
    return {
        "id": participant.pk,
        "user": _user_ref(participant.user),
        "role": participant.role,
        "side": participant.side,
        "role_title": participant.role_title,
        "joined_at": participant.joined_at,
        "is_manager": participant.is_manager,
    }


def invitation_out(invitation: EngagementInvitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "engagement_id": invitation.engagement_id,
        "engagement_title": invitation.engagement.title,
        "email": invitation.email,
        "role": invitation.role,
        "side": invitation.side,
        "role_title": invitation.role_title,
        "message": invitation.message,
        "status": invitation.status,
        "expired": invitation.status == InvitationStatus.PENDING and not invitation.is_pending,
        "invited_by": _user_ref(invitation.invited_by),
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "answered_at": invitation.answered_at,
    }


# -- my engagements -------------------------------------------------------------------------


class EngagementQuery(PageQuery):
    kind: KindFilter = ""
    status: StatusFilter = Field("", description="A status, or 'open' for proposed/active/paused")


@router.get("/engagements", response=EngagementPage, summary="The engagements you take part in")
def list_engagements(request: HttpRequest, query: Query[EngagementQuery]) -> dict:
    qs = selectors.engagements_of_user(
        user=signed_in_user(request), kind=query.kind, status=query.status
    ).select_related("need")
    return paginated(qs, query, _row_out)


@router.get("/engagements/{int:engagement_id}", response=EngagementOut, summary="One engagement")
def get_engagement(request: HttpRequest, engagement_id: int) -> dict:
    return _access_out(get_engagement_access(signed_in_user(request), engagement_id))


class TransitionIn(Schema):
    status: str = Field(description="proposed → active → paused → completed / cancelled")
    reason: str = Field("", max_length=REASON_MAX, description="Required to cancel")


@router.post(
    "/engagements/{int:engagement_id}/transitions",
    response=EngagementOut,
    summary="Change the status (those who run it; only valid transitions)",
)
def transition_engagement(request: HttpRequest, engagement_id: int, payload: TransitionIn) -> dict:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id, for_write=True)
    services.engagement_transition(
        engagement=access.engagement, to_status=payload.status, by=user, reason=payload.reason
    )
    return _access_out(get_engagement_access(user, engagement_id))


@router.get(
    "/engagements/{int:engagement_id}/status-changes",
    response=list[StatusChangeOut],
    summary="Every status change, oldest first, with who and why",
)
def list_status_changes(request: HttpRequest, engagement_id: int) -> list[dict]:
    access = get_engagement_access(signed_in_user(request), engagement_id)
    return [status_change_out(c) for c in selectors.status_history(access.engagement)]


# -- timeline and notes ---------------------------------------------------------------------


class TimelineQuery(PageQuery):
    type: Literal["", "status", "people", "notes", "sessions", "goals", "materials", "plans"] = (
        Field("", description="Only entries of one type")
    )


@router.get(
    "/engagements/{int:engagement_id}/timeline",
    response=TimelinePage,
    summary="The timeline, oldest first: what you may see of it",
)
def list_timeline(request: HttpRequest, engagement_id: int, query: Query[TimelineQuery]) -> dict:
    access = get_engagement_access(signed_in_user(request), engagement_id)
    return paginated(selectors.timeline_for(access, type=query.type), query, timeline_entry_out)


class NoteIn(Schema):
    body: str = Field(max_length=NOTE_MAX, description="Markdown")
    private: bool = Field(False, description="Only you will ever see it")


@router.post(
    "/engagements/{int:engagement_id}/notes",
    response={201: TimelineEntryOut},
    summary="Add a note to the timeline (shared, or private to you)",
)
def add_note(request: HttpRequest, engagement_id: int, payload: NoteIn) -> Status:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id)
    entry = services.engagement_note_add(
        engagement=access.engagement, author=user, body=payload.body, private=payload.private
    )
    entry.actor = user
    return Status(201, timeline_entry_out(entry))


# -- participants ---------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/participants",
    response=list[ParticipantOut],
    summary="Who takes part now",
)
def list_participants(request: HttpRequest, engagement_id: int) -> list[dict]:
    access = get_engagement_access(signed_in_user(request), engagement_id)
    return [participant_out(p) for p in selectors.current_participants(access.engagement)]


@router.delete(
    "/engagements/{int:engagement_id}/participants/{int:participant_id}",
    response={204: None},
    summary="Leave (your own place) or take someone off (those who run it)",
)
def remove_participant(request: HttpRequest, engagement_id: int, participant_id: int) -> Status:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id)
    participant = get_participant_for_removal(access, participant_id)
    services.participant_withdraw(participant=participant, by=user)
    return Status(204, None)


# -- invitations ----------------------------------------------------------------------------


class InvitationQuery(PageQuery):
    status: Literal["", "pending", "accepted", "declined", "revoked"] = "pending"


@router.get(
    "/engagements/{int:engagement_id}/invitations",
    response=InvitationPage,
    summary="Invitations to the engagement (those who run it)",
)
def list_invitations(
    request: HttpRequest, engagement_id: int, query: Query[InvitationQuery]
) -> dict:
    access = get_engagement_access(signed_in_user(request), engagement_id, for_write=True)
    qs: QuerySet[EngagementInvitation] = selectors.engagement_invitations(
        access.engagement, status=query.status
    ).select_related("engagement")
    return paginated(qs, query, invitation_out)


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str = Field(description="A role of this kind of engagement, learner excepted")
    side: Literal["", "expert", "institution"] = ""
    role_title: str = Field("", max_length=100)
    message: str = Field("", max_length=MESSAGE_MAX)


@router.post(
    "/engagements/{int:engagement_id}/invitations",
    response={201: InvitationOut},
    summary="Invite someone by email (those who run it)",
)
def create_invitation(request: HttpRequest, engagement_id: int, payload: InvitationIn) -> Status:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id, for_write=True)
    invitation = services.engagement_invitation_send(
        engagement=access.engagement, by=user, **payload.dict()
    )
    return Status(201, invitation_out(invitation))


@router.delete(
    "/engagements/{int:engagement_id}/invitations/{int:invitation_id}",
    response={204: None},
    summary="Revoke a pending invitation (those who run it)",
)
def revoke_invitation(request: HttpRequest, engagement_id: int, invitation_id: int) -> Status:
    user = signed_in_user(request)
    access = get_engagement_access(user, engagement_id, for_write=True)
    invitation = get_invitation_for_manager(access, invitation_id)
    services.engagement_invitation_revoke(invitation=invitation, by=user)
    return Status(204, None)


def _invitation_by_token(token: str) -> EngagementInvitation:
    invitation = (
        EngagementInvitation.objects.select_related("engagement", "invited_by")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


@router.post(
    "/engagement-invitations/{token}/accept",
    response=EngagementOut,
    summary="Accept an invitation sent to one of your verified addresses",
)
def accept_invitation(request: HttpRequest, token: str) -> dict:
    user = signed_in_user(request)
    invitation = _invitation_by_token(token)
    services.engagement_invitation_accept(invitation=invitation, user=user)
    return _access_out(get_engagement_access(user, invitation.engagement_id))


@router.post(
    "/engagement-invitations/{token}/decline",
    response=InvitationOut,
    summary="Decline an invitation sent to one of your verified addresses",
)
def decline_invitation(request: HttpRequest, token: str) -> dict:
    user = signed_in_user(request)
    invitation = services.engagement_invitation_decline(
        invitation=_invitation_by_token(token), user=user
    )
    return invitation_out(invitation)


# -- institutions and programme -------------------------------------------------------------


@router.get(
    "/institutions/{int:institution_id}/engagements",
    response=InstitutionEngagementPage,
    summary="Every engagement of an institution (its members)",
)
def list_institution_engagements(
    request: HttpRequest, institution_id: int, query: Query[EngagementQuery]
) -> dict:
    user = signed_in_user(request)
    institution = get_institution_for_member(user, institution_id)
    is_admin = selectors.is_institution_admin(user, institution.pk)
    qs = selectors.engagements_of_institution(
        institution_id=institution.pk, viewer=user, kind=query.kind, status=query.status
    )

    def out(engagement: Any) -> dict[str, Any]:
        return {
            "id": engagement.pk,
            "url": engagement.get_absolute_url(),
            "kind": engagement.kind,
            "title": engagement.title,
            "status": engagement.status,
            "participants_count": engagement.participants_count,
            "last_activity_at": engagement.last_activity_at,
            "can_open": is_admin or engagement.takes_part,
        }

    return paginated(qs, query, out)


@router.get(
    "/moderation/programme",
    response=ProgrammeOut,
    summary="Programme health: counts by kind and status, stalled engagements (moderators)",
)
def get_programme(request: HttpRequest, query: Query[PageQuery]) -> dict:
    require_moderator(signed_in_user(request))
    now = timezone.now()
    health = selectors.programme_health(now=now)
    counts = [
        {"kind": row.kind, "status": status, "count": n}
        for row in health.rows
        for status, n in zip(selectors.STATUS_ORDER, row.counts, strict=True)
    ]

    def stalled_out(engagement: Engagement) -> dict[str, Any]:
        institution = engagement.institution
        return {
            "id": engagement.pk,
            "kind": engagement.kind,
            "title": engagement.title,
            "institution": (
                {"id": institution.pk, "name": institution.name} if institution else None
            ),
            "status": engagement.status,
            "last_activity_at": engagement.last_activity_at,
            "days_idle": selectors.days_idle(engagement, now),
        }

    return {
        "stalled_days": health.stalled_days,
        "counts": counts,
        "stalled_counts": {row.kind: row.stalled for row in health.rows},
        "stalled": paginated(selectors.stalled_engagements(now=now), query, stalled_out),
    }

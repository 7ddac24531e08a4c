"""Invitations, interest, answers, withdrawals and expiry.

An institution invites an expert to a need, or an expert says they are interested; the other
side accepts or declines before the deadline, or the proposal expires. Each proposal keeps
the score and reasons as they were when it was sent, built with what the institution's side
may see of the profile, so both sides read the same reasons and none of them uses a field
hidden from the institution. An accepted proposal becomes a Match with that snapshot.
"""

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.matches.models import Match, Proposal, ProposalKind, ProposalStatus
from diaspora.matches.permissions import is_member, may_answer, may_withdraw, proposal_sides
from diaspora.matches.selectors import proposal_snapshot
from diaspora.matches.signals import match_created
from diaspora.needs.models import Need, NeedStatus
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify, notify_many
from diaspora.people.models import ExpertProfile

# Statuses in which a need still takes an answer to a proposal already sent (a need moves to
# "in progress" once work starts, and may still be waiting for its other experts).
ANSWERABLE_NEED_STATUSES = frozenset({NeedStatus.OPEN, NeedStatus.IN_PROGRESS})
# The largest value of a PositiveSmallIntegerField on every supported database.
MAX_HOURS_COMMITTED = 32767


# --- Helpers ------------------------------------------------------------------------------


def proposal_deadline(*, need: Need, now: datetime) -> datetime:
    """Now plus PROPOSAL_ANSWER_DAYS, but never after the end (UTC) of the need's own
    response deadline."""
    deadline = now + timedelta(days=settings.PROPOSAL_ANSWER_DAYS)
    if need.response_deadline:
        deadline = min(deadline, end_of_day_utc(need.response_deadline))
    return deadline


def end_of_day_utc(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def committed_hours(need: Need) -> int:
    """Hours a month an accepted match takes from the expert: the need's effort spread over
    its months as the matching engine counts it, rounded up."""
    from diaspora.matching.adapter import monthly_hours

    return math.ceil(max(0.0, monthly_hours(need.effort_hours, need.start_date, need.end_date)))


def _refresh_expert_on_commit(expert_ids: Iterable[int]) -> None:
    from diaspora.matching.adapter import matching_refresh_expert

    ids = sorted(set(expert_ids))
    # Other server processes notice the change by updated_at; this process is told directly.
    ExpertProfile.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    for expert_id in ids:
        transaction.on_commit(partial(matching_refresh_expert, expert_id))


def _proposal_url(proposal: Proposal) -> str:
    return reverse("proposal_detail", args=[proposal.pk])


def _check_message(message: str) -> str:
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Write a short message.")})
    return message


def _check_can_propose(*, need: Need, expert: ExpertProfile) -> None:
    if need.status != NeedStatus.OPEN:
        raise ValidationError(_("Only an open need takes invitations and interest."))
    if need.response_deadline and end_of_day_utc(need.response_deadline) <= timezone.now():
        raise ValidationError(_("The response deadline of this need has passed."))
    # A pending proposal past its deadline is expired first, so it does not block a new one.
    proposals_expire(among=Proposal.objects.filter(need=need, expert=expert))
    if Match.objects.filter(need=need, expert=expert).exists():
        raise ValidationError(_("This expert is already matched with this need."))
    if Proposal.objects.pending().filter(need=need, expert=expert).exists():
        raise ValidationError(
            _(
                "There is already an invitation or interest waiting for an answer for this expert and need."
            )
        )


def _save_new(proposal: Proposal) -> Proposal:
    proposal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError as error:  # the same proposal, sent at the same moment
        raise ValidationError(
            _(
                "There is already an invitation or interest waiting for an answer for this expert and need."
            )
        ) from error
    return proposal


# --- Sending ------------------------------------------------------------------------------


@transaction.atomic
def proposal_invite(*, need: Need, expert: ExpertProfile, sent_by: User, message: str) -> Proposal:
    """A member of the need's institution invites an expert. The expert is told."""
    if not is_member(sent_by, need.institution_id):
        raise PermissionDenied
    if expert.user_id == sent_by.pk:
        raise ValidationError(_("You cannot invite yourself."))
    if not (expert.is_listed and expert.user.is_active):
        raise ValidationError(_("This expert is not taking invitations."))
    message = _check_message(message)
    _check_can_propose(need=need, expert=expert)
    now = timezone.now()
    score, reasons = proposal_snapshot(need=need, expert=expert)
    proposal = _save_new(
        Proposal(
            kind=ProposalKind.INVITATION,
            need=need,
            expert=expert,
            sent_by=sent_by,
            message=message,
            deadline=proposal_deadline(need=need, now=now),
            score=score,
            reasons=reasons,
            created_at=now,
        )
    )
    notify(
        user=expert.user,
        kind=NotificationKind.INVITATION,
        title=_("%(institution)s invites you: %(need)s")
        % {"institution": need.institution.name, "need": need.title},
        body=message,
        url=_proposal_url(proposal),
    )
    return proposal


@transaction.atomic
def proposal_express_interest(
    *, need: Need, expert: ExpertProfile, sent_by: User, message: str
) -> Proposal:
    """An expert tells the need's institution they are interested. Its members are told."""
    if expert.user_id != sent_by.pk:
        raise PermissionDenied
    message = _check_message(message)
    _check_can_propose(need=need, expert=expert)
    now = timezone.now()
    score, reasons = proposal_snapshot(need=need, expert=expert)
    proposal = _save_new(
        Proposal(
            kind=ProposalKind.INTEREST,
            need=need,
            expert=expert,
            sent_by=sent_by,
            message=message,
            deadline=proposal_deadline(need=need, now=now),
            score=score,
            reasons=reasons,
            created_at=now,
        )
    )
    members = User.objects.filter(memberships__institution_id=need.institution_id).exclude(
        pk=sent_by.pk
    )
    notify_many(
        users=members,
        kind=NotificationKind.INTEREST,
        title=_("%(expert)s is interested in %(need)s")
        % {"expert": sent_by.display_name, "need": need.title},
        body=message,
        url=_proposal_url(proposal),
    )
    return proposal


# --- Answering ----------------------------------------------------------------------------


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("need__institution", "expert__user", "sent_by")
        .get(pk=proposal.pk)
    )


def _not_pending_error(proposal: Proposal) -> ValidationError:
    messages: dict[str, str] = {
        ProposalStatus.ACCEPTED: _("This proposal was already accepted."),
        ProposalStatus.DECLINED: _("This proposal was already declined."),
        ProposalStatus.EXPIRED: _("This proposal expired without an answer."),
        ProposalStatus.WITHDRAWN: _("This proposal was withdrawn."),
    }
    return ValidationError(messages.get(proposal.status, _("This proposal is closed.")))


def proposal_answer(*, proposal: Proposal, by: User, accept: bool, reason: str = "") -> Proposal:
    """The side that did not send the proposal accepts or declines it, with an optional
    reason. Accepting makes a Match with the proposal's score and reasons and commits the
    need's monthly hours of the expert's time. The sender is told either way.

    A proposal past its deadline is expired instead, and the answer refused."""
    reason = reason.strip()
    with transaction.atomic():
        locked = _lock(proposal)
        if not may_answer(by, locked):
            raise PermissionDenied
        expired = _expire_if_overdue(locked)
        if not expired:
            if locked.status != ProposalStatus.PENDING:
                raise _not_pending_error(locked)
            _answer(locked, by=by, accept=accept, reason=reason)
    if expired:
        # Raised outside the block so that the expiry itself is kept.
        raise _not_pending_error(locked)
    return locked


def _answer(proposal: Proposal, *, by: User, accept: bool, reason: str) -> None:
    need = proposal.need
    if accept and need.status not in ANSWERABLE_NEED_STATUSES:
        raise ValidationError(_("This need is no longer open."))
    now = timezone.now()
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    proposal.answered_by = by
    proposal.answered_at = now
    proposal.answer_reason = reason
    proposal.full_clean(validate_constraints=False)
    proposal.save(update_fields=["status", "answered_by", "answered_at", "answer_reason"])
    full_note = ""
    if accept:
        if Match.objects.filter(need=need, expert=proposal.expert).exists():
            raise ValidationError(_("This expert is already matched with this need."))
        match = Match.objects.create(
            need=need,
            expert=proposal.expert,
            proposal=proposal,
            score=proposal.score,
            reasons=proposal.reasons,
            created_at=now,
        )
        match_created.send(sender=Match, match=match, by=by)
        hours = committed_hours(need)
        if hours:
            ExpertProfile.objects.filter(pk=proposal.expert_id).update(
                hours_committed=Least(F("hours_committed") + hours, Value(MAX_HOURS_COMMITTED)),
                updated_at=now,
            )
        matches = Match.objects.filter(need=need).count()
        if need.status == NeedStatus.OPEN and matches >= need.experts_wanted:
            full_note = _(
                "The need now has %(count)d of the %(wanted)d experts it asked for. You may move it to “in progress”."
            ) % {"count": matches, "wanted": need.experts_wanted}
    _notify_answer(proposal, accept=accept, note=full_note)
    _refresh_expert_on_commit([proposal.expert_id])


def _notify_answer(proposal: Proposal, *, accept: bool, note: str) -> None:
    answerer = (
        proposal.expert.user.display_name
        if proposal.kind == ProposalKind.INVITATION
        else proposal.need.institution.name
    )
    values = {"who": answerer, "need": proposal.need.title}
    if proposal.kind == ProposalKind.INVITATION:
        title = (
            _("%(who)s accepted your invitation: %(need)s")
            if accept
            else _("%(who)s declined your invitation: %(need)s")
        )
    else:
        title = (
            _("%(who)s accepted your interest: %(need)s")
            if accept
            else _("%(who)s declined your interest: %(need)s")
        )
    body = "\n\n".join(part for part in [proposal.answer_reason, note] if part)
    notify_many(  # the sender may have closed their account since
        users=[proposal.sent_by],
        kind=NotificationKind.ANSWER,
        title=title % values,
        body=body,
        url=_proposal_url(proposal),
    )


def proposal_withdraw(*, proposal: Proposal, by: User) -> Proposal:
    """The side that sent a pending proposal takes it back (past its deadline it has
    expired instead)."""
    with transaction.atomic():
        locked = _lock(proposal)
        if not may_withdraw(by, locked, proposal_sides(by, locked)):
            raise PermissionDenied
        expired = _expire_if_overdue(locked)
        if not expired:
            if locked.status != ProposalStatus.PENDING:
                raise _not_pending_error(locked)
            locked.status = ProposalStatus.WITHDRAWN
            locked.save(update_fields=["status"])
    if expired:
        raise _not_pending_error(locked)
    return locked


# --- Expiry -------------------------------------------------------------------------------


def _expire_if_overdue(proposal: Proposal) -> bool:
    """On a locked row: expire it if it is pending and past its deadline."""
    if proposal.status != ProposalStatus.PENDING or proposal.deadline > timezone.now():
        return False
    proposal.status = ProposalStatus.EXPIRED
    proposal.save(update_fields=["status"])
    _notify_expiry(proposal)
    _refresh_expert_on_commit([proposal.expert_id])
    return True


def _notify_expiry(proposal: Proposal) -> None:
    need = proposal.need
    if proposal.kind == ProposalKind.INVITATION:
        members = User.objects.filter(memberships__institution_id=need.institution_id)
        notify_many(
            users=members,
            kind=NotificationKind.EXPIRY,
            title=_("No answer from %(expert)s: %(need)s")
            % {"expert": proposal.expert.user.display_name, "need": need.title},
            body=_(
                "The invitation expired without an answer. The next-ranked experts for this need are waiting on its ranked list."
            ),
            url=reverse("need_matches", args=[need.pk]),
        )
    else:
        notify_many(
            users=[proposal.expert.user],
            kind=NotificationKind.EXPIRY,
            title=_("No answer from %(institution)s: %(need)s")
            % {"institution": need.institution.name, "need": need.title},
            body=_("Your interest expired without an answer."),
            url=_proposal_url(proposal),
        )


@transaction.atomic
def proposals_expire(
    now: datetime | None = None, *, among: QuerySet[Proposal] | None = None
) -> int:
    """Expire every pending proposal past its deadline (or only those `among` a queryset);
    tell the institution about each expired invitation, and the expert about each expired
    interest. Returns how many expired. Rows another transaction holds are skipped: it is
    answering them."""
    now = now or timezone.now()
    overdue = (among if among is not None else Proposal.objects.all()).filter(
        status=ProposalStatus.PENDING, deadline__lte=now
    )
    locked = list(
        Proposal.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(pk__in=overdue.values("pk"), status=ProposalStatus.PENDING)
        .select_related("need__institution", "expert__user")
        .order_by("pk")
    )
    if not locked:
        return 0
    Proposal.objects.filter(pk__in=[p.pk for p in locked]).update(status=ProposalStatus.EXPIRED)
    for proposal in locked:
        proposal.status = ProposalStatus.EXPIRED
        _notify_expiry(proposal)
    _refresh_expert_on_commit(p.expert_id for p in locked)
    return len(locked)


def proposals_expire_ids(ids: Iterable[int]) -> int:
    """Lazy expiry of rows a page has just read past their deadline."""
    ids = list(ids)
    if not ids:
        return 0
    return proposals_expire(among=Proposal.objects.filter(pk__in=ids))

"""Sending, answering, withdrawing and expiring proposals (the services)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, VerificationStatus
from diaspora.matches.models import Match, Proposal, ProposalKind, ProposalStatus
from diaspora.matches.services import (
    proposal_answer,
    proposal_express_interest,
    proposal_invite,
    proposal_withdraw,
    proposals_expire,
)
from diaspora.needs.models import Need, NeedStatus
from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference
from diaspora.people.models import ExpertProfile, Visibility
from tests.matches.conftest import MakeExpert, make_need


def invite(need: Need, expert: ExpertProfile, by: User, message: str = "Join us?") -> Proposal:
    return proposal_invite(need=need, expert=expert, sent_by=by, message=message)


def interest(need: Need, expert: ExpertProfile, message: str = "I can help.") -> Proposal:
    return proposal_express_interest(need=need, expert=expert, sent_by=expert.user, message=message)


def overdue(proposal: Proposal) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    proposal.refresh_from_db()
    return proposal


def kinds_for(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


# --- Sending ------------------------------------------------------------------------------


def test_it_invites_with_the_scores_snapshot_and_tells_the_expert(
    need: Need, dana: ExpertProfile, bob: User, settings: Settings
) -> None:
    settings.PROPOSAL_ANSWER_DAYS = 10
    before = timezone.now()
    proposal = invite(need, dana, bob, "  Would you mentor our team?  ")
    assert proposal.kind == ProposalKind.INVITATION
    assert proposal.status == ProposalStatus.PENDING
    assert proposal.message == "Would you mentor our team?"
    assert before + timedelta(days=10) <= proposal.deadline <= timezone.now() + timedelta(days=10)
    assert proposal.score > 0
    codes = {r["code"] for r in proposal.reasons}
    assert {"language", "discipline"} <= codes
    assert all({"code", "text", "contribution"} <= set(r) for r in proposal.reasons)
    note = Notification.objects.get(user=dana.user)
    assert note.kind == NotificationKind.INVITATION
    assert need.title in note.title
    assert note.url == reverse("proposal_detail", args=[proposal.pk])


def test_it_ends_the_deadline_with_the_needs_response_deadline(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    day = timezone.now().date() + timedelta(days=3)
    need.response_deadline = day
    need.save()
    proposal = invite(need, dana, bob)
    assert proposal.deadline == datetime(day.year, day.month, day.day, 23, 59, 59, 999999, UTC)


def test_it_refuses_once_the_needs_response_deadline_passed(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    need.response_deadline = timezone.now().date() - timedelta(days=1)
    need.save()
    with pytest.raises(ValidationError, match="deadline of this need has passed"):
        invite(need, dana, bob)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.IN_PROGRESS, NeedStatus.CLOSED])
def test_it_takes_proposals_for_open_needs_only(
    need: Need, dana: ExpertProfile, bob: User, status: str
) -> None:
    Need.objects.filter(pk=need.pk).update(status=status)
    need.refresh_from_db()
    with pytest.raises(ValidationError, match="Only an open need"):
        invite(need, dana, bob)
    with pytest.raises(ValidationError, match="Only an open need"):
        interest(need, dana)
    assert not Proposal.objects.exists()


def test_it_refuses_a_second_pending_proposal_for_the_same_pair(
    need: Need, dana: ExpertProfile, bob: User, alice: User
) -> None:
    invite(need, dana, bob)
    with pytest.raises(ValidationError, match="already an invitation or interest waiting"):
        invite(need, dana, alice)
    with pytest.raises(ValidationError, match="already an invitation or interest waiting"):
        interest(need, dana)
    assert Proposal.objects.count() == 1


def test_it_allows_a_new_proposal_once_the_old_one_expired(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    first = overdue(invite(need, dana, bob))
    second = invite(need, dana, bob)
    first.refresh_from_db()
    assert first.status == ProposalStatus.EXPIRED
    assert second.status == ProposalStatus.PENDING


def test_it_refuses_an_expert_already_matched(need: Need, dana: ExpertProfile, bob: User) -> None:
    proposal_answer(proposal=invite(need, dana, bob), by=dana.user, accept=True)
    with pytest.raises(ValidationError, match="already matched"):
        interest(need, dana)


def test_it_lets_only_members_invite(
    need: Need, dana: ExpertProfile, charlie: User, moderator: User
) -> None:
    for outsider in (charlie, moderator):
        with pytest.raises(PermissionDenied):
            invite(need, dana, outsider)
    assert not Proposal.objects.exists()


def test_it_refuses_inviting_yourself(need: Need, alice: User) -> None:
    with pytest.raises(ValidationError, match="cannot invite yourself"):
        invite(need, alice.expert_profile, alice)


def test_it_refuses_an_unlisted_expert(need: Need, dana: ExpertProfile, bob: User) -> None:
    dana.is_listed = False
    dana.save()
    with pytest.raises(ValidationError, match="not taking invitations"):
        invite(need, dana, bob)


def test_it_refuses_an_empty_message(need: Need, dana: ExpertProfile, bob: User) -> None:
    with pytest.raises(ValidationError) as caught:
        invite(need, dana, bob, "   ")
    assert caught.value.message_dict == {"message": ["Write a short message."]}


def test_it_records_interest_and_tells_the_institutions_members(
    need: Need, dana: ExpertProfile, alice: User, bob: User
) -> None:
    proposal = interest(need, dana, "I ran surveillance in Thiès.")
    assert proposal.kind == ProposalKind.INTEREST
    assert proposal.sent_by == dana.user
    assert proposal.score > 0
    assert kinds_for(alice) == [NotificationKind.INTEREST]
    assert kinds_for(bob) == [NotificationKind.INTEREST]
    assert kinds_for(dana.user) == []
    assert Notification.objects.get(user=bob).body == "I ran surveillance in Thiès."


def test_it_lets_only_the_expert_express_their_interest(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    with pytest.raises(PermissionDenied):
        proposal_express_interest(need=need, expert=dana, sent_by=bob, message="Hi")


# --- The snapshot never uses what the institution may not see ------------------------------


@pytest.mark.parametrize(
    ("visibility", "verified", "shown"),
    [
        (Visibility.HIDDEN, True, False),
        (Visibility.INSTITUTIONS, False, False),
        (Visibility.INSTITUTIONS, True, True),
        (Visibility.MEMBERS, False, True),
    ],
)
def test_it_uses_the_origin_only_when_the_institution_may_see_it(
    need: Need,
    institution: Institution,
    make_expert: MakeExpert,
    bob: User,
    visibility: str,
    verified: bool,
    shown: bool,
) -> None:
    if not verified:
        institution.verification_status = VerificationStatus.UNVERIFIED
        institution.save()
    expert = make_expert(
        "gaye@example.org", "Gaye Ba", origin_country="SN", origin_country_visibility=visibility
    )
    sent = invite(need, expert, bob)
    told = interest(make_need(institution, title="Malaria surveillance course"), expert)
    for proposal in (sent, told):
        codes = [r["code"] for r in proposal.reasons]
        texts = " ".join(r["text"] for r in proposal.reasons)
        assert ("diaspora" in codes) is shown
        assert ("Senegal" in texts) is shown


# --- Answering ----------------------------------------------------------------------------


def test_it_accepts_an_invitation_into_a_match_with_the_snapshot(
    need: Need,
    dana: ExpertProfile,
    bob: User,
    refreshed: list[int],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    proposal = invite(need, dana, bob)
    with django_capture_on_commit_callbacks(execute=True):
        answered = proposal_answer(proposal=proposal, by=dana.user, accept=True, reason=" Yes ")
    assert answered.status == ProposalStatus.ACCEPTED
    assert answered.answered_by == dana.user
    assert answered.answered_at is not None
    assert answered.answer_reason == "Yes"
    match = Match.objects.get()
    assert (match.need, match.expert, match.proposal) == (need, dana, answered)
    assert match.score == proposal.score
    assert match.reasons == proposal.reasons
    # 20 hours over January to March: 6.76 a month, rounded up.
    dana.refresh_from_db()
    assert dana.hours_committed == 7
    assert refreshed == [dana.pk]
    note = Notification.objects.get(user=bob, kind=NotificationKind.ANSWER)
    assert note.title == f"Dana Diallo accepted your invitation: {need.title}"
    # One expert wanted, one matched: the institution is told it may move the need on...
    assert "1 of the 1 experts" in note.body
    # ...but the status is the institution's to change.
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


def test_it_caps_the_committed_hours(need: Need, dana: ExpertProfile, bob: User) -> None:
    ExpertProfile.objects.filter(pk=dana.pk).update(hours_committed=32760)
    proposal_answer(proposal=invite(need, dana, bob), by=dana.user, accept=True)
    dana.refresh_from_db()
    assert dana.hours_committed == 32767


def test_it_declines_with_a_reason_and_tells_the_sender(
    need: Need,
    dana: ExpertProfile,
    bob: User,
    refreshed: list[int],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    proposal = invite(need, dana, bob)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_answer(proposal=proposal, by=dana.user, accept=False, reason="No time.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED
    assert proposal.answer_reason == "No time."
    assert not Match.objects.exists()
    dana.refresh_from_db()
    assert dana.hours_committed == 0
    note = Notification.objects.get(user=bob, kind=NotificationKind.ANSWER)
    assert note.title == f"Dana Diallo declined your invitation: {need.title}"
    assert note.body == "No time."
    assert refreshed == [dana.pk]


def test_it_lets_a_member_accept_an_experts_interest(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    proposal = interest(need, dana)
    proposal_answer(proposal=proposal, by=bob, accept=True)
    assert Match.objects.filter(need=need, expert=dana).exists()
    note = Notification.objects.get(user=dana.user, kind=NotificationKind.ANSWER)
    assert note.title == f"{need.institution.name} accepted your interest: {need.title}"


def test_it_lets_only_the_other_side_answer(
    need: Need, dana: ExpertProfile, eve: ExpertProfile, alice: User, bob: User, moderator: User
) -> None:
    invitation = invite(need, dana, bob)
    for wrong in (bob, alice, eve.user, moderator):
        with pytest.raises(PermissionDenied):
            proposal_answer(proposal=invitation, by=wrong, accept=True)
    told = interest(need, eve)
    for wrong in (eve.user, dana.user, moderator):
        with pytest.raises(PermissionDenied):
            proposal_answer(proposal=told, by=wrong, accept=True)
    assert Proposal.objects.filter(status=ProposalStatus.PENDING).count() == 2


def test_it_does_not_let_an_expert_who_is_also_a_member_accept_their_own_interest(
    institution: Institution, alice: User, bob: User
) -> None:
    need = make_need(institution, bob)
    from diaspora.people.models import ExpertLanguage

    ExpertLanguage.objects.create(profile=alice.expert_profile, code="fr", level="native")
    proposal = interest(need, alice.expert_profile)
    with pytest.raises(PermissionDenied):
        proposal_answer(proposal=proposal, by=alice, accept=True)
    proposal_answer(proposal=proposal, by=bob, accept=True)


def test_it_refuses_answering_twice(need: Need, dana: ExpertProfile, bob: User) -> None:
    proposal = invite(need, dana, bob)
    proposal_answer(proposal=proposal, by=dana.user, accept=True)
    with pytest.raises(ValidationError, match="already accepted"):
        proposal_answer(proposal=proposal, by=dana.user, accept=False)
    assert Match.objects.count() == 1


def test_it_refuses_accepting_once_the_need_is_closed(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    proposal = invite(need, dana, bob)
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.CLOSED)
    with pytest.raises(ValidationError, match="no longer open"):
        proposal_answer(proposal=proposal, by=dana.user, accept=True)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    # Declining is still possible.
    proposal_answer(proposal=proposal, by=dana.user, accept=False)


def test_it_expires_instead_of_answering_past_the_deadline(
    need: Need,
    dana: ExpertProfile,
    alice: User,
    bob: User,
    refreshed: list[int],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    proposal = overdue(invite(need, dana, bob))
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError, match="expired without an answer"),
    ):
        proposal_answer(proposal=proposal, by=dana.user, accept=True)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    assert not Match.objects.exists()
    assert kinds_for(alice) == [NotificationKind.EXPIRY]
    assert kinds_for(bob) == [NotificationKind.EXPIRY]
    assert refreshed == [dana.pk]


# --- Withdrawing --------------------------------------------------------------------------


def test_it_lets_the_sending_side_withdraw(
    need: Need, dana: ExpertProfile, alice: User, bob: User
) -> None:
    proposal = invite(need, dana, bob)
    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, by=dana.user)
    # Any member of the inviting institution may take it back, not only who sent it.
    withdrawn = proposal_withdraw(proposal=proposal, by=alice)
    assert withdrawn.status == ProposalStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="was withdrawn"):
        proposal_withdraw(proposal=proposal, by=bob)
    with pytest.raises(ValidationError, match="was withdrawn"):
        proposal_answer(proposal=proposal, by=dana.user, accept=True)


def test_it_lets_the_expert_withdraw_their_interest(
    need: Need, dana: ExpertProfile, bob: User
) -> None:
    proposal = interest(need, dana)
    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, by=bob)
    assert proposal_withdraw(proposal=proposal, by=dana.user).status == ProposalStatus.WITHDRAWN


# --- Expiry -------------------------------------------------------------------------------


def test_it_expires_overdue_proposals_and_tells_who_waited(
    need: Need,
    dana: ExpertProfile,
    eve: ExpertProfile,
    frank: ExpertProfile,
    alice: User,
    bob: User,
    refreshed: list[int],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invitation = overdue(invite(need, dana, bob))
    told = overdue(interest(need, eve))
    fresh = invite(need, frank, bob)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert proposals_expire() == 2
    statuses = dict(Proposal.objects.values_list("pk", "status"))
    assert statuses == {
        invitation.pk: ProposalStatus.EXPIRED,
        told.pk: ProposalStatus.EXPIRED,
        fresh.pk: ProposalStatus.PENDING,
    }
    # The institution hears about the invitation, with a link to the ranked list...
    for member in (alice, bob):
        note = Notification.objects.get(user=member)
        assert note.kind == NotificationKind.EXPIRY
        assert "Dana Diallo" in note.title
        assert note.url == reverse("need_matches", args=[need.pk])
    # ...and the expert about their interest.
    note = Notification.objects.get(user=eve.user)
    assert (note.kind, note.url) == (
        NotificationKind.EXPIRY,
        reverse("proposal_detail", args=[told.pk]),
    )
    assert sorted(refreshed) == sorted([dana.pk, eve.pk])
    assert proposals_expire() == 0


def test_it_expires_as_of_a_given_time(need: Need, dana: ExpertProfile, bob: User) -> None:
    proposal = invite(need, dana, bob)
    assert proposals_expire(now=proposal.deadline - timedelta(seconds=1)) == 0
    assert proposals_expire(now=proposal.deadline) == 1


# --- Emails follow the preferences ---------------------------------------------------------


def test_it_emails_the_invitation_unless_the_expert_said_no(
    need: Need,
    dana: ExpertProfile,
    eve: ExpertProfile,
    bob: User,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SITE_URL = "https://dkn.example"
    NotificationPreference.objects.create(
        user=eve.user, kind=NotificationKind.INVITATION, email=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = invite(need, dana, bob, "Would you mentor us?")
        invite(need, eve, bob)
    assert [m.to for m in mail.outbox] == [["dana@example.org"]]
    body = mail.outbox[0].body
    assert "Would you mentor us?" in body
    assert f"https://dkn.example/proposals/{sent.pk}/" in body
    # Eve still finds it in her list.
    assert kinds_for(eve.user) == [NotificationKind.INVITATION]


# --- Two answers at the same moment ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_takes_only_one_of_two_racing_answers(
    postgres: None, need: Need, dana: ExpertProfile, bob: User
) -> None:
    from django.db import connection

    proposal = invite(need, dana, bob)
    barrier = threading.Barrier(2)
    outcomes: dict[bool, str] = {}

    def answer(accept: bool) -> None:
        try:
            barrier.wait()
            proposal_answer(proposal=proposal, by=dana.user, accept=accept)
            outcomes[accept] = "ok"
        except ValidationError as error:
            outcomes[accept] = error.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values())[-1] == "ok"
    assert sorted(outcomes.values())[0].startswith("This proposal was already")
    winner = next(flag for flag, result in outcomes.items() if result == "ok")
    proposal.refresh_from_db()
    assert proposal.status == (ProposalStatus.ACCEPTED if winner else ProposalStatus.DECLINED)
    assert Match.objects.count() == (1 if winner else 0)

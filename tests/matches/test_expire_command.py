"""`python manage.py expire_proposals`, for cron."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.matches.models import Proposal, ProposalStatus
from diaspora.matches.services import proposal_invite
from diaspora.needs.models import Need
from diaspora.notifications.models import Notification, NotificationKind
from diaspora.people.models import ExpertProfile


def run() -> str:
    out = StringIO()
    call_command("expire_proposals", stdout=out)
    return out.getvalue()


def test_it_expires_overdue_proposals_and_says_how_many(
    need: Need, dana: ExpertProfile, eve: ExpertProfile, bob: User
) -> None:
    late = proposal_invite(need=need, expert=dana, sent_by=bob, message="Hello")
    proposal_invite(need=need, expert=eve, sent_by=bob, message="Hello")
    Proposal.objects.filter(pk=late.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert run() == "1 proposal(s) expired.\n"
    late.refresh_from_db()
    assert late.status == ProposalStatus.EXPIRED
    assert Notification.objects.filter(user=bob, kind=NotificationKind.EXPIRY).count() == 1
    assert run() == "0 proposal(s) expired.\n"

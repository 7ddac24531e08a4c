"""notify(): a row in the list, and an email after commit unless the user said no."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need
from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference
from diaspora.notifications.services import (
    notification_preferences_set,
    notify,
    notify_institution,
    notify_new_matching_need,
)
from diaspora.people.models import ExpertProfile
from tests.matches.conftest import MakeExpert


def test_it_stores_and_emails_after_commit(
    alice: User,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SITE_URL = "https://dkn.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made = notify(
            user=alice,
            kind=NotificationKind.INVITATION,
            title="You are invited",
            body="Please come.",
            url="/proposals/7/",
        )
        assert mail.outbox == []
    assert Notification.objects.get() == made
    assert (made.user, made.kind, made.read_at) == (alice, "invitation", None)
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@example.org"]
    assert email.subject == "You are invited"
    assert "Please come." in email.body
    assert "https://dkn.example/proposals/7/" in email.body
    assert "https://dkn.example" + reverse("notification_preferences") in email.body


def test_it_sends_no_email_when_the_transaction_rolls_back(
    alice: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user=alice, kind=NotificationKind.ANSWER, title="Accepted")
        raise RuntimeError
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_it_respects_the_email_preference_of_each_kind(
    alice: User, bob: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    NotificationPreference.objects.create(user=alice, kind=NotificationKind.EXPIRY, email=False)
    NotificationPreference.objects.create(user=bob, kind=NotificationKind.EXPIRY, email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=alice, kind=NotificationKind.EXPIRY, title="Expired")
        notify(user=alice, kind=NotificationKind.ANSWER, title="Answered")
        notify(user=bob, kind=NotificationKind.EXPIRY, title="Expired too")
    # Every notification is in the list; only the wanted ones are mailed.
    assert Notification.objects.count() == 3
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("alice@example.org", "Answered"),
        ("bob@example.org", "Expired too"),
    ]


def test_it_tells_every_member_of_an_institution(
    institution: Institution,
    alice: User,
    bob: User,
    charlie: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = notify_institution(
            institution=institution, kind=NotificationKind.EXPIRY, title="Expired", body="", url=""
        )
    assert sorted(n.user.email for n in made) == ["alice@example.org", "bob@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]


def test_it_skips_inactive_accounts(institution: Institution, alice: User, bob: User) -> None:
    bob.is_active = False
    bob.save()
    made = notify_institution(institution=institution, kind=NotificationKind.EXPIRY, title="x")
    assert [n.user for n in made] == [alice]
    with pytest.raises(ValidationError):
        notify(user=bob, kind=NotificationKind.EXPIRY, title="x")


def test_it_refuses_an_unknown_kind_or_a_foreign_link(alice: User) -> None:
    with pytest.raises(ValidationError):
        notify(user=alice, kind="gossip", title="x")
    with pytest.raises(ValidationError):
        notify(user=alice, kind=NotificationKind.ANSWER, title="x", url="https://evil.example/")
    with pytest.raises(ValidationError):
        notify(user=alice, kind=NotificationKind.ANSWER, title="  ")
    assert not Notification.objects.exists()


def test_it_tells_the_best_fitting_experts_about_a_new_need(
    need: Need,
    dana: ExpertProfile,
    eve: ExpertProfile,
    frank: ExpertProfile,
    alice: User,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = notify_new_matching_need(need=need)
    # Frank lacks the required French; Alice represents the institution.
    assert sorted(n.user.name for n in made) == ["Dana Diallo", "Eve Sarr"]
    note = made[0]
    assert note.kind == NotificationKind.NEW_MATCHING_NEED
    assert need.title in note.title
    assert note.url == reverse("proposal_interest", args=[need.pk])
    assert len(mail.outbox) == 2


def test_it_tells_only_the_top_experts(
    need: Need, dana: ExpertProfile, eve: ExpertProfile, settings: Settings
) -> None:
    settings.NEW_NEED_NOTIFY_TOP = 1
    assert [n.user for n in notify_new_matching_need(need=need)] == [dana.user]
    settings.NEW_NEED_NOTIFY_TOP = 0
    assert notify_new_matching_need(need=need) == []


def test_it_leaves_out_the_needs_own_members(
    need: Need, alice: User, make_expert: MakeExpert
) -> None:
    from diaspora.people.models import ExpertLanguage

    ExpertLanguage.objects.create(profile=alice.expert_profile, code="fr", level="native")
    made = notify_new_matching_need(need=need)
    assert alice not in [n.user for n in made]


def test_it_saves_preferences(alice: User) -> None:
    prefs = notification_preferences_set(
        user=alice, email={NotificationKind.INVITATION: False, NotificationKind.ANSWER: True}
    )
    assert prefs[NotificationKind.INVITATION] is False
    assert prefs[NotificationKind.ANSWER] is True
    assert prefs[NotificationKind.EXPIRY] is True
    notification_preferences_set(user=alice, email={NotificationKind.INVITATION: True})
    assert NotificationPreference.objects.get(user=alice, kind="invitation").email is True
    with pytest.raises(ValidationError):
        notification_preferences_set(user=alice, email={"gossip": True})

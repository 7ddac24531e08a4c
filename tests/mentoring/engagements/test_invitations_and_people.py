"""Invitations (send, accept, decline, revoke, expire), leaving and taking people off."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.notifications.models import Notification
from mentoring.engagements.models import (
    Engagement,
    EngagementInvitation,
    InvitationStatus,
    Participant,
    ParticipantRole,
    Side,
    TimelineVerb,
)
from mentoring.engagements.services import (
    engagement_invitation_accept,
    engagement_invitation_decline,
    engagement_invitation_revoke,
    engagement_invitation_send,
    participant_add,
)
from tests.mentoring.engagements.conftest import entries_of


def invite(
    engagement: Engagement, by: User, email: str, role: str = ParticipantRole.MEMBER
) -> EngagementInvitation:
    return engagement_invitation_send(
        engagement=engagement,
        email=email,
        role=role,
        by=by,
        side=Side.EXPERT,
        role_title="Data analyst",
        message="Join our project!",
    )


def takes_part(engagement: Engagement, user: User) -> bool:
    return engagement.participants.current().filter(user=user).exists()


def expire(invitation: EngagementInvitation) -> None:
    EngagementInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    invitation.refresh_from_db()


# --- Services -----------------------------------------------------------------------------


def test_it_invites_someone_with_an_account_by_notification(
    project: Engagement, alice: User, dora: User
) -> None:
    invitation = invite(project, alice, " Dora@Example.org ")
    assert invitation.email == "dora@example.org"
    assert (invitation.role, invitation.side, invitation.role_title) == (
        ParticipantRole.MEMBER,
        Side.EXPERT,
        "Data analyst",
    )
    note = Notification.objects.get(user=dora)
    assert note.url == reverse("engagement_invitation", args=[invitation.token])
    assert "Alice Ndiaye invites you to “Malaria surveillance data platform”" in note.title
    # Only those who run it see the invitation on the timeline.
    assert entries_of(project)[-1].verb == TimelineVerb.INVITED
    assert entries_of(project)[-1].audience == "managers"


def test_it_emails_an_address_without_an_account(
    project: Engagement,
    alice: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(project, alice, "newcomer@example.org")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.org"]
    assert reverse("engagement_invitation", args=[invitation.token]) in mail.outbox[0].body


@pytest.mark.parametrize(
    ("role", "field"),
    [(ParticipantRole.LEARNER, "role"), (ParticipantRole.MENTEE, "role")],
)
def test_it_invites_only_to_the_roles_of_the_kind(
    project: Engagement, alice: User, role: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        invite(project, alice, "x@example.org", role=role)
    assert field in caught.value.message_dict


def test_it_refuses_someone_already_in_or_already_invited(project: Engagement, alice: User) -> None:
    with pytest.raises(ValidationError) as caught:
        invite(project, alice, "bob@example.org")
    assert caught.value.message_dict == {"email": ["bob@example.org already takes part."]}
    invite(project, alice, "x@example.org")
    with pytest.raises(ValidationError) as caught:
        invite(project, alice, "X@example.org")
    assert "already has a pending invitation" in caught.value.messages[0]


def test_it_accepts_with_a_verified_address_of_the_invitee(
    project: Engagement, alice: User, dora: User
) -> None:
    invitation = invite(project, alice, "dora.work@example.org")  # her second address
    participant = engagement_invitation_accept(invitation=invitation, user=dora)
    assert (participant.role, participant.side, participant.role_title) == (
        ParticipantRole.MEMBER,
        Side.EXPERT,
        "Data analyst",
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == (InvitationStatus.ACCEPTED, dora)
    assert Notification.objects.filter(user=alice, title__contains="Dora Ba joined").exists()
    with pytest.raises(ValidationError):  # answered already
        engagement_invitation_accept(invitation=invitation, user=dora)


def test_it_refuses_another_account_or_an_unverified_address(
    project: Engagement, alice: User, charlie: User, dora: User
) -> None:
    invitation = invite(project, alice, "dora@example.org")
    with pytest.raises(ValidationError) as caught:
        engagement_invitation_accept(invitation=invitation, user=charlie)
    assert "was sent to dora@example.org" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        engagement_invitation_decline(invitation=invitation, user=charlie)
    other = invite(project, alice, "charlie.new@example.org")
    EmailAddress.objects.create(user=charlie, email="charlie.new@example.org", verified=False)
    with pytest.raises(ValidationError):
        engagement_invitation_accept(invitation=other, user=charlie)
    assert not takes_part(project, charlie)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_it_declines(project: Engagement, alice: User, dora: User) -> None:
    invitation = invite(project, alice, "dora@example.org")
    engagement_invitation_decline(invitation=invitation, user=dora)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not takes_part(project, dora)
    with pytest.raises(ValidationError):
        engagement_invitation_accept(invitation=invitation, user=dora)


def test_a_revoked_or_expired_invitation_cannot_be_accepted(
    project: Engagement, alice: User, dora: User
) -> None:
    revoked = invite(project, alice, "dora@example.org")
    engagement_invitation_revoke(invitation=revoked, by=alice)
    revoked.refresh_from_db()
    assert revoked.status == InvitationStatus.REVOKED
    with pytest.raises(ValidationError):
        engagement_invitation_accept(invitation=revoked, user=dora)
    expired = invite(project, alice, "dora@example.org")
    expire(expired)
    with pytest.raises(ValidationError) as caught:
        engagement_invitation_accept(invitation=expired, user=dora)
    assert "expired" in caught.value.messages[0]
    assert not takes_part(project, dora)
    # An expired invitation does not block a new one.
    assert invite(project, alice, "dora@example.org").is_pending


# --- The people page ----------------------------------------------------------------------


def test_it_shows_people_invitations_and_the_roles_of_the_kind(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    pending = invite(mentorship, alice, "new@example.org", role=ParticipantRole.MENTEE)
    expired = invite(mentorship, alice, "old@example.org", role=ParticipantRole.MENTEE)
    expire(expired)
    r = login(alice).get(reverse("engagement_people", args=[mentorship.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bob Mensah" in html and "Alice Ndiaye" in html
    assert pending.email in html and expired.email in html
    assert reverse("engagement_invitation_revoke", args=[mentorship.pk, pending.pk]) in html
    assert html.count(">expired<") == 1
    role_choices = [c for c, _label in r.context["form"].fields["role"].choices]
    assert role_choices == [
        ParticipantRole.MENTOR,
        ParticipantRole.COORDINATOR,
        ParticipantRole.MENTEE,
    ]


def test_it_invites_from_the_people_page(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    client = login(alice)
    url = reverse("engagement_people", args=[project.pk])
    data = {
        "email": "carol@example.org",
        "role": ParticipantRole.MEMBER,
        "side": Side.EXPERT,
        "role_title": "Statistician",
        "message": "Welcome",
    }
    r = client.post(url, data)
    assert r.status_code == 302 and r["Location"] == url
    invitation = EngagementInvitation.objects.get(engagement=project)
    assert (invitation.email, invitation.side, invitation.role_title, invitation.message) == (
        "carol@example.org",
        Side.EXPERT,
        "Statistician",
        "Welcome",
    )
    assert "Invitation sent to carol@example.org." in client.get(url).content.decode()


def test_it_keeps_what_was_typed_when_the_invitation_is_refused(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    r = login(alice).post(
        reverse("engagement_people", args=[project.pk]),
        {"email": "bob@example.org", "role": ParticipantRole.MEMBER, "message": "Hello again"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "bob@example.org already takes part." in html
    assert ">\nHello again</textarea>" in html
    r = login(alice).post(
        reverse("engagement_people", args=[project.pk]),
        {"email": "not-an-address", "role": ParticipantRole.LEARNER},
    )
    assert r.status_code == 200
    assert set(r.context["form"].errors) == {"email", "role"}
    assert not EngagementInvitation.objects.exists()


def test_the_people_page_is_for_those_who_run_it(
    client: Client,
    login: Callable[[User], Client],
    institution_project: Engagement,
    bob: User,
    charlie: User,
    moderator: User,
    make_user: Callable[..., User],
    institution: Institution,
) -> None:
    url = reverse("engagement_people", args=[institution_project.pk])
    data = {"email": "z@example.org", "role": ParticipantRole.MEMBER}
    assert login(bob).get(url).status_code == 403
    assert login(bob).post(url, data).status_code == 403
    assert login(charlie).get(url).status_code == 404
    assert login(moderator).get(url).status_code == 404
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))
    overseer = make_user("admin2@example.org", name="Awa Admin")
    Membership.objects.create(institution=institution, user=overseer, role=MemberRole.ADMIN)
    assert login(overseer).get(url).status_code == 200
    assert not EngagementInvitation.objects.exists()


def test_it_revokes_from_the_people_page(
    login: Callable[[User], Client],
    project: Engagement,
    mentorship: Engagement,
    alice: User,
    bob: User,
    charlie: User,
) -> None:
    invitation = invite(project, alice, "dora@example.org")
    url = reverse("engagement_invitation_revoke", args=[project.pk, invitation.pk])
    assert login(bob).post(url).status_code == 403
    assert login(charlie).post(url).status_code == 404
    # Another engagement's id does not reach it.
    other = reverse("engagement_invitation_revoke", args=[mentorship.pk, invitation.pk])
    assert login(alice).post(other).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    r = login(alice).post(url)
    assert r.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


def test_those_who_run_it_take_people_off(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User, charlie: User
) -> None:
    bob_place = Participant.objects.get(engagement=project, user=bob)
    alice_place = Participant.objects.get(engagement=project, user=alice)
    assert (
        login(bob)
        .post(reverse("engagement_participant_remove", args=[project.pk, alice_place.pk]))
        .status_code
        == 403
    )
    assert (
        login(charlie)
        .post(reverse("engagement_participant_remove", args=[project.pk, bob_place.pk]))
        .status_code
        == 404
    )
    client = login(alice)
    r = client.post(reverse("engagement_participant_remove", args=[project.pk, bob_place.pk]))
    assert r.status_code == 302
    assert not takes_part(project, bob)
    assert Notification.objects.filter(user=bob, title__contains="took you off").exists()
    assert login(bob).get(project.get_absolute_url()).status_code == 404
    # The last one who runs it cannot go.
    r = client.post(reverse("engagement_participant_remove", args=[project.pk, alice_place.pk]))
    assert "Someone else must run this engagement" in client.get(r["Location"]).content.decode()
    assert takes_part(project, alice)


def test_a_participant_leaves(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User, charlie: User
) -> None:
    url = reverse("engagement_leave", args=[project.pk])
    assert login(charlie).post(url).status_code == 404
    client = login(bob)
    assert "Leave this engagement" in client.get(project.get_absolute_url()).content.decode()
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == reverse("engagement_list")
    assert not takes_part(project, bob)
    assert entries_of(project)[-1].verb == TimelineVerb.LEFT
    # The last manager is told to hand over first.
    client = login(alice)
    r = client.post(url)
    assert "Someone else must run this engagement" in client.get(r["Location"]).content.decode()
    assert takes_part(project, alice)


def test_a_learner_leaves_through_the_course(
    login: Callable[[User], Client], course: Engagement, alice: User, charlie: User
) -> None:
    participant_add(engagement=course, user=charlie, role=ParticipantRole.LEARNER, by=charlie)
    client = login(charlie)
    assert "Leave this engagement" not in client.get(course.get_absolute_url()).content.decode()
    client.post(reverse("engagement_leave", args=[course.pk]))
    assert takes_part(course, charlie)


# --- The invitation page ------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in_or_up_and_back(
    client: Client, project: Engagement, alice: User
) -> None:
    invitation = invite(project, alice, "newcomer@example.org")
    url = reverse("engagement_invitation", args=[invitation.token])
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert "This invitation was sent to newcomer@example.org." in html
    assert f"{reverse('account_login')}?next={url}" in html
    assert f"{reverse('account_signup')}?next={url}" in html
    assert 'value="accept"' not in html
    r = client.post(url, {"decision": "accept"})
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('account_login')}?next={url}"


def test_a_newcomer_signs_up_comes_back_and_answers_once_verified(
    client: Client, project: Engagement, alice: User
) -> None:
    invitation = invite(project, alice, "newcomer@example.org")
    url = reverse("engagement_invitation", args=[invitation.token])
    password = "violet-harbour-lantern-91"
    r = client.post(
        f"{reverse('account_signup')}?next={url}",
        {
            "name": "Nana Newcomer",
            "email": "newcomer@example.org",
            "role": "learner",
            "timezone": "UTC",
            "password1": password,
            "password2": password,
        },
    )
    assert r.status_code == 302 and r["Location"] == url
    html = client.get(url).content.decode()
    assert "not verified yet" in html
    EmailAddress.objects.filter(email="newcomer@example.org").update(verified=True)
    assert 'value="accept"' in client.get(url).content.decode()
    r = client.post(url, {"decision": "accept"})
    assert r["Location"] == project.get_absolute_url()
    assert takes_part(project, User.objects.get(email="newcomer@example.org"))


def test_it_accepts_on_the_page(
    login: Callable[[User], Client], project: Engagement, alice: User, dora: User
) -> None:
    invitation = invite(project, alice, "dora@example.org")
    url = reverse("engagement_invitation", args=[invitation.token])
    client = login(dora)
    html = client.get(url).content.decode()
    assert 'value="accept"' in html and "Join our project!" in html
    r = client.post(url, {"decision": "accept"})
    assert r.status_code == 302 and r["Location"] == project.get_absolute_url()
    assert takes_part(project, dora)
    assert "This invitation was accepted." in client.get(url).content.decode()


def test_it_declines_on_the_page(
    login: Callable[[User], Client], project: Engagement, alice: User, dora: User
) -> None:
    invitation = invite(project, alice, "dora@example.org")
    url = reverse("engagement_invitation", args=[invitation.token])
    r = login(dora).post(url, {"decision": "decline"})
    assert r.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not takes_part(project, dora)


def test_it_explains_a_wrong_account(
    login: Callable[[User], Client], project: Engagement, alice: User, charlie: User
) -> None:
    invitation = invite(project, alice, "dora@example.org")
    url = reverse("engagement_invitation", args=[invitation.token])
    client = login(charlie)
    html = client.get(url).content.decode()
    assert (
        "This invitation was sent to dora@example.org, but you are signed in as charlie@example.org."
        in html
    )
    assert 'value="accept"' not in html
    r = client.post(url, {"decision": "accept"})
    assert r.status_code == 200
    assert "Sign in with that verified address to answer it." in r.content.decode()
    assert not takes_part(project, charlie)


def test_it_asks_to_verify_the_address_first(
    login: Callable[[User], Client], project: Engagement, alice: User, charlie: User
) -> None:
    EmailAddress.objects.create(user=charlie, email="charlie.work@example.org", verified=False)
    invitation = invite(project, alice, "charlie.work@example.org")
    html = (
        login(charlie)
        .get(reverse("engagement_invitation", args=[invitation.token]))
        .content.decode()
    )
    assert "in your account but not verified yet" in html
    assert 'value="accept"' not in html


def test_it_says_an_invitation_expired_or_was_revoked(
    login: Callable[[User], Client], project: Engagement, alice: User, dora: User
) -> None:
    expired = invite(project, alice, "dora@example.org")
    expire(expired)
    client = login(dora)
    html = client.get(reverse("engagement_invitation", args=[expired.token])).content.decode()
    assert (
        "This invitation expired on" in html and "Ask Alice Ndiaye to send you a new one." in html
    )
    assert 'value="accept"' not in html
    r = client.post(reverse("engagement_invitation", args=[expired.token]), {"decision": "accept"})
    assert "This invitation expired on" in r.content.decode()
    assert not takes_part(project, dora)
    revoked = invite(project, alice, "dora@example.org")
    engagement_invitation_revoke(invitation=revoked, by=alice)
    html = client.get(reverse("engagement_invitation", args=[revoked.token])).content.decode()
    assert "This invitation was withdrawn" in html
    assert client.get(reverse("engagement_invitation", args=["nope"])).status_code == 404


def test_the_people_page_leaves_learners_to_the_course(
    login: Callable[[User], Client], course: Engagement, alice: User, charlie: User, dora: User
) -> None:
    for learner in (charlie, dora):
        participant_add(engagement=course, user=learner, role=ParticipantRole.LEARNER, by=learner)
    r = login(alice).get(reverse("engagement_people", args=[course.pk]))
    assert [p.user for p in r.context["participants"]] == [alice]
    assert "And 2 learners, whose places are managed on the course's pages." in (r.content.decode())
    place = Participant.objects.get(engagement=course, user=charlie)
    r = login(alice).post(reverse("engagement_participant_remove", args=[course.pk, place.pk]))
    assert r.status_code == 302
    assert takes_part(course, charlie)


def test_only_the_institution_places_people_on_its_side(
    project: Engagement,
    alice: User,
    bob: User,
    charlie: User,
    institution: Institution,
    make_user: Callable[..., User],
) -> None:
    """An expert lead must not be able to seat a stranger who then approves for the
    institution (or coordinates)."""
    expert = make_user("erin@example.org", name="Erin Sow")
    project.institution = institution
    project.save(update_fields=["institution"])
    participant_add(engagement=project, user=expert, role="lead", side=Side.EXPERT, by=alice)
    for role, side in [("member", Side.INSTITUTION), ("coordinator", Side.EXPERT)]:
        with pytest.raises(ValidationError) as caught:
            engagement_invitation_send(
                engagement=project, email=charlie.email, role=role, side=side, by=expert
            )
        assert "side" in caught.value.message_dict
    # alice is an admin of the institution: she may, but only its members can accept.
    invitation = engagement_invitation_send(
        engagement=project, email=charlie.email, role="member", side=Side.INSTITUTION, by=alice
    )
    with pytest.raises(ValidationError, match="members of"):
        engagement_invitation_accept(invitation=invitation, user=charlie)
    Membership.objects.create(institution=institution, user=charlie)
    engagement_invitation_accept(invitation=invitation, user=charlie)
    assert project.participants.get(user=charlie).side == Side.INSTITUTION


def test_an_engagement_without_an_institution_has_nobody_on_its_side(
    project: Engagement, alice: User, charlie: User
) -> None:
    with pytest.raises(ValidationError, match="no institution"):
        engagement_invitation_send(
            engagement=project, email=charlie.email, role="coordinator", by=alice
        )

from collections.abc import Callable
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, Invitation, MemberRole, Membership

NOT_YOURS = "This invitation was sent to dana@example.org."
USED = "This invitation has expired or was already used."


def url(invitation: Invitation) -> str:
    return reverse("invitation_accept", args=[invitation.token])


@pytest.fixture
def invitation(institution: Institution, alice: User) -> Invitation:
    return Invitation.objects.create(
        institution=institution, invited_by=alice, email="dana@example.org"
    )


@pytest.fixture
def dana(make_user: Callable[..., User]) -> User:
    """The invited person, with dana@example.org verified."""
    return make_user("dana@example.org", name="Dana Sow")


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, invitation: Invitation) -> None:
    r = client.get(url(invitation))
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url(invitation)}"
    assert client.post(url(invitation)).status_code == 302
    assert not Membership.objects.filter(user__email="dana@example.org").exists()


def test_it_gives_404_for_an_unknown_token(login: Callable[[User], Client], dana: User) -> None:
    assert login(dana).get("/invitations/not-a-token/").status_code == 404


def test_it_shows_who_invites_and_as_what(
    login: Callable[[User], Client], dana: User, invitation: Invitation
) -> None:
    r = login(dana).get(url(invitation))
    assert r.status_code == 200
    content = r.content.decode()
    assert "Join Université Cheikh Anta Diop" in content
    assert "Alice Ndiaye invites you to join as Member." in content
    assert "Accept invitation" in content
    # Looking is not accepting.
    assert not Membership.objects.filter(user=dana).exists()


@pytest.mark.parametrize("role", [MemberRole.MEMBER, MemberRole.ADMIN])
def test_it_makes_the_invited_person_a_member_with_the_invited_role(
    login: Callable[[User], Client],
    dana: User,
    invitation: Invitation,
    institution: Institution,
    role: str,
) -> None:
    invitation.role = role
    invitation.save()
    client = login(dana)
    r = client.post(url(invitation))
    assert r.status_code == 302
    assert r["Location"] == reverse("institution_detail", args=[institution.pk])
    assert membership_role(dana, institution) == role
    invitation.refresh_from_db()
    assert invitation.accepted_by == dana
    assert invitation.accepted_at is not None
    assert not invitation.is_pending
    page = client.get(r["Location"]).content.decode()
    assert "You are now a member of Université Cheikh Anta Diop." in page


def membership_role(user: User, institution: Institution) -> str:
    return Membership.objects.get(user=user, institution=institution).role


def test_it_accepts_through_a_verified_secondary_address(
    login: Callable[[User], Client],
    charlie: User,
    invitation: Invitation,
    institution: Institution,
) -> None:
    EmailAddress.objects.create(user=charlie, email="Dana@Example.org", verified=True)
    assert login(charlie).post(url(invitation)).status_code == 302
    assert membership_role(charlie, institution) == MemberRole.MEMBER


def test_it_refuses_someone_else(
    login: Callable[[User], Client], charlie: User, invitation: Invitation
) -> None:
    r = login(charlie).post(url(invitation))
    assert r.status_code == 200
    content = r.content.decode()
    assert NOT_YOURS in content
    assert "Sign in with that verified address to accept it." in content
    assert not Membership.objects.filter(user=charlie).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_it_refuses_an_unverified_address(
    login: Callable[[User], Client], charlie: User, invitation: Invitation
) -> None:
    EmailAddress.objects.create(user=charlie, email="dana@example.org", verified=False)
    r = login(charlie).post(url(invitation))
    assert NOT_YOURS in r.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "accepted"])
def test_it_refuses_an_invitation_that_is_no_longer_pending(
    login: Callable[[User], Client],
    dana: User,
    bob: User,
    invitation: Invitation,
    institution: Institution,
    state: str,
) -> None:
    now = timezone.now()
    if state == "expired":
        invitation.expires_at = now - timedelta(minutes=1)
    elif state == "revoked":
        invitation.revoked_at = now
    else:
        invitation.accepted_at, invitation.accepted_by = now, bob
    invitation.save()
    client = login(dana)

    page = client.get(url(invitation)).content.decode()
    assert "This invitation has expired or was already used." in page
    assert "Accept invitation" not in page

    r = client.post(url(invitation))
    assert r.status_code == 200
    assert USED in r.content.decode()
    assert not Membership.objects.filter(user=dana).exists()


def test_it_cannot_be_used_twice(
    login: Callable[[User], Client],
    dana: User,
    invitation: Invitation,
    institution: Institution,
) -> None:
    client = login(dana)
    assert client.post(url(invitation)).status_code == 302
    Membership.objects.filter(user=dana).delete()
    r = client.post(url(invitation))
    assert USED in r.content.decode()
    assert not Membership.objects.filter(user=dana).exists()


def test_it_keeps_the_role_of_someone_already_a_member(
    login: Callable[[User], Client],
    bob: User,
    institution: Institution,
    alice: User,
) -> None:
    invitation = Invitation.objects.create(
        institution=institution, invited_by=alice, email="bob@example.org", role=MemberRole.ADMIN
    )
    assert login(bob).post(url(invitation)).status_code == 302
    assert Membership.objects.filter(user=bob).count() == 1
    assert membership_role(bob, institution) == MemberRole.MEMBER

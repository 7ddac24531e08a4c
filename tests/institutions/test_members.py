"""The members page of an institution: list, invite, change role, remove, withdraw."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import (
    Institution,
    InstitutionType,
    Invitation,
    MemberRole,
    Membership,
)

LAST_ADMIN = "An institution needs at least one administrator."


def members_url(institution: Institution) -> str:
    return reverse("institution_members", args=[institution.pk])


def role_url(membership: Membership, institution: Institution | None = None) -> str:
    pk = (institution or membership.institution).pk
    return reverse("membership_role", args=[pk, membership.pk])


def remove_url(membership: Membership, institution: Institution | None = None) -> str:
    pk = (institution or membership.institution).pk
    return reverse("membership_remove", args=[pk, membership.pk])


def revoke_url(invitation: Invitation, institution: Institution | None = None) -> str:
    pk = (institution or invitation.institution).pk
    return reverse("invitation_revoke", args=[pk, invitation.pk])


def membership(user: User, institution: Institution) -> Membership:
    return Membership.objects.get(user=user, institution=institution)


@pytest.fixture
def other_institution(make_user: Callable[..., User]) -> Institution:
    place = Institution.objects.create(
        name="Ministère de la Santé", country="ML", type=InstitutionType.MINISTRY
    )
    owner = make_user("oumar@example.org", name="Oumar Traoré")
    Membership.objects.create(institution=place, user=owner, role=MemberRole.ADMIN)
    return place


@pytest.fixture
def invitation(institution: Institution, alice: User) -> Invitation:
    return Invitation.objects.create(
        institution=institution, invited_by=alice, email="dana@example.org"
    )


# --- The page -----------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, institution: Institution) -> None:
    url = members_url(institution)
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("viewer", ["bob", "charlie", "moderator"])
def test_it_forbids_anyone_but_an_admin(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    assert client.get(members_url(institution)).status_code == 403
    r = client.post(members_url(institution), {"email": "x@example.org", "role": "admin"})
    assert r.status_code == 403
    assert not Invitation.objects.exists()


def test_it_lists_members_and_pending_invitations(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    invitation: Invitation,
) -> None:
    Invitation.objects.create(
        institution=institution,
        invited_by=alice,
        email="old@example.org",
        expires_at=timezone.now() - timedelta(days=1),
    )
    r = login(alice).get(members_url(institution))
    assert r.status_code == 200
    content = r.content.decode()
    for text in ["Alice Ndiaye", "alice@example.org", "Bob Mensah", "bob@example.org"]:
        assert text in content
    assert "dana@example.org" in content
    assert "old@example.org" not in content
    assert revoke_url(invitation) in content
    assert role_url(membership(bob, institution)) in content


# --- Inviting -----------------------------------------------------------------------------


def test_it_invites_by_email(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://dkn.example"
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(members_url(institution), {"email": " Dana@Example.org ", "role": "admin"})
    assert r.status_code == 302
    assert r["Location"] == members_url(institution)
    invitation = Invitation.objects.get()
    assert invitation.email == "dana@example.org"
    assert invitation.role == MemberRole.ADMIN
    assert invitation.invited_by == alice
    assert invitation.is_pending

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.org"]
    assert "Université Cheikh Anta Diop" in message.subject
    accept = reverse("invitation_accept", args=[invitation.token])
    assert f"https://dkn.example{accept}" in message.body

    page = client.get(r["Location"]).content.decode()
    assert "invitation sent to dana@example.org." in page.lower()
    assert "dana@example.org (Administrator)" in page


@pytest.mark.parametrize("email", ["bob@example.org", "BOB@example.org", "alice@example.org"])
def test_it_refuses_to_invite_a_member(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    email: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        r = login(alice).post(members_url(institution), {"email": email, "role": "member"})
    assert r.status_code == 200
    assert "is already a member." in r.context["form"].errors["email"][0]
    assert "is already a member." in r.content.decode()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_it_refuses_a_second_pending_invitation(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    invitation: Invitation,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        r = login(alice).post(
            members_url(institution), {"email": "DANA@example.org", "role": "member"}
        )
    assert r.status_code == 200
    assert r.context["form"].errors["email"] == [
        "dana@example.org already has a pending invitation."
    ]
    assert Invitation.objects.count() == 1
    assert mail.outbox == []


def test_it_invites_again_once_the_old_invitation_is_withdrawn(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    invitation: Invitation,
) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save()
    r = login(alice).post(members_url(institution), {"email": "dana@example.org", "role": "member"})
    assert r.status_code == 302
    assert Invitation.objects.pending().get().email == "dana@example.org"


def test_it_explains_a_bad_address(
    login: Callable[[User], Client], institution: Institution, alice: User
) -> None:
    r = login(alice).post(members_url(institution), {"email": "not-an-email", "role": "member"})
    assert r.status_code == 200
    assert r.context["form"].errors["email"] == ["Enter a valid email address."]
    assert 'value="not-an-email"' in r.content.decode()
    assert not Invitation.objects.exists()


# --- Changing roles -----------------------------------------------------------------------


def test_it_lets_an_admin_promote_a_member(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    r = login(alice).post(role_url(membership(bob, institution)), {"role": "admin"}, follow=True)
    assert r.redirect_chain == [(members_url(institution), 302)]
    assert "Role changed." in r.content.decode()
    assert membership(bob, institution).role == MemberRole.ADMIN


def test_it_keeps_the_last_admin(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    r = login(alice).post(role_url(membership(alice, institution)), {"role": "member"}, follow=True)
    assert LAST_ADMIN in r.content.decode()
    assert membership(alice, institution).role == MemberRole.ADMIN


def test_it_lets_an_admin_step_down_once_there_is_another(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    client = login(alice)
    client.post(role_url(membership(bob, institution)), {"role": "admin"})
    r = client.post(role_url(membership(alice, institution)), {"role": "member"})
    assert r.status_code == 302
    assert membership(alice, institution).role == MemberRole.MEMBER
    # Now alice is no admin, and the page is closed to her.
    assert client.get(members_url(institution)).status_code == 403


def test_it_ignores_an_unknown_role(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    r = login(alice).post(role_url(membership(bob, institution)), {"role": "owner"})
    assert r.status_code == 302
    assert membership(bob, institution).role == MemberRole.MEMBER


@pytest.mark.parametrize("viewer", ["bob", "charlie", "moderator"])
def test_it_forbids_others_to_change_roles(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    r = client.post(role_url(membership(bob, institution)), {"role": "admin"})
    assert r.status_code == 403
    r = client.post(role_url(membership(alice, institution)), {"role": "member"})
    assert r.status_code == 403
    assert membership(bob, institution).role == MemberRole.MEMBER
    assert membership(alice, institution).role == MemberRole.ADMIN


def test_it_gives_404_for_a_membership_of_another_institution(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    other_institution: Institution,
) -> None:
    theirs = other_institution.memberships.get()
    client = login(alice)
    assert client.post(role_url(theirs, institution), {"role": "member"}).status_code == 404
    assert client.post(remove_url(theirs, institution)).status_code == 404
    # Through the other institution's own address, alice is nobody there.
    assert client.post(role_url(theirs), {"role": "member"}).status_code == 403
    assert client.post(remove_url(theirs)).status_code == 403
    theirs.refresh_from_db()
    assert theirs.role == MemberRole.ADMIN


def test_it_refuses_get_on_actions(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    client = login(alice)
    assert client.get(role_url(membership(bob, institution))).status_code == 405
    assert client.get(remove_url(membership(bob, institution))).status_code == 405


def test_it_sends_anonymous_actions_to_sign_in(
    client: Client, institution: Institution, bob: User, invitation: Invitation
) -> None:
    for url in [
        role_url(membership(bob, institution)),
        remove_url(membership(bob, institution)),
        revoke_url(invitation),
    ]:
        r = client.post(url, {"role": "admin"})
        assert r.status_code == 302
        assert r["Location"].startswith("/accounts/login/?next=")
    assert membership(bob, institution).role == MemberRole.MEMBER
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- Removing -----------------------------------------------------------------------------


def test_it_lets_an_admin_remove_a_member(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    r = login(alice).post(remove_url(membership(bob, institution)), follow=True)
    assert "Member removed." in r.content.decode()
    assert not Membership.objects.filter(user=bob).exists()


def test_it_does_not_remove_the_last_admin(
    login: Callable[[User], Client], institution: Institution, alice: User, bob: User
) -> None:
    r = login(alice).post(remove_url(membership(alice, institution)), follow=True)
    assert LAST_ADMIN in r.content.decode()
    assert membership(alice, institution).role == MemberRole.ADMIN


@pytest.mark.parametrize("viewer", ["bob", "charlie"])
def test_it_forbids_others_to_remove_members(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    assert client.post(remove_url(membership(alice, institution))).status_code == 403
    assert client.post(remove_url(membership(bob, institution))).status_code == 403
    assert Membership.objects.filter(institution=institution).count() == 2


# --- Withdrawing invitations --------------------------------------------------------------


def test_it_lets_an_admin_withdraw_an_invitation(
    login: Callable[[User], Client], institution: Institution, alice: User, invitation: Invitation
) -> None:
    client = login(alice)
    r = client.post(revoke_url(invitation), follow=True)
    content = r.content.decode()
    assert "Invitation withdrawn." in content
    assert "dana@example.org" not in content
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not invitation.is_pending


@pytest.mark.parametrize("viewer", ["bob", "charlie"])
def test_it_forbids_others_to_withdraw_an_invitation(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    invitation: Invitation,
    viewer: str,
) -> None:
    assert login(request.getfixturevalue(viewer)).post(revoke_url(invitation)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_it_gives_404_for_an_invitation_of_another_institution(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    other_institution: Institution,
) -> None:
    theirs = Invitation.objects.create(
        institution=other_institution,
        invited_by=other_institution.memberships.get().user,
        email="eve@example.org",
    )
    assert login(alice).post(revoke_url(theirs, institution)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

"""Communities, membership, invitations, moderators and tags; and the admin site's
read-only posts."""

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities import services
from diaspora.communities.models import (
    Community,
    CommunityInvitation,
    CommunityKind,
    CommunityVisibility,
    MemberRole,
    Membership,
    Post,
    Tag,
)
from diaspora.moderation.models import ActionKind, ModerationAction
from diaspora.notifications.models import Notification, NotificationKind
from realtime import groups, protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Group messages sent by the services (after commit)."""
    messages: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        "realtime.broadcast.send_group", lambda group, message: messages.append((group, message))
    )
    return messages


def create(actor: User, **extra: Any) -> Community:
    values = {
        "name": "Andean Hydrology",
        "slug": "andean-hydrology",
        "kind": CommunityKind.REGION,
        "visibility": CommunityVisibility.PUBLIC,
        "description": "Rivers and **glaciers**.",
        "code_of_conduct": "Be kind.",
        "country": "PE",
    }
    values.update(extra)
    return services.community_create(actor=actor, **values)


def update(actor: User, community: Community, **extra: Any) -> Community:
    values = {
        "name": community.name,
        "kind": community.kind,
        "visibility": community.visibility,
        "description": community.description_md,
        "code_of_conduct": community.code_of_conduct_md,
        "country": str(community.country),
    }
    values.update(extra)
    return services.community_update(actor=actor, community=community, **values)


# --- community_create / community_update ------------------------------------------------


def test_it_lets_a_platform_moderator_create_a_community(moderator: User) -> None:
    made = create(moderator)
    assert made.description_html == "<p>Rivers and <strong>glaciers</strong>.</p>"
    assert made.created_by == moderator
    membership = Membership.objects.get(community=made, user=moderator)
    assert membership.role == MemberRole.MODERATOR


def test_it_refuses_to_let_a_member_create_a_community(alice: User) -> None:
    with pytest.raises(PermissionDenied):
        create(alice)
    assert not Community.objects.exists()


def test_it_lets_staff_create_a_community(make_user: Any) -> None:
    staff = make_user("staff@example.org", is_staff=True)
    assert create(staff).pk


def test_it_explains_a_taken_slug_and_a_missing_code_of_conduct(
    moderator: User, community: Community
) -> None:
    with pytest.raises(ValidationError) as refused:
        create(moderator, slug=community.slug, code_of_conduct="  ")
    assert "slug" in refused.value.message_dict
    assert "code_of_conduct_md" in refused.value.message_dict


def test_it_audits_the_changed_fields_of_an_update(alice: User, community: Community) -> None:
    old_name = community.name
    update(alice, community, name="Global Health", visibility=CommunityVisibility.INVITATION)
    entry = ModerationAction.objects.get(action=ActionKind.COMMUNITY_UPDATE)
    assert entry.actor == alice
    assert entry.community == community
    assert entry.before == {"name": old_name, "visibility": "public"}
    assert entry.after == {"name": "Global Health", "visibility": "invitation"}


def test_it_does_not_audit_an_update_that_changes_nothing(
    alice: User, community: Community
) -> None:
    update(alice, community)
    assert not ModerationAction.objects.exists()


def test_it_refuses_an_update_by_a_member_or_another_communitys_moderator(
    bob: User, dave: User, community: Community
) -> None:
    for actor in (bob, dave):
        with pytest.raises(PermissionDenied):
            update(actor, community, name="Taken over")
    community.refresh_from_db()
    assert community.name == "Public Health"


def test_it_lets_a_platform_moderator_update_any_community(
    moderator: User, community: Community
) -> None:
    assert update(moderator, community, name="Renamed").name == "Renamed"


# --- membership_join / membership_leave ---------------------------------------------------


def test_it_joins_a_public_community_with_the_conduct_accepted(
    charlie: User, community: Community
) -> None:
    membership = services.membership_join(user=charlie, community=community, accept_conduct=True)
    assert membership.is_current
    assert membership.role == MemberRole.MEMBER
    assert membership.conduct_accepted_at is not None


def test_it_refuses_to_join_without_accepting_the_conduct(
    charlie: User, community: Community
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.membership_join(user=charlie, community=community, accept_conduct=False)
    assert "accept_conduct" in refused.value.message_dict
    assert not Membership.objects.filter(user=charlie).exists()


@pytest.mark.parametrize(
    "visibility", [CommunityVisibility.MEMBERS, CommunityVisibility.INVITATION]
)
def test_it_refuses_to_join_a_community_by_invitation(
    charlie: User, community: Community, visibility: str
) -> None:
    community.visibility = visibility
    community.save()
    with pytest.raises(PermissionDenied, match="invitation"):
        services.membership_join(user=charlie, community=community, accept_conduct=True)


def test_it_reuses_the_row_when_someone_rejoins(alice: User, community: Community) -> None:
    services.membership_leave(user=alice, community=community)
    membership = Membership.objects.get(user=alice, community=community)
    accepted = membership.conduct_accepted_at
    assert membership.left_at is not None
    again = services.membership_join(user=alice, community=community, accept_conduct=True)
    assert again.pk == membership.pk
    assert again.left_at is None
    assert again.role == MemberRole.MEMBER  # was a moderator before leaving
    assert again.conduct_accepted_at > accepted


def test_it_returns_the_current_membership_when_joining_twice(
    bob: User, community: Community
) -> None:
    first = Membership.objects.get(user=bob, community=community)
    assert services.membership_join(user=bob, community=community, accept_conduct=True) == first
    assert Membership.objects.filter(user=bob).count() == 1


def test_it_refuses_to_leave_a_community_one_is_not_in(charlie: User, community: Community) -> None:
    with pytest.raises(ValidationError):
        services.membership_leave(user=charlie, community=community)


def test_it_closes_thread_sockets_when_leaving_a_private_community(
    alice: User,
    private_community: Community,
    sent: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_leave(user=alice, community=private_community)
    assert sent == [
        (groups.community_member(private_community.pk, alice.pk), {"type": protocol.THREAD_KICK})
    ]


def test_it_leaves_sockets_open_when_leaving_a_public_community(
    bob: User, community: Community, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_leave(user=bob, community=community)
    assert sent == []


# --- invitations ------------------------------------------------------------------------


def test_it_sends_an_invitation_by_email_and_audits_it(
    alice: User, private_community: Community, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(
            actor=alice, community=private_community, email=" New.Person@Example.org "
        )
    assert invitation.email == "new.person@example.org"
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.org"]
    assert f"/communities/invitations/{invitation.token}/" in mail.outbox[0].body
    entry = ModerationAction.objects.get(action=ActionKind.INVITATION_SEND)
    assert entry.actor == alice
    assert entry.target_label == "new.person@example.org"
    assert not Notification.objects.exists()


def test_it_also_notifies_an_existing_account_and_says_the_same(
    alice: User, charlie: User, private_community: Community
) -> None:
    invitation = services.invitation_send(
        actor=alice, community=private_community, email=charlie.email
    )
    note = Notification.objects.get(user=charlie)
    assert note.url == f"/communities/invitations/{invitation.token}/"
    assert note.kind == NotificationKind.FORUM
    # What the moderator gets back has the same shape either way.
    unknown = services.invitation_send(
        actor=alice, community=private_community, email="nobody@example.org"
    )
    assert type(unknown) is type(invitation)


def test_it_refuses_invitations_from_members_and_other_moderators(
    bob: User, dave: User, community: Community
) -> None:
    for actor in (bob, dave):
        with pytest.raises(PermissionDenied):
            services.invitation_send(actor=actor, community=community, email="x@example.org")


def test_it_refuses_a_bad_address_a_member_and_a_second_pending_invitation(
    alice: User, bob: User, community: Community
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.invitation_send(actor=alice, community=community, email="not an address")
    assert "email" in refused.value.message_dict
    with pytest.raises(ValidationError, match="already a member"):
        services.invitation_send(actor=alice, community=community, email=bob.email)
    services.invitation_send(actor=alice, community=community, email="x@example.org")
    with pytest.raises(ValidationError, match="pending"):
        services.invitation_send(actor=alice, community=community, email="X@example.org")


def test_it_revokes_an_invitation_and_audits_it(alice: User, community: Community) -> None:
    invitation = services.invitation_send(actor=alice, community=community, email="x@example.org")
    services.invitation_revoke(actor=alice, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert ModerationAction.objects.filter(action=ActionKind.INVITATION_REVOKE).count() == 1


def test_it_refuses_a_revocation_by_a_member(alice: User, bob: User, community: Community):
    invitation = services.invitation_send(actor=alice, community=community, email="x@example.org")
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=bob, invitation=invitation)


def test_it_accepts_an_invitation_for_the_accounts_address(
    alice: User, charlie: User, private_community: Community
) -> None:
    invitation = services.invitation_send(
        actor=alice, community=private_community, email=charlie.email
    )
    membership = services.invitation_accept(
        user=charlie, token=invitation.token, accept_conduct=True
    )
    assert membership.community == private_community
    assert membership.is_current
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(user=charlie, token=invitation.token, accept_conduct=True)


def test_it_accepts_an_invitation_for_another_verified_address(
    alice: User, charlie: User, private_community: Community
) -> None:
    EmailAddress.objects.create(user=charlie, email="c@work.example.org", verified=True)
    invitation = services.invitation_send(
        actor=alice, community=private_community, email="c@work.example.org"
    )
    services.invitation_accept(user=charlie, token=invitation.token, accept_conduct=True)
    assert Membership.objects.current().filter(user=charlie).exists()


def test_it_refuses_an_invitation_for_someone_elses_address(
    alice: User, bob: User, charlie: User, private_community: Community
) -> None:
    invitation = services.invitation_send(
        actor=alice, community=private_community, email=charlie.email
    )
    with pytest.raises(ValidationError, match="was sent to"):
        services.invitation_accept(user=bob, token=invitation.token, accept_conduct=True)
    assert not Membership.objects.filter(user=bob, community=private_community).exists()


def test_it_refuses_expired_revoked_and_unknown_invitations(
    alice: User, charlie: User, private_community: Community
) -> None:
    invitation = services.invitation_send(
        actor=alice, community=private_community, email=charlie.email
    )
    CommunityInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(user=charlie, token=invitation.token, accept_conduct=True)
    CommunityInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept(user=charlie, token=invitation.token, accept_conduct=True)
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept(user=charlie, token="made-up", accept_conduct=True)


def test_it_needs_the_conduct_accepted_with_an_invitation(
    alice: User, charlie: User, private_community: Community
) -> None:
    invitation = services.invitation_send(
        actor=alice, community=private_community, email=charlie.email
    )
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(user=charlie, token=invitation.token, accept_conduct=False)
    assert "accept_conduct" in refused.value.message_dict
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- moderator_set / tag_create ---------------------------------------------------------


def test_it_lets_a_platform_moderator_make_a_moderator_and_audits_it(
    moderator: User, bob: User, community: Community
) -> None:
    membership = services.moderator_set(
        actor=moderator, community=community, member=bob, is_moderator=True, reason="Helpful"
    )
    assert membership.role == MemberRole.MODERATOR
    entry = ModerationAction.objects.get(action=ActionKind.MODERATOR_ADD)
    assert (entry.member, entry.reason, entry.before, entry.after) == (
        bob,
        "Helpful",
        {"role": "member"},
        {"role": "moderator"},
    )
    assert Notification.objects.filter(user=bob, kind=NotificationKind.MODERATION).exists()
    services.moderator_set(actor=moderator, community=community, member=bob, is_moderator=False)
    assert ModerationAction.objects.filter(action=ActionKind.MODERATOR_REMOVE).count() == 1


def test_it_refuses_to_let_a_community_moderator_make_moderators(
    alice: User, bob: User, community: Community
) -> None:
    with pytest.raises(PermissionDenied):
        services.moderator_set(actor=alice, community=community, member=bob, is_moderator=True)


def test_it_refuses_to_make_a_non_member_a_moderator(
    moderator: User, charlie: User, community: Community
) -> None:
    with pytest.raises(ValidationError, match="not a member"):
        services.moderator_set(
            actor=moderator, community=community, member=charlie, is_moderator=True
        )


def test_it_lets_moderators_create_tags(alice: User, bob: User, community: Community) -> None:
    tag = services.tag_create(actor=alice, community=community, name="  Vaccine   Trials ")
    assert (tag.name, tag.slug) == ("Vaccine Trials", "vaccine-trials")
    with pytest.raises(ValidationError, match="already"):
        services.tag_create(actor=alice, community=community, name="vaccine trials")
    with pytest.raises(ValidationError):
        services.tag_create(actor=alice, community=community, name="!!!")
    with pytest.raises(PermissionDenied):
        services.tag_create(actor=bob, community=community, name="Other")
    assert Tag.objects.filter(community=community).count() == 2
    entries = ModerationAction.objects.filter(action=ActionKind.TAG_CREATE)
    assert list(entries.values_list("actor", "community", "target_label")) == [
        (alice.pk, community.pk, "Vaccine Trials")
    ]


# --- the admin site ---------------------------------------------------------------------


@pytest.fixture
def staff_client(make_user: Any) -> Client:
    client = Client()
    client.force_login(make_user("root@example.org", is_staff=True, is_superuser=True))
    return client


def test_it_shows_posts_read_only_in_the_admin(staff_client: Client, thread: Any) -> None:
    post = Post.objects.filter(thread=thread).first()
    assert post is not None
    changelist = reverse("admin:communities_post_changelist")
    assert staff_client.get(changelist, {"q": "ministry"}).status_code == 200
    page = staff_client.get(reverse("admin:communities_post_change", args=[post.pk]))
    assert page.status_code == 200
    assert b'name="body_md"' not in page.content
    response = staff_client.post(
        reverse("admin:communities_post_change", args=[post.pk]), {"body_md": "Changed"}
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.body_md != "Changed"
    deleted = staff_client.post(
        reverse("admin:communities_post_delete", args=[post.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()


def test_it_audits_a_community_changed_in_the_admin(
    staff_client: Client, community: Community
) -> None:
    url = reverse("admin:communities_community_change", args=[community.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": "Renamed in admin",
            "country": "",
            "archived_at_0": "",
            "archived_at_1": "",
            "created_at_0": "",
            "tags-TOTAL_FORMS": "0",
            "tags-INITIAL_FORMS": "0",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = ModerationAction.objects.get(action=ActionKind.COMMUNITY_UPDATE)
    assert entry.after == {"name": "Renamed in admin"}


@pytest.mark.parametrize(
    "model",
    [
        "community",
        "membership",
        "communityinvitation",
        "tag",
        "thread",
        "post",
        "postrevision",
        "reaction",
        "communitywatch",
        "threadwatch",
        "readstate",
        "threadevent",
    ],
)
def test_it_lists_and_searches_every_model_in_the_admin(
    staff_client: Client, thread: Any, model: str
) -> None:
    url = reverse(f"admin:communities_{model}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "alice"}).status_code == 200

"""The engagements API: the same permissions as the pages, the API's error format."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.engagements.models import (
    Engagement,
    EngagementInvitation,
    EngagementKind,
    EngagementStatus,
    InvitationStatus,
    Participant,
    ParticipantRole,
    StatusChange,
)
from mentoring.engagements.requirements import register_start_check
from mentoring.engagements.services import (
    engagement_create,
    engagement_invitation_send,
    engagement_note_add,
    participant_add,
)
from tests.mentoring.engagements.conftest import error_code, post_json

S = EngagementStatus


@pytest.fixture
def overseer(make_user: Callable[..., User], institution: Institution) -> User:
    user = make_user("awa@example.org", name="Awa Admin")
    Membership.objects.create(institution=institution, user=user, role=MemberRole.ADMIN)
    return user


def delete(client: Client, path: str) -> Any:
    return client.delete(path)


def invite(
    engagement: Engagement, by: User, email: str = "dora@example.org"
) -> EngagementInvitation:
    return engagement_invitation_send(
        engagement=engagement, email=email, role=ParticipantRole.MEMBER, by=by
    )


# --- Reading ------------------------------------------------------------------------------


def test_it_lists_my_engagements(
    login: Callable[[User], Client],
    mentorship: Engagement,
    project: Engagement,
    course: Engagement,
    bob: User,
    alice: User,
) -> None:
    r = login(bob).get("/api/engagements")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["meta"] == {"count": 2, "page": 1, "pages": 1, "page_size": 20}
    by_id = {e["id"]: e for e in data["results"]}
    assert set(by_id) == {mentorship.pk, project.pk}
    row = by_id[project.pk]
    assert (row["kind"], row["status"], row["my_role"], row["can_manage"]) == (
        "project",
        "proposed",
        "member",
        False,
    )
    assert row["participants_count"] == 2
    assert row["next_statuses"] == []
    assert row["url"] == project.get_absolute_url()
    alice_rows = login(alice).get("/api/engagements", {"kind": "course"}).json()["results"]
    assert [(e["id"], e["can_manage"], e["next_statuses"]) for e in alice_rows] == [
        (course.pk, True, ["active", "cancelled"])
    ]
    assert login(alice).get("/api/engagements", {"status": "completed"}).json()["results"] == []
    r = login(alice).get("/api/engagements", {"status": "archived"})
    assert r.status_code == 422 and error_code(r) == "invalid"


def test_my_engagements_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    institution: Institution,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)

    def add(count: int) -> None:
        for i in range(count):
            engagement = engagement_create(
                kind=EngagementKind.PROJECT,
                title=f"P{i}",
                created_by=alice,
                institution=institution,
            )
            participant_add(engagement=engagement, user=alice, role=ParticipantRole.LEAD, by=alice)

    add(1)
    with django_assert_num_queries(API_LIST_QUERIES):
        r = client.get("/api/engagements")
    assert len(r.json()["results"]) == 1
    add(15)
    with django_assert_num_queries(API_LIST_QUERIES):
        r = client.get("/api/engagements")
    assert len(r.json()["results"]) == 16


# session, user, count, page (with institution, need, counts and roles)
API_LIST_QUERIES = 4


def test_it_reads_one_engagement(
    login: Callable[[User], Client], institution_project: Engagement, bob: User, overseer: User
) -> None:
    data = login(bob).get(f"/api/engagements/{institution_project.pk}").json()
    assert data["id"] == institution_project.pk
    assert data["institution"] == {
        "id": institution_project.institution_id,
        "name": "Université Cheikh Anta Diop",
    }
    assert data["need"] is None
    assert (data["my_role"], data["can_manage"], data["participants_count"]) == ("member", False, 2)
    data = login(overseer).get(f"/api/engagements/{institution_project.pk}").json()
    assert (data["my_role"], data["can_manage"]) == ("", True)
    assert data["next_statuses"] == ["active", "cancelled"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/engagements/{id}",
        "/api/engagements/{id}/status-changes",
        "/api/engagements/{id}/timeline",
        "/api/engagements/{id}/participants",
    ],
)
def test_reading_is_for_those_who_see_it(
    client: Client,
    login: Callable[[User], Client],
    institution_project: Engagement,
    bob: User,
    charlie: User,
    moderator: User,
    overseer: User,
    path: str,
) -> None:
    url = path.format(id=institution_project.pk)
    assert login(bob).get(url).status_code == 200
    assert login(overseer).get(url).status_code == 200
    for outsider in (charlie, moderator):
        r = login(outsider).get(url)
        assert r.status_code == 404 and error_code(r) == "not_found"
    r = client.get(url)
    assert r.status_code == 401 and error_code(r) == "unauthenticated"
    assert login(bob).get(path.format(id=99999)).status_code == 404


def test_it_answers_to_an_api_token(project: Engagement, bob: User) -> None:
    _token, raw = api_token_create(user=bob, name="script")
    r = Client().get("/api/engagements", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["results"]] == [project.pk]


# --- Status machine -----------------------------------------------------------------------


def test_it_changes_the_status(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    client = login(alice)
    url = f"/api/engagements/{mentorship.pk}/transitions"
    r = post_json(client, url, {"status": "active", "reason": "Agreed"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "active"
    assert r.json()["next_statuses"] == ["paused", "completed", "cancelled"]
    assert r.json()["started_at"] is not None
    r = post_json(client, url, {"status": "proposed"})
    assert r.status_code == 400
    assert r.json()["error"]["fields"]["status"] == [
        "An engagement that is active cannot become proposed."
    ]
    r = post_json(client, url, {"status": "cancelled"})
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"reason": ["Say why it is cancelled."]}
    changes = client.get(f"/api/engagements/{mentorship.pk}/status-changes").json()
    assert [(c["from_status"], c["to_status"], c["reason"]) for c in changes] == [
        ("", "proposed", ""),
        ("proposed", "active", "Agreed"),
    ]
    assert changes[1]["changed_by"] == {"id": alice.pk, "name": "Alice Ndiaye"}


def test_it_reports_the_start_checks(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    register_start_check(
        EngagementKind.PROJECT, lambda e: ["Both sides must approve the work plan."]
    )
    r = post_json(login(alice), f"/api/engagements/{project.pk}/transitions", {"status": "active"})
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"status": ["Both sides must approve the work plan."]}


def test_only_those_who_run_it_change_the_status(
    client: Client,
    login: Callable[[User], Client],
    mentorship: Engagement,
    bob: User,
    charlie: User,
    moderator: User,
) -> None:
    url = f"/api/engagements/{mentorship.pk}/transitions"
    body = {"status": "cancelled", "reason": "Let me"}
    r = post_json(login(bob), url, body)
    assert r.status_code == 403 and error_code(r) == "forbidden"
    assert post_json(login(charlie), url, body).status_code == 404
    assert post_json(login(moderator), url, body).status_code == 404
    assert post_json(client, url, body).status_code == 401
    assert StatusChange.objects.filter(engagement=mentorship).count() == 1


# --- Timeline and notes -------------------------------------------------------------------


def test_it_reads_the_timeline(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    engagement_note_add(engagement=mentorship, author=bob, body="**Bold** plan")
    engagement_note_add(engagement=mentorship, author=alice, body="Only mine", private=True)
    r = login(bob).get(f"/api/engagements/{mentorship.pk}/timeline", {"page_size": 2, "page": 2})
    data = r.json()
    assert data["meta"] == {"count": 4, "page": 2, "pages": 2, "page_size": 2}
    last = data["results"][-1]
    assert set(last) == {
        "id",
        "verb",
        "text",
        "occurred_at",
        "actor",
        "private",
        "url",
        "body_html",
    }
    assert (last["verb"], last["text"], last["private"]) == (
        "note",
        "Bob Mensah wrote a note",
        False,
    )
    assert last["actor"] == {"id": bob.pk, "name": "Bob Mensah"}
    assert last["body_html"] == "<p><strong>Bold</strong> plan</p>"
    mine = login(alice).get(f"/api/engagements/{mentorship.pk}/timeline", {"type": "notes"})
    assert [(e["text"], e["private"]) for e in mine.json()["results"]] == [
        ("Bob Mensah wrote a note", False),
        ("Your private note", True),
    ]
    r = login(alice).get(f"/api/engagements/{mentorship.pk}/timeline", {"type": "gossip"})
    assert r.status_code == 422


def test_the_timeline_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    mentorship: Engagement,
    alice: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    url = f"/api/engagements/{mentorship.pk}/timeline"
    with django_assert_num_queries(API_TIMELINE_QUERIES):
        client.get(url)
    for i in range(30):
        engagement_note_add(engagement=mentorship, author=alice, body=f"Note {i}")
    with django_assert_num_queries(API_TIMELINE_QUERIES):
        r = client.get(url)
    assert len(r.json()["results"]) == 20


# session, user, engagement, participant, count, page (with actors)
API_TIMELINE_QUERIES = 6


def test_it_adds_notes(
    client: Client,
    login: Callable[[User], Client],
    mentorship: Engagement,
    bob: User,
    charlie: User,
) -> None:
    url = f"/api/engagements/{mentorship.pk}/notes"
    r = post_json(login(bob), url, {"body": "My worries", "private": True})
    assert r.status_code == 201, r.content
    assert (r.json()["verb"], r.json()["private"], r.json()["text"]) == (
        "private_note",
        True,
        "Your private note",
    )
    assert r.json()["body_html"] == "<p>My worries</p>"
    r = post_json(login(bob), url, {"body": "  "})
    assert r.status_code == 400
    assert r.json()["error"]["fields"] == {"body": ["Write something first."]}
    assert post_json(login(charlie), url, {"body": "Hi"}).status_code == 404
    assert post_json(client, url, {"body": "Hi"}).status_code == 401
    assert mentorship.timeline.filter(verb__in=["note", "private_note"]).count() == 1


# --- Participants -------------------------------------------------------------------------


def test_it_lists_participants(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    rows = login(bob).get(f"/api/engagements/{project.pk}/participants").json()
    assert [(p["user"]["name"], p["role"], p["side"], p["is_manager"]) for p in rows] == [
        ("Alice Ndiaye", "lead", "expert", True),
        ("Bob Mensah", "member", "institution", False),
    ]


def test_it_takes_people_off_and_lets_them_leave(
    client: Client,
    login: Callable[[User], Client],
    project: Engagement,
    mentorship: Engagement,
    alice: User,
    bob: User,
    charlie: User,
) -> None:
    alice_place = Participant.objects.get(engagement=project, user=alice)
    bob_place = Participant.objects.get(engagement=project, user=bob)
    base = f"/api/engagements/{project.pk}/participants"
    r = delete(login(bob), f"{base}/{alice_place.pk}")
    assert r.status_code == 403
    assert delete(login(charlie), f"{base}/{bob_place.pk}").status_code == 404
    assert delete(client, f"{base}/{bob_place.pk}").status_code == 401
    # A participant of another engagement is not reached through this one.
    other = Participant.objects.get(engagement=mentorship, user=bob)
    assert delete(login(alice), f"{base}/{other.pk}").status_code == 404
    r = delete(login(alice), f"{base}/{alice_place.pk}")
    assert r.status_code == 400
    assert "Someone else must run this engagement" in r.json()["error"]["message"]
    assert delete(login(bob), f"{base}/{bob_place.pk}").status_code == 204
    assert not project.participants.current().filter(user=bob).exists()
    assert delete(login(alice), f"{base}/{bob_place.pk}").status_code == 404


# --- Invitations --------------------------------------------------------------------------


def test_those_who_run_it_invite_list_and_revoke(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    client = login(alice)
    url = f"/api/engagements/{project.pk}/invitations"
    r = post_json(
        client,
        url,
        {"email": "Dora@example.org", "role": "member", "side": "expert", "role_title": "Analyst"},
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["email"], data["role"], data["side"], data["status"], data["expired"]) == (
        "dora@example.org",
        "member",
        "expert",
        "pending",
        False,
    )
    assert "token" not in data
    r = post_json(client, url, {"email": "x@example.org", "role": "learner"})
    assert r.status_code == 400 and "role" in r.json()["error"]["fields"]
    listed = client.get(url).json()
    assert [i["email"] for i in listed["results"]] == ["dora@example.org"]
    r = delete(client, f"{url}/{data['id']}")
    assert r.status_code == 204
    assert client.get(url).json()["results"] == []
    revoked = client.get(url, {"status": "revoked"}).json()["results"]
    assert [i["status"] for i in revoked] == ["revoked"]
    assert delete(client, f"{url}/{data['id']}").status_code == 400  # no longer pending


def test_invitations_are_for_those_who_run_it(
    client: Client,
    login: Callable[[User], Client],
    project: Engagement,
    mentorship: Engagement,
    alice: User,
    bob: User,
    charlie: User,
) -> None:
    invitation = invite(project, alice)
    url = f"/api/engagements/{project.pk}/invitations"
    body = {"email": "z@example.org", "role": "member"}
    assert login(bob).get(url).status_code == 403
    assert post_json(login(bob), url, body).status_code == 403
    assert delete(login(bob), f"{url}/{invitation.pk}").status_code == 403
    assert login(charlie).get(url).status_code == 404
    assert post_json(login(charlie), url, body).status_code == 404
    assert delete(login(charlie), f"{url}/{invitation.pk}").status_code == 404
    assert client.get(url).status_code == 401
    other = f"/api/engagements/{mentorship.pk}/invitations/{invitation.pk}"
    assert delete(login(alice), other).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert EngagementInvitation.objects.count() == 1


def test_the_invitee_accepts_with_the_token(
    client: Client,
    login: Callable[[User], Client],
    project: Engagement,
    alice: User,
    charlie: User,
    dora: User,
) -> None:
    invitation = invite(project, alice, "dora.work@example.org")
    url = f"/api/engagement-invitations/{invitation.token}/accept"
    assert post_json(client, url).status_code == 401
    r = post_json(login(charlie), url)
    assert r.status_code == 400 and "dora.work@example.org" in r.json()["error"]["message"]
    r = post_json(login(dora), url)
    assert r.status_code == 200, r.content
    assert (r.json()["id"], r.json()["my_role"]) == (project.pk, "member")
    assert post_json(login(dora), url).status_code == 400
    assert post_json(login(dora), "/api/engagement-invitations/nope/accept").status_code == 404


def test_the_invitee_declines_with_the_token(
    login: Callable[[User], Client], project: Engagement, alice: User, dora: User
) -> None:
    invitation = invite(project, alice)
    r = post_json(login(dora), f"/api/engagement-invitations/{invitation.token}/decline")
    assert r.status_code == 200
    assert r.json()["status"] == "declined"
    assert not project.participants.filter(user=dora).exists()


def test_an_expired_invitation_says_so(
    login: Callable[[User], Client], project: Engagement, alice: User, dora: User
) -> None:
    invitation = invite(project, alice)
    EngagementInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    r = post_json(login(dora), f"/api/engagement-invitations/{invitation.token}/accept")
    assert r.status_code == 400 and "expired" in r.json()["error"]["message"]
    listed = login(alice).get(f"/api/engagements/{project.pk}/invitations").json()["results"]
    assert [(i["status"], i["expired"]) for i in listed] == [("pending", True)]


# --- Institutions and programme -----------------------------------------------------------


def test_members_list_their_institutions_engagements(
    client: Client,
    login: Callable[[User], Client],
    institution: Institution,
    institution_project: Engagement,
    alice: User,
    bob: User,
    charlie: User,
    moderator: User,
) -> None:
    hidden = engagement_create(
        kind=EngagementKind.MENTORSHIP, title="Quiet one", created_by=alice, institution=institution
    )
    url = f"/api/institutions/{institution.pk}/engagements"
    rows = login(bob).get(url).json()["results"]
    assert {(e["id"], e["can_open"]) for e in rows} == {
        (institution_project.pk, True),
        (hidden.pk, False),
    }
    assert all(e["can_open"] for e in login(alice).get(url).json()["results"])
    assert [e["id"] for e in login(bob).get(url, {"kind": "mentorship"}).json()["results"]] == [
        hidden.pk
    ]
    assert "summary" not in rows[0]
    assert login(charlie).get(url).status_code == 404
    assert login(moderator).get(url).status_code == 404
    assert client.get(url).status_code == 401


def test_moderators_read_programme_health(
    client: Client,
    login: Callable[[User], Client],
    project: Engagement,
    mentorship: Engagement,
    moderator: User,
    alice: User,
) -> None:
    Engagement.objects.filter(pk=project.pk).update(
        last_activity_at=timezone.now() - timedelta(days=40)
    )
    r = login(moderator).get("/api/moderation/programme")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["stalled_days"] == 30
    counts = {(c["kind"], c["status"]): c["count"] for c in data["counts"]}
    assert len(counts) == 15
    assert counts[("project", "proposed")] == counts[("mentorship", "proposed")] == 1
    assert data["stalled_counts"] == {"mentorship": 0, "course": 0, "project": 1}
    stalled = data["stalled"]["results"]
    assert [(e["id"], e["days_idle"]) for e in stalled] == [(project.pk, 40)]
    assert "summary" not in stalled[0]
    assert login(alice).get("/api/moderation/programme").status_code == 404
    assert client.get("/api/moderation/programme").status_code == 401

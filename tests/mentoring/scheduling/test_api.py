"""The sessions API: an engagement's schedule, one session, attendance, /me/sessions/."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.engagements.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    ParticipantRole,
    TimelineVerb,
)
from mentoring.engagements.services import engagement_create, participant_add
from mentoring.scheduling.models import Attendance, LiveSession

# Next year: still to come, and within the two years ahead that a session may be set.
YEAR = timezone.now().year + 1

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(
        path, data=json.dumps(body) if body is not None else None, content_type="application/json"
    )


NEW = {"title": "Week 2: sampling", "starts_at": f"{YEAR}-01-15T14:00:00Z", "duration_minutes": 60}


# --- Permissions --------------------------------------------------------------------------


def test_it_answers_401_to_anonymous_callers(session: LiveSession) -> None:
    client = Client()
    calls = [
        ("get", f"/api/engagements/{session.engagement_id}/sessions"),
        ("post", f"/api/engagements/{session.engagement_id}/sessions"),
        ("get", f"/api/sessions/{session.pk}"),
        ("patch", f"/api/sessions/{session.pk}"),
        ("delete", f"/api/sessions/{session.pk}"),
        ("get", f"/api/sessions/{session.pk}/attendance"),
        ("put", f"/api/sessions/{session.pk}/attendance"),
        ("get", "/api/me/sessions/"),
    ]
    for method, path in calls:
        r = send(client, method, path, {})
        assert r.status_code == 401, (method, path)
        assert r.json()["error"]["code"] == "unauthenticated"


def test_it_answers_404_to_outsiders(
    login: Callable[[User], Client], charlie: User, session: LiveSession
) -> None:
    client = login(charlie)
    calls = [
        ("get", f"/api/engagements/{session.engagement_id}/sessions", None),
        ("post", f"/api/engagements/{session.engagement_id}/sessions", NEW),
        ("get", f"/api/sessions/{session.pk}", None),
        ("patch", f"/api/sessions/{session.pk}", {"title": "Mine now"}),
        ("delete", f"/api/sessions/{session.pk}", None),
        ("get", f"/api/sessions/{session.pk}/attendance", None),
        (
            "put",
            f"/api/sessions/{session.pk}/attendance",
            {"records": [{"user_id": 1, "status": "present"}]},
        ),
        ("get", "/api/sessions/999999", None),
    ]
    for method, path, body in calls:
        r = send(client, method, path, body)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"]["code"] == "not_found"
    session.refresh_from_db()
    assert (session.title, session.cancelled_at) == ("Week 1: study design", None)


def test_it_answers_403_to_participants_who_do_not_run_it(
    login: Callable[[User], Client], alice: User, bob: User, session: LiveSession
) -> None:
    participant_add(engagement=session.engagement, user=bob, role=ParticipantRole.LEARNER, by=alice)
    client = login(bob)
    assert client.get(f"/api/sessions/{session.pk}").status_code == 200
    assert client.get(f"/api/engagements/{session.engagement_id}/sessions").status_code == 200
    calls = [
        ("post", f"/api/engagements/{session.engagement_id}/sessions", NEW),
        ("patch", f"/api/sessions/{session.pk}", {"title": "Mine now"}),
        ("delete", f"/api/sessions/{session.pk}", None),
        ("get", f"/api/sessions/{session.pk}/attendance", None),
        (
            "put",
            f"/api/sessions/{session.pk}/attendance",
            {"records": [{"user_id": bob.pk, "status": "present"}]},
        ),
    ]
    for method, path, body in calls:
        r = send(client, method, path, body)
        assert r.status_code == 403, (method, path)
        assert r.json()["error"]["code"] == "forbidden"
    assert LiveSession.objects.count() == 1
    assert not Attendance.objects.exists()


# --- Managing -----------------------------------------------------------------------------


def test_it_schedules_changes_and_cancels(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    client = login(alice)
    r = send(
        client,
        "post",
        f"/api/engagements/{course.pk}/sessions",
        {**NEW, "starts_at": f"{YEAR}-01-15T16:00:00+02:00"},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["starts_at"].startswith(f"{YEAR}-01-15T14:00:00")
    assert body["ends_at"].startswith(f"{YEAR}-01-15T15:00:00")
    assert body["sequence"] == 0
    assert body["url"] == f"/sessions/{body['id']}/"
    assert body["joinable_now"] is False
    pk = body["id"]
    r = send(
        client,
        "patch",
        f"/api/sessions/{pk}",
        {"duration_minutes": 90, "external_url": "https://meet.example.org/x"},
    )
    assert r.status_code == 200
    assert r.json()["sequence"] == 1
    assert r.json()["ends_at"].startswith(f"{YEAR}-01-15T15:30:00")
    r = send(client, "patch", f"/api/sessions/{pk}", {"external_url": "ftp://x.example.org/"})
    assert r.status_code == 400
    assert "external_url" in r.json()["error"]["fields"]
    r = send(client, "patch", f"/api/sessions/{pk}", {"duration_minutes": 1})
    assert r.status_code == 422
    r = client.delete(f"/api/sessions/{pk}")
    assert r.status_code == 200
    assert r.json()["cancelled_at"] is not None
    assert send(client, "patch", f"/api/sessions/{pk}", {"title": "Back"}).status_code == 400
    verbs = list(course.timeline.values_list("verb", flat=True))
    assert verbs[-3:] == [
        TimelineVerb.LIVE_SESSION_SCHEDULED,
        TimelineVerb.LIVE_SESSION_CHANGED,
        TimelineVerb.LIVE_SESSION_CANCELLED,
    ]


def test_it_answers_at_the_paths_the_issue_names(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    client = login(alice)
    assert send(client, "post", f"/api/engagements/{course.pk}/sessions", NEW).status_code == 201
    assert client.get(f"/api/engagements/{course.pk}/sessions").json()["meta"]["count"] == 1
    assert client.get("/api/me/sessions/").json()["meta"]["count"] == 1
    # Like the rest of the API, one spelling per path; the other is an API 404, not HTML.
    r = client.get("/api/me/sessions")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_it_takes_a_time_without_offset_as_utc(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    r = send(
        login(alice),
        "post",
        f"/api/engagements/{course.pk}/sessions",
        {**NEW, "starts_at": f"{YEAR}-01-15T14:00:00"},
    )
    assert r.status_code == 201
    assert LiveSession.objects.get().starts_at == datetime(YEAR, 1, 15, 14, 0, tzinfo=UTC)


def test_it_refuses_sessions_in_a_cancelled_engagement(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    Engagement.objects.filter(pk=course.pk).update(status=EngagementStatus.CANCELLED)
    r = send(login(alice), "post", f"/api/engagements/{course.pk}/sessions", NEW)
    assert r.status_code == 400
    assert "no new live sessions" in r.json()["error"]["message"]


def test_it_records_attendance(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    past = make_session(course, starts_at=timezone.now() - timedelta(hours=2))
    client = login(alice)
    rows = client.get(f"/api/sessions/{past.pk}/attendance").json()
    assert rows == [
        {
            "user_id": bob.pk,
            "name": "Bob Mensah",
            "role": "learner",
            "status": None,
            "recorded_at": None,
        }
    ]
    r = send(
        client,
        "put",
        f"/api/sessions/{past.pk}/attendance",
        {"records": [{"user_id": bob.pk, "status": "present"}]},
    )
    assert r.status_code == 200
    assert r.json()[0]["status"] == "present"
    r = send(
        client,
        "put",
        f"/api/sessions/{past.pk}/attendance",
        {"records": [{"user_id": charlie.pk, "status": "present"}]},
    )
    assert r.status_code == 400
    r = send(
        client,
        "put",
        f"/api/sessions/{past.pk}/attendance",
        {"records": [{"user_id": bob.pk, "status": "asleep"}]},
    )
    assert r.status_code == 422
    assert Attendance.objects.get().status == "present"


def test_it_lists_an_engagements_sessions_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    make_session(course)
    path = f"/api/engagements/{course.pk}/sessions"
    # session, user, engagement, participant, count, page
    with django_assert_num_queries(6):
        assert client.get(path).json()["meta"]["count"] == 1
    for day in range(2, 10):
        make_session(course, in_minutes=day * 24 * 60)
    with django_assert_num_queries(6):
        assert len(client.get(path).json()["results"]) == 9


# --- /me/sessions/ ------------------------------------------------------------------------


def test_it_lists_the_sessions_i_may_join(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    charlie: User,
    mentorship: Engagement,
    course: Engagement,
    project: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    now = timezone.now()
    soon = make_session(mentorship, in_minutes=5, title="Soon")
    later = make_session(project, in_minutes=3 * 60, title="Later")
    running = make_session(mentorship, starts_at=now - timedelta(minutes=30), title="Running")
    room = make_session(
        mentorship, starts_at=now - timedelta(days=10), always_open=True, title="Drop-in"
    )
    make_session(mentorship, starts_at=now - timedelta(hours=3), title="Over")
    make_session(mentorship, in_minutes=60, cancelled_at=now, title="Called off")
    make_session(course, in_minutes=60, title="Not bob's course")
    paused = engagement_create(kind=EngagementKind.PROJECT, title="Paused", created_by=alice)
    participant_add(engagement=paused, user=bob, role=ParticipantRole.MEMBER, by=alice)
    make_session(paused, in_minutes=60, title="In a paused project")
    Engagement.objects.filter(pk=paused.pk).update(status=EngagementStatus.PAUSED)

    r = login(bob).get("/api/me/sessions/")
    assert r.status_code == 200
    results = r.json()["results"]
    assert [s["title"] for s in results] == ["Drop-in", "Running", "Soon", "Later"]
    by_title = {s["title"]: s for s in results}
    assert by_title["Soon"] == {
        "id": soon.pk,
        "engagement_id": mentorship.pk,
        "course": "Grant writing for early-career researchers",
        "kind": "mentorship",
        "title": "Soon",
        "starts_at": by_title["Soon"]["starts_at"],
        "ends_at": by_title["Soon"]["ends_at"],
        "always_open": False,
        "joinable_now": True,
        "websocket_url": f"ws://testserver/ws/live/{soon.pk}/",
    }
    assert datetime.fromisoformat(by_title["Soon"]["starts_at"]) == soon.starts_at
    assert by_title["Later"]["joinable_now"] is False
    assert by_title["Later"]["websocket_url"].endswith(f"/ws/live/{later.pk}/")
    assert by_title["Running"]["joinable_now"] is True
    assert by_title["Drop-in"]["joinable_now"] is True
    assert by_title["Drop-in"]["always_open"] is True
    assert by_title["Drop-in"]["id"] == room.pk
    assert running.pk in {s["id"] for s in results}
    # charlie takes part in nothing.
    assert login(charlie).get("/api/me/sessions/").json()["results"] == []


def test_it_gives_wss_urls_over_https(
    login: Callable[[User], Client],
    alice: User,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    session = make_session(course, in_minutes=5)
    r = login(alice).get("/api/me/sessions/", secure=True)
    assert r.json()["results"][0]["websocket_url"] == f"wss://testserver/ws/live/{session.pk}/"


def test_it_lists_sessions_an_overseer_may_join(
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    institution: Institution,
    course: Engagement,
    make_session: Callable[..., LiveSession],
) -> None:
    session = make_session(course, in_minutes=5)
    olga = make_user("olga@example.org", name="Olga Overseer")
    Membership.objects.create(institution=institution, user=olga, role=MemberRole.ADMIN)
    assert login(olga).get("/api/me/sessions/").json()["results"] == []
    Engagement.objects.filter(pk=course.pk).update(institution=institution)
    assert [s["id"] for s in login(olga).get("/api/me/sessions/").json()["results"]] == [session.pk]


def test_it_lists_my_sessions_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    mentorship: Engagement,
    course: Engagement,
    make_session: Callable[..., LiveSession],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    make_session(course, in_minutes=60)
    # session, user, count, page
    with django_assert_num_queries(4):
        assert client.get("/api/me/sessions/").json()["meta"]["count"] == 1
    for day in range(1, 8):
        make_session(course, in_minutes=day * 24 * 60)
        make_session(mentorship, in_minutes=day * 24 * 60)
    with django_assert_num_queries(4):
        assert len(client.get("/api/me/sessions/").json()["results"]) == 15

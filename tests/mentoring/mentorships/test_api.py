"""Mentorships over the API: the agreement, goals and tasks, sessions, private notes,
feedback and fit checks."""

from collections.abc import Callable

from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.notifications.models import Notification
from mentoring.engagements.models import Engagement, TimelineEntry, TimelineVerb
from mentoring.mentorships.models import (
    Agreement,
    FitCheck,
    Goal,
    MentoringSession,
    PrivateNote,
    SessionFeedback,
    Task,
)
from mentoring.mentorships.services import (
    goal_add,
    private_note_save,
    session_feedback_give,
    task_add,
)
from tests.mentoring.mentorships.conftest import held, log, send


def base(engagement: Engagement) -> str:
    return f"/api/engagements/{engagement.pk}"


# --- Agreement ----------------------------------------------------------------------------


def test_it_writes_and_confirms_the_agreement(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    r = send(
        login(alice),
        "put",
        f"{base(mentorship)}/agreement",
        {"goals": "A *grant*", "cadence": "monthly", "end_date": "2030-01-31"},
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["version"] == 2
    assert data["goals_html"] == "<p>A <em>grant</em></p>"
    assert data["end_date"] == "2030-01-31"
    assert [p["name"] for p in data["pending"]] == ["Alice Ndiaye", "Bob Mensah"]
    assert (data["can_edit"], data["can_confirm"]) == (True, True)

    r = send(login(bob), "post", f"{base(mentorship)}/agreement/confirm", {"version": 2})
    assert r.status_code == 200, r.content
    data = r.json()
    assert [c["name"] for c in data["confirmations"]] == ["Bob Mensah"]
    assert [p["name"] for p in data["pending"]] == ["Alice Ndiaye"]
    assert (data["can_edit"], data["can_confirm"]) == (False, False)

    got = login(bob).get(f"{base(mentorship)}/agreement").json()
    assert got == data


def test_it_refuses_to_confirm_a_stale_version(
    login: Callable[[User], Client], mentorship: Engagement, agreement: Agreement, bob: User
) -> None:
    r = send(login(bob), "post", f"{base(mentorship)}/agreement/confirm", {"version": 1})
    assert r.status_code == 400
    assert "version" in r.json()["error"]["fields"]


def test_it_refuses_an_invalid_agreement(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    r = send(
        login(alice), "put", f"{base(mentorship)}/agreement", {"goals": "x", "cadence": "hourly"}
    )
    assert r.status_code == 422
    assert "cadence" in r.json()["error"]["fields"]


# --- Goals and tasks ----------------------------------------------------------------------


def test_it_adds_and_changes_goals_and_tasks(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    client = login(bob)
    r = send(
        client, "post", f"{base(mentorship)}/goals", {"title": "Submit", "due_date": "2030-01-01"}
    )
    assert r.status_code == 201, r.content
    goal_id = r.json()["id"]
    assert r.json()["tasks"] == []

    r = send(client, "patch", f"{base(mentorship)}/goals/{goal_id}", {"progress": 30})
    assert r.status_code == 200, r.content
    assert (r.json()["progress"], r.json()["title"], r.json()["due_date"]) == (
        30,
        "Submit",
        "2030-01-01",
    )

    r = send(
        client,
        "post",
        f"{base(mentorship)}/goals/{goal_id}/tasks",
        {"title": "Aims", "assignee_id": alice.pk},
    )
    assert r.status_code == 201, r.content
    task = r.json()
    assert task["assignee"] == {"user_id": alice.pk, "name": "Alice Ndiaye"}
    assert task["done"] is False

    r = send(client, "patch", f"{base(mentorship)}/tasks/{task['id']}", {"done": True})
    assert r.status_code == 200
    assert r.json()["done"] is True and r.json()["title"] == "Aims"

    r = send(client, "patch", f"{base(mentorship)}/tasks/{task['id']}", {"assignee_id": None})
    assert r.json()["assignee"] is None
    assert r.json()["done"] is True

    r = send(client, "patch", f"{base(mentorship)}/goals/{goal_id}", {"status": "achieved"})
    assert r.json()["progress"] == 100
    assert [e.verb for e in TimelineEntry.objects.filter(verb__startswith="goal")] == [
        TimelineVerb.GOAL_ADDED,
        TimelineVerb.GOAL_CHANGED,
        TimelineVerb.GOAL_CLOSED,
    ]

    listed = client.get(f"{base(mentorship)}/goals").json()
    assert listed["meta"]["count"] == 1
    assert listed["results"][0]["tasks"][0]["id"] == task["id"]


def test_it_refuses_bad_goal_and_task_changes(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, charlie: User
) -> None:
    goal = goal_add(engagement=mentorship, by=alice, title="Goal")
    client = login(alice)
    r = send(client, "patch", f"{base(mentorship)}/goals/{goal.pk}", {"progress": 150})
    assert r.status_code == 422
    r = send(client, "patch", f"{base(mentorship)}/goals/{goal.pk}", {"title": None})
    assert r.status_code == 400
    r = send(
        client,
        "post",
        f"{base(mentorship)}/goals/{goal.pk}/tasks",
        {"title": "T", "assignee_id": charlie.pk},
    )
    assert r.status_code == 400
    assert "assignee_id" in r.json()["error"]["fields"]
    assert not Task.objects.exists()
    assert Goal.objects.get().progress == 0


def test_it_pins_the_queries_of_the_goal_list(
    login: Callable[[User], Client],
    mentorship: Engagement,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)
    url = f"{base(mentorship)}/goals"

    def add(n: int) -> None:
        for i in range(n):
            goal = goal_add(engagement=mentorship, by=alice, title=f"Goal {i}")
            task_add(goal=goal, by=alice, title=f"Task {i}", assignee=bob)

    add(1)
    # session, user, engagement, participant, count, goals, tasks
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    add(5)
    with django_assert_num_queries(7):
        assert len(client.get(url).json()["results"]) == 6


# --- Sessions -----------------------------------------------------------------------------


def test_it_logs_a_session_read_in_the_callers_time_zone(
    mentorship: Engagement, alice: User, bob: User
) -> None:
    User.objects.filter(pk=bob.pk).update(timezone="Asia/Tokyo")
    _token, raw = api_token_create(user=bob, name="script")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    r = send(
        client,
        "post",
        f"{base(mentorship)}/mentoring-sessions",
        {
            "held_at": "2024-03-01T19:00:00",
            "duration_minutes": 50,
            "shared_notes": "Shared",
            "private_notes": "BOB-PRIVATE",
            "attendees": [alice.pk, bob.pk],
        },
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["held_at"].startswith("2024-03-01T10:00:00")
    assert data["private_note"]["body"] == "BOB-PRIVATE"
    assert {a["name"] for a in data["attendees"]} == {"Alice Ndiaye", "Bob Mensah"}
    assert FitCheck.objects.filter(engagement=mentorship).count() == 2
    # With an offset, the offset counts.
    r = send(
        client,
        "post",
        f"{base(mentorship)}/mentoring-sessions",
        {"held_at": "2024-03-02T08:00:00+01:00", "duration_minutes": 50},
    )
    assert r.json()["held_at"].startswith("2024-03-02T07:00:00")


def test_it_refuses_unknown_attendees(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    r = send(
        login(alice),
        "post",
        f"{base(mentorship)}/mentoring-sessions",
        {
            "held_at": "2024-03-01T10:00:00Z",
            "duration_minutes": 50,
            "attendees": [alice.pk, 999_999],
        },
    )
    assert r.status_code == 400
    assert "attendees" in r.json()["error"]["fields"]
    assert not MentoringSession.objects.exists()


def test_it_sends_each_caller_only_their_own_private_note_and_allowed_feedback(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User, with_dina: User
) -> None:
    session = log(mentorship, alice)
    private_note_save(session=session, author=alice, body="ALICE-PRIVATE")
    private_note_save(session=session, author=bob, body="BOB-PRIVATE")
    session_feedback_give(session=session, author=bob, rating=3, goal_progress=2, comment="BOB-FB")
    session_feedback_give(
        session=session, author=with_dina, rating=5, goal_progress=5, comment="DINA-FB"
    )

    def read(user: User) -> dict:
        r = login(user).get(f"{base(mentorship)}/mentoring-sessions")
        assert r.status_code == 200
        assert r.json()["meta"]["count"] == 1
        return r.json()["results"][0]

    alice_view, bob_view, dina_view = read(alice), read(bob), read(with_dina)
    assert alice_view["private_note"]["body"] == "ALICE-PRIVATE"
    assert bob_view["private_note"]["body"] == "BOB-PRIVATE"
    assert dina_view["private_note"] is None
    assert sorted(f["comment"] for f in alice_view["feedback"]) == ["BOB-FB", "DINA-FB"]
    assert [f["comment"] for f in bob_view["feedback"]] == ["BOB-FB"]
    assert [f["comment"] for f in dina_view["feedback"]] == ["DINA-FB"]
    for user in (alice, with_dina):
        one = (
            login(user).get(f"{base(mentorship)}/mentoring-sessions/{session.pk}").content.decode()
        )
        assert "BOB-PRIVATE" not in one
        timeline = login(user).get(f"{base(mentorship)}/timeline")
        assert timeline.status_code == 200
        assert "BOB-PRIVATE" not in timeline.content.decode()


def test_it_writes_rewrites_and_deletes_the_callers_private_note(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    session = log(mentorship, alice)
    url = f"{base(mentorship)}/mentoring-sessions/{session.pk}/private-note"
    client = login(bob)
    r = send(client, "put", url, {"body": "one"})
    assert r.status_code == 200 and r.json()["body_html"] == "<p>one</p>"
    r = send(client, "put", url, {"body": "two"})
    assert r.json()["body"] == "two"
    entry = TimelineEntry.objects.get(verb=TimelineVerb.PRIVATE_NOTE)
    assert (entry.body, entry.actor) == ("two", bob)
    # alice's PUT writes her own note, never bob's.
    send(login(alice), "put", url, {"body": "hers"})
    assert PrivateNote.objects.get(author=bob).body == "two"
    r = send(client, "put", url, {"body": ""})
    assert r.status_code == 204
    assert list(PrivateNote.objects.values_list("author__email", flat=True)) == [
        "alice@example.org"
    ]


def test_it_takes_feedback_once(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    session = log(mentorship, alice)
    url = f"{base(mentorship)}/mentoring-sessions/{session.pk}/feedback"
    r = send(login(bob), "post", url, {"rating": 4, "goal_progress": 3, "comment": "Good"})
    assert r.status_code == 201, r.content
    assert r.json()["author"]["name"] == "Bob Mensah"
    r = send(login(bob), "post", url, {"rating": 1, "goal_progress": 1})
    assert r.status_code == 400
    r = send(login(alice), "post", url, {"rating": 6, "goal_progress": 1})
    assert r.status_code == 422
    assert SessionFeedback.objects.count() == 1


def test_it_pins_the_queries_of_the_session_list(
    login: Callable[[User], Client],
    mentorship: Engagement,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)
    url = f"{base(mentorship)}/mentoring-sessions"

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            session = log(mentorship, alice, held_at=held(days=i + 1))
            session_feedback_give(session=session, author=bob, rating=4, goal_progress=3)

    add(1, 0)
    # session, user, engagement, participant, count, sessions, attendees, notes, feedback
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    add(5, 1)
    with django_assert_num_queries(9):
        assert len(client.get(url).json()["results"]) == 6


# --- Fit check ----------------------------------------------------------------------------


def test_it_answers_the_fit_check(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User, with_cora: User
) -> None:
    client = login(bob)
    assert client.get(f"{base(mentorship)}/fit-check").status_code == 404
    log(mentorship, alice)
    r = client.get(f"{base(mentorship)}/fit-check")
    assert r.status_code == 200 and r.json()["fits"] is None
    r = send(client, "post", f"{base(mentorship)}/fit-check", {"fits": False, "comment": "No"})
    assert r.status_code == 200, r.content
    assert r.json()["fits"] is False and r.json()["answered_at"]
    assert Notification.objects.filter(user=with_cora, url__endswith="/next-mentors/").count() == 1
    r = send(client, "post", f"{base(mentorship)}/fit-check", {"fits": True})
    assert r.status_code == 400

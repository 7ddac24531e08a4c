"""Who may open every page and call every endpoint of a mentorship: anonymous visitors are
sent to sign in (pages) or get 401 (API), outsiders get 404, participants who may only read
get 403 on what takes running the mentorship."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement
from mentoring.mentorships.models import (
    Agreement,
    AgreementConfirmation,
    FitCheck,
    Goal,
    MentoringSession,
    PrivateNote,
    SessionFeedback,
    Task,
)
from mentoring.mentorships.services import goal_add, task_add
from tests.mentoring.mentorships.conftest import log, send, write


@dataclass
class World:
    mentorship: Engagement
    goal: Goal
    task: Task
    session: MentoringSession


@pytest.fixture
def world(mentorship: Engagement, alice: User, bob: User) -> World:
    write(mentorship, alice)
    goal = goal_add(engagement=mentorship, by=alice, title="Grant")
    task = task_add(goal=goal, by=alice, title="Draft", assignee=bob)
    return World(mentorship, goal, task, log(mentorship, alice))


def page_urls(w: World) -> dict[str, str]:
    pk = w.mentorship.pk
    return {
        "agreement": reverse("mentorship_agreement", args=[pk]),
        "agreement_edit": reverse("mentorship_agreement_edit", args=[pk]),
        "agreement_confirm": reverse("mentorship_agreement_confirm", args=[pk]),
        "goals": reverse("mentorship_goals", args=[pk]),
        "goal_edit": reverse("mentorship_goal_edit", args=[pk, w.goal.pk]),
        "task_add": reverse("mentorship_task_add", args=[pk, w.goal.pk]),
        "task_edit": reverse("mentorship_task_edit", args=[pk, w.task.pk]),
        "task_done": reverse("mentorship_task_done", args=[pk, w.task.pk]),
        "sessions": reverse("mentorship_sessions", args=[pk]),
        "session": reverse("mentorship_session_detail", args=[pk, w.session.pk]),
        "private_note": reverse("mentorship_private_note", args=[pk, w.session.pk]),
        "feedback": reverse("mentorship_feedback", args=[pk, w.session.pk]),
        "fit_check": reverse("mentorship_fit_check", args=[pk]),
        "next_mentors": reverse("mentorship_next_mentors", args=[pk]),
    }


# Pages answering GET (the others take POST only).
GET_PAGES = [
    "agreement",
    "agreement_edit",
    "goals",
    "goal_edit",
    "task_edit",
    "sessions",
    "session",
    "fit_check",
    "next_mentors",
]
POST_PAGES = [
    "agreement_edit",
    "agreement_confirm",
    "goals",
    "goal_edit",
    "task_add",
    "task_edit",
    "task_done",
    "sessions",
    "private_note",
    "feedback",
    "fit_check",
]
# Something a POST from someone who may do it would create or change.
POST_BODY = {
    "goals": "Hacked",
    "cadence": "weekly",
    "version": "2",
    "title": "Hacked",
    "progress": "10",
    "status": "open",
    "done": "1",
    "held_at": "2024-01-01T10:00",
    "duration_minutes": "30",
    "body": "Hacked",
    "rating": "5",
    "goal_progress": "5",
    "fits": "no",
}


def snapshot() -> tuple[Any, ...]:
    return (
        list(Agreement.objects.values_list("version", "goals")),
        list(Goal.objects.values_list("title", "progress")),
        list(Task.objects.values_list("title", "done_at")),
        MentoringSession.objects.count(),
        PrivateNote.objects.count(),
        SessionFeedback.objects.count(),
        AgreementConfirmation.objects.count(),
        list(FitCheck.objects.values_list("fits", flat=True)),
    )


@pytest.mark.parametrize("name", GET_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client: Client, world: World, name: str) -> None:
    url = page_urls(world)[name]
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("name", POST_PAGES)
def test_it_sends_anonymous_posts_to_sign_in(client: Client, world: World, name: str) -> None:
    before = snapshot()
    r = client.post(page_urls(world)[name], POST_BODY)
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_PAGES)
def test_it_hides_every_page_from_outsiders(
    login: Callable[[User], Client], world: World, charlie: User, name: str
) -> None:
    assert login(charlie).get(page_urls(world)[name]).status_code == 404


@pytest.mark.parametrize("name", POST_PAGES)
def test_it_refuses_every_post_from_outsiders(
    login: Callable[[User], Client], world: World, charlie: User, name: str
) -> None:
    before = snapshot()
    assert login(charlie).post(page_urls(world)[name], POST_BODY).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["agreement_edit", "next_mentors"])
def test_it_refuses_manager_pages_to_a_mentee(
    login: Callable[[User], Client], world: World, bob: User, name: str
) -> None:
    assert login(bob).get(page_urls(world)[name]).status_code == 403


def test_it_refuses_a_mentees_agreement_edit(
    login: Callable[[User], Client], world: World, bob: User
) -> None:
    r = login(bob).post(page_urls(world)["agreement_edit"], POST_BODY)
    assert r.status_code == 403
    agreement = Agreement.objects.get(engagement=world.mentorship)
    assert (agreement.version, agreement.goals) == (2, "Write a first grant proposal.")


@pytest.mark.parametrize("name", ["agreement_confirm", "sessions", "feedback"])
def test_it_refuses_what_only_mentor_and_mentees_do_to_a_coordinator(
    login: Callable[[User], Client], world: World, with_cora: User, name: str
) -> None:
    before = snapshot()
    assert login(with_cora).post(page_urls(world)[name], POST_BODY).status_code == 403
    assert snapshot() == before


def test_it_answers_404_for_objects_of_another_mentorship(
    login: Callable[[User], Client], world: World, alice: User, bob: User
) -> None:
    other = Engagement.objects.create(kind="mentorship", title="Other")
    from mentoring.engagements.services import participant_add

    participant_add(engagement=other, user=alice, role="mentor", by=alice)
    client = login(alice)
    for name in ("goal_edit", "task_edit", "session"):
        url = page_urls(world)[name].replace(
            f"/engagements/{world.mentorship.pk}/", f"/engagements/{other.pk}/"
        )
        assert client.get(url).status_code == 404, name


def test_it_answers_404_for_an_engagement_of_another_kind(
    login: Callable[[User], Client], course: Engagement, alice: User
) -> None:
    client = login(alice)
    for name in ("mentorship_agreement", "mentorship_goals", "mentorship_sessions"):
        assert client.get(reverse(name, args=[course.pk])).status_code == 404


# --- API ------------------------------------------------------------------------------------


def api_calls(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    base = f"/api/engagements/{w.mentorship.pk}"
    session = f"{base}/mentoring-sessions/{w.session.pk}"
    return [
        ("get", f"{base}/agreement", {}),
        ("put", f"{base}/agreement", {"goals": "Hacked", "cadence": "weekly"}),
        ("post", f"{base}/agreement/confirm", {"version": 2}),
        ("get", f"{base}/goals", {}),
        ("post", f"{base}/goals", {"title": "Hacked"}),
        ("patch", f"{base}/goals/{w.goal.pk}", {"progress": 90}),
        ("post", f"{base}/goals/{w.goal.pk}/tasks", {"title": "Hacked"}),
        ("patch", f"{base}/tasks/{w.task.pk}", {"done": True}),
        ("get", f"{base}/mentoring-sessions", {}),
        (
            "post",
            f"{base}/mentoring-sessions",
            {"held_at": "2024-01-01T10:00:00Z", "duration_minutes": 30},
        ),
        ("get", session, {}),
        ("put", f"{session}/private-note", {"body": "Hacked"}),
        ("post", f"{session}/feedback", {"rating": 5, "goal_progress": 5}),
        ("get", f"{base}/fit-check", {}),
        ("post", f"{base}/fit-check", {"fits": False}),
    ]


def call(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(path)
    return send(client, method, path, body)


def test_it_answers_401_to_anonymous_api_callers(client: Client, world: World) -> None:
    before = snapshot()
    for method, path, body in api_calls(world):
        r = call(client, method, path, body)
        assert r.status_code == 401, (method, path)
        assert r.json()["error"]["code"] == "unauthenticated"
    assert snapshot() == before


def test_it_answers_404_to_outsiders_on_every_endpoint(
    login: Callable[[User], Client], world: World, charlie: User
) -> None:
    before = snapshot()
    client = login(charlie)
    for method, path, body in api_calls(world):
        r = call(client, method, path, body)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"]["code"] == "not_found"
    assert snapshot() == before


def test_it_answers_403_to_a_mentee_editing_the_agreement(
    login: Callable[[User], Client], world: World, bob: User
) -> None:
    r = send(
        login(bob),
        "put",
        f"/api/engagements/{world.mentorship.pk}/agreement",
        {"goals": "Hacked", "cadence": "weekly"},
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    agreement = Agreement.objects.get(engagement=world.mentorship)
    assert (agreement.version, agreement.goals) == (2, "Write a first grant proposal.")


def test_it_answers_403_to_a_coordinator_on_what_mentor_and_mentees_do(
    login: Callable[[User], Client], world: World, with_cora: User
) -> None:
    before = snapshot()
    client = login(with_cora)
    base = f"/api/engagements/{world.mentorship.pk}"
    for path, body in (
        (f"{base}/agreement/confirm", {"version": 2}),
        (f"{base}/mentoring-sessions", {"held_at": "2024-01-01T10:00:00Z", "duration_minutes": 3}),
        (
            f"{base}/mentoring-sessions/{world.session.pk}/feedback",
            {"rating": 5, "goal_progress": 5},
        ),
    ):
        assert send(client, "post", path, body).status_code == 403, path
    assert snapshot() == before


def test_it_answers_404_for_a_fit_check_nobody_asked(
    login: Callable[[User], Client], world: World, with_cora: User
) -> None:
    r = login(with_cora).get(f"/api/engagements/{world.mentorship.pk}/fit-check")
    assert r.status_code == 404


@pytest.mark.parametrize("name", GET_PAGES)
def test_it_opens_every_page_to_a_coordinator(
    login: Callable[[User], Client], world: World, with_cora: User, name: str
) -> None:
    assert login(with_cora).get(page_urls(world)[name]).status_code == 200


@pytest.mark.parametrize("name", [n for n in GET_PAGES if n != "next_mentors"])
def test_it_opens_the_participants_pages_to_the_mentor_and_the_mentee(
    login: Callable[[User], Client], world: World, alice: User, bob: User, name: str
) -> None:
    for user in (alice, bob):
        if name == "agreement_edit" and user == bob:
            continue
        assert login(user).get(page_urls(world)[name]).status_code == 200, user

"""Plausible dates in a mentorship: goals, tasks and the agreement's end between 2000 and ten
years from today; a session held from 2000 on and not ahead. Refused with the field named, in
the services, on the pages and over the API, never a server error."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements.dates import latest_due_date
from mentoring.engagements.models import Engagement
from mentoring.mentorships import services
from mentoring.mentorships.models import Agreement, Goal, MentoringSession, Task
from tests.mentoring.mentorships.conftest import log, send

pytestmark = pytest.mark.django_db

OUT_OF_BOUNDS = [date(1900, 1, 1), date(1999, 12, 31), date(9999, 12, 31)]


def base(engagement: Engagement) -> str:
    return f"/api/engagements/{engagement.pk}"


# --- Goals and tasks ----------------------------------------------------------------------


@pytest.mark.parametrize("due", OUT_OF_BOUNDS)
def test_it_refuses_a_goal_or_task_due_out_of_bounds(
    mentorship: Engagement, alice: User, due: date
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.goal_add(engagement=mentorship, by=alice, title="Submit", due_date=due)
    assert "between" in caught.value.message_dict["due_date"][0]
    goal = services.goal_add(engagement=mentorship, by=alice, title="Submit")
    with pytest.raises(ValidationError) as caught:
        services.goal_update(
            goal=goal,
            by=alice,
            title="Submit",
            description="",
            progress=10,
            status=goal.status,
            due_date=due,
        )
    assert "due_date" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.task_add(goal=goal, by=alice, title="Draft", due_date=due)
    assert "due_date" in caught.value.message_dict
    task = services.task_add(goal=goal, by=alice, title="Draft")
    with pytest.raises(ValidationError) as caught:
        services.task_update(
            task=task, by=alice, title="Draft", assignee=None, due_date=due, done=False
        )
    assert "due_date" in caught.value.message_dict
    goal.refresh_from_db()
    task.refresh_from_db()
    assert (goal.due_date, goal.progress, task.due_date) == (None, 0, None)


def test_it_takes_due_dates_from_2000_to_ten_years_ahead(
    mentorship: Engagement, alice: User
) -> None:
    first = services.goal_add(
        engagement=mentorship, by=alice, title="Long done", due_date=date(2000, 1, 1)
    )
    last = services.goal_add(
        engagement=mentorship, by=alice, title="Far", due_date=latest_due_date()
    )
    assert Goal.objects.filter(pk__in=[first.pk, last.pk]).count() == 2


def test_it_shows_a_goal_due_in_1900_as_an_error_beside_the_field(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    client = login(alice)
    r = client.post(
        reverse("mentorship_goals", args=[mentorship.pk]),
        {"title": "Submit", "description": "", "due_date": "1900-01-01"},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["due_date"]
    assert not Goal.objects.exists()
    goal = services.goal_add(engagement=mentorship, by=alice, title="Submit")
    r = client.post(
        reverse("mentorship_task_add", args=[mentorship.pk, goal.pk]),
        {"title": "Draft", "assignee": "", "due_date": "9999-12-31"},
    )
    assert r.status_code == 200
    assert r.context["task_form"].errors["due_date"]
    assert not Task.objects.exists()


def test_it_answers_400_on_the_field_for_a_far_goal_or_task(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    client = login(alice)
    r = send(client, "post", f"{base(mentorship)}/goals", {"title": "X", "due_date": "9999-12-31"})
    assert r.status_code == 400
    assert "due_date" in r.json()["error"]["fields"]
    goal = services.goal_add(engagement=mentorship, by=alice, title="Submit")
    r = send(client, "patch", f"{base(mentorship)}/goals/{goal.pk}", {"due_date": "1900-01-01"})
    assert r.status_code == 400
    assert "due_date" in r.json()["error"]["fields"]
    r = send(
        client,
        "post",
        f"{base(mentorship)}/goals/{goal.pk}/tasks",
        {"title": "Draft", "due_date": "9999-12-31"},
    )
    assert r.status_code == 400
    assert "due_date" in r.json()["error"]["fields"]


# --- The agreement's end ------------------------------------------------------------------


def test_it_refuses_an_agreement_ending_in_9999(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.agreement_update(
            engagement=mentorship,
            by=alice,
            goals="Goals",
            expectations="",
            cadence="weekly",
            end_date=date(9999, 12, 31),
        )
    assert "end_date" in caught.value.message_dict
    r = login(alice).post(
        reverse("mentorship_agreement_edit", args=[mentorship.pk]),
        {"goals": "Goals", "expectations": "", "cadence": "weekly", "end_date": "9999-12-31"},
    )
    assert r.status_code == 200
    assert r.context["form"].errors["end_date"]
    r = send(
        login(alice),
        "put",
        f"{base(mentorship)}/agreement",
        {"goals": "Goals", "cadence": "weekly", "end_date": "9999-12-31"},
    )
    assert r.status_code == 400
    assert "end_date" in r.json()["error"]["fields"]
    assert Agreement.objects.get(engagement=mentorship).end_date is None


# --- When a session was held --------------------------------------------------------------


def test_it_refuses_a_session_held_before_2000(mentorship: Engagement, alice: User) -> None:
    for held_at in (
        datetime(1999, 12, 31, 23, 0, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, tzinfo=timezone.get_fixed_timezone(60)),
    ):
        with pytest.raises(ValidationError) as caught:
            log(mentorship, alice, held_at=held_at)
        assert "from Jan. 1, 2000 on" in caught.value.message_dict["held_at"][0]
    assert log(mentorship, alice, held_at=datetime(2000, 1, 1, 9, 0, tzinfo=UTC)).pk


def test_it_shows_a_session_held_in_year_1_as_an_error_beside_the_field(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    alice.timezone = "Europe/Paris"
    alice.save()
    r = login(alice).post(
        reverse("mentorship_sessions", args=[mentorship.pk]),
        {
            "held_at": "0001-01-01T00:00",
            "duration_minutes": "45",
            "attendees": [str(alice.pk)],
            "shared_notes": "TYPED",
            "private_notes": "",
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["held_at"]
    assert "TYPED" in r.content.decode()
    assert not MentoringSession.objects.exists()


@pytest.mark.parametrize("held_at", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00"])
def test_it_answers_400_on_the_field_for_a_session_held_in_year_1(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, held_at: str
) -> None:
    alice.timezone = "Europe/Paris"
    alice.save()
    r = send(
        login(alice),
        "post",
        f"{base(mentorship)}/mentoring-sessions",
        {"held_at": held_at, "duration_minutes": 45},
    )
    assert r.status_code == 400
    assert "held_at" in r.json()["error"]["fields"]
    assert not MentoringSession.objects.exists()


def test_it_still_refuses_a_session_ahead(mentorship: Engagement, alice: User) -> None:
    with pytest.raises(ValidationError) as caught:
        log(mentorship, alice, held_at=timezone.now() + timedelta(days=1))
    assert "this time is ahead" in caught.value.message_dict["held_at"][0]

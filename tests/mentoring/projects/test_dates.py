"""Plausible dates on projects: milestones are due between 2000 and ten years from today,
an impact report covers a period between 2000 and today. Refused with the field named, in
the services, on the pages and over the API."""

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements.dates import latest_due_date
from mentoring.engagements.models import Engagement, ParticipantRole, Side
from mentoring.engagements.services import engagement_invitation_send
from mentoring.projects import services
from mentoring.projects.models import ImpactReport, Milestone

pytestmark = pytest.mark.django_db

TOO_EARLY = date(1999, 12, 31)
FAR_AHEAD = date(9999, 12, 31)


def send(client: Client, method: str, path: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def report(engagement: Engagement, by: User, start: date, end: date) -> ImpactReport:
    return services.impact_report_submit(
        engagement=engagement,
        by=by,
        title="Year 1",
        period_start=start,
        period_end=end,
        body="Trained 20 people.",
    )


# --- Milestones ---------------------------------------------------------------------------


@pytest.mark.parametrize("due", [TOO_EARLY, FAR_AHEAD, date(1, 1, 1)])
def test_it_refuses_a_milestone_due_out_of_bounds(
    project: Engagement, alice: User, due: date
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.milestone_add(engagement=project, by=alice, title="Pilot", due_date=due)
    assert "between" in caught.value.message_dict["due_date"][0]
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2000, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        services.milestone_update(milestone=milestone, by=alice, title="Pilot", due_date=due)
    assert "due_date" in caught.value.message_dict
    milestone.refresh_from_db()
    assert milestone.due_date == date(2000, 1, 1)


def test_it_takes_a_milestone_due_ten_years_ahead(project: Engagement, alice: User) -> None:
    due = latest_due_date()
    assert due.year == timezone.localdate().year + 10
    assert services.milestone_add(engagement=project, by=alice, title="Late", due_date=due).pk
    with pytest.raises(ValidationError):
        services.milestone_add(
            engagement=project, by=alice, title="Later", due_date=due + timedelta(days=1)
        )


def test_it_shows_a_far_milestone_as_an_error_beside_the_field(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    client = login(alice)
    response = client.post(
        reverse("project_milestones", args=[project.pk]),
        {"title": "Pilot", "due_date": "9999-12-31"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]
    assert not Milestone.objects.exists()
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    response = client.post(
        reverse("project_milestone_edit", args=[project.pk, milestone.pk]),
        {"title": "Pilot", "due_date": "9999-12-31"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]


def test_it_answers_400_on_the_field_for_a_far_milestone(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    client = login(alice)
    path = f"/api/engagements/{project.pk}/milestones"
    response = send(client, "post", path, {"title": "Pilot", "due_date": "9999-12-31"})
    assert response.status_code == 400
    assert "due_date" in response.json()["error"]["fields"]
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    response = send(client, "patch", f"{path}/{milestone.pk}", {"due_date": "1900-01-01"})
    assert response.status_code == 400
    assert "due_date" in response.json()["error"]["fields"]


# --- Impact reports -----------------------------------------------------------------------


def test_it_refuses_a_report_on_any_time_at_all(project: Engagement, alice: User) -> None:
    with pytest.raises(ValidationError) as caught:
        report(project, alice, date(1, 1, 1), FAR_AHEAD)
    assert {"period_start", "period_end"} <= set(caught.value.message_dict)
    assert not ImpactReport.objects.exists()


def test_it_refuses_a_report_on_a_period_not_over_yet(project: Engagement, alice: User) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        report(project, alice, today - timedelta(days=30), today + timedelta(days=1))
    assert list(caught.value.message_dict) == ["period_end"]
    assert "ends today at the latest" in caught.value.message_dict["period_end"][0]
    with pytest.raises(ValidationError) as caught:
        report(project, alice, today + timedelta(days=1), today + timedelta(days=30))
    assert {"period_start", "period_end"} <= set(caught.value.message_dict)
    assert report(project, alice, date(2000, 1, 1), today).pk


def test_it_shows_a_report_period_error_beside_the_fields(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    response = login(alice).post(
        reverse("project_impact_reports", args=[project.pk]),
        {
            "title": "Everything",
            "period_start": "0001-01-01",
            "period_end": "9999-12-31",
            "body": "All of it.",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["period_start"] and errors["period_end"]
    assert "All of it." in response.content.decode()
    assert not ImpactReport.objects.exists()


def test_it_answers_400_on_the_fields_for_a_report_period_out_of_bounds(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    response = send(
        login(alice),
        "post",
        f"/api/engagements/{project.pk}/impact-reports",
        {"title": "Y1", "period_start": "1900-01-01", "period_end": "9999-12-31", "body": "Ok"},
    )
    assert response.status_code == 400
    assert {"period_start", "period_end"} <= set(response.json()["error"]["fields"])
    assert not ImpactReport.objects.exists()


# --- The invitation page ------------------------------------------------------------------


def test_it_ends_the_invitation_deadline_with_one_full_stop(
    login: Callable[[User], Client], project: Engagement, alice: User, charlie: User
) -> None:
    invitation = engagement_invitation_send(
        engagement=project,
        email=charlie.email,
        role=ParticipantRole.MEMBER,
        side=Side.EXPERT,
        by=alice,
    )
    charlie.timezone = "UTC"
    charlie.save()
    html = login(charlie).get(reverse("engagement_invitation", args=[invitation.token]))
    body = html.content.decode()
    assert "The invitation is valid until" in body
    assert "(UTC)." in body  # the zone closes the sentence, not a second full stop
    assert "m.." not in body

"""Joint projects over the API: every endpoint's permissions, and what each one does."""

import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import Institution
from mentoring.engagements.models import Engagement, EngagementInvitation
from mentoring.projects import services
from mentoring.projects.models import ImpactReport, Milestone, Output, Project, WorkPlanApproval

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


@dataclass(frozen=True)
class Objects:
    engagement: Engagement
    milestone: Milestone
    output: Output


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {e}, {m}, {o}
    body: dict[str, Any]
    manager_only: bool

    def url(self, objects: Objects) -> str:
        return "/api" + self.path.format(
            e=objects.engagement.pk, m=objects.milestone.pk, o=objects.output.pk
        )


ENDPOINTS = [
    Endpoint("get", "/engagements/{e}/work-plan", {}, False),
    Endpoint("put", "/engagements/{e}/work-plan", {"work_plan": "New plan"}, True),
    Endpoint("post", "/engagements/{e}/work-plan/approve", {"version": 1}, False),
    Endpoint("get", "/engagements/{e}/impact-plan", {}, False),
    Endpoint("put", "/engagements/{e}/impact-plan", {"impact_plan": "Reach 100"}, True),
    Endpoint("get", "/engagements/{e}/milestones", {}, False),
    Endpoint(
        "post", "/engagements/{e}/milestones", {"title": "Pilot", "due_date": "2030-01-01"}, True
    ),
    Endpoint("patch", "/engagements/{e}/milestones/{m}", {"status": "in_progress"}, False),
    Endpoint("patch", "/engagements/{e}/milestones/{m}", {"title": "Renamed"}, True),
    Endpoint("get", "/engagements/{e}/outputs", {}, False),
    Endpoint("post", "/engagements/{e}/outputs", {"kind": "link", "title": "Site"}, False),
    Endpoint("delete", "/engagements/{e}/outputs/{o}", {}, True),  # added by the manager
    Endpoint("get", "/engagements/{e}/impact-reports", {}, False),
    Endpoint(
        "post",
        "/engagements/{e}/impact-reports",
        {"title": "Y1", "period_start": "2024-01-01", "period_end": "2024-12-31", "body": "Ok"},
        True,
    ),
]
IDS = [f"{e.method}-{e.path}-{'m' if e.manager_only else 'p'}" for e in ENDPOINTS]


def make_objects(engagement: Engagement, manager: User) -> Objects:
    return Objects(
        engagement=engagement,
        milestone=services.milestone_add(
            engagement=engagement, by=manager, title="Data", due_date=date(2030, 1, 31)
        ),
        output=services.output_add(
            engagement=engagement, by=manager, kind="publication", title="Paper"
        ),
    )


@pytest.fixture
def objects(project: Engagement, alice: User) -> Objects:
    return make_objects(project, alice)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_asks_anonymous_callers_to_sign_in(
    client: Client, objects: Objects, endpoint: Endpoint
) -> None:
    response = send(client, endpoint.method, endpoint.url(objects), endpoint.body)
    assert response.status_code == 401
    assert error(response)["code"] == "unauthenticated"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_hides_projects_from_outsiders(
    login: Callable[[User], Client], charlie: User, objects: Objects, endpoint: Endpoint
) -> None:
    response = send(login(charlie), endpoint.method, endpoint.url(objects), endpoint.body)
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_refuses_managers_actions_to_a_plain_member(
    login: Callable[[User], Client], bob: User, objects: Objects, endpoint: Endpoint
) -> None:
    response = send(login(bob), endpoint.method, endpoint.url(objects), endpoint.body)
    if endpoint.manager_only:
        assert response.status_code == 403
        assert error(response)["code"] == "forbidden"
    else:
        assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_lets_the_lead_call_everything(
    login: Callable[[User], Client], alice: User, objects: Objects, endpoint: Endpoint
) -> None:
    response = send(login(alice), endpoint.method, endpoint.url(objects), endpoint.body)
    assert response.status_code in (200, 201, 204), response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_lets_an_institution_admin_oversee(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    institution_project: Engagement,
    endpoint: Endpoint,
) -> None:
    objects = make_objects(institution_project, bob)
    response = send(login(alice), endpoint.method, endpoint.url(objects), endpoint.body)
    assert response.status_code in (200, 201, 204), response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_it_finds_no_project_behind_another_kind(
    login: Callable[[User], Client],
    alice: User,
    mentorship: Engagement,
    objects: Objects,
    endpoint: Endpoint,
) -> None:
    other = Objects(engagement=mentorship, milestone=objects.milestone, output=objects.output)
    response = send(login(alice), endpoint.method, endpoint.url(other), endpoint.body)
    assert response.status_code == 404


# --- Creating a project -------------------------------------------------------------------


def project_body(*invitations: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "Health data science curriculum",
        "work_plan": "1. Map the courses",
        "invitations": list(invitations),
    }


def test_it_creates_a_project_over_the_api_with_a_token(
    institution: Institution, bob: User
) -> None:
    _token, raw = api_token_create(user=bob, name="script")
    response = Client().post(
        f"/api/institutions/{institution.pk}/projects",
        json.dumps(project_body({"email": "eve@example.org", "role": "lead", "side": "expert"})),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    engagement = Engagement.objects.get()
    assert data["id"] == engagement.pk
    assert data["url"] == f"/engagements/{engagement.pk}/"
    assert data["status"] == "proposed"
    assert data["work_plan_version"] == 1
    assert [(i["email"], i["role"], i["status"]) for i in data["invitations"]] == [
        ("eve@example.org", "lead", "pending")
    ]


def test_it_refuses_the_whole_project_for_one_bad_line(
    login: Callable[[User], Client], institution: Institution, bob: User
) -> None:
    response = send(
        login(bob),
        "post",
        f"/api/institutions/{institution.pk}/projects",
        project_body({"email": "eve@example.org"}, {"email": "nope", "role": "boss"}),
    )
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"invitations.1.email", "invitations.1.role"}
    assert not Engagement.objects.exists()
    assert not EngagementInvitation.objects.exists()


def test_it_lets_only_members_create_projects_over_the_api(
    client: Client,
    login: Callable[[User], Client],
    institution: Institution,
    charlie: User,
    bob: User,
) -> None:
    path = f"/api/institutions/{institution.pk}/projects"
    body = project_body({"email": "eve@example.org"})
    assert send(client, "post", path, body).status_code == 401
    assert send(login(charlie), "post", path, body).status_code == 403
    missing = f"/api/institutions/{institution.pk + 1000}/projects"
    assert send(login(bob), "post", missing, body).status_code == 404
    assert not Engagement.objects.exists()


# --- Work plan ----------------------------------------------------------------------------


def test_it_reads_changes_and_approves_the_work_plan(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    path = f"/api/engagements/{project.pk}/work-plan"
    data = login(bob).get(path).json()
    assert data["version"] == 1
    assert data["can_edit"] is False
    assert data["can_approve"] == ["institution"]
    assert [(a["side"], a["approved"]) for a in data["approvals"]] == [
        ("expert", False),
        ("institution", False),
    ]
    assert len(data["start_problems"]) == 2
    approved = send(login(bob), "post", f"{path}/approve", {"version": 1}).json()
    assert approved["approvals"][1]["approved_by"] == "Bob Mensah"
    changed = send(login(alice), "put", path, {"work_plan": "Plan two"}).json()
    assert changed["version"] == 2
    assert [a["approved"] for a in changed["approvals"]] == [False, False]
    stale = send(login(alice), "post", f"{path}/approve", {"version": 1})
    assert stale.status_code == 400
    assert "version" in error(stale)["fields"]
    assert WorkPlanApproval.objects.count() == 1


def test_it_asks_which_side_when_the_caller_may_approve_for_both(
    login: Callable[[User], Client], institution_project: Engagement, alice: User
) -> None:
    from mentoring.engagements.services import participant_add

    participant_add(
        engagement=institution_project, user=alice, role="member", side="expert", by=alice
    )
    path = f"/api/engagements/{institution_project.pk}/work-plan/approve"
    response = send(login(alice), "post", path, {"version": 1})
    assert response.status_code == 400
    assert "side" in error(response)["fields"]
    ok = send(login(alice), "post", path, {"version": 1, "side": "institution"})
    assert ok.status_code == 200


# --- Milestones ---------------------------------------------------------------------------


def test_it_moves_milestones_and_refuses_invalid_moves(
    login: Callable[[User], Client], objects: Objects, bob: User
) -> None:
    path = f"/api/engagements/{objects.engagement.pk}/milestones/{objects.milestone.pk}"
    skipped = send(login(bob), "patch", path, {"status": "done"})
    assert skipped.status_code == 400
    assert "status" in error(skipped)["fields"]
    moved = send(login(bob), "patch", path, {"status": "in_progress"}).json()
    assert moved["status"] == "in_progress"
    assert moved["next_statuses"] == ["done", "dropped"]
    done = send(login(bob), "patch", path, {"status": "done"}).json()
    assert done["completed_at"] is not None


def test_it_marks_overdue_in_the_token_users_own_day(
    project: Engagement, alice: User, bob: User
) -> None:
    alice.timezone = "Pacific/Kiritimati"
    alice.save(update_fields=["timezone"])
    bob.timezone = "Pacific/Pago_Pago"
    bob.save(update_fields=["timezone"])
    due = timezone.localdate(timezone=zoneinfo.ZoneInfo("Pacific/Pago_Pago"))
    services.milestone_add(engagement=project, by=alice, title="Edge", due_date=due)

    def overdue(user: User) -> bool:
        _token, raw = api_token_create(user=user, name="script")
        response = Client().get(
            f"/api/engagements/{project.pk}/milestones",
            headers={"Authorization": f"Bearer {raw}"},
        )
        return response.json()["results"][0]["overdue"]

    assert overdue(alice) is True
    assert overdue(bob) is False


def test_it_lists_milestones_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    project: Engagement,
    alice: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(5):
        services.milestone_add(
            engagement=project, by=alice, title=f"M{n}", due_date=date(2030, 1, 1 + n)
        )
    client = login(alice)
    # session, user, engagement, participation, count, page
    with django_assert_num_queries(6):
        data = client.get(f"/api/engagements/{project.pk}/milestones").json()
    assert [m["title"] for m in data["results"]] == ["M0", "M1", "M2", "M3", "M4"]
    assert data["meta"]["count"] == 5


# --- Outputs ------------------------------------------------------------------------------


def test_it_refuses_outputs_that_are_not_web_links(
    login: Callable[[User], Client], project: Engagement, bob: User
) -> None:
    response = send(
        login(bob),
        "post",
        f"/api/engagements/{project.pk}/outputs",
        {"kind": "dataset", "title": "Cases", "url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    assert "url" in error(response)["fields"]
    assert not Output.objects.exists()


def test_it_lets_the_adder_or_a_manager_remove_an_output(
    login: Callable[[User], Client], objects: Objects, alice: User, bob: User
) -> None:
    base = f"/api/engagements/{objects.engagement.pk}/outputs"
    mine = send(login(bob), "post", base, {"kind": "software", "title": "Bob's tool"}).json()
    assert mine["can_remove"] is True
    listed = {o["title"]: o["can_remove"] for o in login(bob).get(base).json()["results"]}
    assert listed == {"Bob's tool": True, "Paper": False}
    assert send(login(bob), "delete", f"{base}/{objects.output.pk}").status_code == 403
    assert send(login(bob), "delete", f"{base}/{mine['id']}").status_code == 204
    assert send(login(alice), "delete", f"{base}/{objects.output.pk}").status_code == 204
    assert not Output.objects.exists()


# --- Impact -------------------------------------------------------------------------------


def test_it_refuses_a_backwards_report_period_over_the_api(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    response = send(
        login(alice),
        "post",
        f"/api/engagements/{project.pk}/impact-reports",
        {"title": "Y1", "period_start": "2024-12-31", "period_end": "2024-01-01", "body": "Ok"},
    )
    assert response.status_code == 400
    assert "period_end" in error(response)["fields"]
    assert not ImpactReport.objects.exists()


def test_it_lists_reports_in_the_order_they_came(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    path = f"/api/engagements/{project.pk}/impact-reports"
    for title in ("Year 1", "Year 2"):
        send(
            login(alice),
            "post",
            path,
            {"title": title, "period_start": "2024-01-01", "period_end": "2024-12-31", "body": "x"},
        )
    results = login(bob).get(path).json()["results"]
    assert [r["title"] for r in results] == ["Year 1", "Year 2"]
    one = login(bob).get(f"{path}/{results[1]['id']}").json()
    assert one["url"] == f"/engagements/{project.pk}/impact-reports/{results[1]['id']}/"


def test_it_refuses_to_empty_the_work_plan_over_the_api(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    path = f"/api/engagements/{project.pk}/work-plan"
    response = send(login(alice), "put", path, {"work_plan": ""})
    assert response.status_code == 400
    assert "work_plan" in error(response)["fields"]
    assert "Collect data" in Project.objects.get(engagement=project).work_plan


def test_it_changes_the_impact_plan(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    path = f"/api/engagements/{project.pk}/impact-plan"
    data = send(login(alice), "put", path, {"impact_plan": "Reach **100**"}).json()
    assert "<strong>100</strong>" in data["impact_plan_html"]
    assert Project.objects.get(engagement=project).impact_plan == "Reach **100**"

"""Who may open every page and use every action of a joint project.

charlie (outside) gets 404, an anonymous visitor the sign-in page, bob (a plain member of
`project`) 403 on what managers do, alice (its lead) everything, and alice as an admin of
the institution of `institution_project` (in which she takes no part) what managers do.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from mentoring.engagements.models import Engagement, Participant
from mentoring.projects import services
from mentoring.projects.models import ImpactReport, Milestone, Output

pytestmark = pytest.mark.django_db

READ, MANAGER, PARTICIPANT, REMOVER, APPROVER = (
    "read",
    "manager",
    "participant",
    "remover",
    "approver",
)


@dataclass(frozen=True)
class Objects:
    engagement: Engagement
    milestone: Milestone
    output: Output
    report: ImpactReport
    member: Participant  # someone other than the viewer, to change or remove


@dataclass(frozen=True)
class Spec:
    name: str
    method: str
    needs: str
    args: Callable[[Objects], list[int]]
    data: dict[str, Any]


def _e(o: Objects) -> list[int]:
    return [o.engagement.pk]


SPECS = [
    Spec("project_members", "get", READ, _e, {}),
    Spec(
        "project_member_update",
        "post",
        MANAGER,
        lambda o: [o.engagement.pk, o.member.pk],
        {"role": "member", "role_title": "Analyst"},
    ),
    Spec("project_member_remove", "post", MANAGER, lambda o: [o.engagement.pk, o.member.pk], {}),
    Spec(
        "project_member_invite",
        "post",
        MANAGER,
        _e,
        {"email": "new@example.org", "role": "member", "side": "expert"},
    ),
    Spec("project_leave", "post", PARTICIPANT, _e, {}),
    Spec("project_work_plan_edit", "get", MANAGER, _e, {}),
    Spec("project_work_plan_edit", "post", MANAGER, _e, {"work_plan": "A new plan"}),
    Spec("project_work_plan_approve", "post", APPROVER, _e, {"side": "expert", "version": 1}),
    Spec("project_milestones", "get", READ, _e, {}),
    Spec("project_milestones", "post", MANAGER, _e, {"title": "Pilot", "due_date": "2030-01-01"}),
    Spec("project_milestone_edit", "get", MANAGER, lambda o: [o.engagement.pk, o.milestone.pk], {}),
    Spec(
        "project_milestone_edit",
        "post",
        MANAGER,
        lambda o: [o.engagement.pk, o.milestone.pk],
        {"title": "Pilot study", "due_date": "2030-02-01"},
    ),
    Spec(
        "project_milestone_status",
        "post",
        READ,
        lambda o: [o.engagement.pk, o.milestone.pk],
        {"status": "in_progress"},
    ),
    Spec("project_outputs", "get", READ, _e, {}),
    Spec(
        "project_outputs",
        "post",
        READ,
        _e,
        {"kind": "link", "title": "Site", "url": "https://example.org"},
    ),
    Spec("project_output_remove", "post", REMOVER, lambda o: [o.engagement.pk, o.output.pk], {}),
    Spec("project_impact_plan_edit", "get", MANAGER, _e, {}),
    Spec("project_impact_plan_edit", "post", MANAGER, _e, {"impact_plan": "Reach 100."}),
    Spec("project_impact_reports", "get", READ, _e, {}),
    Spec(
        "project_impact_reports",
        "post",
        MANAGER,
        _e,
        {
            "title": "Year 1",
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "body": "Trained 20.",
        },
    ),
    Spec("project_impact_report", "get", READ, lambda o: [o.engagement.pk, o.report.pk], {}),
]
IDS = [f"{spec.method}-{spec.name}" for spec in SPECS]


def make_objects(engagement: Engagement, manager: User, member: User) -> Objects:
    milestone = services.milestone_add(
        engagement=engagement, by=manager, title="Data collected", due_date=date(2030, 1, 31)
    )
    output = services.output_add(
        engagement=engagement, by=manager, kind="publication", title="Malaria trends"
    )
    report = services.impact_report_submit(
        engagement=engagement,
        by=manager,
        title="Year 1",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        body="Trained 20 people.",
    )
    return Objects(
        engagement=engagement,
        milestone=milestone,
        output=output,
        report=report,
        member=Participant.objects.get(engagement=engagement, user=member),
    )


def call(client: Client, spec: Spec, objects: Objects) -> Any:
    url = reverse(spec.name, args=spec.args(objects))
    if spec.method == "get":
        return client.get(url)
    return client.post(url, spec.data)


@pytest.fixture
def project_objects(project: Engagement, alice: User, bob: User) -> Objects:
    return make_objects(project, alice, bob)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_sends_anonymous_visitors_to_sign_in(
    client: Client, project_objects: Objects, spec: Spec
) -> None:
    response = call(client, spec, project_objects)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_hides_projects_from_outsiders(
    login: Callable[[User], Client], charlie: User, project_objects: Objects, spec: Spec
) -> None:
    assert call(login(charlie), spec, project_objects).status_code == 404


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_lets_a_plain_member_read_but_not_manage(
    login: Callable[[User], Client], bob: User, project_objects: Objects, spec: Spec
) -> None:
    # bob is on the institution side: he approves for it, not for the expert side.
    if spec.needs == APPROVER:
        spec = Spec(
            spec.name, spec.method, spec.needs, spec.args, {"side": "institution", "version": 1}
        )
    status = call(login(bob), spec, project_objects).status_code
    if spec.needs in (MANAGER, REMOVER):  # the output was added by alice
        assert status == 403
    else:
        assert status in (200, 302)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_lets_the_lead_do_everything(
    login: Callable[[User], Client], alice: User, project_objects: Objects, spec: Spec
) -> None:
    assert call(login(alice), spec, project_objects).status_code in (200, 302)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_lets_an_institution_admin_oversee(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    dana: User,
    institution_project: Engagement,
    spec: Spec,
) -> None:
    objects = make_objects(institution_project, bob, dana)
    if spec.needs == APPROVER:
        spec = Spec(
            spec.name, spec.method, spec.needs, spec.args, {"side": "institution", "version": 1}
        )
    status = call(login(alice), spec, objects).status_code
    if spec.needs == PARTICIPANT:  # she takes no part, so there is nothing to leave
        assert status == 403
    else:
        assert status in (200, 302)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_finds_no_project_pages_on_other_kinds(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    mentorship: Engagement,
    project_objects: Objects,
    spec: Spec,
) -> None:
    """A mentorship's id in a project URL: 404, even for its mentor."""
    objects = Objects(
        engagement=mentorship,
        milestone=project_objects.milestone,
        output=project_objects.output,
        report=project_objects.report,
        member=Participant.objects.get(engagement=mentorship, user=bob),
    )
    assert call(login(alice), spec, objects).status_code == 404


def test_it_finds_no_sub_object_of_another_project(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    dana: User,
    project_objects: Objects,
    institution_project: Engagement,
) -> None:
    """alice leads `project`; a milestone of another project behind its URL is a 404."""
    other = make_objects(institution_project, bob, dana)
    client = login(alice)
    pk = project_objects.engagement.pk
    assert (
        client.get(reverse("project_milestone_edit", args=[pk, other.milestone.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("project_impact_report", args=[pk, other.report.pk])).status_code == 404
    )
    assert (
        client.post(reverse("project_output_remove", args=[pk, other.output.pk])).status_code == 404
    )
    assert (
        client.post(reverse("project_member_remove", args=[pk, other.member.pk])).status_code == 404
    )


# --- Creating a project -------------------------------------------------------------------


def test_it_lets_only_members_of_the_institution_create_projects(
    client: Client,
    login: Callable[[User], Client],
    institution: Institution,
    bob: User,
    charlie: User,
) -> None:
    url = reverse("project_create", args=[institution.pk])
    assert url == f"/institutions/{institution.pk}/projects/new/"
    assert client.get(url).status_code == 302
    assert login(charlie).get(url).status_code == 403
    assert login(charlie).post(url, {"title": "Mine"}).status_code == 403
    assert login(bob).get(url).status_code == 200
    missing = reverse("project_create", args=[institution.pk + 1000])
    assert login(bob).get(missing).status_code == 404

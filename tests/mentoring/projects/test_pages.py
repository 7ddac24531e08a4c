"""The pages of joint projects: what they show and what their forms do."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from mentoring.engagements.models import (
    Engagement,
    EngagementInvitation,
    Participant,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.services import engagement_transition
from mentoring.projects import services
from mentoring.projects.models import (
    ImpactReport,
    Milestone,
    MilestoneStatus,
    Output,
    Project,
    WorkPlanApproval,
)

pytestmark = pytest.mark.django_db


def create_data(**lines: Any) -> dict[str, Any]:
    """The creation form's data: the project, then `lines` as {index: {field: value}}."""
    data: dict[str, Any] = {
        "title": "Health data science curriculum",
        "summary": "Modules for three universities.",
        "work_plan": "1. Map the courses",
        "impact_plan": "",
        "message": "",
        "invitations-TOTAL_FORMS": "4",
        "invitations-INITIAL_FORMS": "0",
        "invitations-MIN_NUM_FORMS": "0",
        "invitations-MAX_NUM_FORMS": "20",
    }
    for index in range(4):
        data[f"invitations-{index}-role"] = "member"
        data[f"invitations-{index}-side"] = "expert"
    for key, values in lines.items():
        for field, value in values.items():
            data[f"invitations-{key[1:]}-{field}"] = value
    return data


# --- Creating a project -------------------------------------------------------------------


def test_it_creates_a_project_from_the_institution(
    login: Callable[[User], Client], institution: Institution, bob: User
) -> None:
    response = login(bob).post(
        reverse("project_create", args=[institution.pk]),
        create_data(
            l0={"email": "eve@example.org", "role": "lead", "role_title": "PI"},
            l2={"email": "fred@example.org", "side": "institution"},
        ),
    )
    engagement = Engagement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == engagement.get_absolute_url()
    assert engagement.institution == institution
    assert sorted(
        EngagementInvitation.objects.values_list("email", "role", "side", "role_title")
    ) == [
        ("eve@example.org", "lead", "expert", "PI"),
        ("fred@example.org", "member", "institution", ""),
    ]


def test_it_keeps_everything_when_one_line_is_wrong(
    login: Callable[[User], Client], institution: Institution, bob: User
) -> None:
    response = login(bob).post(
        reverse("project_create", args=[institution.pk]),
        create_data(
            l0={"email": "eve@example.org", "role": "lead"},
            l1={"email": "not an address", "role_title": "Analyst"},
        ),
    )
    assert response.status_code == 200
    assert not Engagement.objects.exists()
    formset = response.context["formset"]
    assert formset.forms[1].errors["email"]
    assert not formset.forms[0].errors
    html = response.content.decode()
    assert 'value="Health data science curriculum"' in html
    assert 'value="eve@example.org"' in html
    assert 'value="Analyst"' in html


def test_it_puts_a_services_error_on_the_line_it_belongs_to(
    login: Callable[[User], Client], institution: Institution, bob: User
) -> None:
    """Line 2 is left empty, so the creator's own address on line 3 is the second line sent:
    the error still shows on line 3."""
    response = login(bob).post(
        reverse("project_create", args=[institution.pk]),
        create_data(l0={"email": "eve@example.org"}, l2={"email": bob.email}),
    )
    assert response.status_code == 200
    formset = response.context["formset"]
    assert "coordinator" in formset.forms[2].errors["email"][0]
    assert not formset.forms[1].errors
    assert not Engagement.objects.exists()


def test_it_asks_for_at_least_one_invitation(
    login: Callable[[User], Client], institution: Institution, bob: User
) -> None:
    response = login(bob).post(reverse("project_create", args=[institution.pk]), create_data())
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Engagement.objects.exists()


# --- The panel on the engagement page -----------------------------------------------------


def test_it_shows_the_project_panel_with_what_the_viewer_may_do(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    services.project_work_plan_approve(engagement=project, by=alice, side="expert", version=1)
    services.milestone_add(
        engagement=project, by=alice, title="Late milestone", due_date=date(2000, 1, 1)
    )
    services.output_add(
        engagement=project, by=bob, kind="dataset", title="Cases 2030", url="https://example.org"
    )
    services.impact_report_submit(
        engagement=project,
        by=alice,
        title="Year 1 report",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        body="Trained 20.",
    )
    html = login(bob).get(project.get_absolute_url()).content.decode()
    assert "Build the dashboard" in html  # the work plan
    assert "Expert side: approved by Alice Ndiaye" in html
    assert "Institution side: not approved yet" in html
    assert "Approve version 1 for the institution side" in html
    assert "Approve version 1 for the expert side" not in html
    assert "Late milestone" in html and "Overdue" in html
    assert "Cases 2030" in html
    assert "Year 1 report" in html
    assert reverse("project_work_plan_edit", args=[project.pk]) not in html  # bob: no manager
    lead_html = login(alice).get(project.get_absolute_url()).content.decode()
    assert reverse("project_work_plan_edit", args=[project.pk]) in lead_html
    assert "Approve version 1" not in lead_html  # her side approved already


def test_it_approves_the_work_plan_from_the_page(
    login: Callable[[User], Client], project: Engagement, bob: User
) -> None:
    response = login(bob).post(
        reverse("project_work_plan_approve", args=[project.pk]),
        {"side": "institution", "version": "1"},
    )
    assert response.status_code == 302
    approval = WorkPlanApproval.objects.get()
    assert (approval.side, approval.version, approval.approved_by) == ("institution", 1, bob)


def test_it_says_why_an_approval_is_refused(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    services.project_work_plan_update(engagement=project, by=alice, work_plan="Version two")
    client = login(bob)
    response = client.post(
        reverse("project_work_plan_approve", args=[project.pk]),
        {"side": "institution", "version": "1"},
        follow=True,
    )
    assert "changed since you read it" in response.content.decode()
    assert not WorkPlanApproval.objects.exists()


def test_it_edits_the_work_plan_into_a_new_version(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    client = login(alice)
    url = reverse("project_work_plan_edit", args=[project.pk])
    assert "Collect data" in client.get(url).content.decode()
    response = client.post(url, {"work_plan": "1. Collect\n2. Publish"})
    assert response.status_code == 302
    assert Project.objects.get(engagement=project).work_plan_version == 2


def test_it_refuses_to_save_the_work_plan_empty(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    services.project_work_plan_approve(engagement=project, by=alice, side="expert", version=1)
    response = login(alice).post(
        reverse("project_work_plan_edit", args=[project.pk]), {"work_plan": "   "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["work_plan"] == ["Write the work plan."]
    plan = Project.objects.get(engagement=project)
    assert (plan.work_plan_version, plan.approvals.count()) == (1, 1)


def test_it_refuses_to_start_with_the_reasons_on_the_page(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    html = login(alice).get(project.get_absolute_url()).content.decode()
    assert "Before the project can start" in html
    assert "has not approved the current work plan" in html


# --- Milestones ---------------------------------------------------------------------------


def test_it_adds_and_moves_milestones(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    url = reverse("project_milestones", args=[project.pk])
    response = login(alice).post(url, {"title": "Pilot", "due_date": "2030-05-01"})
    assert response.status_code == 302
    milestone = Milestone.objects.get()
    status_url = reverse("project_milestone_status", args=[project.pk, milestone.pk])
    client = login(bob)
    client.post(status_url, {"status": "in_progress", "next": project.get_absolute_url()})
    response = client.post(status_url, {"status": "planned"}, follow=True)
    assert "cannot become planned" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.IN_PROGRESS


def test_it_sends_back_only_to_this_site(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    response = login(alice).post(
        reverse("project_milestone_status", args=[project.pk, milestone.pk]),
        {"status": "in_progress", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("project_milestones", args=[project.pk])


def test_it_keeps_a_wrong_milestone_in_the_form(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    response = login(alice).post(
        reverse("project_milestones", args=[project.pk]),
        {"title": "Pilot with a typo", "due_date": "not a date"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"]
    assert 'value="Pilot with a typo"' in response.content.decode()
    assert not Milestone.objects.exists()


def test_it_marks_overdue_milestones_in_the_viewers_own_day(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    """Kiritimati (UTC+14) and Pago Pago (UTC-11) are always on different days. A milestone
    due today in Pago Pago is overdue already for a viewer in Kiritimati."""
    alice.timezone = "Pacific/Kiritimati"
    alice.save(update_fields=["timezone"])
    bob.timezone = "Pacific/Pago_Pago"
    bob.save(update_fields=["timezone"])
    import zoneinfo

    due = timezone.localdate(timezone=zoneinfo.ZoneInfo("Pacific/Pago_Pago"))
    services.milestone_add(engagement=project, by=alice, title="Edge", due_date=due)
    url = reverse("project_milestones", args=[project.pk])
    assert [row.overdue for row in login(alice).get(url).context["rows"]] == [True]
    assert [row.overdue for row in login(bob).get(url).context["rows"]] == [False]
    assert "Overdue" in login(alice).get(url).content.decode()
    assert "Overdue" not in login(bob).get(url).content.decode()


def test_it_lists_milestones_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    project: Engagement,
    alice: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    url = reverse("project_milestones", args=[project.pk])
    for n in range(6):
        services.milestone_add(
            engagement=project, by=alice, title=f"M{n}", due_date=date(2030, 1, 1) + timedelta(n)
        )
    # session, user, engagement, the viewer's participation, milestones, unread badge (the
    # engagement has no institution, so no query asks whether alice administers it)
    with django_assert_num_queries(6):
        assert len(client.get(url).context["rows"]) == 6


# --- Outputs ------------------------------------------------------------------------------


def test_it_keeps_an_output_whose_link_is_refused(
    login: Callable[[User], Client], project: Engagement, bob: User
) -> None:
    response = login(bob).post(
        reverse("project_outputs", args=[project.pk]),
        {"kind": "dataset", "title": "Cases", "url": "ftp://example.org/cases.csv"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert 'value="Cases"' in response.content.decode()
    assert not Output.objects.exists()


def test_it_lets_the_adder_remove_their_output(
    login: Callable[[User], Client], project: Engagement, bob: User
) -> None:
    output = services.output_add(engagement=project, by=bob, kind="link", title="Mine")
    response = login(bob).post(reverse("project_output_remove", args=[project.pk, output.pk]))
    assert response.status_code == 302
    assert not Output.objects.exists()


def test_it_lists_outputs_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    project: Engagement,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    for n in range(5):
        services.output_add(
            engagement=project, by=alice if n % 2 else bob, kind="link", title=f"O{n}"
        )
    with django_assert_num_queries(6):
        rows = client.get(reverse("project_outputs", args=[project.pk])).context["rows"]
    assert [row.output.title for row in rows] == ["O4", "O3", "O2", "O1", "O0"]


# --- Impact -------------------------------------------------------------------------------


def test_it_keeps_a_report_whose_period_is_backwards(
    login: Callable[[User], Client], project: Engagement, alice: User
) -> None:
    response = login(alice).post(
        reverse("project_impact_reports", args=[project.pk]),
        {
            "title": "Year 1",
            "period_start": "2024-12-31",
            "period_end": "2024-01-01",
            "body": "Trained 20 people.",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["period_end"]
    assert "Trained 20 people." in response.content.decode()
    assert not ImpactReport.objects.exists()


def test_it_submits_a_report_and_shows_it_on_its_own_page(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    response = login(alice).post(
        reverse("project_impact_reports", args=[project.pk]),
        {
            "title": "Year 1",
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "body": "Trained **20** people.",
        },
    )
    report = ImpactReport.objects.get()
    assert response["Location"] == reverse("project_impact_report", args=[project.pk, report.pk])
    assert "<strong>20</strong>" in login(bob).get(response["Location"]).content.decode()


def test_it_lists_reports_in_order_with_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    project: Engagement,
    alice: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for year in (1, 2, 3):
        services.impact_report_submit(
            engagement=project,
            by=alice,
            title=f"Year {year}",
            period_start=date(2020 + year, 1, 1),
            period_end=date(2020 + year, 12, 31),
            body="Done.",
        )
    client = login(alice)
    with django_assert_num_queries(6):
        html = client.get(reverse("project_impact_reports", args=[project.pk])).content.decode()
    assert html.index("Year 1") < html.index("Year 2") < html.index("Year 3")


# --- Members ------------------------------------------------------------------------------


def test_it_lists_members_by_side_with_roles(
    login: Callable[[User], Client],
    institution_project: Engagement,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)
    url = reverse("project_members", args=[institution_project.pk])
    # session, user, engagement, participation, institution admin?, members, pending
    # invitations (bob coordinates), unread badge
    with django_assert_num_queries(8):
        response = client.get(url)
    groups = response.context["groups"]
    assert [(g.side, [m.user.display_name for m, _form in rows]) for g, rows in groups] == [
        ("expert", ["Dana Diallo"]),
        ("institution", ["Bob Mensah"]),
    ]
    assert 'value="Principal investigator"' in response.content.decode()


def test_it_shows_roles_read_only_to_plain_members(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    alice_part = Participant.objects.get(engagement=project, user=alice)
    update = reverse("project_member_update", args=[project.pk, alice_part.pk])
    html = login(bob).get(reverse("project_members", args=[project.pk])).content.decode()
    assert "Project lead" in html
    assert update not in html
    assert (
        update in login(alice).get(reverse("project_members", args=[project.pk])).content.decode()
    )


def test_it_changes_a_members_role_and_refuses_to_remove_the_last_manager(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    client = login(alice)
    bob_part = Participant.objects.get(engagement=project, user=bob)
    alice_part = Participant.objects.get(engagement=project, user=alice)
    response = client.post(
        reverse("project_member_update", args=[project.pk, bob_part.pk]),
        {"role": "member", "role_title": "Data steward"},
    )
    assert response.status_code == 302
    bob_part.refresh_from_db()
    assert bob_part.role_title == "Data steward"
    response = client.post(
        reverse("project_member_update", args=[project.pk, alice_part.pk]),
        {"role": "member", "role_title": ""},
    )
    assert response.status_code == 200
    assert "last manager" in response.content.decode()
    response = client.post(reverse("project_leave", args=[project.pk]), follow=True)
    assert "last manager leaves" in response.content.decode()
    alice_part.refresh_from_db()
    assert alice_part.left_at is None


def test_it_lets_a_member_leave(
    login: Callable[[User], Client], project: Engagement, bob: User
) -> None:
    response = login(bob).post(reverse("project_leave", args=[project.pk]))
    assert response.status_code == 302
    assert Participant.objects.get(engagement=project, user=bob).left_at is not None
    assert login(bob).get(project.get_absolute_url()).status_code == 404


def test_it_invites_from_the_members_page_and_keeps_a_refused_address(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    client = login(alice)
    url = reverse("project_member_invite", args=[project.pk])
    response = client.post(
        url, {"email": bob.email, "role": "member", "side": "expert", "role_title": "Again"}
    )
    assert response.status_code == 200
    assert "already takes part" in response.content.decode()
    response = client.post(url, {"email": "eve@example.org", "role": "lead", "side": "expert"})
    assert response.status_code == 302
    assert EngagementInvitation.objects.get().email == "eve@example.org"


# --- The timeline -------------------------------------------------------------------------


def test_it_shows_the_projects_events_on_the_timeline_in_order(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    services.project_work_plan_update(engagement=project, by=alice, work_plan="Plan v2")
    services.project_work_plan_approve(engagement=project, by=alice, side="expert", version=2)
    services.project_work_plan_approve(engagement=project, by=bob, side="institution", version=2)
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    services.milestone_set_status(milestone=milestone, by=bob, status="in_progress")
    services.output_add(engagement=project, by=bob, kind="link", title="Portal")
    services.project_impact_plan_update(engagement=project, by=alice, impact_plan="Reach 100")
    services.impact_report_submit(
        engagement=project,
        by=alice,
        title="Year 1",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        body="Done.",
    )
    engagement_transition(engagement=project, to_status="active", by=alice)
    expected = [
        (TimelineVerb.WORK_PLAN_UPDATED, "Alice Ndiaye updated the work plan"),
        (
            TimelineVerb.WORK_PLAN_APPROVED,
            "Alice Ndiaye approved the work plan for the expert side",
        ),
        (
            TimelineVerb.WORK_PLAN_APPROVED,
            "Bob Mensah approved the work plan for the institution side",
        ),
        (TimelineVerb.MILESTONE_ADDED, "Alice Ndiaye added the milestone “Pilot”"),
        (TimelineVerb.MILESTONE_CHANGED, "Bob Mensah marked the milestone “Pilot” as in progress"),
        (TimelineVerb.OUTPUT_ADDED, "Bob Mensah added the output “Portal”"),
        (TimelineVerb.IMPACT_PLAN_UPDATED, "Alice Ndiaye updated the impact plan"),
        (
            TimelineVerb.IMPACT_REPORT_SUBMITTED,
            "Alice Ndiaye submitted the impact report “Year 1”",
        ),
        (TimelineVerb.STATUS_CHANGED, "Alice Ndiaye changed the status from proposed to active"),
    ]
    entries = list(
        TimelineEntry.objects.filter(engagement=project, verb__in=[v for v, _t in expected])
    )
    assert [e.verb for e in entries] == [v for v, _t in expected]
    html = login(bob).get(reverse("engagement_timeline", args=[project.pk])).content.decode()
    positions = [html.index(f'id="entry-{entry.pk}"') for entry in entries]
    assert positions == sorted(positions)
    for (_verb, text), position in zip(expected, positions, strict=True):
        assert html.index(text, position) < position + 600, text

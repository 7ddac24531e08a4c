"""The services of joint projects: creation with invitations, the work plan and its approval,
the start check, milestones, outputs, the impact plan and reports, members."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.notifications.models import Notification
from mentoring.engagements.models import (
    Engagement,
    EngagementInvitation,
    EngagementStatus,
    Participant,
    ParticipantRole,
    Side,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.services import engagement_transition, participant_add
from mentoring.projects import services
from mentoring.projects.models import (
    ImpactReport,
    Milestone,
    MilestoneStatus,
    Output,
    OutputKind,
    Project,
    WorkPlanApproval,
)
from mentoring.projects.selectors import project_start_problems
from mentoring.projects.services import InvitationLine

pytestmark = pytest.mark.django_db


def verbs(engagement: Engagement) -> list[str]:
    return list(
        TimelineEntry.objects.filter(engagement=engagement)
        .order_by("occurred_at", "id")
        .values_list("verb", flat=True)
    )


def approve_both(engagement: Engagement, expert: User, institution_side: User) -> None:
    version = Project.objects.get(engagement=engagement).work_plan_version
    services.project_work_plan_approve(
        engagement=engagement, by=expert, side=Side.EXPERT, version=version
    )
    services.project_work_plan_approve(
        engagement=engagement, by=institution_side, side=Side.INSTITUTION, version=version
    )


# --- Creation -----------------------------------------------------------------------------


def test_it_creates_a_project_with_its_coordinator_and_invitations(
    institution: Institution, bob: User, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        engagement = services.project_create(
            institution=institution,
            created_by=bob,
            title="  Malaria data platform ",
            summary="A shared platform.",
            work_plan="1. **Collect**",
            impact_plan="Fewer cases.",
            message="Join us",
            invitations=[
                InvitationLine(email="Eve@Example.org", role="lead", side="expert"),
                InvitationLine(
                    email="fred@example.org",
                    role="member",
                    side="institution",
                    role_title="Analyst",
                ),
            ],
        )
    assert engagement.kind == "project"
    assert engagement.status == EngagementStatus.PROPOSED
    assert engagement.institution == institution
    assert engagement.title == "Malaria data platform"
    project = Project.objects.get(engagement=engagement)
    assert project.work_plan_version == 1
    assert "<strong>Collect</strong>" in project.work_plan_html
    assert project.impact_plan == "Fewer cases."
    coordinator = Participant.objects.get(engagement=engagement)
    assert (coordinator.user, coordinator.role, coordinator.side) == (
        bob,
        ParticipantRole.COORDINATOR,
        Side.INSTITUTION,
    )
    invitations = {
        i.email: (i.role, i.side, i.role_title, i.message)
        for i in EngagementInvitation.objects.filter(engagement=engagement)
    }
    assert invitations == {
        "eve@example.org": ("lead", "expert", "", "Join us"),
        "fred@example.org": ("member", "institution", "Analyst", "Join us"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["eve@example.org", "fred@example.org"]
    assert verbs(engagement) == ["opened", "joined", "invited", "invited"]


def test_it_creates_nothing_when_one_invitation_cannot_be_sent(
    institution: Institution, bob: User, alice: User, charlie: User
) -> None:
    """alice already has a pending invitation, to another project: no problem. But line 2
    repeats line 1, and line 3 is the creator: the whole project is refused."""
    with pytest.raises(ValidationError) as caught:
        services.project_create(
            institution=institution,
            created_by=bob,
            title="Refused",
            invitations=[
                InvitationLine(email=alice.email, role="lead", side="expert"),
                InvitationLine(email=alice.email.upper(), role="member", side="expert"),
                InvitationLine(email=bob.email, role="member", side="institution"),
                InvitationLine(email="not-an-address", role="member", side="expert"),
                InvitationLine(email=charlie.email, role="coordinator", side="sideways"),
            ],
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "invitations.1.email",
        "invitations.2.email",
        "invitations.3.email",
        "invitations.4.role",
        "invitations.4.side",
    }
    assert "line 1" in errors["invitations.1.email"][0]
    assert not Engagement.objects.exists()
    assert not EngagementInvitation.objects.exists()
    assert not Notification.objects.exists()


def test_it_rolls_back_the_project_when_a_later_invitation_fails(
    institution: Institution, bob: User, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first invitation is sent (with its notification), the second refused by the
    shared service: nothing is left behind."""
    from mentoring.engagements import services as engagement_services

    real = engagement_services.engagement_invitation_send

    def refuse_second(**kwargs: object) -> object:
        if kwargs["email"] == "eve@example.org":
            raise ValidationError({"email": ["Refused for the test."]})
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "engagement_invitation_send", refuse_second)
    with pytest.raises(ValidationError) as caught:
        services.project_create(
            institution=institution,
            created_by=bob,
            title="All or nothing",
            invitations=[
                InvitationLine(email=alice.email, role="lead", side="expert"),
                InvitationLine(email="eve@example.org", role="member", side="expert"),
            ],
        )
    assert caught.value.message_dict == {"invitations.1.email": ["Refused for the test."]}
    assert not Engagement.objects.exists()
    assert not Project.objects.exists()
    assert not Notification.objects.filter(user=alice).exists()


def test_it_requires_at_least_one_invitation(institution: Institution, bob: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.project_create(
            institution=institution, created_by=bob, title="Alone", invitations=[]
        )
    assert "invitations" in caught.value.message_dict
    assert not Engagement.objects.exists()


def test_it_names_the_title_when_it_is_missing(institution: Institution, bob: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.project_create(
            institution=institution,
            created_by=bob,
            title="  ",
            invitations=[InvitationLine(email="eve@example.org")],
        )
    assert "title" in caught.value.message_dict
    assert not Engagement.objects.exists()


# --- Work plan ----------------------------------------------------------------------------


def test_it_bumps_the_version_and_voids_earlier_approvals(
    project: Engagement, alice: User, bob: User
) -> None:
    approve_both(project, alice, bob)
    assert project_start_problems(project) == []
    updated = services.project_work_plan_update(
        engagement=project, by=alice, work_plan="1. Collect data\n2. Build it\n3. Train"
    )
    assert updated.work_plan_version == 2
    assert WorkPlanApproval.objects.filter(project=updated).count() == 2  # kept, for history
    problems = project_start_problems(project)
    assert any("expert side" in p and "version 2" in p for p in problems)
    assert any("institution side" in p for p in problems)
    assert verbs(project)[-1] == TimelineVerb.WORK_PLAN_UPDATED
    assert Notification.objects.filter(user=bob, title__contains="version 2").exists()


def test_it_keeps_the_version_when_nothing_changed(project: Engagement, alice: User) -> None:
    before = TimelineEntry.objects.count()
    same = services.project_work_plan_update(
        engagement=project, by=alice, work_plan="1. Collect data\r\n2. Build the dashboard\n"
    )
    assert same.work_plan_version == 1
    assert TimelineEntry.objects.count() == before


def test_it_refuses_an_approval_of_an_older_version(project: Engagement, alice: User) -> None:
    services.project_work_plan_update(engagement=project, by=alice, work_plan="New plan")
    with pytest.raises(ValidationError) as caught:
        services.project_work_plan_approve(
            engagement=project, by=alice, side=Side.EXPERT, version=1
        )
    assert "version" in caught.value.message_dict


def test_it_lets_each_side_approve_only_for_itself(
    project: Engagement, alice: User, bob: User, charlie: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.project_work_plan_approve(
            engagement=project, by=alice, side=Side.INSTITUTION, version=1
        )
    assert "institution side" in caught.value.message_dict["side"][0]
    with pytest.raises(ValidationError):
        services.project_work_plan_approve(engagement=project, by=bob, side=Side.EXPERT, version=1)
    with pytest.raises(ValidationError):
        services.project_work_plan_approve(
            engagement=project, by=charlie, side=Side.EXPERT, version=1
        )
    services.project_work_plan_approve(engagement=project, by=alice, side=Side.EXPERT, version=1)
    with pytest.raises(ValidationError) as twice:
        services.project_work_plan_approve(
            engagement=project, by=alice, side=Side.EXPERT, version=1
        )
    assert "already approved" in twice.value.messages[0]
    entry = TimelineEntry.objects.filter(verb=TimelineVerb.WORK_PLAN_APPROVED).get()
    assert entry.params["side"] == "expert"


def test_it_lets_an_overseer_approve_for_the_institution(
    institution_project: Engagement, alice: User, dana: User
) -> None:
    services.project_work_plan_approve(
        engagement=institution_project, by=alice, side=Side.INSTITUTION, version=1
    )
    with pytest.raises(ValidationError):  # alice does not take part on the expert side
        services.project_work_plan_approve(
            engagement=institution_project, by=alice, side=Side.EXPERT, version=1
        )
    services.project_work_plan_approve(
        engagement=institution_project, by=dana, side=Side.EXPERT, version=1
    )
    assert project_start_problems(institution_project) == []


def test_it_refuses_one_person_approving_for_both_sides(
    institution_project: Engagement, alice: User
) -> None:
    """alice oversees the project and also joins it on the expert side: she may approve for
    either side, but not for both."""
    participant_add(
        engagement=institution_project,
        user=alice,
        role=ParticipantRole.MEMBER,
        side=Side.EXPERT,
        by=alice,
    )
    services.project_work_plan_approve(
        engagement=institution_project, by=alice, side=Side.EXPERT, version=1
    )
    with pytest.raises(ValidationError) as caught:
        services.project_work_plan_approve(
            engagement=institution_project, by=alice, side=Side.INSTITUTION, version=1
        )
    assert "someone else" in caught.value.messages[0]


def test_it_refuses_to_approve_an_empty_plan(project: Engagement, alice: User) -> None:
    Project.objects.filter(engagement=project).update(work_plan="", work_plan_html="")
    with pytest.raises(ValidationError) as caught:
        services.project_work_plan_approve(
            engagement=project, by=alice, side=Side.EXPERT, version=1
        )
    assert "work_plan" in caught.value.message_dict


@pytest.mark.parametrize("emptied", ["", "  \n\n  "])
def test_it_refuses_to_wipe_an_approved_work_plan(
    project: Engagement, alice: User, bob: User, emptied: str
) -> None:
    approve_both(project, alice, bob)
    with pytest.raises(ValidationError) as caught:
        services.project_work_plan_update(engagement=project, by=alice, work_plan=emptied)
    assert caught.value.message_dict["work_plan"] == ["Write the work plan."]
    plan = Project.objects.get(engagement=project)
    assert (plan.work_plan_version, plan.approvals.count()) == (1, 2)
    assert "Collect data" in plan.work_plan


# --- Start check --------------------------------------------------------------------------


def test_it_refuses_to_start_until_both_sides_approved(
    project: Engagement, alice: User, bob: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        engagement_transition(engagement=project, to_status=EngagementStatus.ACTIVE, by=alice)
    reasons = caught.value.message_dict["status"]
    assert len(reasons) == 2
    assert "expert side" in reasons[0] and "institution side" in reasons[1]
    services.project_work_plan_approve(engagement=project, by=alice, side=Side.EXPERT, version=1)
    with pytest.raises(ValidationError) as still:
        engagement_transition(engagement=project, to_status=EngagementStatus.ACTIVE, by=alice)
    assert len(still.value.message_dict["status"]) == 1
    services.project_work_plan_approve(engagement=project, by=bob, side=Side.INSTITUTION, version=1)
    started = engagement_transition(engagement=project, to_status=EngagementStatus.ACTIVE, by=alice)
    assert started.status == EngagementStatus.ACTIVE


def test_it_refuses_to_start_without_an_expert_or_a_plan(
    institution: Institution, bob: User
) -> None:
    engagement = services.project_create(
        institution=institution,
        created_by=bob,
        title="Nobody yet",
        invitations=[InvitationLine(email="eve@example.org")],
    )
    problems = project_start_problems(engagement)
    assert "Write the work plan first." in problems
    assert any("expert side yet" in p for p in problems)
    with pytest.raises(ValidationError):
        engagement_transition(engagement=engagement, to_status=EngagementStatus.ACTIVE, by=bob)


# --- Milestones ---------------------------------------------------------------------------


def test_it_moves_milestones_along_and_refuses_invalid_moves(
    project: Engagement, alice: User, bob: User
) -> None:
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Data collected", due_date=date(2030, 1, 31)
    )
    with pytest.raises(ValidationError) as skipped:
        services.milestone_set_status(milestone=milestone, by=bob, status=MilestoneStatus.DONE)
    assert "cannot become done" in skipped.value.message_dict["status"][0]
    milestone = services.milestone_set_status(
        milestone=milestone, by=bob, status=MilestoneStatus.IN_PROGRESS
    )
    assert milestone.completed_at is None
    milestone = services.milestone_set_status(
        milestone=milestone, by=bob, status=MilestoneStatus.DONE
    )
    assert milestone.completed_at is not None
    for status in (MilestoneStatus.PLANNED, MilestoneStatus.DROPPED, "finished"):
        with pytest.raises(ValidationError):
            services.milestone_set_status(milestone=milestone, by=alice, status=status)
    assert Milestone.objects.get().status == MilestoneStatus.DONE
    entries = TimelineEntry.objects.filter(verb=TimelineVerb.MILESTONE_CHANGED)
    assert [e.params["milestone_status"] for e in entries] == ["in_progress", "done"]


def test_it_drops_a_planned_milestone(project: Engagement, alice: User) -> None:
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    dropped = services.milestone_set_status(
        milestone=milestone, by=alice, status=MilestoneStatus.DROPPED
    )
    assert dropped.status == MilestoneStatus.DROPPED
    assert dropped.completed_at is None
    with pytest.raises(ValidationError):
        services.milestone_set_status(
            milestone=dropped, by=alice, status=MilestoneStatus.IN_PROGRESS
        )


def test_it_marks_open_milestones_past_due_as_overdue(project: Engagement, alice: User) -> None:
    today = date(2030, 6, 15)
    late = services.milestone_add(
        engagement=project, by=alice, title="Late", due_date=today - timedelta(days=1)
    )
    due_today = services.milestone_add(engagement=project, by=alice, title="Today", due_date=today)
    assert late.is_overdue_on(today)
    assert not due_today.is_overdue_on(today)
    services.milestone_set_status(milestone=late, by=alice, status=MilestoneStatus.DROPPED)
    late.refresh_from_db()
    assert not late.is_overdue_on(today)


def test_it_edits_a_milestone_and_says_what_changed(project: Engagement, alice: User) -> None:
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    services.milestone_update(
        milestone=milestone, by=alice, title="Pilot study", due_date=date(2030, 2, 1)
    )
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_date) == ("Pilot study", date(2030, 2, 1))
    entry = TimelineEntry.objects.filter(verb=TimelineVerb.MILESTONE_EDITED).get()
    assert "2030-01-01 → 2030-02-01" in entry.body
    assert not TimelineEntry.objects.filter(verb=TimelineVerb.MILESTONE_CHANGED).exists()
    with pytest.raises(ValidationError) as caught:
        services.milestone_update(milestone=milestone, by=alice, title="", due_date=None)
    assert "due_date" in caught.value.message_dict


def test_it_refuses_milestone_changes_once_the_project_ended(
    project: Engagement, alice: User, bob: User
) -> None:
    milestone = services.milestone_add(
        engagement=project, by=alice, title="Pilot", due_date=date(2030, 1, 1)
    )
    engagement_transition(
        engagement=project, to_status=EngagementStatus.CANCELLED, by=alice, reason="No funds"
    )
    project.refresh_from_db()
    with pytest.raises(ValidationError):
        services.milestone_add(engagement=project, by=alice, title="More", due_date=date.today())
    with pytest.raises(ValidationError):
        services.milestone_set_status(
            milestone=milestone, by=bob, status=MilestoneStatus.IN_PROGRESS
        )
    with pytest.raises(ValidationError):
        services.project_work_plan_update(engagement=project, by=alice, work_plan="Other")


# --- Outputs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/data.csv", "javascript:alert(1)", "example org", "mailto:a@example.org"],
)
def test_it_refuses_outputs_whose_link_is_not_a_web_address(
    project: Engagement, bob: User, url: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.output_add(
            engagement=project, by=bob, kind=OutputKind.DATASET, title="Data", url=url
        )
    assert "url" in caught.value.message_dict
    assert not Output.objects.exists()


def test_it_adds_outputs_with_or_without_a_link(project: Engagement, bob: User) -> None:
    paper = services.output_add(
        engagement=project,
        by=bob,
        kind=OutputKind.PUBLICATION,
        title=" Malaria trends ",
        url="https://doi.org/10.1000/182",
        published_on=date(2030, 3, 1),
    )
    services.output_add(engagement=project, by=bob, kind=OutputKind.OTHER, title="Workshop")
    assert paper.title == "Malaria trends"
    assert Output.objects.count() == 2
    with pytest.raises(ValidationError) as caught:
        services.output_add(engagement=project, by=bob, kind="poem", title="Ode")
    assert "kind" in caught.value.message_dict
    assert verbs(project).count(TimelineVerb.OUTPUT_ADDED) == 2


# --- Impact -------------------------------------------------------------------------------


def test_it_refuses_a_report_whose_period_ends_before_it_starts(
    project: Engagement, alice: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.impact_report_submit(
            engagement=project,
            by=alice,
            title="Year 1",
            period_start=date(2024, 12, 31),
            period_end=date(2024, 1, 1),
            body="Trained 20 people.",
        )
    assert "period_end" in caught.value.message_dict
    with pytest.raises(ValidationError) as missing:
        services.impact_report_submit(
            engagement=project, by=alice, title="", period_start=None, period_end=None, body=" "
        )
    assert {"period_start", "period_end", "body"} <= set(missing.value.message_dict)
    assert not ImpactReport.objects.exists()


def test_it_submits_reports_and_tells_the_others(
    project: Engagement, alice: User, bob: User
) -> None:
    report = services.impact_report_submit(
        engagement=project,
        by=alice,
        title="Year 1",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 1, 1),
        body="Trained **20** people.",
    )
    assert "<strong>20</strong>" in report.body_html
    assert Notification.objects.filter(user=bob, title__contains="Year 1").exists()
    assert not Notification.objects.filter(user=alice, title__contains="Year 1").exists()
    services.project_impact_plan_update(engagement=project, by=alice, impact_plan="Reach 100.")
    assert Project.objects.get(engagement=project).impact_plan_html.startswith("<p>Reach 100")
    assert verbs(project)[-2:] == [
        TimelineVerb.IMPACT_REPORT_SUBMITTED,
        TimelineVerb.IMPACT_PLAN_UPDATED,
    ]


# --- Members ------------------------------------------------------------------------------


def test_it_changes_roles_but_keeps_a_last_manager(
    project: Engagement, alice: User, bob: User
) -> None:
    alice_part = Participant.objects.get(engagement=project, user=alice)
    bob_part = Participant.objects.get(engagement=project, user=bob)
    with pytest.raises(ValidationError) as caught:
        services.project_member_update(participant=alice_part, by=alice, role="member")
    assert "role" in caught.value.message_dict
    services.project_member_update(
        participant=bob_part, by=alice, role="coordinator", role_title=" Data steward "
    )
    bob_part.refresh_from_db()
    assert (bob_part.role, bob_part.role_title) == ("coordinator", "Data steward")
    services.project_member_update(participant=alice_part, by=alice, role="member")
    with pytest.raises(ValidationError):
        services.project_member_update(participant=bob_part, by=bob, role="mentor")
    with pytest.raises(ValidationError):  # bob is the last manager now
        services.project_member_remove(participant=bob_part, by=bob)
    services.project_member_remove(participant=alice_part, by=bob)
    alice_part.refresh_from_db()
    assert alice_part.left_at is not None
    assert Notification.objects.filter(user=alice, title__contains="took you off").exists()
    assert verbs(project)[-1] == TimelineVerb.LEFT


def test_it_records_a_role_change_and_a_removed_output(
    project: Engagement, alice: User, bob: User
) -> None:
    member = project.participants.get(user=bob)
    services.project_member_update(participant=member, by=alice, role="lead", role_title="Co-PI")
    output = services.output_add(engagement=project, by=bob, kind="link", title="Portal")
    services.output_remove(output=output, by=alice)
    verbs = list(
        TimelineEntry.objects.filter(engagement=project)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs[-3:] == [
        TimelineVerb.ROLE_CHANGED,
        TimelineVerb.OUTPUT_ADDED,
        TimelineVerb.OUTPUT_REMOVED,
    ]

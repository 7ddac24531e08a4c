"""Demo engagements, added by `seed_demo` through the `demo_seeded` signal.

- a course, "Research Methods for Public Health", taught by expert@example.org, with
  learner@example.org and one more learner enrolled (so it is full and the next person is
  waitlisted), an open drop-in live room that can be joined at any time, a scheduled class
  and a reading list; outsider@example.org is not enrolled;
- a mentorship opened from an accepted match on the Senegalese malaria mentoring need:
  expert@example.org mentors learner@example.org, coordinated by institution@example.org,
  with a confirmed agreement, goals and tasks, a logged session, feedback and fit checks;
- a joint project of the demo institution led by expert@example.org, with an approved work
  plan, milestones (one overdue), outputs, an impact plan and a first impact report;
- a pending invitation to the expert on the Senegalese course need, to accept in the browser
  and watch the engagement open.

Every piece is looked up before it is created, so running `seed_demo` again adds nothing.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.demo.data import DEMO_ACCOUNTS
from diaspora.institutions.models import Institution
from diaspora.matches.models import Match, Proposal
from diaspora.matches.services import proposal_answer, proposal_invite
from diaspora.needs.models import Need, NeedStatus
from mentoring.courses.models import Course, EnrolmentPolicy, Level
from mentoring.courses.services import course_create, enrolment_request, material_page_add
from mentoring.engagements.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    ParticipantRole,
    Side,
)
from mentoring.engagements.services import (
    engagement_invitation_accept,
    engagement_invitation_send,
    engagement_transition,
)
from mentoring.mentorships.models import FitCheck, Goal
from mentoring.mentorships.services import (
    agreement_confirm,
    agreement_update,
    fit_check_answer,
    goal_add,
    goal_update,
    mentoring_session_log,
    private_note_save,
    session_feedback_give,
    task_add,
    task_update,
)
from mentoring.projects.models import MilestoneStatus
from mentoring.projects.services import (
    InvitationLine,
    impact_report_submit,
    milestone_add,
    milestone_set_status,
    output_add,
    project_create,
    project_work_plan_approve,
)
from mentoring.scheduling.services import live_session_schedule

COURSE_TITLE = "Research Methods for Public Health"
PROJECT_TITLE = "Open malaria surveillance dashboard for Senegal"
MENTORING_NEED = "demo-sn-malaria-mentoring"
COURSE_NEED = "demo-sn-epi-course"

Say = Callable[[str], None]

SYLLABUS = """\
A six-week online course for health officers, researchers and students who design studies
or read them critically.

1. **Asking an answerable question**: PICO, outcomes, confounders.
2. **Study designs**: cohort, case-control, cross-sectional, trials; what each can show.
3. **Sampling and bias**: sample size, selection and information bias.
4. **Measurement**: validity, reliability, questionnaires.
5. **Analysis you can trust**: regression in practice, missing data.
6. **Ethics and reporting**: consent, STROBE and CONSORT.

Each week: a live class, a reading list and a short exercise.
"""

READING_LIST = """\
## Week 1 reading list

- Rothman, *Epidemiology: An Introduction*, chapters 1 to 2.
- The STROBE statement and its explanation paper.
- One study from your own field: write down its question in PICO form.
"""

WORK_PLAN = """\
1. **Months 1 and 2**: inventory of district surveillance data (DHIS2 exports, lab registers).
2. **Months 3 to 5**: data pipeline and quality checks; a weekly incidence dashboard.
3. **Month 6**: training of ten district officers; handover to the ministry's team.
"""

IMPACT_PLAN = """\
- Districts reporting weekly incidence on time: from 40 % to 80 % within a year.
- Ten officers trained; two of them able to maintain the pipeline.
- One open-access paper and the code under an open licence.
"""


def _user(users: dict[str, User], email: str) -> User:
    return users[email]


def _home_institution(admin: User) -> Institution | None:
    membership = admin.memberships.select_related("institution").order_by("pk").first()
    return membership.institution if membership else None


def _second_learner(users: dict[str, User]) -> User | None:
    """Someone of the generated network, not a demo account, to take the second seat."""
    demo = {account.email for account in DEMO_ACCOUNTS}
    return next((users[email] for email in sorted(users) if email not in demo), None)


def seed_course(users: dict[str, User], say: Say) -> None:
    expert = _user(users, "expert@example.org")
    learner = _user(users, "learner@example.org")
    if Engagement.objects.filter(kind=EngagementKind.COURSE, title=COURSE_TITLE).exists():
        return
    course = course_create(
        created_by=expert,
        title=COURSE_TITLE,
        language="en",
        capacity=2,
        summary="Design, run and read public health studies with confidence.",
        syllabus=SYLLABUS,
        level=Level.INTRODUCTORY,
        enrolment_policy=EnrolmentPolicy.OPEN,
    )
    engagement = course.engagement
    engagement_transition(
        engagement=engagement,
        to_status=EngagementStatus.ACTIVE,
        by=expert,
        reason="Week 1 starts now.",
    )
    material_page_add(
        engagement=engagement, by=expert, title="Week 1 reading list", body=READING_LIST
    )
    now = timezone.now()
    live_session_schedule(
        engagement=engagement,
        by=expert,
        title="Drop-in room: questions to the instructor",
        starts_at=now,
        duration_minutes=12 * 60,
        always_open=True,
    )
    next_week = (now + timedelta(days=7)).replace(hour=14, minute=0, second=0, microsecond=0)
    live_session_schedule(
        engagement=engagement,
        by=expert,
        title="Week 2: sampling and bias",
        starts_at=next_week,
        duration_minutes=90,
    )
    enrolment_request(course=course, user=learner, message="I work on a malaria cohort study.")
    second = _second_learner(users)
    if second is not None:
        enrolment_request(course=course, user=second)
    say(f"Course: {COURSE_TITLE} ({Course.objects.get(pk=course.pk).capacity} seats, full).")


def _accepted_match(need: Need, expert: User, admin: User) -> Match | None:
    match = Match.objects.filter(need=need, expert__user=expert).first()
    if match is not None:
        return match
    proposal = proposal_invite(
        need=need,
        expert=expert.expert_profile,
        sent_by=admin,
        message="Would you mentor our doctoral students on their malaria theses?",
    )
    proposal_answer(proposal=proposal, by=expert, accept=True, reason="Gladly.")
    return Match.objects.filter(need=need, expert__user=expert).first()


def seed_mentorship(users: dict[str, User], say: Say) -> None:
    expert = _user(users, "expert@example.org")
    admin = _user(users, "institution@example.org")
    learner = _user(users, "learner@example.org")
    need = Need.objects.filter(external_id=MENTORING_NEED, status=NeedStatus.OPEN).first()
    if need is None or Match.objects.filter(need=need, expert__user=expert).exists():
        return
    match = _accepted_match(need, expert, admin)
    engagement = Engagement.objects.filter(match=match).first()
    if engagement is None:
        return
    invitation = engagement_invitation_send(
        engagement=engagement,
        email=learner.email,
        role=ParticipantRole.MENTEE,
        side=Side.INSTITUTION,
        by=admin,
        message="Your mentor for the thesis year.",
    )
    engagement_invitation_accept(invitation=invitation, user=learner)
    agreement = agreement_update(
        engagement=engagement,
        by=expert,
        goals="- Submit the thesis proposal by March.\n- Draft a first paper on transmission.",
        expectations="We meet every two weeks for an hour; drafts are shared two days before.",
        cadence="fortnightly",
        end_date=(timezone.now() + timedelta(days=270)).date(),
    )
    agreement_confirm(engagement=engagement, user=expert, version=agreement.version)
    agreement_confirm(engagement=engagement, user=learner, version=agreement.version)
    engagement_transition(
        engagement=engagement, to_status=EngagementStatus.ACTIVE, by=admin, reason="Agreed."
    )
    proposal_goal = goal_add(
        engagement=engagement,
        by=learner,
        title="Thesis proposal accepted",
        due_date=(timezone.now() + timedelta(days=90)).date(),
    )
    goal_add(engagement=engagement, by=expert, title="First paper drafted")
    task_add(
        goal=proposal_goal,
        by=expert,
        title="Rewrite the methods section",
        assignee=learner,
        due_date=(timezone.now() - timedelta(days=2)).date(),
    )
    done = task_add(goal=proposal_goal, by=learner, title="Read three recent transmission models")
    task_update(task=done, by=learner, title=done.title, assignee=None, due_date=None, done=True)
    goal = Goal.objects.get(pk=proposal_goal.pk)
    goal_update(
        goal=goal,
        by=learner,
        title=goal.title,
        description=goal.description,
        progress=40,
        status=goal.status,
        due_date=goal.due_date,
    )
    session = mentoring_session_log(
        engagement=engagement,
        by=expert,
        held_at=timezone.now(),
        duration_minutes=60,
        shared_notes="Went through the proposal outline. Next: tighten the research question.",
        private_notes="Abena is strong on fieldwork; needs help with statistics.",
    )
    private_note_save(
        session=session, author=learner, body="Ask about the sample size calculation next time."
    )
    session_feedback_give(
        session=session, author=learner, rating=5, goal_progress=4, comment="Very clear."
    )
    for fit_check in FitCheck.objects.filter(engagement=engagement, fits__isnull=True):
        fit_check_answer(fit_check=fit_check, user=fit_check.user, fits=True)
    say(f"Mentorship: {engagement.title} (from an accepted match).")


def seed_pending_invitation(users: dict[str, User], say: Say) -> None:
    expert = _user(users, "expert@example.org")
    admin = _user(users, "institution@example.org")
    need = Need.objects.filter(external_id=COURSE_NEED, status=NeedStatus.OPEN).first()
    if need is None or Proposal.objects.filter(need=need, expert__user=expert).exists():
        return
    proposal_invite(
        need=need,
        expert=expert.expert_profile,
        sent_by=admin,
        message="Would you teach this course for our district health officers?",
    )
    say(f"Invitation waiting for expert@example.org: {need.title}.")


def seed_project(users: dict[str, User], say: Say) -> None:
    expert = _user(users, "expert@example.org")
    admin = _user(users, "institution@example.org")
    institution = _home_institution(admin)
    if institution is None or Engagement.objects.filter(title=PROJECT_TITLE).exists():
        return
    engagement = project_create(
        institution=institution,
        created_by=admin,
        title=PROJECT_TITLE,
        summary="District malaria data, cleaned weekly and shown to those who act on it.",
        work_plan=WORK_PLAN,
        impact_plan=IMPACT_PLAN,
        invitations=[
            InvitationLine(
                email=expert.email,
                role=ParticipantRole.LEAD,
                side=Side.EXPERT,
                role_title="Principal investigator",
            )
        ],
        message="Would you lead the analysis side of this project?",
    )
    invitation = engagement.invitations.get(email=expert.email)
    engagement_invitation_accept(invitation=invitation, user=expert)
    version = engagement.project.work_plan_version
    project_work_plan_approve(engagement=engagement, by=expert, side=Side.EXPERT, version=version)
    project_work_plan_approve(
        engagement=engagement, by=admin, side=Side.INSTITUTION, version=version
    )
    engagement_transition(
        engagement=engagement, to_status=EngagementStatus.ACTIVE, by=admin, reason="Plan agreed."
    )
    today = timezone.now().date()
    inventory = milestone_add(
        engagement=engagement,
        by=admin,
        title="Data inventory of the pilot districts",
        due_date=today - timedelta(days=20),
    )
    milestone_set_status(milestone=inventory, by=expert, status=MilestoneStatus.IN_PROGRESS)
    milestone_set_status(milestone=inventory, by=expert, status=MilestoneStatus.DONE)
    pipeline = milestone_add(
        engagement=engagement,
        by=expert,
        title="Cleaning pipeline for the weekly exports",
        due_date=today - timedelta(days=3),
    )
    milestone_set_status(milestone=pipeline, by=expert, status=MilestoneStatus.IN_PROGRESS)
    milestone_add(
        engagement=engagement,
        by=admin,
        title="Training of ten district officers",
        due_date=today + timedelta(days=120),
    )
    output_add(
        engagement=engagement,
        by=expert,
        kind="dataset",
        title="Weekly malaria incidence, pilot districts (anonymised)",
        url="https://example.org/data/malaria-weekly",
    )
    impact_report_submit(
        engagement=engagement,
        by=admin,
        title="First quarter",
        period_start=today - timedelta(days=90),
        period_end=today,
        body="Three of five pilot districts now report weekly; the inventory is done.",
    )
    say(f"Joint project: {PROJECT_TITLE}.")


def seed_engagements(sender: Any, *, users: dict[str, User], say: Say, **kwargs: Any) -> None:
    seed_course(users, say)
    seed_mentorship(users, say)
    seed_project(users, say)
    seed_pending_invitation(users, say)

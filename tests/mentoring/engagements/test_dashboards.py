"""My engagements, an institution's engagements, and programme health with its CSV."""

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from mentoring.courses.models import Enrolment, EnrolmentStatus
from mentoring.engagements.models import (
    Engagement,
    EngagementInvitation,
    EngagementKind,
    EngagementStatus,
    ParticipantRole,
)
from mentoring.engagements.services import (
    engagement_create,
    engagement_invitation_send,
    participant_add,
    participant_remove,
)
from mentoring.mentorships.models import Goal, Task
from mentoring.projects.models import Milestone, MilestoneStatus
from mentoring.scheduling.models import LiveSession

S = EngagementStatus


def make_engagements(
    user: User,
    count: int,
    *,
    kind: str = EngagementKind.PROJECT,
    institution: Institution | None = None,
) -> list[Engagement]:
    made = []
    for i in range(count):
        engagement = engagement_create(
            kind=kind, title=f"{kind} {i}", created_by=user, institution=institution
        )
        participant_add(
            engagement=engagement,
            user=user,
            role=ParticipantRole.LEAD if kind == EngagementKind.PROJECT else ParticipantRole.MENTOR,
            by=user,
        )
        made.append(engagement)
    return made


def idle_since(engagement: Engagement, moment: datetime) -> None:
    Engagement.objects.filter(pk=engagement.pk).update(last_activity_at=moment)
    engagement.refresh_from_db()


# --- My engagements -----------------------------------------------------------------------


def test_it_lists_my_engagements_with_my_role(
    login: Callable[[User], Client],
    mentorship: Engagement,
    project: Engagement,
    course: Engagement,
    bob: User,
) -> None:
    r = login(bob).get(reverse("engagement_list"))
    rows = {e.title: e for e in r.context["page"].object_list}
    assert set(rows) == {mentorship.title, project.title}
    assert rows[mentorship.title].my_role_label == "Mentee"
    assert rows[project.title].participants_count == 2
    participant_remove(participant=project.participants.get(user=bob), by=bob)
    r = login(bob).get(reverse("engagement_list"))
    assert [e.title for e in r.context["page"].object_list] == [mentorship.title]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "mentorship"}, ["mentorship"]),
        ({"kind": "project"}, ["project"]),
        ({"status": "active"}, ["project"]),
        ({"status": "open"}, ["mentorship", "project"]),
        ({"status": "completed"}, ["course"]),
        ({"kind": "course", "status": "active"}, []),
        ({"kind": "bogus", "status": "completed"}, ["course"]),
    ],
)
def test_it_filters_my_engagements(
    login: Callable[[User], Client],
    mentorship: Engagement,
    project: Engagement,
    course: Engagement,
    alice: User,
    params: dict[str, str],
    expected: list[str],
) -> None:
    Engagement.objects.filter(pk=project.pk).update(status=S.ACTIVE)
    Engagement.objects.filter(pk=course.pk).update(status=S.COMPLETED)
    r = login(alice).get(reverse("engagement_list"), params)
    # An unknown value is ignored rather than an error.
    assert sorted(e.kind for e in r.context["page"].object_list) == expected


def test_my_engagements_page_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    settings: Settings,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = 20
    client = login(alice)
    make_engagements(alice, 1)
    with django_assert_num_queries(MY_QUERIES):
        r = client.get(reverse("engagement_list"))
    assert len(r.context["page"].object_list) == 1
    make_engagements(alice, 24)
    with django_assert_num_queries(MY_QUERIES):
        r = client.get(reverse("engagement_list"), {"page": 2})
    assert len(r.context["page"].object_list) == 5
    assert r.context["page"].paginator.count == 25


def test_every_section_of_my_engagements_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    mentorship: Engagement,
    project: Engagement,
    course: Engagement,
    alice: User,
    bob: User,
    make_user: Callable[..., User],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)

    def add_one_of_each(n: int) -> None:
        now = timezone.now()
        other = make_user(f"learner{n}@example.org", name=f"Learner {n}")
        Enrolment.objects.create(course=course.course, user=other, status=EnrolmentStatus.REQUESTED)
        LiveSession.objects.create(
            engagement=project,
            title=f"Call {n}",
            starts_at=now + timedelta(hours=n + 1),
            duration_minutes=30,
        )
        goal = Goal.objects.create(engagement=mentorship, title=f"Goal {n}")
        Task.objects.create(goal=goal, title=f"Task {n}", assignee=bob, due_date=date(2020, 1, 1))
        Milestone.objects.create(
            engagement=project, title=f"Milestone {n}", due_date=date(2020, 1, 1)
        )
        elsewhere = engagement_create(
            kind=EngagementKind.PROJECT, title=f"Elsewhere {n}", created_by=bob
        )
        participant_add(engagement=elsewhere, user=bob, role=ParticipantRole.LEAD, by=bob)
        engagement_invitation_send(
            engagement=elsewhere, email="alice@example.org", role=ParticipantRole.MEMBER, by=bob
        )

    add_one_of_each(1)
    with django_assert_num_queries(MY_QUERIES):
        r = client.get(reverse("engagement_list"))
    assert len(r.context["sessions"]) == len(r.context["overdue_tasks"]) == 1
    for n in range(2, 6):
        add_one_of_each(n)
    with django_assert_num_queries(MY_QUERIES):
        r = client.get(reverse("engagement_list"))
    for section in (
        "sessions",
        "invitations",
        "enrolment_requests",
        "overdue_tasks",
        "overdue_milestones",
    ):
        assert len(r.context[section]) == 5, section


# session, user, count, page, sessions, invitations, course invitations, proposals,
# enrolment requests, overdue tasks, overdue milestones, unread badge.
MY_QUERIES = 12


def test_it_shows_upcoming_live_sessions_of_my_engagements(
    login: Callable[[User], Client], mentorship: Engagement, project: Engagement, bob: User
) -> None:
    now = timezone.now()

    def session(engagement: Engagement, title: str, start: datetime, **values: object) -> None:
        LiveSession.objects.create(
            engagement=engagement, title=title, starts_at=start, duration_minutes=60, **values
        )

    session(mentorship, "Tomorrow's session", now + timedelta(days=1))
    session(mentorship, "Happening now", now - timedelta(minutes=30))
    session(mentorship, "Yesterday's session", now - timedelta(days=1))
    session(mentorship, "Called off", now + timedelta(days=2), cancelled_at=now)
    session(project, "Project call", now + timedelta(hours=3))
    other = engagement_create(kind=EngagementKind.PROJECT, title="Elsewhere", created_by=bob)
    session(other, "Not mine", now + timedelta(hours=1))
    r = login(bob).get(reverse("engagement_list"))
    assert [s.title for s in r.context["sessions"]] == [
        "Happening now",
        "Project call",
        "Tomorrow's session",
    ]
    html = r.content.decode()
    assert "Tomorrow&#x27;s session" in html
    link = r.context["sessions"][0].link
    assert link.startswith("/sessions/") or link == mentorship.get_absolute_url()
    Engagement.objects.filter(pk=project.pk).update(status=S.CANCELLED)
    r = login(bob).get(reverse("engagement_list"))
    assert "Project call" not in [s.title for s in r.context["sessions"]]


def test_it_shows_invitations_waiting_for_my_answer(
    login: Callable[[User], Client],
    project: Engagement,
    mentorship: Engagement,
    course: Engagement,
    alice: User,
    dora: User,
) -> None:
    to_work = engagement_invitation_send(
        engagement=project, email="dora.work@example.org", role=ParticipantRole.MEMBER, by=alice
    )
    expired = engagement_invitation_send(
        engagement=mentorship, email="dora@example.org", role=ParticipantRole.MENTEE, by=alice
    )
    EngagementInvitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    EmailAddress.objects.create(user=dora, email="dora.old@example.org", verified=False)
    engagement_invitation_send(
        engagement=mentorship, email="dora.old@example.org", role=ParticipantRole.MENTEE, by=alice
    )
    Enrolment.objects.create(course=course.course, user=dora, status=EnrolmentStatus.INVITED)
    r = login(dora).get(reverse("engagement_list"))
    assert [i.pk for i in r.context["invitations"]] == [to_work.pk]
    assert [e.course.engagement.title for e in r.context["course_invitations"]] == [course.title]
    html = r.content.decode()
    assert reverse("engagement_invitation", args=[to_work.token]) in html
    assert "Invitation to the course “Research Methods for Public Health”" in html


def test_it_shows_enrolment_requests_to_those_who_teach(
    login: Callable[[User], Client], course: Engagement, alice: User, bob: User, charlie: User
) -> None:
    Enrolment.objects.create(course=course.course, user=charlie, status=EnrolmentStatus.REQUESTED)
    Enrolment.objects.create(course=course.course, user=bob, status=EnrolmentStatus.ENROLLED)
    r = login(alice).get(reverse("engagement_list"))
    assert [e.user for e in r.context["enrolment_requests"]] == [charlie]
    assert "Charlie Outsider asks to enrol in" in r.content.decode()
    assert login(bob).get(reverse("engagement_list")).context["enrolment_requests"] == []


def test_it_shows_overdue_tasks_and_milestones(
    login: Callable[[User], Client],
    mentorship: Engagement,
    project: Engagement,
    alice: User,
    bob: User,
    charlie: User,
) -> None:
    today = timezone.localdate()
    goal = Goal.objects.create(engagement=mentorship, title="Submit the grant")
    late = Task.objects.create(
        goal=goal, title="Draft budget", assignee=bob, due_date=date(2020, 1, 1)
    )
    Task.objects.create(
        goal=goal,
        title="Done already",
        assignee=bob,
        due_date=date(2020, 1, 1),
        done_at=timezone.now(),
    )
    Task.objects.create(
        goal=goal, title="Not yet due", assignee=bob, due_date=today + timedelta(days=3)
    )
    milestone = Milestone.objects.create(
        engagement=project, title="Data collected", due_date=today - timedelta(days=1)
    )
    Milestone.objects.create(
        engagement=project, title="Finished", due_date=date(2020, 1, 1), status=MilestoneStatus.DONE
    )
    # bob is assigned the task; alice runs both the mentorship and the project.
    bob_page = login(bob).get(reverse("engagement_list")).context
    assert bob_page["overdue_tasks"] == [late]
    assert bob_page["overdue_milestones"] == []
    alice_page = login(alice).get(reverse("engagement_list"))
    assert alice_page.context["overdue_tasks"] == [late]
    assert alice_page.context["overdue_milestones"] == [milestone]
    assert "Milestone “Data collected”" in alice_page.content.decode()
    assert login(charlie).get(reverse("engagement_list")).context["overdue_tasks"] == []


def test_my_engagements_need_signing_in(client: Client, db: None) -> None:
    r = client.get(reverse("engagement_list"))
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('account_login')}?next={reverse('engagement_list')}"


def test_the_navigation_and_dashboard_link_my_engagements(
    login: Callable[[User], Client], charlie: User
) -> None:
    html = login(charlie).get(reverse("dashboard")).content.decode()
    assert html.count(f'href="{reverse("engagement_list")}"') == 2
    assert reverse("programme_health") not in html


# --- An institution's engagements ---------------------------------------------------------


@pytest.fixture
def owned(
    institution: Institution, alice: User, bob: User, project: Engagement
) -> list[Engagement]:
    """Three engagements of the institution: bob takes part in the project only."""
    project.institution = institution
    project.save(update_fields=["institution"])
    others = make_engagements(alice, 2, kind=EngagementKind.MENTORSHIP, institution=institution)
    Engagement.objects.filter(pk=others[1].pk).update(status=S.COMPLETED)
    return [project, *others]


def test_members_see_every_engagement_of_their_institution(
    login: Callable[[User], Client],
    institution: Institution,
    owned: list[Engagement],
    bob: User,
    alice: User,
    course: Engagement,
) -> None:
    url = reverse("institution_engagements", args=[institution.pk])
    r = login(bob).get(url)
    rows = {e.title: e for e in r.context["page"].object_list}
    assert set(rows) == {e.title for e in owned}
    html = r.content.decode()
    # bob may open the project he takes part in, not the others; the admin opens all.
    assert owned[0].get_absolute_url() in html
    assert owned[1].get_absolute_url() not in html
    assert rows[owned[0].title].participants_count == 2
    admin_html = login(alice).get(url).content.decode()
    assert all(e.get_absolute_url() in admin_html for e in owned)
    r = login(bob).get(url, {"kind": "mentorship", "status": "open"})
    assert [e.pk for e in r.context["page"].object_list] == [owned[1].pk]


def test_the_institution_list_is_for_its_members(
    client: Client,
    login: Callable[[User], Client],
    institution: Institution,
    owned: list[Engagement],
    charlie: User,
    moderator: User,
) -> None:
    url = reverse("institution_engagements", args=[institution.pk])
    assert login(charlie).get(url).status_code == 404
    assert login(moderator).get(url).status_code == 404
    assert login(charlie).get(reverse("institution_engagements", args=[999])).status_code == 404
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))


def test_the_institution_list_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    settings: Settings,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.DIRECTORY_PAGE_SIZE = 20
    client = login(bob)
    url = reverse("institution_engagements", args=[institution.pk])
    make_engagements(alice, 1, institution=institution)
    with django_assert_num_queries(INSTITUTION_QUERIES):
        r = client.get(url)
    assert len(r.context["page"].object_list) == 1
    make_engagements(alice, 30, institution=institution)
    with django_assert_num_queries(INSTITUTION_QUERIES):
        r = client.get(url)
    assert len(r.context["page"].object_list) == 20


# session, user, institution, admin?, count, page, unread badge
INSTITUTION_QUERIES = 7


# --- Programme health ---------------------------------------------------------------------


@pytest.fixture
def programme(
    alice: User, bob: User, institution: Institution, settings: Settings
) -> dict[str, Engagement]:
    settings.ENGAGEMENT_STALLED_DAYS = 30
    now = timezone.now()
    active, quiet_paused, completed = make_engagements(alice, 3, institution=institution)
    (mentoring,) = make_engagements(bob, 1, kind=EngagementKind.MENTORSHIP)
    for engagement, status in (
        (active, S.ACTIVE),
        (quiet_paused, S.PAUSED),
        (completed, S.COMPLETED),
        (mentoring, S.PROPOSED),
    ):
        Engagement.objects.filter(pk=engagement.pk).update(status=status)
    Engagement.objects.filter(pk=active.pk).update(
        title="=HYPERLINK(1)", started_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    idle_since(quiet_paused, now - timedelta(days=45))
    idle_since(completed, now - timedelta(days=400))  # not open: not stalled
    idle_since(mentoring, now - timedelta(days=31))
    return {
        "active": active,
        "paused": quiet_paused,
        "completed": completed,
        "mentoring": mentoring,
    }


def test_moderators_see_counts_by_kind_and_status(
    login: Callable[[User], Client], programme: dict[str, Engagement], moderator: User
) -> None:
    r = login(moderator).get(reverse("programme_health"))
    assert r.status_code == 200
    health = r.context["health"]
    by_kind = {row.kind: row for row in health.rows}
    # proposed, active, paused, completed, cancelled
    assert by_kind["project"].counts == [0, 1, 1, 1, 0]
    assert by_kind["mentorship"].counts == [1, 0, 0, 0, 0]
    assert by_kind["course"].counts == [0, 0, 0, 0, 0]
    assert (by_kind["project"].stalled, by_kind["mentorship"].stalled, health.stalled) == (1, 1, 2)
    assert health.totals == [1, 1, 1, 1, 0] and health.total == 4
    stalled = [(e.pk, days) for e, days in r.context["stalled"]]
    assert stalled == [(programme["paused"].pk, 45), (programme["mentoring"].pk, 31)]
    html = r.content.decode()
    assert "Université Cheikh Anta Diop" in html
    # Programme health is not a way into the engagements.
    assert programme["paused"].get_absolute_url() not in html


def test_programme_health_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    programme: dict[str, Engagement],
    moderator: User,
    alice: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(moderator)
    with django_assert_num_queries(PROGRAMME_QUERIES):
        client.get(reverse("programme_health"))
    for engagement in make_engagements(alice, 10):
        idle_since(engagement, timezone.now() - timedelta(days=90))
    with django_assert_num_queries(PROGRAMME_QUERIES):
        r = client.get(reverse("programme_health"))
    assert len(r.context["stalled"]) == 12


# session, user, counts, stalled count, stalled page, unread badge
PROGRAMME_QUERIES = 6


def read_csv(response: object) -> list[dict[str, str]]:
    content = response.content.decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(content)))


def test_the_csv_has_one_row_per_engagement(
    login: Callable[[User], Client], programme: dict[str, Engagement], moderator: User
) -> None:
    r = login(moderator).get(reverse("programme_csv"))
    assert r.status_code == 200
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"].startswith('attachment; filename="programme-')
    rows = read_csv(r)
    assert list(rows[0]) == [
        "id",
        "kind",
        "title",
        "institution",
        "status",
        "stalled",
        "created",
        "started",
        "ended",
        "last_activity",
        "participants",
    ]
    by_id = {int(row["id"]): row for row in rows}
    assert set(by_id) == {e.pk for e in programme.values()}
    active = by_id[programme["active"].pk]
    assert active["title"] == "'=HYPERLINK(1)"  # never run as a formula
    assert active["institution"] == "Université Cheikh Anta Diop"
    assert (active["kind"], active["status"], active["stalled"]) == ("project", "active", "no")
    assert active["started"] == "2024-01-02T03:04:05Z"
    assert active["ended"] == ""
    assert active["participants"] == "1"
    paused = by_id[programme["paused"].pk]
    assert paused["stalled"] == "yes"
    assert paused["last_activity"] == programme["paused"].last_activity_at.astimezone(
        UTC
    ).isoformat().replace("+00:00", "Z")
    assert by_id[programme["completed"].pk]["stalled"] == "no"
    assert by_id[programme["mentoring"].pk]["stalled"] == "yes"
    assert by_id[programme["mentoring"].pk]["institution"] == ""


def test_it_starts_the_csv_with_a_utf8_byte_order_mark_for_spreadsheets(
    login: Callable[[User], Client], programme: dict[str, Engagement], moderator: User
) -> None:
    content = login(moderator).get(reverse("programme_csv")).content
    assert content.startswith(b"\xef\xbb\xbfid,kind,")
    assert content.count(b"\xef\xbb\xbf") == 1
    assert "Université Cheikh Anta Diop".encode() in content


@pytest.mark.parametrize("name", ["programme_health", "programme_csv"])
def test_programme_health_is_for_moderators_only(
    client: Client,
    login: Callable[[User], Client],
    make_user: Callable[..., User],
    alice: User,
    charlie: User,
    name: str,
) -> None:
    url = reverse(name)
    assert login(alice).get(url).status_code == 404
    assert login(charlie).get(url).status_code == 404
    staff = make_user("staff@example.org", name="Sam Staff", is_staff=True)
    assert login(staff).get(url).status_code == 200
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))


def test_moderators_find_programme_health_from_the_navigation(
    login: Callable[[User], Client], moderator: User
) -> None:
    html = login(moderator).get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("programme_health")}"' in html

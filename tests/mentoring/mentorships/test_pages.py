"""Mentorship pages: the panel, the agreement, goals and tasks, the session log, private
notes, feedback and the fit check, as each person sees them."""

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
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
from mentoring.mentorships.services import (
    fit_check_answer,
    goal_add,
    private_note_save,
    session_feedback_give,
    task_add,
)
from tests.mentoring.mentorships.conftest import held, log, write

# --- The panel on the engagement page -----------------------------------------------------


def test_it_shows_the_panel_on_the_engagement_page(
    login: Callable[[User], Client], mentorship: Engagement, agreement: Agreement, bob: User
) -> None:
    goal_add(engagement=mentorship, by=bob, title="Submit to the NIH")
    session = log(mentorship, bob)
    r = login(bob).get(mentorship.get_absolute_url())
    assert r.status_code == 200
    content = r.content.decode()
    assert 'id="mentorship"' in content
    assert "Write a first grant proposal" in content
    assert "Bob Mensah has not confirmed yet" in content
    assert "I confirm version 2" in content
    assert "Submit to the NIH" in content
    assert reverse("mentorship_session_detail", args=[mentorship.pk, session.pk]) in content
    # bob's pending fit check is asked right there.
    assert 'id="fit-check-question"' in content
    # bob does not run it: no edit link.
    assert reverse("mentorship_agreement_edit", args=[mentorship.pk]) not in content


def test_it_shows_the_manager_the_edit_link_and_no_fit_answers(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    log(mentorship, alice)
    fit_check_answer(
        fit_check=FitCheck.objects.get(user=bob), user=bob, fits=False, comment="BOB-SAYS-NO"
    )
    content = login(alice).get(mentorship.get_absolute_url()).content.decode()
    assert reverse("mentorship_agreement_edit", args=[mentorship.pk]) in content
    assert "it does not fit</span>" not in content
    assert "BOB-SAYS-NO" not in content


# --- Agreement ----------------------------------------------------------------------------


def test_it_edits_the_agreement_and_asks_everyone_to_confirm(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    client = login(alice)
    url = reverse("mentorship_agreement_edit", args=[mentorship.pk])
    assert client.get(url).status_code == 200
    r = client.post(
        url,
        {"goals": "One *proposal*", "expectations": "", "cadence": "weekly", "end_date": ""},
    )
    assert r.status_code == 302
    agreement = Agreement.objects.get(engagement=mentorship)
    assert (agreement.version, agreement.cadence) == (2, "weekly")
    page = client.get(r["Location"]).content.decode()
    assert "<em>proposal</em>" in page
    assert "Alice Ndiaye" in page and "waiting" in page


def test_it_keeps_what_was_typed_when_the_agreement_is_refused(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    r = login(alice).post(
        reverse("mentorship_agreement_edit", args=[mentorship.pk]),
        {
            "goals": "TYPED-GOALS",
            "expectations": "TYPED-EXP",
            "cadence": "monthly",
            "end_date": yesterday,
        },
    )
    assert r.status_code == 200
    content = r.content.decode()
    assert "The end date cannot be in the past." in content
    assert "TYPED-GOALS" in content and "TYPED-EXP" in content
    assert Agreement.objects.get(engagement=mentorship).version == 1


def test_it_confirms_the_agreement_from_its_page(
    login: Callable[[User], Client], mentorship: Engagement, agreement: Agreement, bob: User
) -> None:
    client = login(bob)
    r = client.post(reverse("mentorship_agreement_confirm", args=[mentorship.pk]), {"version": "2"})
    assert r.status_code == 302
    assert AgreementConfirmation.objects.filter(user=bob, version=2).exists()
    content = client.get(r["Location"]).content.decode()
    assert "I confirm version" not in content


def test_it_explains_a_confirmation_of_an_old_version(
    login: Callable[[User], Client],
    mentorship: Engagement,
    agreement: Agreement,
    alice: User,
    bob: User,
) -> None:
    write(mentorship, alice, goals="Changed")
    r = login(bob).post(
        reverse("mentorship_agreement_confirm", args=[mentorship.pk]), {"version": "2"}
    )
    assert r.status_code == 200
    assert "The agreement changed since you read it" in r.content.decode()
    assert not AgreementConfirmation.objects.exists()


# --- Goals and tasks ----------------------------------------------------------------------


def test_it_adds_goals_and_tasks_and_ticks_them_off(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    client = login(bob)
    r = client.post(
        reverse("mentorship_goals", args=[mentorship.pk]),
        {"title": "Submit to the NIH", "description": "", "due_date": "2030-05-01"},
    )
    assert r.status_code == 302
    goal = Goal.objects.get()
    r = client.post(
        reverse("mentorship_task_add", args=[mentorship.pk, goal.pk]),
        {"title": "Draft the aims", "assignee": str(alice.pk), "due_date": ""},
    )
    assert r.status_code == 302
    task = Task.objects.get()
    assert task.assignee == alice
    r = client.post(reverse("mentorship_task_done", args=[mentorship.pk, task.pk]), {"done": "1"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    r = client.post(
        reverse("mentorship_goal_edit", args=[mentorship.pk, goal.pk]),
        {"title": "Submit to the NIH", "description": "", "progress": "60", "status": "open"},
    )
    assert r.status_code == 302
    goal.refresh_from_db()
    assert goal.progress == 60


def test_it_refuses_an_assignee_from_outside(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, charlie: User
) -> None:
    goal = goal_add(engagement=mentorship, by=alice, title="Goal")
    r = login(alice).post(
        reverse("mentorship_task_add", args=[mentorship.pk, goal.pk]),
        {"title": "TYPED-TASK", "assignee": str(charlie.pk)},
    )
    assert r.status_code == 200
    assert "TYPED-TASK" in r.content.decode()
    assert r.context["task_form"].errors["assignee"]
    assert not Task.objects.exists()


def test_it_pins_the_queries_of_the_goals_page(
    login: Callable[[User], Client],
    mentorship: Engagement,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(bob)
    url = reverse("mentorship_goals", args=[mentorship.pk])

    def add(n: int) -> None:
        for i in range(n):
            goal = goal_add(engagement=mentorship, by=alice, title=f"Goal {i}")
            task_add(goal=goal, by=alice, title=f"Task {i}", assignee=bob)

    add(1)
    client.get(url)  # session and caches warm
    # session, user, notification badge, engagement, participant, goals, tasks
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    add(5)
    with django_assert_num_queries(7):
        r = client.get(url)
    assert len(r.context["goals"]) == 6


# --- Sessions -----------------------------------------------------------------------------


def test_it_logs_a_session_in_the_viewers_time_zone(
    login: Callable[[User], Client], mentorship: Engagement, bob: User
) -> None:
    User.objects.filter(pk=bob.pk).update(timezone="Asia/Tokyo")
    r = login(bob).post(
        reverse("mentorship_sessions", args=[mentorship.pk]),
        {
            "held_at": "2024-03-01T19:00",
            "duration_minutes": "45",
            "attendees": [str(bob.pk)],
            "shared_notes": "Notes",
            "private_notes": "",
        },
    )
    assert r.status_code == 302, r.content
    session = MentoringSession.objects.get()
    assert session.held_at.isoformat() == "2024-03-01T10:00:00+00:00"
    assert list(session.attendees.all()) == [bob]


def test_it_keeps_what_was_typed_when_a_session_is_refused(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    ahead = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = login(alice).post(
        reverse("mentorship_sessions", args=[mentorship.pk]),
        {
            "held_at": ahead,
            "duration_minutes": "45",
            "attendees": [str(alice.pk)],
            "shared_notes": "TYPED-SHARED",
            "private_notes": "TYPED-PRIVATE",
        },
    )
    assert r.status_code == 200
    content = r.content.decode()
    assert "this time is ahead" in content
    assert "TYPED-SHARED" in content and "TYPED-PRIVATE" in content
    assert not MentoringSession.objects.exists()


def test_it_pins_the_queries_of_the_session_log(
    login: Callable[[User], Client],
    mentorship: Engagement,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    url = reverse("mentorship_sessions", args=[mentorship.pk])

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            session = log(mentorship, alice, held_at=held(days=i + 1))
            private_note_save(session=session, author=alice, body=f"Mine {i}")
            session_feedback_give(session=session, author=bob, rating=4, goal_progress=3)

    add(1, 0)
    client.get(url)
    # session, user, badge, engagement, participant, count, sessions, attendees, private
    # notes, feedback, and the form's attendee choices
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
    add(5, 1)
    with django_assert_num_queries(11):
        r = client.get(url)
    assert len(r.context["rows"]) == 6


def test_it_shows_private_notes_to_their_author_only(
    login: Callable[[User], Client],
    mentorship: Engagement,
    institution: Institution,
    alice: User,
    bob: User,
    with_cora: User,
    with_dina: User,
) -> None:
    # alice is the mentor and, through the institution, an overseer too.
    Engagement.objects.filter(pk=mentorship.pk).update(institution=institution)
    session = log(mentorship, alice)
    client = login(bob)
    r = client.post(
        reverse("mentorship_private_note", args=[mentorship.pk, session.pk]),
        {"body": "SECRET-OF-BOB"},
    )
    assert r.status_code == 302
    assert PrivateNote.objects.get().author == bob
    urls = [
        mentorship.get_absolute_url(),
        reverse("mentorship_sessions", args=[mentorship.pk]),
        reverse("mentorship_session_detail", args=[mentorship.pk, session.pk]),
    ]
    for url in urls:
        assert "SECRET-OF-BOB" in client.get(url).content.decode() or url.endswith("sessions/")
    for reader in (alice, with_cora, with_dina):
        other = login(reader)
        for url in urls:
            assert "SECRET-OF-BOB" not in other.get(url).content.decode(), (reader, url)
        api = other.get(f"/api/engagements/{mentorship.pk}/mentoring-sessions").content.decode()
        assert "SECRET-OF-BOB" not in api


def test_it_edits_a_private_note_from_the_session_page(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    session = log(mentorship, alice)
    client = login(alice)
    url = reverse("mentorship_private_note", args=[mentorship.pk, session.pk])
    client.post(url, {"body": "First"})
    client.post(url, {"body": "SECOND-VERSION"})
    content = client.get(mentorship.get_absolute_url()).content.decode()
    assert "SECOND-VERSION" in content and "First" not in content


def test_it_shows_feedback_to_its_author_and_the_mentor_not_other_mentees(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User, with_dina: User
) -> None:
    session = log(mentorship, alice)
    url = reverse("mentorship_feedback", args=[mentorship.pk, session.pk])
    r = login(bob).post(url, {"rating": "2", "goal_progress": "1", "comment": "BOB-FEEDBACK"})
    assert r.status_code == 302
    assert SessionFeedback.objects.get().author == bob
    again = login(bob).post(url, {"rating": "5", "goal_progress": "5", "comment": "AGAIN"})
    assert "already gave feedback" in again.content.decode()
    assert SessionFeedback.objects.count() == 1
    detail = reverse("mentorship_session_detail", args=[mentorship.pk, session.pk])
    assert "BOB-FEEDBACK" in login(bob).get(detail).content.decode()
    assert "BOB-FEEDBACK" in login(alice).get(detail).content.decode()
    dina_page = login(with_dina).get(detail).content.decode()
    assert "BOB-FEEDBACK" not in dina_page
    assert "Send feedback" in dina_page
    feed = login(with_dina).get(mentorship.get_absolute_url()).content.decode()
    assert "Bob Mensah gave feedback on a session" in feed
    assert "BOB-FEEDBACK" not in feed


# --- Fit check and next-ranked mentors ----------------------------------------------------


def test_it_sends_a_no_to_the_next_ranked_mentors(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User, with_cora: User
) -> None:
    log(mentorship, alice)
    client = login(bob)
    r = client.post(
        reverse("mentorship_fit_check", args=[mentorship.pk]),
        {"fits": "no", "comment": "BOB-COMMENT"},
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("mentorship_next_mentors", args=[mentorship.pk])
    page = client.get(r["Location"])
    assert page.status_code == 200
    assert "was not opened from a need" in page.content.decode()
    answers = login(with_cora).get(reverse("mentorship_fit_check", args=[mentorship.pk]))
    assert "BOB-COMMENT" in answers.content.decode()
    mentor_view = login(alice).get(reverse("mentorship_fit_check", args=[mentorship.pk]))
    assert "BOB-COMMENT" not in mentor_view.content.decode()
    # alice, who said nothing, may not see the list; cora, the coordinator, may.
    assert login(alice).get(r["Location"]).status_code == 403
    assert login(with_cora).get(r["Location"]).status_code == 200


def test_it_refuses_a_fit_answer_from_someone_not_asked(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, with_cora: User
) -> None:
    log(mentorship, alice)
    r = login(with_cora).post(reverse("mentorship_fit_check", args=[mentorship.pk]), {"fits": "no"})
    assert r.status_code == 404

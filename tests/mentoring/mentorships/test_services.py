"""Mentorship services: agreement versions and confirmations, the start check, goals and
tasks, the session log, private notes, feedback and fit checks."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.notifications.models import Notification, NotificationKind
from mentoring.engagements.models import (
    Audience,
    Engagement,
    EngagementStatus,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.permissions import access_for
from mentoring.engagements.services import engagement_transition, participant_remove
from mentoring.engagements.timeline import visible_entries
from mentoring.mentorships import selectors
from mentoring.mentorships.models import (
    Agreement,
    AgreementConfirmation,
    FitCheck,
    GoalStatus,
    MentoringSession,
    PrivateNote,
    SessionFeedback,
)
from mentoring.mentorships.services import (
    agreement_confirm,
    fit_check_answer,
    goal_add,
    goal_update,
    private_note_save,
    session_feedback_give,
    task_add,
    task_update,
)
from tests.mentoring.mentorships.conftest import held, log, write


def verbs(engagement: Engagement) -> list[str]:
    return list(TimelineEntry.objects.filter(engagement=engagement).values_list("verb", flat=True))


def entries(engagement: Engagement, verb: str) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(engagement=engagement, verb=verb))


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- Agreement: versions and confirmations ------------------------------------------------


def test_it_bumps_the_version_on_each_edit_and_records_it(
    mentorship: Engagement, alice: User
) -> None:
    first = write(mentorship, alice)
    assert first.version == 2
    assert first.goals_html.startswith("<p>Write a first grant proposal")
    second = write(mentorship, alice, goals="Two proposals.")
    assert second.version == 3
    updates = entries(mentorship, TimelineVerb.AGREEMENT_UPDATED)
    assert [e.params["version"] for e in updates] == [2, 3]
    assert updates[0].url == f"/engagements/{mentorship.pk}/agreement/"


def test_it_keeps_the_version_when_nothing_changed(mentorship: Engagement, alice: User) -> None:
    write(mentorship, alice)
    again = write(mentorship, alice)
    assert again.version == 2
    assert len(entries(mentorship, TimelineVerb.AGREEMENT_UPDATED)) == 1


def test_it_asks_the_mentees_to_confirm_a_new_version(
    mentorship: Engagement, alice: User, bob: User
) -> None:
    write(mentorship, alice)
    notes = Notification.objects.filter(user=bob, kind=NotificationKind.ENGAGEMENT)
    assert notes.filter(url=f"/engagements/{mentorship.pk}/agreement/").count() == 1
    assert not Notification.objects.filter(user=alice, url__contains="agreement").exists()


def test_it_counts_only_confirmations_of_the_current_version(
    mentorship: Engagement, agreement: Agreement, alice: User, bob: User
) -> None:
    agreement_confirm(engagement=mentorship, user=bob, version=2)
    agreement_confirm(engagement=mentorship, user=alice, version=2)
    assert selectors.agreement_state(mentorship).is_confirmed
    write(mentorship, alice, goals="A different goal.")
    state = selectors.agreement_state(mentorship)
    assert state.version == 3
    assert state.confirmations == []
    assert [u.pk for u in state.pending] == [alice.pk, bob.pk]
    assert not state.is_confirmed


def test_it_refuses_to_confirm_a_version_that_changed_meanwhile(
    mentorship: Engagement, agreement: Agreement, alice: User, bob: User
) -> None:
    write(mentorship, alice, goals="Changed while bob was reading.")
    with pytest.raises(ValidationError) as error:
        agreement_confirm(engagement=mentorship, user=bob, version=2)
    assert "version" in error.value.message_dict
    assert "version 3" in messages_of(error)
    assert not AgreementConfirmation.objects.exists()


def test_it_records_a_confirmation_once(
    mentorship: Engagement, agreement: Agreement, bob: User
) -> None:
    first = agreement_confirm(engagement=mentorship, user=bob, version=2)
    second = agreement_confirm(engagement=mentorship, user=bob, version=2)
    assert first.pk == second.pk
    confirmed = entries(mentorship, TimelineVerb.AGREEMENT_CONFIRMED)
    assert len(confirmed) == 1
    assert confirmed[0].actor == bob


def test_it_lets_only_mentors_and_mentees_confirm(
    mentorship: Engagement, agreement: Agreement, with_cora: User, charlie: User
) -> None:
    for user in (with_cora, charlie):
        with pytest.raises(ValidationError):
            agreement_confirm(engagement=mentorship, user=user, version=2)
    assert not AgreementConfirmation.objects.exists()


def test_it_refuses_to_confirm_an_agreement_without_goals(
    mentorship: Engagement, bob: User
) -> None:
    with pytest.raises(ValidationError) as error:
        agreement_confirm(engagement=mentorship, user=bob, version=1)
    assert "no goals" in messages_of(error)


def test_it_refuses_an_end_date_in_the_past(mentorship: Engagement, alice: User) -> None:
    with pytest.raises(ValidationError) as error:
        from mentoring.mentorships.services import agreement_update

        agreement_update(
            engagement=mentorship,
            by=alice,
            goals="Goals",
            expectations="",
            cadence="weekly",
            end_date=timezone.localdate() - timedelta(days=1),
        )
    assert "end_date" in error.value.message_dict
    assert Agreement.objects.get(engagement=mentorship).version == 1


def test_it_refuses_an_unknown_cadence(mentorship: Engagement, alice: User) -> None:
    from mentoring.mentorships.services import agreement_update

    with pytest.raises(ValidationError) as error:
        agreement_update(
            engagement=mentorship,
            by=alice,
            goals="Goals",
            expectations="",
            cadence="hourly",
            end_date=None,
        )
    assert "cadence" in error.value.message_dict


def test_it_refuses_edits_once_the_mentorship_ended(mentorship: Engagement, alice: User) -> None:
    engagement_transition(
        engagement=mentorship, to_status=EngagementStatus.CANCELLED, by=alice, reason="No time"
    )
    mentorship.refresh_from_db()
    with pytest.raises(ValidationError):
        write(mentorship, alice)
    with pytest.raises(ValidationError):
        goal_add(engagement=mentorship, by=alice, title="Late goal")


# --- Start check ---------------------------------------------------------------------------


def test_it_refuses_to_start_until_everyone_confirmed_the_current_version(
    mentorship: Engagement, agreement: Agreement, alice: User, bob: User
) -> None:
    with pytest.raises(ValidationError) as error:
        engagement_transition(engagement=mentorship, to_status=EngagementStatus.ACTIVE, by=alice)
    assert "Alice Ndiaye, Bob Mensah" in messages_of(error)
    agreement_confirm(engagement=mentorship, user=alice, version=2)
    with pytest.raises(ValidationError) as error:
        engagement_transition(engagement=mentorship, to_status=EngagementStatus.ACTIVE, by=alice)
    assert "Bob Mensah" in messages_of(error)
    assert "Alice" not in messages_of(error)
    agreement_confirm(engagement=mentorship, user=bob, version=2)
    started = engagement_transition(
        engagement=mentorship, to_status=EngagementStatus.ACTIVE, by=alice
    )
    assert started.status == EngagementStatus.ACTIVE


def test_it_refuses_to_start_after_a_new_version_until_confirmed_again(
    mentorship: Engagement, agreement: Agreement, alice: User, bob: User
) -> None:
    agreement_confirm(engagement=mentorship, user=alice, version=2)
    agreement_confirm(engagement=mentorship, user=bob, version=2)
    write(mentorship, alice, goals="Changed at the last minute.")
    with pytest.raises(ValidationError) as error:
        engagement_transition(engagement=mentorship, to_status=EngagementStatus.ACTIVE, by=alice)
    assert "version 3" in messages_of(error)
    mentorship.refresh_from_db()
    assert mentorship.status == EngagementStatus.PROPOSED


def test_it_refuses_to_start_with_an_unwritten_agreement(
    mentorship: Engagement, alice: User
) -> None:
    with pytest.raises(ValidationError) as error:
        engagement_transition(engagement=mentorship, to_status=EngagementStatus.ACTIVE, by=alice)
    assert "Write the goals of the agreement" in messages_of(error)


def test_it_refuses_to_start_without_a_mentee(
    mentorship: Engagement, agreement: Agreement, alice: User, bob: User
) -> None:
    agreement_confirm(engagement=mentorship, user=alice, version=2)
    agreement_confirm(engagement=mentorship, user=bob, version=2)
    participant_remove(participant=mentorship.participants.get(user=bob), by=alice)
    problems = selectors.mentorship_start_problems(mentorship)
    assert problems == ["A mentorship needs at least one mentee before it starts."]
    with pytest.raises(ValidationError):
        engagement_transition(engagement=mentorship, to_status=EngagementStatus.ACTIVE, by=alice)


def test_it_waits_for_every_mentee(
    mentorship: Engagement, agreement: Agreement, alice: User, bob: User, with_dina: User
) -> None:
    agreement_confirm(engagement=mentorship, user=alice, version=2)
    agreement_confirm(engagement=mentorship, user=bob, version=2)
    assert selectors.mentorship_start_problems(mentorship) == [
        "Not everyone has confirmed version 2 of the agreement yet: Dina Faye."
    ]


# --- Goals and tasks -----------------------------------------------------------------------


def test_it_records_goals_as_they_are_added_changed_and_closed(
    mentorship: Engagement, alice: User, bob: User
) -> None:
    goal = goal_add(engagement=mentorship, by=bob, title="Submit to the NIH")
    assert entries(mentorship, TimelineVerb.GOAL_ADDED)[0].params["goal"] == "Submit to the NIH"

    def update(**values: object) -> None:
        current = {
            "title": goal.title,
            "description": goal.description,
            "progress": goal.progress,
            "status": goal.status,
            "due_date": goal.due_date,
        }
        current.update(values)
        goal_update(goal=goal, by=bob, **current)  # type: ignore[arg-type]
        goal.refresh_from_db()

    update(progress=40)
    changed = entries(mentorship, TimelineVerb.GOAL_CHANGED)
    assert [e.params["progress"] for e in changed] == [40]
    update(progress=40)  # nothing changed, nothing recorded
    assert len(entries(mentorship, TimelineVerb.GOAL_CHANGED)) == 1
    update(status=GoalStatus.ACHIEVED)
    assert goal.progress == 100
    closed = entries(mentorship, TimelineVerb.GOAL_CLOSED)
    assert closed[0].params == {
        "goal": "Submit to the NIH",
        "status": "achieved",
        "actor": "Bob Mensah",
    }


def test_it_refuses_progress_above_100(mentorship: Engagement, bob: User) -> None:
    goal = goal_add(engagement=mentorship, by=bob, title="Goal")
    with pytest.raises(ValidationError) as error:
        goal_update(
            goal=goal,
            by=bob,
            title="Goal",
            description="",
            progress=150,
            status=GoalStatus.OPEN,
            due_date=None,
        )
    assert "progress" in error.value.message_dict


def test_it_assigns_tasks_to_participants_only(
    mentorship: Engagement, alice: User, bob: User, charlie: User
) -> None:
    goal = goal_add(engagement=mentorship, by=alice, title="Goal")
    with pytest.raises(ValidationError) as error:
        task_add(goal=goal, by=alice, title="Draft", assignee=charlie)
    assert "assignee" in error.value.message_dict
    task = task_add(goal=goal, by=alice, title="Draft the aims", assignee=bob)
    assert task.assignee == bob
    assert entries(mentorship, TimelineVerb.TASK_ADDED)[0].params["task"] == "Draft the aims"


def test_it_records_a_task_done_once(mentorship: Engagement, alice: User, bob: User) -> None:
    goal = goal_add(engagement=mentorship, by=alice, title="Goal")
    task = task_add(goal=goal, by=alice, title="Draft", assignee=bob)
    task = task_update(task=task, by=bob, title="Draft", assignee=bob, due_date=None, done=True)
    assert task.done_at is not None
    task = task_update(task=task, by=bob, title="Draft", assignee=bob, due_date=None, done=True)
    assert len(entries(mentorship, TimelineVerb.TASK_DONE)) == 1
    task = task_update(task=task, by=bob, title="Draft", assignee=bob, due_date=None, done=False)
    assert task.done_at is None
    assert len(entries(mentorship, TimelineVerb.TASK_DONE)) == 1


# --- Sessions ------------------------------------------------------------------------------


def test_it_logs_a_session_dated_when_it_was_held(
    mentorship: Engagement, alice: User, bob: User
) -> None:
    when = held(days=3)
    goal_add(engagement=mentorship, by=bob, title="Added today")
    session = log(mentorship, alice, held_at=when)
    assert set(session.attendees.all()) == {alice, bob}
    logged = entries(mentorship, TimelineVerb.SESSION_LOGGED)[0]
    assert logged.occurred_at == when
    assert logged.params["minutes"] == 60
    assert logged.body == "We reviewed the **budget**."
    assert "<strong>budget</strong>" in logged.body_html
    # Chronological: the session held three days ago comes before today's goal.
    access = access_for(bob, mentorship)
    assert access is not None
    feed = [e.verb for e in visible_entries(access)]
    assert feed.index(TimelineVerb.SESSION_LOGGED) < feed.index(TimelineVerb.GOAL_ADDED)


def test_it_refuses_a_session_in_the_future(mentorship: Engagement, alice: User) -> None:
    with pytest.raises(ValidationError) as error:
        log(mentorship, alice, held_at=timezone.now() + timedelta(hours=2))
    assert "held_at" in error.value.message_dict
    assert not MentoringSession.objects.exists()


def test_it_lets_only_mentor_and_mentees_log_and_attend(
    mentorship: Engagement, alice: User, with_cora: User, charlie: User
) -> None:
    with pytest.raises(ValidationError):
        log(mentorship, with_cora)
    with pytest.raises(ValidationError) as error:
        log(mentorship, alice, attendees=[alice, charlie])
    assert "attendees" in error.value.message_dict
    assert "Charlie Outsider" in messages_of(error)
    assert not MentoringSession.objects.exists()


# --- Private notes -------------------------------------------------------------------------


def test_it_keeps_the_private_timeline_entry_in_step_with_the_note(
    session: MentoringSession, bob: User
) -> None:
    note = private_note_save(session=session, author=bob, body="I felt *lost* on budgets.")
    assert note is not None
    entry = TimelineEntry.objects.get(verb=TimelineVerb.PRIVATE_NOTE)
    assert (entry.audience, entry.actor, entry.occurred_at) == (
        Audience.AUTHOR,
        bob,
        session.held_at,
    )
    assert note.timeline_entry == entry
    private_note_save(session=session, author=bob, body="Less lost now.")
    entry.refresh_from_db()
    assert entry.body == "Less lost now."
    assert entry.body_html == "<p>Less lost now.</p>"
    assert PrivateNote.objects.count() == 1
    assert TimelineEntry.objects.filter(verb=TimelineVerb.PRIVATE_NOTE).count() == 1
    assert private_note_save(session=session, author=bob, body="  ") is None
    assert not PrivateNote.objects.exists()
    assert not TimelineEntry.objects.filter(verb=TimelineVerb.PRIVATE_NOTE).exists()


def test_it_writes_private_notes_given_with_the_session(
    mentorship: Engagement, alice: User
) -> None:
    session = log(mentorship, alice, private_notes="Bob needs confidence.")
    note = PrivateNote.objects.get()
    assert (note.session, note.author, note.body) == (session, alice, "Bob needs confidence.")


def test_it_never_shows_a_private_note_on_anyone_elses_timeline(
    mentorship: Engagement,
    institution: Institution,
    session: MentoringSession,
    alice: User,
    bob: User,
    with_cora: User,
    with_dina: User,
) -> None:
    # alice is the mentor and, through the institution, an overseer as well.
    Engagement.objects.filter(pk=mentorship.pk).update(institution=institution)
    mentorship.refresh_from_db()
    private_note_save(session=session, author=bob, body="SECRET-OF-BOB")
    for reader in (alice, with_cora, with_dina):
        access = access_for(reader, mentorship)
        assert access is not None
        assert all("SECRET-OF-BOB" not in e.body for e in visible_entries(access))
    access = access_for(bob, mentorship)
    assert access is not None
    assert any(e.body == "SECRET-OF-BOB" for e in visible_entries(access))


# --- Feedback ------------------------------------------------------------------------------


def test_it_takes_feedback_once_per_session_and_person(
    mentorship: Engagement, session: MentoringSession, bob: User
) -> None:
    session_feedback_give(session=session, author=bob, rating=4, goal_progress=3, comment="Useful")
    with pytest.raises(ValidationError) as error:
        session_feedback_give(session=session, author=bob, rating=5, goal_progress=5)
    assert "already" in messages_of(error)
    assert SessionFeedback.objects.count() == 1
    given = entries(mentorship, TimelineVerb.FEEDBACK_GIVEN)
    assert len(given) == 1
    assert given[0].body == ""
    assert "Useful" not in str(given[0].params)


def test_it_takes_feedback_only_from_attendees(
    mentorship: Engagement, alice: User, bob: User, with_dina: User, with_cora: User
) -> None:
    session = log(mentorship, alice, attendees=[alice, bob])
    for outsider in (with_dina, with_cora):
        with pytest.raises(ValidationError):
            session_feedback_give(session=session, author=outsider, rating=3, goal_progress=3)
    with pytest.raises(ValidationError) as error:
        session_feedback_give(session=session, author=bob, rating=6, goal_progress=3)
    assert "rating" in error.value.message_dict


def test_it_shows_feedback_to_its_author_and_the_mentor_only(
    mentorship: Engagement, alice: User, bob: User, with_dina: User
) -> None:
    session = log(mentorship, alice)
    session_feedback_give(session=session, author=bob, rating=2, goal_progress=1, comment="B")
    session_feedback_give(session=session, author=with_dina, rating=5, goal_progress=5, comment="D")

    def readable(user: User) -> list[str]:
        access = access_for(user, mentorship)
        assert access is not None
        view = selectors.session_views(access, list(selectors.sessions_of(mentorship)))[0]
        return sorted(f.comment for f in view.feedback)

    assert readable(alice) == ["B", "D"]
    assert readable(bob) == ["B"]
    assert readable(with_dina) == ["D"]


# --- Fit checks ----------------------------------------------------------------------------


def test_it_asks_about_the_fit_after_the_first_session_only(
    mentorship: Engagement, alice: User, bob: User, with_cora: User, dina: User
) -> None:
    log(mentorship, bob)
    checks = FitCheck.objects.filter(engagement=mentorship)
    assert {c.user for c in checks} == {alice, bob}
    asked = Notification.objects.filter(
        kind=NotificationKind.ENGAGEMENT, url=f"/engagements/{mentorship.pk}/fit-check/"
    )
    assert {n.user for n in asked} == {alice, bob}
    from mentoring.engagements.services import participant_add

    participant_add(engagement=mentorship, user=dina, role="mentee", by=alice)
    log(mentorship, alice, held_at=held(hours=2))
    assert FitCheck.objects.filter(engagement=mentorship).count() == 2
    assert asked.count() == 2


def test_it_tells_the_coordinators_when_the_pairing_does_not_fit(
    mentorship: Engagement, session: MentoringSession, alice: User, bob: User, with_cora: User
) -> None:
    check = FitCheck.objects.get(engagement=mentorship, user=bob)
    answered = fit_check_answer(fit_check=check, user=bob, fits=False, comment="Wrong field")
    assert (answered.fits, answered.comment) == (False, "Wrong field")
    assert answered.answered_at is not None
    told = Notification.objects.filter(url=f"/engagements/{mentorship.pk}/next-mentors/")
    assert [n.user for n in told] == [with_cora]
    assert told[0].body == "Wrong field"
    assert "Bob Mensah" in told[0].title
    # Nothing about the answer reaches the timeline.
    assert "Wrong field" not in str(list(TimelineEntry.objects.values("params", "body")))


def test_it_tells_the_institution_admins_too(
    mentorship: Engagement,
    institution: Institution,
    session: MentoringSession,
    bob: User,
    make_user: object,
) -> None:
    olga = make_user("olga@example.org", name="Olga Admin")  # type: ignore[operator]
    Membership.objects.create(institution=institution, user=olga, role=MemberRole.ADMIN)
    Engagement.objects.filter(pk=mentorship.pk).update(institution=institution)
    check = FitCheck.objects.get(engagement=mentorship, user=bob)
    fit_check_answer(fit_check=check, user=bob, fits=False)
    told = Notification.objects.filter(url=f"/engagements/{mentorship.pk}/next-mentors/")
    assert {n.user.email for n in told} == {"olga@example.org", "alice@example.org"}


def test_it_tells_nobody_when_it_fits(
    mentorship: Engagement, session: MentoringSession, bob: User, with_cora: User
) -> None:
    before = Notification.objects.count()
    check = FitCheck.objects.get(engagement=mentorship, user=bob)
    fit_check_answer(fit_check=check, user=bob, fits=True)
    assert Notification.objects.count() == before
    assert not Notification.objects.filter(url__endswith="/next-mentors/").exists()


def test_it_takes_one_answer_from_the_person_asked(
    mentorship: Engagement, session: MentoringSession, alice: User, bob: User
) -> None:
    check = FitCheck.objects.get(engagement=mentorship, user=bob)
    with pytest.raises(ValidationError):
        fit_check_answer(fit_check=check, user=alice, fits=True)
    fit_check_answer(fit_check=check, user=bob, fits=True)
    with pytest.raises(ValidationError):
        fit_check_answer(fit_check=check, user=bob, fits=False)
    check.refresh_from_db()
    assert check.fits is True

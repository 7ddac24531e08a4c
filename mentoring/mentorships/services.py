"""Writes of a mentorship: the agreement and its confirmations, goals and tasks, the session
log with private notes, feedback and fit checks.

Everything participants should see is recorded on the timeline in the same transaction
(`timeline_record`). Private notes go on it with the audience "author", so only their author
ever reads them; feedback is recorded without its content.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from mentoring.engagements.dates import check_due_date, check_held_at
from mentoring.engagements.models import (
    Audience,
    Engagement,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.services import timeline_record
from mentoring.mentorships.models import (
    Agreement,
    AgreementConfirmation,
    FitCheck,
    Goal,
    GoalStatus,
    MentoringSession,
    PrivateNote,
    SessionFeedback,
    Task,
)
from mentoring.mentorships.permissions import MEMBER_ROLES
from mentoring.mentorships.selectors import coordinator_users, member_users

# --- Helpers ------------------------------------------------------------------------------


def _require_open(engagement: Engagement) -> None:
    if not engagement.is_open:
        raise ValidationError(_("This mentorship has ended: it can no longer be changed."))


def _set_markdown(setter: Callable[[str], None], markdown: str, field: str) -> None:
    """Render through the model's setter; a text too large or too complex is an error on
    the field that holds it."""
    try:
        setter(markdown)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _is_member(engagement: Engagement, user: User) -> bool:
    return engagement.participants.current().filter(user=user, role__in=MEMBER_ROLES).exists()


def _is_participant(engagement: Engagement, user: User) -> bool:
    return engagement.participants.current().filter(user=user).exists()


def _notify(
    *, users: Iterable[User], skip: User | None, title: str, url: str, body: str = ""
) -> None:
    recipients = [user for user in users if skip is None or user.pk != skip.pk]
    if recipients:
        notify_many(
            users=recipients, kind=NotificationKind.ENGAGEMENT, title=title, body=body, url=url
        )


def session_url(session: MentoringSession) -> str:
    return reverse("mentorship_session_detail", args=[session.engagement_id, session.pk])


# --- Agreement ----------------------------------------------------------------------------


def _locked_agreement(engagement: Engagement) -> Agreement:
    agreement, _created = Agreement.objects.select_for_update().get_or_create(engagement=engagement)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    engagement: Engagement,
    by: User,
    goals: str,
    expectations: str,
    cadence: str,
    end_date: date | None,
) -> Agreement:
    """A new version of the agreement: everyone confirms it again. Saving it unchanged
    changes nothing."""
    _require_open(engagement)
    agreement = _locked_agreement(engagement)
    goals, expectations = goals.strip(), expectations.strip()
    unchanged = (
        goals == agreement.goals
        and expectations == agreement.expectations
        and cadence == agreement.cadence
        and end_date == agreement.end_date
    )
    if unchanged:
        return agreement
    if end_date is not None and end_date != agreement.end_date:
        if end_date < timezone.localdate():
            raise ValidationError({"end_date": [_("The end date cannot be in the past.")]})
        check_due_date(end_date, field="end_date")
    agreement.goals, agreement.expectations = goals, expectations
    agreement.cadence, agreement.end_date = cadence, end_date
    agreement.full_clean(exclude=["engagement"])
    _set_markdown(agreement.set_goals, goals, "goals")
    _set_markdown(agreement.set_expectations, expectations, "expectations")
    agreement.version += 1
    agreement.updated_at = timezone.now()
    agreement.updated_by = by
    agreement.save()
    url = reverse("mentorship_agreement", args=[engagement.pk])
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.AGREEMENT_UPDATED,
        actor=by,
        params={"version": agreement.version},
        url=url,
    )
    _notify(
        users=member_users(engagement),
        skip=by,
        title=_("The agreement of “%(title)s” changed: please read and confirm it")
        % {"title": engagement.title},
        url=url,
    )
    return agreement


@transaction.atomic
def agreement_confirm(*, engagement: Engagement, user: User, version: int) -> AgreementConfirmation:
    """A mentor or mentee agrees to the version they read. Confirming it twice is harmless."""
    _require_open(engagement)
    agreement = _locked_agreement(engagement)
    if not _is_member(engagement, user):
        raise ValidationError(_("Only the mentor and the mentees confirm the agreement."))
    if not agreement.goals.strip():
        raise ValidationError(_("The agreement has no goals yet: there is nothing to confirm."))
    if version != agreement.version:
        raise ValidationError(
            {
                "version": [
                    _(
                        "The agreement changed since you read it (it is now version %(version)s). Read it again before confirming."
                    )
                    % {"version": agreement.version}
                ]
            }
        )
    existing = AgreementConfirmation.objects.filter(
        agreement=agreement, user=user, version=version
    ).first()
    if existing is not None:
        return existing
    confirmation = AgreementConfirmation.objects.create(
        agreement=agreement, user=user, version=version
    )
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.AGREEMENT_CONFIRMED,
        actor=user,
        params={"version": version},
        url=reverse("mentorship_agreement", args=[engagement.pk]),
    )
    return confirmation


# --- Goals and tasks ----------------------------------------------------------------------


def _goals_url(engagement_id: int) -> str:
    return reverse("mentorship_goals", args=[engagement_id])


@transaction.atomic
def goal_add(
    *,
    engagement: Engagement,
    by: User,
    title: str,
    description: str = "",
    due_date: date | None = None,
) -> Goal:
    _require_open(engagement)
    check_due_date(due_date, field="due_date")
    goal = Goal(
        engagement=engagement,
        title=title.strip(),
        description=description.strip(),
        due_date=due_date,
        created_by=by,
    )
    goal.full_clean()
    goal.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.GOAL_ADDED,
        actor=by,
        params={"goal": goal.title},
        url=_goals_url(engagement.pk) + f"#goal-{goal.pk}",
    )
    return goal


@transaction.atomic
def goal_update(
    *,
    goal: Goal,
    by: User,
    title: str,
    description: str,
    progress: int,
    status: str,
    due_date: date | None,
) -> Goal:
    """Change a goal. Marking it achieved sets its progress to 100%. The timeline says
    "closed" when it is achieved or dropped, "updated" with its progress otherwise."""
    goal = Goal.objects.select_for_update().select_related("engagement").get(pk=goal.pk)
    engagement = goal.engagement
    _require_open(engagement)
    if due_date != goal.due_date:
        check_due_date(due_date, field="due_date")
    before = (goal.title, goal.description, goal.progress, goal.status, goal.due_date)
    old_status = goal.status
    goal.title, goal.description = title.strip(), description.strip()
    goal.progress, goal.status, goal.due_date = progress, status, due_date
    if status == GoalStatus.ACHIEVED:
        goal.progress = 100
    goal.full_clean()
    if before == (goal.title, goal.description, goal.progress, goal.status, goal.due_date):
        return goal
    goal.save()
    url = _goals_url(engagement.pk) + f"#goal-{goal.pk}"
    if goal.status != old_status and goal.status != GoalStatus.OPEN:
        timeline_record(
            engagement=engagement,
            verb=TimelineVerb.GOAL_CLOSED,
            actor=by,
            params={"goal": goal.title, "status": goal.status},
            url=url,
        )
    else:
        timeline_record(
            engagement=engagement,
            verb=TimelineVerb.GOAL_CHANGED,
            actor=by,
            params={"goal": goal.title, "progress": goal.progress},
            url=url,
        )
    return goal


def _check_assignee(engagement: Engagement, assignee: User | None) -> None:
    if assignee is not None and not _is_participant(engagement, assignee):
        raise ValidationError(
            {"assignee": [_("Assign the task to someone taking part in the mentorship.")]}
        )


@transaction.atomic
def task_add(
    *,
    goal: Goal,
    by: User,
    title: str,
    assignee: User | None = None,
    due_date: date | None = None,
) -> Task:
    engagement = goal.engagement
    _require_open(engagement)
    _check_assignee(engagement, assignee)
    check_due_date(due_date, field="due_date")
    task = Task(goal=goal, title=title.strip(), assignee=assignee, due_date=due_date, created_by=by)
    task.full_clean()
    task.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.TASK_ADDED,
        actor=by,
        params={"task": task.title, "goal": goal.title},
        url=_goals_url(engagement.pk) + f"#task-{task.pk}",
    )
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    by: User,
    title: str,
    assignee: User | None,
    due_date: date | None,
    done: bool,
) -> Task:
    """Change a task; marking it done is on the timeline, and so is nothing else about it."""
    task = Task.objects.select_for_update().select_related("goal__engagement").get(pk=task.pk)
    engagement = task.goal.engagement
    _require_open(engagement)
    if assignee is not None and assignee.pk != task.assignee_id:
        _check_assignee(engagement, assignee)
    if due_date != task.due_date:
        check_due_date(due_date, field="due_date")
    was_done = task.done_at is not None
    task.title, task.assignee, task.due_date = title.strip(), assignee, due_date
    if done and not was_done:
        task.done_at = timezone.now()
    elif not done:
        task.done_at = None
    task.full_clean()
    task.save()
    if done and not was_done:
        timeline_record(
            engagement=engagement,
            verb=TimelineVerb.TASK_DONE,
            actor=by,
            params={"task": task.title, "goal": task.goal.title},
            url=_goals_url(engagement.pk) + f"#task-{task.pk}",
        )
    return task


# --- Sessions -----------------------------------------------------------------------------


@transaction.atomic
def mentoring_session_log(
    *,
    engagement: Engagement,
    by: User,
    held_at: datetime,
    duration_minutes: int,
    shared_notes: str = "",
    attendees: Iterable[User] | None = None,
    private_notes: str = "",
) -> MentoringSession:
    """Log a session that took place. `attendees` defaults to every current mentor and
    mentee. The timeline entry carries the shared notes and is dated when the session was
    held, so the feed stays in order. The first session ever logged asks the mentor and
    each mentee whether the pairing fits."""
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    _require_open(locked)
    members = {user.pk: user for user in member_users(locked)}
    if by.pk not in members:
        raise ValidationError(_("Only the mentor and the mentees log sessions."))
    check_held_at(held_at)
    chosen = {user.pk: user for user in attendees} if attendees is not None else dict(members)
    if not chosen:
        raise ValidationError({"attendees": [_("Say who attended the session.")]})
    strangers = [user for pk, user in chosen.items() if pk not in members]
    if strangers:
        raise ValidationError(
            {
                "attendees": [
                    _("Only the mentor and the mentees attend sessions, not %(names)s.")
                    % {"names": ", ".join(user.display_name for user in strangers)}
                ]
            }
        )
    session = MentoringSession(
        engagement=locked,
        held_at=held_at,
        duration_minutes=duration_minutes,
        shared_notes=shared_notes.strip(),
        logged_by=by,
    )
    session.full_clean()
    _set_markdown(session.set_shared_notes, session.shared_notes, "shared_notes")
    session.save()
    session.attendees.set(list(chosen.values()))
    url = session_url(session)
    timeline_record(
        engagement=locked,
        verb=TimelineVerb.SESSION_LOGGED,
        actor=by,
        params={"minutes": session.duration_minutes},
        occurred_at=held_at,
        body=session.shared_notes,
        url=url,
    )
    if private_notes.strip():
        private_note_save(session=session, author=by, body=private_notes)
    first = not MentoringSession.objects.filter(engagement=locked).exclude(pk=session.pk).exists()
    if first and not FitCheck.objects.filter(engagement=locked).exists():
        _ask_whether_it_fits(locked, list(members.values()))
    engagement.last_activity_at = locked.last_activity_at
    return session


def _ask_whether_it_fits(engagement: Engagement, members: list[User]) -> None:
    FitCheck.objects.bulk_create(
        [FitCheck(engagement=engagement, user=user) for user in members], ignore_conflicts=True
    )
    _notify(
        users=members,
        skip=None,
        title=_("After your first session in “%(title)s”: does the pairing fit?")
        % {"title": engagement.title},
        body=_("Your answer is read only by you and the programme's coordinators."),
        url=reverse("mentorship_fit_check", args=[engagement.pk]),
    )


@transaction.atomic
def private_note_save(*, session: MentoringSession, author: User, body: str) -> PrivateNote | None:
    """Write, rewrite or (with an empty body) delete the author's own note on a session.
    Its timeline entry, seen by the author only, follows every change."""
    body = body.strip()
    note = PrivateNote.objects.select_for_update().filter(session=session, author=author).first()
    if not body:
        if note is not None:
            if note.timeline_entry_id:
                TimelineEntry.objects.filter(pk=note.timeline_entry_id).delete()
            note.delete()
        return None
    if note is None:
        note = PrivateNote(session=session, author=author)
    note.body = body
    note.updated_at = timezone.now()
    note.full_clean(exclude=["timeline_entry"], validate_constraints=False)
    _set_markdown(note.set_body, body, "body")
    if note.timeline_entry_id:
        TimelineEntry.objects.filter(pk=note.timeline_entry_id).update(
            body=note.body, body_html=note.body_html
        )
    else:
        note.timeline_entry = timeline_record(
            engagement=session.engagement,
            verb=TimelineVerb.PRIVATE_NOTE,
            actor=author,
            audience=Audience.AUTHOR,
            occurred_at=session.held_at,
            body=body,
            url=session_url(session),
        )
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError as exc:  # written by the same author in another tab at once
        raise ValidationError({"body": [_("This note was saved meanwhile: try again.")]}) from exc
    return note


# --- Feedback -----------------------------------------------------------------------------


@transaction.atomic
def session_feedback_give(
    *,
    session: MentoringSession,
    author: User,
    rating: int,
    goal_progress: int,
    comment: str = "",
) -> SessionFeedback:
    """Once per session, by a mentor or mentee who attended it. The timeline says that
    feedback was given, never what it says."""
    engagement = session.engagement
    attended = session.attendees.filter(pk=author.pk).exists()
    if not (attended and _is_member(engagement, author)):
        raise ValidationError(_("Only the mentor and mentees who attended give feedback on it."))
    if SessionFeedback.objects.filter(session=session, author=author).exists():
        raise ValidationError(_("You already gave feedback on this session."))
    feedback = SessionFeedback(
        session=session,
        author=author,
        rating=rating,
        goal_progress=goal_progress,
        comment=comment.strip(),
    )
    feedback.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError as exc:
        raise ValidationError(_("You already gave feedback on this session.")) from exc
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.FEEDBACK_GIVEN,
        actor=author,
        url=session_url(session),
    )
    return feedback


# --- Fit checks ---------------------------------------------------------------------------


@transaction.atomic
def fit_check_answer(*, fit_check: FitCheck, user: User, fits: bool, comment: str = "") -> FitCheck:
    """The person's own answer, once. A "no" tells the coordinators and the institution's
    admins, with the next-ranked mentors for the need."""
    fit_check = (
        FitCheck.objects.select_for_update().select_related("engagement").get(pk=fit_check.pk)
    )
    if fit_check.user_id != user.pk:
        raise ValidationError(_("Only the person asked answers a fit check."))
    if fit_check.answered_at is not None:
        raise ValidationError(_("You already answered whether the pairing fits."))
    fit_check.fits = fits
    fit_check.comment = comment.strip()
    fit_check.answered_at = timezone.now()
    fit_check.full_clean(validate_constraints=False)
    fit_check.save(update_fields=["fits", "comment", "answered_at"])
    engagement = fit_check.engagement
    if not fits:
        _notify(
            users=coordinator_users(engagement),
            skip=user,
            title=_("%(name)s does not think the pairing in “%(title)s” fits")
            % {"name": user.display_name, "title": engagement.title},
            body=fit_check.comment,
            url=reverse("mentorship_next_mentors", args=[engagement.pk]),
        )
    return fit_check

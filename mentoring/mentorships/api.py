"""Mentorships over the API: the agreement, goals and tasks, the session log with the
caller's own private notes and feedback, and the caller's fit check.

Every operation starts from the same permission helpers as the pages: someone who may not
see the mentorship gets 404, someone who sees it but may not act gets 403.
"""

import zoneinfo
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.accounts.models import User
from diaspora.api_utils import PageMeta, PageQuery, paginated, signed_in_user
from mentoring.engagements.permissions import Access
from mentoring.mentorships import selectors, services
from mentoring.mentorships.models import FitCheck, Goal, SessionFeedback, Task
from mentoring.mentorships.permissions import (
    get_goal,
    get_mentorship_access,
    get_own_fit_check,
    get_session,
    get_task,
    is_member,
    require_member,
)
from mentoring.mentorships.selectors import SessionView

router = Router()

CadenceCode = Literal["weekly", "fortnightly", "monthly", "as_needed"]
GoalStatusCode = Literal["open", "achieved", "dropped"]


class PersonRef(Schema):
    user_id: int
    name: str


def _person(user: User) -> dict[str, Any]:
    return {"user_id": user.pk, "name": user.display_name}


# --- Agreement ----------------------------------------------------------------------------


class ConfirmationOut(Schema):
    user_id: int
    name: str
    confirmed_at: datetime


class AgreementOut(Schema):
    version: int
    goals: str = Field(description="Markdown")
    goals_html: str = Field(description="Sanitised HTML")
    expectations: str
    expectations_html: str
    cadence: str
    end_date: date | None
    updated_at: datetime | None
    updated_by: str | None
    confirmations: list[ConfirmationOut] = Field(description="Of the current version")
    pending: list[PersonRef] = Field(description="Mentors and mentees yet to confirm it")
    can_edit: bool
    can_confirm: bool


class AgreementIn(Schema):
    goals: str = Field(max_length=10_000)
    expectations: str = Field("", max_length=10_000)
    cadence: CadenceCode
    end_date: date | None = None


class ConfirmIn(Schema):
    version: int = Field(ge=1, description="The version you read")


def _agreement_out(access: Access) -> dict[str, Any]:
    state = selectors.agreement_state(access.engagement)
    agreement = state.agreement
    open_ = access.engagement.is_open
    return {
        "version": state.version,
        "goals": agreement.goals if agreement else "",
        "goals_html": agreement.goals_html if agreement else "",
        "expectations": agreement.expectations if agreement else "",
        "expectations_html": agreement.expectations_html if agreement else "",
        "cadence": agreement.cadence if agreement else "fortnightly",
        "end_date": agreement.end_date if agreement else None,
        "updated_at": agreement.updated_at if agreement else None,
        "updated_by": agreement.updated_by.display_name
        if agreement and agreement.updated_by
        else None,
        "confirmations": [
            {"user_id": c.user_id, "name": c.user.display_name, "confirmed_at": c.confirmed_at}
            for c in state.confirmations
        ],
        "pending": [_person(user) for user in state.pending],
        "can_edit": access.is_manager and open_,
        "can_confirm": is_member(access)
        and open_
        and state.is_written
        and access.user_id not in state.confirmed_ids,
    }


@router.get(
    "/engagements/{int:engagement_id}/agreement",
    response=AgreementOut,
    summary="A mentorship's agreement and who confirmed its current version",
)
def get_agreement(request: HttpRequest, engagement_id: int) -> dict[str, Any]:
    access = get_mentorship_access(signed_in_user(request), engagement_id)
    return _agreement_out(access)


@router.put(
    "/engagements/{int:engagement_id}/agreement",
    response=AgreementOut,
    summary="Write a new version of the agreement (mentor, coordinator, overseer)",
)
def put_agreement(request: HttpRequest, engagement_id: int, payload: AgreementIn) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id, for_write=True)
    services.agreement_update(engagement=access.engagement, by=user, **payload.dict())
    return _agreement_out(access)


@router.post(
    "/engagements/{int:engagement_id}/agreement/confirm",
    response=AgreementOut,
    summary="Confirm the version of the agreement you read (mentor and mentees)",
)
def confirm_agreement(
    request: HttpRequest, engagement_id: int, payload: ConfirmIn
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    require_member(access)
    services.agreement_confirm(engagement=access.engagement, user=user, version=payload.version)
    return _agreement_out(access)


# --- Goals and tasks ----------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    goal_id: int
    title: str
    assignee: PersonRef | None
    due_date: date | None
    done: bool
    done_at: datetime | None


class GoalOut(Schema):
    id: int
    title: str
    description: str
    status: str
    progress: int
    due_date: date | None
    created_by: str | None
    created_at: datetime
    tasks: list[TaskOut]


class GoalPage(Schema):
    meta: PageMeta
    results: list[GoalOut]


class GoalIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    due_date: date | None = None


class GoalPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    progress: int | None = Field(None, ge=0, le=100)
    status: GoalStatusCode | None = None
    due_date: date | None = None


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    assignee_id: int | None = None
    due_date: date | None = None


class TaskPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    assignee_id: int | None = None
    due_date: date | None = None
    done: bool | None = None


def _task_out(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "goal_id": task.goal_id,
        "title": task.title,
        "assignee": _person(task.assignee) if task.assignee else None,
        "due_date": task.due_date,
        "done": task.done_at is not None,
        "done_at": task.done_at,
    }


def _goal_out(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.pk,
        "title": goal.title,
        "description": goal.description,
        "status": goal.status,
        "progress": goal.progress,
        "due_date": goal.due_date,
        "created_by": goal.created_by.display_name if goal.created_by else None,
        "created_at": goal.created_at,
        "tasks": [_task_out(task) for task in goal.tasks.all()],
    }


def _fresh_goal(access: Access, goal_id: int) -> dict[str, Any]:
    return _goal_out(selectors.goals_with_tasks(access.engagement).get(pk=goal_id))


def _assignee(assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    user = User.objects.filter(pk=assignee_id, is_active=True).first()
    if user is None:
        raise ValidationError(
            {"assignee_id": [_("Assign the task to someone taking part in the mentorship.")]}
        )
    return user


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The service's field names as the API calls them."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(key, key): value for key, value in error.message_dict.items()}
    )


@router.get(
    "/engagements/{int:engagement_id}/goals",
    response=GoalPage,
    summary="Goals of a mentorship, with their tasks",
)
def list_goals(request: HttpRequest, engagement_id: int, query: Query[PageQuery]) -> dict[str, Any]:
    access = get_mentorship_access(signed_in_user(request), engagement_id)
    return paginated(selectors.goals_with_tasks(access.engagement), query, _goal_out)


@router.post(
    "/engagements/{int:engagement_id}/goals",
    response={201: GoalOut},
    summary="Add a goal",
)
def add_goal(request: HttpRequest, engagement_id: int, payload: GoalIn) -> Status:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    goal = services.goal_add(engagement=access.engagement, by=user, **payload.dict())
    return Status(201, _fresh_goal(access, goal.pk))


@router.patch(
    "/engagements/{int:engagement_id}/goals/{int:goal_id}",
    response=GoalOut,
    summary="Change a goal: title, description, progress, status, due date",
)
def patch_goal(
    request: HttpRequest, engagement_id: int, goal_id: int, payload: GoalPatch
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    goal = get_goal(access, goal_id)
    values: dict[str, Any] = {
        "title": goal.title,
        "description": goal.description,
        "progress": goal.progress,
        "status": goal.status,
        "due_date": goal.due_date,
    }
    values.update(payload.dict(exclude_unset=True))
    for key in ("title", "description", "progress", "status"):
        if values[key] is None:
            raise ValidationError({key: [_("This field cannot be empty.")]})
    services.goal_update(goal=goal, by=user, **values)
    return _fresh_goal(access, goal.pk)


@router.post(
    "/engagements/{int:engagement_id}/goals/{int:goal_id}/tasks",
    response={201: TaskOut},
    summary="Add a task to a goal",
)
def add_task(request: HttpRequest, engagement_id: int, goal_id: int, payload: TaskIn) -> Status:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    goal = get_goal(access, goal_id)
    goal.engagement = access.engagement
    try:
        task = services.task_add(
            goal=goal,
            by=user,
            title=payload.title,
            assignee=_assignee(payload.assignee_id),
            due_date=payload.due_date,
        )
    except ValidationError as error:
        raise _renamed(error, {"assignee": "assignee_id"}) from error
    return Status(201, _task_out(get_task(access, task.pk)))


@router.patch(
    "/engagements/{int:engagement_id}/tasks/{int:task_id}",
    response=TaskOut,
    summary="Change a task, or mark it done",
)
def patch_task(
    request: HttpRequest, engagement_id: int, task_id: int, payload: TaskPatch
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    task = get_task(access, task_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("title", "") is None:
        raise ValidationError({"title": [_("This field cannot be empty.")]})
    assignee = _assignee(changes["assignee_id"]) if "assignee_id" in changes else task.assignee
    try:
        services.task_update(
            task=task,
            by=user,
            title=changes.get("title") or task.title,
            assignee=assignee,
            due_date=changes.get("due_date", task.due_date),
            done=bool(changes["done"])
            if changes.get("done") is not None
            else task.done_at is not None,
        )
    except ValidationError as error:
        raise _renamed(error, {"assignee": "assignee_id"}) from error
    return _task_out(get_task(access, task.pk))


# --- Sessions -----------------------------------------------------------------------------


class PrivateNoteOut(Schema):
    body: str
    body_html: str
    updated_at: datetime


class FeedbackOut(Schema):
    id: int
    session_id: int
    author: PersonRef
    rating: int
    goal_progress: int
    comment: str
    created_at: datetime


class SessionOut(Schema):
    id: int
    held_at: datetime
    duration_minutes: int
    shared_notes: str
    shared_notes_html: str
    logged_by: str | None
    attendees: list[PersonRef]
    private_note: PrivateNoteOut | None = Field(description="Yours only; nobody else's is sent")
    feedback: list[FeedbackOut] = Field(
        description="Yours, and everyone's if you run the mentorship"
    )
    can_give_feedback: bool


class SessionPage(Schema):
    meta: PageMeta
    results: list[SessionOut]


class SessionIn(Schema):
    held_at: datetime = Field(
        description="When it took place; without an offset, read in your time zone"
    )
    duration_minutes: int = Field(ge=1, le=24 * 60)
    shared_notes: str = Field("", max_length=20_000)
    attendees: list[int] | None = Field(
        None, description="User ids of the mentor and mentees who attended; all of them if left out"
    )
    private_notes: str = Field("", max_length=20_000)


class PrivateNoteIn(Schema):
    body: str = Field(max_length=20_000, description="Empty deletes the note")


class FeedbackIn(Schema):
    rating: int = Field(ge=1, le=5)
    goal_progress: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=5000)


def _feedback_out(feedback: SessionFeedback) -> dict[str, Any]:
    return {
        "id": feedback.pk,
        "session_id": feedback.session_id,
        "author": _person(feedback.author),
        "rating": feedback.rating,
        "goal_progress": feedback.goal_progress,
        "comment": feedback.comment,
        "created_at": feedback.created_at,
    }


def _session_out(view: SessionView) -> dict[str, Any]:
    session = view.session
    note = view.private_note
    return {
        "id": session.pk,
        "held_at": session.held_at,
        "duration_minutes": session.duration_minutes,
        "shared_notes": session.shared_notes,
        "shared_notes_html": session.shared_notes_html,
        "logged_by": session.logged_by.display_name if session.logged_by else None,
        "attendees": [_person(user) for user in session.attendees.all()],
        "private_note": {
            "body": note.body,
            "body_html": note.body_html,
            "updated_at": note.updated_at,
        }
        if note
        else None,
        "feedback": [_feedback_out(item) for item in view.feedback],
        "can_give_feedback": view.can_give_feedback,
    }


def _one_session(access: Access, session_id: int) -> dict[str, Any]:
    session = selectors.sessions_of(access.engagement).filter(pk=session_id).first()
    if session is None:
        get_session(access, session_id)  # raises Http404
    assert session is not None  # noqa: S101
    return _session_out(selectors.session_views(access, [session])[0])


def _aware(value: datetime, user: User) -> datetime:
    if timezone.is_aware(value):
        return value
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.make_aware(value, zone)


def _attendees(ids: list[int] | None) -> list[User] | None:
    if ids is None:
        return None
    users = User.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in users]
    if missing:
        raise ValidationError(
            {"attendees": [_("No such person: %(ids)s.") % {"ids": ", ".join(missing)}]}
        )
    return list(users.values())


@router.get(
    "/engagements/{int:engagement_id}/mentoring-sessions",
    response=SessionPage,
    summary="The session log, latest first",
)
def list_sessions(
    request: HttpRequest, engagement_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    access = get_mentorship_access(signed_in_user(request), engagement_id)
    result = paginated(selectors.sessions_of(access.engagement), query, lambda s: s)
    views = selectors.session_views(access, result["results"])
    result["results"] = [_session_out(view) for view in views]
    return result


@router.post(
    "/engagements/{int:engagement_id}/mentoring-sessions",
    response={201: SessionOut},
    summary="Log a session that took place (mentor and mentees)",
)
def log_session(request: HttpRequest, engagement_id: int, payload: SessionIn) -> Status:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    require_member(access)
    session = services.mentoring_session_log(
        engagement=access.engagement,
        by=user,
        held_at=_aware(payload.held_at, user),
        duration_minutes=payload.duration_minutes,
        shared_notes=payload.shared_notes,
        attendees=_attendees(payload.attendees),
        private_notes=payload.private_notes,
    )
    return Status(201, _one_session(access, session.pk))


@router.get(
    "/engagements/{int:engagement_id}/mentoring-sessions/{int:session_id}",
    response=SessionOut,
    summary="One session",
)
def get_one_session(request: HttpRequest, engagement_id: int, session_id: int) -> dict[str, Any]:
    access = get_mentorship_access(signed_in_user(request), engagement_id)
    return _one_session(access, session_id)


@router.put(
    "/engagements/{int:engagement_id}/mentoring-sessions/{int:session_id}/private-note",
    response={200: PrivateNoteOut, 204: None},
    summary="Write your own private note on a session (empty deletes it)",
)
def put_private_note(
    request: HttpRequest, engagement_id: int, session_id: int, payload: PrivateNoteIn
) -> Status:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    session = get_session(access, session_id)
    session.engagement = access.engagement
    note = services.private_note_save(session=session, author=user, body=payload.body)
    if note is None:
        return Status(204, None)
    return Status(
        200, {"body": note.body, "body_html": note.body_html, "updated_at": note.updated_at}
    )


@router.post(
    "/engagements/{int:engagement_id}/mentoring-sessions/{int:session_id}/feedback",
    response={201: FeedbackOut},
    summary="Your feedback on a session you attended, once",
)
def give_feedback(
    request: HttpRequest, engagement_id: int, session_id: int, payload: FeedbackIn
) -> Status:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    require_member(access)
    session = get_session(access, session_id)
    session.engagement = access.engagement
    feedback = services.session_feedback_give(session=session, author=user, **payload.dict())
    feedback.author = user
    return Status(201, _feedback_out(feedback))


# --- Fit check ----------------------------------------------------------------------------


class FitCheckOut(Schema):
    id: int
    fits: bool | None = Field(description="null until answered")
    comment: str
    asked_at: datetime
    answered_at: datetime | None


class FitCheckIn(Schema):
    fits: bool
    comment: str = Field("", max_length=2000)


def _fit_check_out(check: FitCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "fits": check.fits,
        "comment": check.comment,
        "asked_at": check.asked_at,
        "answered_at": check.answered_at,
    }


@router.get(
    "/engagements/{int:engagement_id}/fit-check",
    response=FitCheckOut,
    summary="Your own fit check (404 until you are asked, after the first session)",
)
def get_fit_check(request: HttpRequest, engagement_id: int) -> dict[str, Any]:
    access = get_mentorship_access(signed_in_user(request), engagement_id)
    return _fit_check_out(get_own_fit_check(access))


@router.post(
    "/engagements/{int:engagement_id}/fit-check",
    response=FitCheckOut,
    summary="Answer whether the pairing fits, once",
)
def answer_fit_check(
    request: HttpRequest, engagement_id: int, payload: FitCheckIn
) -> dict[str, Any]:
    user = signed_in_user(request)
    access = get_mentorship_access(user, engagement_id)
    check = services.fit_check_answer(
        fit_check=get_own_fit_check(access), user=user, fits=payload.fits, comment=payload.comment
    )
    return _fit_check_out(check)

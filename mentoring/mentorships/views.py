"""Pages of a mentorship: the agreement, goals and tasks, the session log with private notes
and feedback, the fit check and the next-ranked mentors. Each view: permission helper →
form → service → redirect, or the form again with its errors and everything typed."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.matches.permissions import is_member as is_institution_member
from diaspora.pagination import paginate
from mentoring.engagements.permissions import Access
from mentoring.mentorships import selectors, services
from mentoring.mentorships.forms import (
    AgreementForm,
    ConfirmForm,
    FeedbackForm,
    FitCheckForm,
    GoalForm,
    GoalUpdateForm,
    PrivateNoteForm,
    SessionForm,
    TaskForm,
    TaskUpdateForm,
)
from mentoring.mentorships.models import Agreement, Goal, MentoringSession, Task
from mentoring.mentorships.permissions import (
    get_goal,
    get_mentorship_access,
    get_own_fit_check,
    get_session,
    get_task,
    is_coordinator,
    is_member,
    may_see_next_mentors,
    require_member,
    require_next_mentors,
)

SESSIONS_PER_PAGE = 20
# The goal's page holds the goal's form and the task's: distinct ids for their fields.
TASK_IDS = "task_%s"


# --- Agreement ----------------------------------------------------------------------------


def _agreement_context(access: Access, confirm_form: ConfirmForm | None = None) -> dict[str, Any]:
    state = selectors.agreement_state(access.engagement)
    member = is_member(access)
    return {
        "engagement": access.engagement,
        "access": access,
        "state": state,
        "can_edit": access.is_manager and access.engagement.is_open,
        "can_confirm": member
        and access.engagement.is_open
        and state.is_written
        and access.user_id not in state.confirmed_ids,
        "confirm_form": confirm_form or ConfirmForm(initial={"version": state.version}),
    }


@login_required
def agreement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    return render(request, "mentorships/agreement.html", _agreement_context(access))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk, for_write=True)
    engagement = access.engagement
    agreement = Agreement.objects.filter(engagement=engagement).first()
    initial = (
        {
            "goals": agreement.goals,
            "expectations": agreement.expectations,
            "cadence": agreement.cadence,
            "end_date": agreement.end_date,
        }
        if agreement is not None
        else {}
    )
    form = AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.agreement_update(
                engagement=engagement, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Agreement saved as version %(version)s. Everyone confirms it again.")
                % {"version": saved.version},
            )
            return redirect("mentorship_agreement", pk=engagement.pk)
    return render(
        request,
        "mentorships/agreement_form.html",
        {"engagement": engagement, "access": access, "form": form, "agreement": agreement},
    )


@login_required
@require_POST
def agreement_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    require_member(access)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_confirm(
                engagement=access.engagement,
                user=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("You confirmed the agreement."))
            return redirect("mentorship_agreement", pk=pk)
    context = _agreement_context(access, confirm_form=form)
    return render(request, "mentorships/agreement.html", context)


# --- Goals and tasks ----------------------------------------------------------------------


def _render_goals(request: AuthedRequest, access: Access, form: GoalForm) -> HttpResponse:
    return render(
        request,
        "mentorships/goals.html",
        {
            "engagement": access.engagement,
            "access": access,
            "goals": selectors.goals_with_tasks(access.engagement),
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_add(
                engagement=access.engagement, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal added."))
            return redirect(reverse("mentorship_goals", args=[pk]) + f"#goal-{goal.pk}")
    return _render_goals(request, access, form)


def _render_goal(
    request: AuthedRequest,
    access: Access,
    goal: Goal,
    *,
    form: GoalUpdateForm | None = None,
    task_form: TaskForm | None = None,
) -> HttpResponse:
    engagement = access.engagement
    return render(
        request,
        "mentorships/goal_form.html",
        {
            "engagement": engagement,
            "access": access,
            "goal": goal,
            "tasks": goal.tasks.select_related("assignee").order_by("done_at", "due_date", "id"),
            "form": form
            or GoalUpdateForm(
                initial={
                    "title": goal.title,
                    "description": goal.description,
                    "due_date": goal.due_date,
                    "progress": goal.progress,
                    "status": goal.status,
                }
            ),
            "task_form": task_form or TaskForm(engagement=engagement, auto_id=TASK_IDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthedRequest, pk: int, goal_id: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    goal = get_goal(access, goal_id)
    if request.method != "POST":
        return _render_goal(request, access, goal)
    form = GoalUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.goal_update(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Goal saved."))
            return redirect(reverse("mentorship_goals", args=[pk]) + f"#goal-{goal.pk}")
    return _render_goal(request, access, goal, form=form)


@login_required
@require_POST
def task_add(request: AuthedRequest, pk: int, goal_id: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    goal = get_goal(access, goal_id)
    form = TaskForm(request.POST, engagement=access.engagement, auto_id=TASK_IDS)
    if form.is_valid():
        try:
            task = services.task_add(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Task added."))
            return redirect(reverse("mentorship_goals", args=[pk]) + f"#task-{task.pk}")
    return _render_goal(request, access, goal, task_form=form)


def _task_initial(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "assignee": task.assignee_id,
        "due_date": task.due_date,
        "done": task.done_at is not None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: AuthedRequest, pk: int, task_id: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    task = get_task(access, task_id)
    form = TaskUpdateForm(
        request.POST or None, engagement=access.engagement, initial=_task_initial(task)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Task saved."))
            return redirect(reverse("mentorship_goals", args=[pk]) + f"#task-{task.pk}")
    return render(
        request,
        "mentorships/task_form.html",
        {"engagement": access.engagement, "access": access, "task": task, "form": form},
    )


@login_required
@require_POST
def task_done(request: AuthedRequest, pk: int, task_id: int) -> HttpResponse:
    """Tick a task done (or not done) from a list."""
    access = get_mentorship_access(request.user, pk)
    task = get_task(access, task_id)
    try:
        services.task_update(
            task=task,
            by=request.user,
            title=task.title,
            assignee=task.assignee,
            due_date=task.due_date,
            done=request.POST.get("done") == "1",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("mentorship_goals", args=[pk]) + f"#task-{task.pk}")


# --- Sessions -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    engagement = access.engagement
    form = SessionForm(request.POST or None, engagement=engagement) if is_member(access) else None
    if request.method == "POST":
        require_member(access)
        assert form is not None  # noqa: S101
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = services.mentoring_session_log(
                    engagement=engagement,
                    by=request.user,
                    held_at=data["held_at"],
                    duration_minutes=data["duration_minutes"],
                    shared_notes=data["shared_notes"],
                    attendees=list(data["attendees"]),
                    private_notes=data["private_notes"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Session logged."))
                return redirect("mentorship_session_detail", pk=pk, session_id=session.pk)
    page = paginate(request, selectors.sessions_of(engagement), SESSIONS_PER_PAGE)
    return render(
        request,
        "mentorships/sessions.html",
        {
            "engagement": engagement,
            "access": access,
            "page": page,
            "rows": selectors.session_views(access, list(page.object_list)),
            "form": form,
        },
    )


def _render_session(
    request: AuthedRequest,
    access: Access,
    session: MentoringSession,
    *,
    note_form: PrivateNoteForm | None = None,
    feedback_form: FeedbackForm | None = None,
) -> HttpResponse:
    view = selectors.session_views(access, [session])[0]
    note = view.private_note
    return render(
        request,
        "mentorships/session_detail.html",
        {
            "engagement": access.engagement,
            "access": access,
            "row": view,
            "session": session,
            "note_form": note_form or PrivateNoteForm(initial={"body": note.body if note else ""}),
            "feedback_form": feedback_form or FeedbackForm(),
        },
    )


def _session(access: Access, session_id: int) -> MentoringSession:
    session = get_session(access, session_id)
    session.engagement = access.engagement
    return session


@login_required
def session_detail(request: AuthedRequest, pk: int, session_id: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    return _render_session(request, access, _session(access, session_id))


@login_required
@require_POST
def private_note(request: AuthedRequest, pk: int, session_id: int) -> HttpResponse:
    """The viewer's own note: there is no way to address anyone else's."""
    access = get_mentorship_access(request.user, pk)
    session = _session(access, session_id)
    form = PrivateNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.private_note_save(
                session=session, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Private note saved.") if note else _("Private note deleted.")
            )
            return redirect("mentorship_session_detail", pk=pk, session_id=session.pk)
    return _render_session(request, access, session, note_form=form)


@login_required
@require_POST
def feedback(request: AuthedRequest, pk: int, session_id: int) -> HttpResponse:
    access = get_mentorship_access(request.user, pk)
    require_member(access)
    session = _session(access, session_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.session_feedback_give(
                session=session, author=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("mentorship_session_detail", pk=pk, session_id=session.pk)
    return _render_session(request, access, session, feedback_form=form)


# --- Fit check ----------------------------------------------------------------------------


def _render_fit_check(
    request: AuthedRequest, access: Access, form: FitCheckForm | None = None
) -> HttpResponse:
    coordinator = is_coordinator(access)
    return render(
        request,
        "mentorships/fit_check.html",
        {
            "engagement": access.engagement,
            "access": access,
            "fit_check": selectors.own_fit_check(access),
            "form": form or FitCheckForm(),
            "is_coordinator": coordinator,
            "answers": selectors.fit_checks_of(access.engagement) if coordinator else [],
            "may_see_next_mentors": may_see_next_mentors(access),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fit_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """The viewer's own fit check; coordinators and overseers also read everyone's answers."""
    access = get_mentorship_access(request.user, pk)
    if request.method != "POST":
        return _render_fit_check(request, access)
    check = get_own_fit_check(access)
    form = FitCheckForm(request.POST)
    if form.is_valid():
        try:
            services.fit_check_answer(
                fit_check=check,
                user=request.user,
                fits=form.cleaned_data["fits"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.cleaned_data["fits"]:
                messages.success(request, _("Thank you. Glad it fits."))
                return redirect(access.engagement)
            messages.success(
                request, _("Thank you. The coordinators know; here are other mentors who fit.")
            )
            return redirect("mentorship_next_mentors", pk=pk)
    return _render_fit_check(request, access, form)


@login_required
def next_mentors(request: AuthedRequest, pk: int) -> HttpResponse:
    """The best experts for the engagement's need other than its mentors, as the viewer may
    read them. Members of the need's institution invite from the need's ranked list."""
    access = get_mentorship_access(request.user, pk)
    require_next_mentors(access)
    need = access.engagement.need
    rows = selectors.next_mentor_rows(engagement=access.engagement, viewer=request.user)
    return render(
        request,
        "mentorships/next_mentors.html",
        {
            "engagement": access.engagement,
            "access": access,
            "need": need,
            "rows": rows,
            "can_invite": need is not None
            and is_institution_member(request.user, need.institution_id),
        },
    )

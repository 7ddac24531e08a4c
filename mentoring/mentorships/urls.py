from django.urls import URLPattern, path

from mentoring.mentorships import views

urlpatterns: list[URLPattern] = [
    path("engagements/<int:pk>/agreement/", views.agreement_detail, name="mentorship_agreement"),
    path(
        "engagements/<int:pk>/agreement/edit/",
        views.agreement_edit,
        name="mentorship_agreement_edit",
    ),
    path(
        "engagements/<int:pk>/agreement/confirm/",
        views.agreement_confirm,
        name="mentorship_agreement_confirm",
    ),
    path("engagements/<int:pk>/goals/", views.goals, name="mentorship_goals"),
    path(
        "engagements/<int:pk>/goals/<int:goal_id>/",
        views.goal_edit,
        name="mentorship_goal_edit",
    ),
    path(
        "engagements/<int:pk>/goals/<int:goal_id>/tasks/",
        views.task_add,
        name="mentorship_task_add",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_id>/",
        views.task_edit,
        name="mentorship_task_edit",
    ),
    path(
        "engagements/<int:pk>/tasks/<int:task_id>/done/",
        views.task_done,
        name="mentorship_task_done",
    ),
    path(
        "engagements/<int:pk>/mentoring-sessions/",
        views.sessions,
        name="mentorship_sessions",
    ),
    path(
        "engagements/<int:pk>/mentoring-sessions/<int:session_id>/",
        views.session_detail,
        name="mentorship_session_detail",
    ),
    path(
        "engagements/<int:pk>/mentoring-sessions/<int:session_id>/private-note/",
        views.private_note,
        name="mentorship_private_note",
    ),
    path(
        "engagements/<int:pk>/mentoring-sessions/<int:session_id>/feedback/",
        views.feedback,
        name="mentorship_feedback",
    ),
    path("engagements/<int:pk>/fit-check/", views.fit_check, name="mentorship_fit_check"),
    path(
        "engagements/<int:pk>/next-mentors/",
        views.next_mentors,
        name="mentorship_next_mentors",
    ),
]

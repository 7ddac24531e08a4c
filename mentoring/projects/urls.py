from django.urls import URLPattern, path

from mentoring.projects import views

urlpatterns: list[URLPattern] = [
    path("institutions/<int:pk>/projects/new/", views.project_create, name="project_create"),
    path("engagements/<int:pk>/members/", views.project_members_page, name="project_members"),
    path(
        "engagements/<int:pk>/members/invite/",
        views.project_member_invite,
        name="project_member_invite",
    ),
    path("engagements/<int:pk>/members/leave/", views.project_leave, name="project_leave"),
    path(
        "engagements/<int:pk>/members/<int:member_pk>/",
        views.project_member_update,
        name="project_member_update",
    ),
    path(
        "engagements/<int:pk>/members/<int:member_pk>/remove/",
        views.project_member_remove,
        name="project_member_remove",
    ),
    path(
        "engagements/<int:pk>/work-plan/edit/",
        views.project_work_plan_edit,
        name="project_work_plan_edit",
    ),
    path(
        "engagements/<int:pk>/work-plan/approve/",
        views.project_work_plan_approve,
        name="project_work_plan_approve",
    ),
    path(
        "engagements/<int:pk>/milestones/",
        views.project_milestones_page,
        name="project_milestones",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/edit/",
        views.project_milestone_edit,
        name="project_milestone_edit",
    ),
    path(
        "engagements/<int:pk>/milestones/<int:milestone_pk>/status/",
        views.project_milestone_status,
        name="project_milestone_status",
    ),
    path("engagements/<int:pk>/outputs/", views.project_outputs_page, name="project_outputs"),
    path(
        "engagements/<int:pk>/outputs/<int:output_pk>/remove/",
        views.project_output_remove,
        name="project_output_remove",
    ),
    path(
        "engagements/<int:pk>/impact-plan/edit/",
        views.project_impact_plan_edit,
        name="project_impact_plan_edit",
    ),
    path(
        "engagements/<int:pk>/impact-reports/",
        views.project_impact_reports_page,
        name="project_impact_reports",
    ),
    path(
        "engagements/<int:pk>/impact-reports/<int:report_pk>/",
        views.project_impact_report,
        name="project_impact_report",
    ),
]

from django.urls import URLPattern, path

from mentoring.courses import views

urlpatterns: list[URLPattern] = [
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/enrol/", views.course_enrol, name="course_enrol"),
    path("courses/<int:pk>/withdraw/", views.course_withdraw, name="course_withdraw"),
    path(
        "courses/<int:pk>/invitation/",
        views.course_invitation_answer,
        name="course_invitation_answer",
    ),
    path("courses/<int:pk>/enrolments/", views.course_enrolments, name="course_enrolments"),
    path(
        "courses/<int:pk>/enrolments/<int:enrolment_pk>/",
        views.course_enrolment_decide,
        name="course_enrolment_decide",
    ),
    path(
        "courses/<int:pk>/enrolments/<int:enrolment_pk>/certificate/",
        views.certificate_grant,
        name="certificate_grant",
    ),
    path(
        "courses/<int:pk>/certificates/<int:certificate_pk>/revoke/",
        views.certificate_revoke,
        name="certificate_revoke",
    ),
    path("courses/<int:pk>/capacity/", views.course_capacity, name="course_capacity"),
    path("certificates/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("engagements/<int:pk>/materials/new/", views.material_create, name="material_create"),
    path(
        "engagements/<int:pk>/materials/<int:material_pk>/",
        views.material_detail,
        name="material_detail",
    ),
    path(
        "engagements/<int:pk>/materials/<int:material_pk>/download/",
        views.material_download,
        name="material_download",
    ),
    path(
        "engagements/<int:pk>/materials/<int:material_pk>/delete/",
        views.material_delete,
        name="material_delete",
    ),
]

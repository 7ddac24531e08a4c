from django.urls import URLPattern, path

from mentoring.engagements import views

urlpatterns: list[URLPattern] = [
    path("engagements/", views.engagement_list, name="engagement_list"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/status/", views.engagement_status, name="engagement_status"),
    path("engagements/<int:pk>/notes/", views.engagement_note, name="engagement_note"),
    path("engagements/<int:pk>/timeline/", views.engagement_timeline, name="engagement_timeline"),
    path("engagements/<int:pk>/leave/", views.engagement_leave, name="engagement_leave"),
    path("engagements/<int:pk>/people/", views.engagement_people, name="engagement_people"),
    path(
        "engagements/<int:pk>/people/<int:participant_pk>/remove/",
        views.engagement_participant_remove,
        name="engagement_participant_remove",
    ),
    path(
        "engagements/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.engagement_invitation_revoke,
        name="engagement_invitation_revoke",
    ),
    path(
        "engagements/invitations/<str:token>/",
        views.engagement_invitation,
        name="engagement_invitation",
    ),
    path(
        "institutions/<int:pk>/engagements/",
        views.institution_engagements,
        name="institution_engagements",
    ),
    path("moderation/programme/", views.programme_health, name="programme_health"),
    path("moderation/programme.csv", views.programme_csv, name="programme_csv"),
]

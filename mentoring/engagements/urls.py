from django.urls import URLPattern, path

from mentoring.engagements import views

urlpatterns: list[URLPattern] = [
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path(
        "engagements/invitations/<str:token>/",
        views.engagement_invitation,
        name="engagement_invitation",
    ),
]

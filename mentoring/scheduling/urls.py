from django.urls import URLPattern, path

from mentoring.scheduling import views

urlpatterns: list[URLPattern] = [
    path("engagements/<int:pk>/live-sessions/", views.live_session_list, name="live_session_list"),
    path(
        "engagements/<int:pk>/live-sessions/new/",
        views.live_session_create,
        name="live_session_create",
    ),
    path("sessions/<int:pk>/", views.live_session_detail, name="live_session_detail"),
    path("sessions/<int:pk>/edit/", views.live_session_edit, name="live_session_edit"),
    path("sessions/<int:pk>/cancel/", views.live_session_cancel, name="live_session_cancel"),
    path(
        "sessions/<int:pk>/attendance/",
        views.live_session_attendance,
        name="live_session_attendance",
    ),
    path("account/calendar/", views.calendar_settings, name="calendar_settings"),
    path("account/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]

"""Pages for after a live session, included from mentoring/urls.py at the site root."""

from django.urls import URLPattern, path

from mentoring.rooms import report_views

urlpatterns: list[URLPattern] = [
    path("sessions/<int:pk>/replay/", report_views.room_replay, name="room_replay"),
    path("sessions/<int:pk>/replay.csv", report_views.room_replay_csv, name="room_replay_csv"),
    path(
        "sessions/<int:pk>/room-attendance/",
        report_views.room_attendance,
        name="room_attendance",
    ),
    path(
        "sessions/<int:pk>/room-attendance.csv",
        report_views.room_attendance_csv,
        name="room_attendance_csv",
    ),
    path("sessions/<int:pk>/summary/", report_views.room_summary, name="room_summary"),
    path("sessions/<int:pk>/summary.csv", report_views.room_summary_csv, name="room_summary_csv"),
]

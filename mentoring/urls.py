"""Every page of the engagements, included once from the project's urls."""

from django.urls import include, path

urlpatterns = [
    path("", include("mentoring.engagements.urls")),
    path("", include("mentoring.mentorships.urls")),
    path("", include("mentoring.courses.urls")),
    path("", include("mentoring.projects.urls")),
    path("", include("mentoring.scheduling.urls")),
    path("", include("mentoring.rooms.urls")),
    path("", include("mentoring.rooms.report_urls")),
]

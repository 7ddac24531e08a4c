from django.urls import path

from diaspora.matching import views

urlpatterns = [
    path("moderation/assignments/", views.assignment_suggest, name="assignment_suggest"),
]

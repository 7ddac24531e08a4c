from django.urls import URLPattern, path

from mentoring.rooms import views

urlpatterns: list[URLPattern] = [
    path("sessions/<int:pk>/room/", views.room, name="room"),
]

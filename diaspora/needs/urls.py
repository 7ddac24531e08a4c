from django.urls import path

from diaspora.needs import views

urlpatterns = [
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/mine/", views.need_mine, name="need_mine"),
    path("needs/<int:pk>/", views.need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("needs/<int:pk>/status/", views.need_status, name="need_status"),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/mine/", views.offer_mine, name="offer_mine"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/active/", views.offer_set_active, name="offer_set_active"),
    path("offers/<int:pk>/request/", views.offer_request, name="offer_request"),
    path("offer-requests/", views.offer_request_list, name="offer_request_list"),
    path("offer-requests/<int:pk>/", views.offer_request_detail, name="offer_request_detail"),
    path(
        "offer-requests/<int:pk>/answer/",
        views.offer_request_answer,
        name="offer_request_answer",
    ),
    path(
        "offer-requests/<int:pk>/withdraw/",
        views.offer_request_withdraw,
        name="offer_request_withdraw",
    ),
]

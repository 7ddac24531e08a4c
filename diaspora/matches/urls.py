from django.urls import path

from diaspora.matches import views

urlpatterns = [
    path("needs/<int:pk>/matches/", views.need_matches, name="need_matches"),
    path("needs/<int:pk>/interest/", views.proposal_interest, name="proposal_interest"),
    path("matches/for-me/", views.needs_for_me, name="needs_for_me"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/answer/", views.proposal_answer, name="proposal_answer"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
]

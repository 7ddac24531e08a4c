from django.urls import path

from diaspora.communities import views, views_search, views_threads

urlpatterns = [
    path("communities/", views.community_list, name="community_list"),
    # Before "<slug>": these words are pages, not communities (forms.RESERVED_SLUGS).
    path("communities/new/", views.community_create, name="community_create"),
    path(
        "communities/invitations/<str:token>/",
        views.community_invitation_accept,
        name="community_invitation_accept",
    ),
    path("communities/<slug:slug>/", views.community_detail, name="community_detail"),
    path("communities/<slug:slug>/edit/", views.community_edit, name="community_edit"),
    path("communities/<slug:slug>/join/", views.community_join, name="community_join"),
    path("communities/<slug:slug>/leave/", views.community_leave, name="community_leave"),
    path(
        "communities/<slug:slug>/invitations/",
        views.community_invitations,
        name="community_invitations",
    ),
    path("communities/<slug:slug>/watch/", views.community_watch, name="community_watch"),
    path(
        "communities/<slug:slug>/threads/new/",
        views_threads.thread_create,
        name="thread_create",
    ),
    path("threads/<int:pk>/", views_threads.thread_detail, name="thread_detail"),
    path("threads/<int:pk>/watch/", views_threads.thread_watch, name="thread_watch"),
    path("posts/<int:pk>/edit/", views_threads.post_edit, name="post_edit"),
    path("posts/<int:pk>/history/", views_threads.post_history, name="post_history"),
    path("posts/<int:pk>/react/", views_threads.post_react, name="post_react"),
    # The quote button's source (static/js/forum-compose.js).
    path("posts/<int:pk>/source/", views_threads.post_source, name="post_source"),
    path("preview/", views_threads.markdown_preview, name="markdown_preview"),
    path("search/", views_search.forum_search, name="forum_search"),
]

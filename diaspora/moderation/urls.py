from django.urls import path

from diaspora.moderation import views

urlpatterns = [
    path("moderation/", views.moderation_home, name="moderation_home"),
    path("moderation/audit/", views.audit_all, name="audit_all"),
    path("communities/<slug:slug>/review/", views.review_queue, name="review_queue"),
    path("communities/<slug:slug>/audit/", views.audit_trail, name="audit_trail"),
    path("communities/<slug:slug>/members/", views.community_members, name="community_members"),
    path(
        "communities/<slug:slug>/members/<int:user_id>/warn/",
        views.member_warn,
        name="member_warn",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/silence/",
        views.member_silence,
        name="member_silence",
    ),
    path(
        "communities/<slug:slug>/silences/<int:silence_id>/lift/",
        views.member_unsilence,
        name="member_unsilence",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/moderator/",
        views.moderator_set,
        name="moderator_set",
    ),
    path("posts/<int:pk>/flag/", views.post_flag, name="post_flag"),
    path("posts/<int:pk>/flags/resolve/", views.flags_resolve, name="flags_resolve"),
    path("posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("posts/<int:pk>/restore/", views.post_restore, name="post_restore"),
    path("threads/<int:pk>/lock/", views.thread_lock, name="thread_lock"),
    path("threads/<int:pk>/unlock/", views.thread_unlock, name="thread_unlock"),
    path("threads/<int:pk>/pin/", views.thread_pin, name="thread_pin"),
    path("threads/<int:pk>/unpin/", views.thread_unpin, name="thread_unpin"),
    path("threads/<int:pk>/move/", views.thread_move, name="thread_move"),
    path("members/<int:user_id>/suspend/", views.member_suspend, name="member_suspend"),
    path("members/<int:user_id>/reinstate/", views.member_reinstate, name="member_reinstate"),
    path("warnings/", views.my_warnings, name="my_warnings"),
    path(
        "warnings/<int:pk>/acknowledge/", views.warning_acknowledge, name="warning_acknowledge"
    ),
]

from django.urls import path

from diaspora.moderation import views, views_audit, views_content, views_members

urlpatterns = [
    path("moderation/", views.moderation_home, name="moderation_home"),
    path("moderation/audit/", views_audit.audit_all, name="audit_all"),
    path("warnings/", views.my_warnings, name="my_warnings"),
    path("warnings/<int:pk>/acknowledge/", views.warning_acknowledge, name="warning_acknowledge"),
    # What people wrote.
    path("posts/<int:pk>/flag/", views_content.post_flag, name="post_flag"),
    path("posts/<int:pk>/flags/resolve/", views_content.flags_resolve, name="flags_resolve"),
    path("posts/<int:pk>/hide/", views_content.post_hide, name="post_hide"),
    path("posts/<int:pk>/restore/", views_content.post_restore, name="post_restore"),
    path("threads/<int:pk>/lock/", views_content.thread_lock, name="thread_lock"),
    path("threads/<int:pk>/unlock/", views_content.thread_unlock, name="thread_unlock"),
    path("threads/<int:pk>/pin/", views_content.thread_pin, name="thread_pin"),
    path("threads/<int:pk>/unpin/", views_content.thread_unpin, name="thread_unpin"),
    path("threads/<int:pk>/move/", views_content.thread_move, name="thread_move"),
    path("communities/<slug:slug>/review/", views_content.review_queue_page, name="review_queue"),
    # The audit trail.
    path("communities/<slug:slug>/audit/", views_audit.audit_trail, name="audit_trail"),
    # People.
    path(
        "communities/<slug:slug>/members/",
        views_members.community_members,
        name="community_members",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/warn/",
        views_members.member_warn,
        name="member_warn",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/silence/",
        views_members.member_silence,
        name="member_silence",
    ),
    path(
        "communities/<slug:slug>/silences/<int:silence_id>/lift/",
        views_members.member_unsilence,
        name="member_unsilence",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/remove/",
        views_members.member_remove,
        name="member_remove",
    ),
    path(
        "communities/<slug:slug>/members/<int:user_id>/moderator/",
        views_members.moderator_set,
        name="moderator_set",
    ),
    path("members/<int:user_id>/suspend/", views_members.member_suspend, name="member_suspend"),
    path(
        "members/<int:user_id>/reinstate/",
        views_members.member_reinstate,
        name="member_reinstate",
    ),
]

from django.contrib import admin
from django.urls import include, path

from diaspora import health, views
from diaspora.accounts import views as account_views
from diaspora.api import api
from diaspora.api import not_found as api_not_found
from diaspora.institutions import views as institution_views
from diaspora.people import views as people_views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/settings/", account_views.account_settings, name="account_settings"),
    path("account/tokens/", account_views.api_tokens, name="api_tokens"),
    path(
        "account/tokens/<int:pk>/revoke/", account_views.api_token_delete, name="api_token_revoke"
    ),
    path("experts/", people_views.expert_list, name="expert_list"),
    path("experts/<int:pk>/", people_views.expert_detail, name="expert_detail"),
    path("profile/edit/", people_views.expert_profile_edit, name="expert_profile_edit"),
    path("institutions/", institution_views.institution_list, name="institution_list"),
    path("institutions/new/", institution_views.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", institution_views.institution_detail, name="institution_detail"),
    path(
        "institutions/<int:pk>/edit/", institution_views.institution_edit, name="institution_edit"
    ),
    path(
        "institutions/<int:pk>/members/",
        institution_views.institution_members_manage,
        name="institution_members",
    ),
    path(
        "institutions/<int:pk>/members/<int:membership_pk>/role/",
        institution_views.membership_role,
        name="membership_role",
    ),
    path(
        "institutions/<int:pk>/members/<int:membership_pk>/remove/",
        institution_views.membership_remove,
        name="membership_remove",
    ),
    path(
        "institutions/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        institution_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "institutions/<int:pk>/verify/",
        institution_views.institution_verify,
        name="institution_verify",
    ),
    path("invitations/<str:token>/", institution_views.invitation_accept, name="invitation_accept"),
    path("", include("diaspora.needs.urls")),
    path("", include("diaspora.matches.urls")),
    path("", include("diaspora.matching.urls")),
    path("notifications/", include("diaspora.notifications.urls")),
    path("", include("diaspora.communities.urls")),
    path("", include("diaspora.moderation.urls")),
    # The project wiring composes every package; the network apps never import mentoring.
    path("", include("mentoring.urls")),
    path("api/", api.urls),
    path("api/<path:rest>", api_not_found),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from diaspora.accounts.models import APIToken, User
from diaspora.accounts.services import account_reinstate, account_suspend


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_moderator", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_moderator", "is_staff", "is_active"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login"]
    actions = ["suspend", "reinstate"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("name", "role", "timezone")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_moderator",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "name", "role", "password1", "password2")},
        ),
    )

    @admin.action(description=_("Suspend the selected accounts (they are signed out everywhere)"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            account_suspend(user=user)

    @admin.action(description=_("Reinstate the selected accounts"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            account_reinstate(user=user)


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__email", "hint"]
    list_select_related = ["user"]
    readonly_fields = ["hint", "created_at", "last_used_at"]
    raw_id_fields = ["user"]

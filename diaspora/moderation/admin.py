"""The admin shows the moderation records and changes none of them: every change goes through
the moderation services, which write the audit trail. An entry edited or deleted here would
make the trail lie."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diaspora.moderation.models import Flag, ModerationAction, Silence, Warning


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "community", "actor", "target_label", "member"]
    list_filter = ["action", "community"]
    search_fields = ["target_label", "reason", "actor__email", "member__email"]
    list_select_related = ["community", "actor", "member"]
    date_hierarchy = "created_at"


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reason", "status", "community", "post", "flagged_by"]
    list_filter = ["status", "reason", "community"]
    list_select_related = ["community", "post", "flagged_by"]


@admin.register(Warning)
class WarningAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "community", "member", "issued_by", "acknowledged_at"]
    list_filter = ["community"]
    list_select_related = ["community", "member", "issued_by"]


@admin.register(Silence)
class SilenceAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "community", "member", "issued_by", "ends_at", "lifted_at"]
    list_filter = ["community"]
    list_select_related = ["community", "member", "issued_by"]

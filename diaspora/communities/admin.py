"""Communities in the admin site: for looking things up. Posts, revisions, events and
reactions are read-only here: a change to what someone wrote goes through the services,
which keep the revision, tell open pages and write the audit trail."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from diaspora.communities.models import (
    Community,
    CommunityInvitation,
    CommunityWatch,
    Membership,
    Post,
    PostRevision,
    Reaction,
    ReadState,
    Tag,
    Thread,
    ThreadEvent,
    ThreadWatch,
)
from diaspora.moderation.audit import audit_record
from diaspora.moderation.models import ActionKind

AUDITED_FIELDS = {
    "name",
    "slug",
    "kind",
    "country",
    "description_md",
    "code_of_conduct_md",
    "visibility",
    "archived_at",
}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, not addable, changeable or deletable."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "visibility", "country", "created_at", "archived_at"]
    list_filter = ["kind", "visibility"]
    search_fields = ["name", "slug", "description_md"]
    readonly_fields = ["description_html", "code_of_conduct_html", "created_by", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TagInline]

    def save_model(self, request: HttpRequest, obj: Community, form: Any, change: bool) -> None:
        # Keep the HTML beside the Markdown, as the services do.
        obj.set_description(obj.description_md)
        obj.set_code_of_conduct(obj.code_of_conduct_md)
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = [f for f in form.changed_data if f in AUDITED_FIELDS]
            if change and changed:
                # Staff changing settings here is in the audit trail like a moderator's edit.
                audit_record(
                    actor=request.user,  # type: ignore[arg-type]
                    action=ActionKind.COMMUNITY_UPDATE,
                    community=obj,
                    target_label=obj.name,
                    before={f: str(form.initial.get(f, "")) for f in changed},
                    after={f: str(form.cleaned_data.get(f, "")) for f in changed},
                )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "community", "role", "joined_at", "left_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "community__name"]
    list_select_related = ["user", "community"]
    # Roles and removals go through the services (`moderator_set`, `member_remove`), which
    # audit them.


@admin.register(CommunityInvitation)
class CommunityInvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "community", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "community__name"]
    list_select_related = ["community"]
    exclude = ["token"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "community"]
    search_fields = ["name", "slug", "community__name"]
    list_select_related = ["community"]
    raw_id_fields = ["community"]


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "author", "post_count", "last_posted_at", "pinned_at"]
    search_fields = ["title", "community__name", "author__email", "author__name"]
    list_select_related = ["community", "author"]
    date_hierarchy = "created_at"


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "thread", "author", "created_at", "edited_at", "hidden_at"]
    list_filter = ["hidden_automatically"]
    search_fields = ["body_md", "thread__title", "author__email", "author__name"]
    list_select_related = ["thread", "author"]
    date_hierarchy = "created_at"


@admin.register(PostRevision)
class PostRevisionAdmin(ReadOnlyAdmin):
    list_display = ["post", "edited_by", "edited_at", "reason"]
    search_fields = ["body_md", "reason", "edited_by__email"]
    list_select_related = ["post", "edited_by"]


@admin.register(Reaction)
class ReactionAdmin(ReadOnlyAdmin):
    list_display = ["emoji", "post", "user", "created_at"]
    search_fields = ["user__email", "emoji"]
    list_select_related = ["post", "user"]


@admin.register(CommunityWatch)
class CommunityWatchAdmin(ReadOnlyAdmin):
    list_display = ["user", "community", "level"]
    search_fields = ["user__email", "community__name"]
    list_select_related = ["user", "community"]


@admin.register(ThreadWatch)
class ThreadWatchAdmin(ReadOnlyAdmin):
    list_display = ["user", "thread", "level"]
    search_fields = ["user__email", "thread__title"]
    list_select_related = ["user", "thread"]


@admin.register(ReadState)
class ReadStateAdmin(ReadOnlyAdmin):
    list_display = ["user", "thread", "last_read_number", "updated_at"]
    search_fields = ["user__email", "thread__title"]
    list_select_related = ["user", "thread"]


@admin.register(ThreadEvent)
class ThreadEventAdmin(ReadOnlyAdmin):
    list_display = ["thread", "seq", "type", "actor", "created_at"]
    list_filter = ["type"]
    search_fields = ["thread__title", "type"]
    list_select_related = ["thread", "actor"]

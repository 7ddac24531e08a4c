from django.contrib import admin

from diaspora.institutions.models import Institution, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "country", "city", "verification_status", "created_at"]
    list_filter = ["verification_status", "type", "country"]
    search_fields = ["name", "city", "description"]
    readonly_fields = ["description_html", "verified_by", "verified_at", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "institution", "role", "title", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "institution__name"]
    list_select_related = ["user", "institution"]
    raw_id_fields = ["user", "institution"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "institution",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    search_fields = ["email", "institution__name"]
    list_select_related = ["institution"]
    raw_id_fields = ["institution", "invited_by", "accepted_by"]
    readonly_fields = ["token"]

from django.contrib import admin

from diaspora.matches.models import Match, Proposal


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "score", "deadline", "created_at", "answered_at"]
    list_filter = ["kind", "status"]
    search_fields = [
        "need__title",
        "need__institution__name",
        "expert__user__name",
        "expert__user__email",
        "sent_by__email",
    ]
    list_select_related = ["need", "expert__user"]
    raw_id_fields = ["need", "expert", "sent_by", "answered_by"]
    # The snapshot is what both sides were shown; it is not edited afterwards.
    readonly_fields = ["score", "reasons", "created_at"]
    date_hierarchy = "created_at"


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "score", "created_at"]
    search_fields = [
        "need__title",
        "need__institution__name",
        "expert__user__name",
        "expert__user__email",
    ]
    list_select_related = ["need", "expert__user"]
    raw_id_fields = ["need", "expert", "proposal"]
    readonly_fields = ["score", "reasons", "created_at"]

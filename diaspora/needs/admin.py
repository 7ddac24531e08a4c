from django.contrib import admin

from diaspora.needs.models import Need, NeedLanguage, Offer, OfferLanguage, OfferRequest


class NeedLanguageInline(admin.TabularInline):
    model = NeedLanguage
    extra = 0


class OfferLanguageInline(admin.TabularInline):
    model = OfferLanguage
    extra = 0


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "institution",
        "engagement_type",
        "mode",
        "status",
        "published_at",
        "created_at",
    ]
    list_filter = ["status", "engagement_type", "mode", "disciplines__parent"]
    search_fields = ["title", "external_id", "institution__name", "keywords__name"]
    list_select_related = ["institution", "engagement_type", "mode"]
    raw_id_fields = ["institution", "created_by"]
    filter_horizontal = ["disciplines", "keywords"]
    readonly_fields = ["description_html", "published_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [NeedLanguageInline]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["title", "expert", "engagement_type", "capacity", "is_active", "created_at"]
    list_filter = ["is_active", "engagement_type", "modes"]
    search_fields = ["title", "expert__user__name", "expert__user__email"]
    list_select_related = ["expert__user", "engagement_type"]
    raw_id_fields = ["expert"]
    filter_horizontal = ["disciplines", "modes"]
    readonly_fields = ["description_html", "created_at", "updated_at"]
    inlines = [OfferLanguageInline]


@admin.register(OfferRequest)
class OfferRequestAdmin(admin.ModelAdmin):
    list_display = ["offer", "institution", "requested_by", "status", "created_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["offer__title", "institution__name", "requested_by__email"]
    list_select_related = ["offer", "institution", "requested_by"]
    raw_id_fields = ["offer", "institution", "requested_by"]
    readonly_fields = ["created_at", "responded_at"]


@admin.register(NeedLanguage)
class NeedLanguageAdmin(admin.ModelAdmin):
    list_display = ["need", "code", "required"]
    list_filter = ["required"]
    search_fields = ["need__title", "code"]
    list_select_related = ["need"]
    raw_id_fields = ["need"]


@admin.register(OfferLanguage)
class OfferLanguageAdmin(admin.ModelAdmin):
    list_display = ["offer", "code"]
    search_fields = ["offer__title", "code"]
    list_select_related = ["offer"]
    raw_id_fields = ["offer"]

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from diaspora.people.models import (
    SENSITIVE_FIELDS,
    ExpertLanguage,
    ExpertProfile,
    Qualification,
    Visibility,
)


class ExpertLanguageInline(admin.TabularInline):
    model = ExpertLanguage
    extra = 0


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    # Sensitive fields are neither listed nor searchable, and a hidden one is left out of the
    # form: staff have no more business knowing where an exile lives than anyone else.
    list_display = ["__str__", "headline", "hours_per_month", "is_listed", "updated_at"]
    list_filter = ["is_listed", "disciplines__parent", "engagement_types", "modes"]
    search_fields = ["user__name", "user__email", "headline", "keywords__name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    filter_horizontal = ["disciplines", "keywords", "engagement_types", "modes"]
    readonly_fields = ["bio_html", "current_mentees", "created_at", "updated_at"]
    inlines = [ExpertLanguageInline, QualificationInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        fields = list(super().get_fields(request, obj))
        if obj is not None:
            for field, visibility_field in SENSITIVE_FIELDS.items():
                if getattr(obj, visibility_field) == Visibility.HIDDEN and field in fields:
                    fields.remove(field)
        return fields


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["profile", "degree", "field", "institution", "year", "recognition_status"]
    list_filter = ["recognition_status", "degree"]
    search_fields = ["profile__user__name", "field", "institution"]
    list_select_related = ["profile__user"]
    raw_id_fields = ["profile"]


@admin.register(ExpertLanguage)
class ExpertLanguageAdmin(admin.ModelAdmin):
    list_display = ["profile", "code", "level"]
    list_filter = ["level"]
    search_fields = ["profile__user__name", "code"]
    list_select_related = ["profile__user"]
    raw_id_fields = ["profile"]

from django.contrib import admin

from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(EngagementType, Mode)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__"]
    search_fields = ["code"]

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import engines
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from diaspora.accounts.models import APIToken, User

# The page between choosing the accounts and acting: suspending needs a reason, which goes
# into the audit trail. A template string, so the admin's one extra page needs no file.
REASON_PAGE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}
<form method="post">{% csrf_token %}
  <p>{{ question }}</p>
  <ul>{% for account in queryset %}<li>{{ account.email }}</li>{% endfor %}</ul>
  {{ form.as_p }}
  {% for account in queryset %}
  <input type="hidden" name="{{ checkbox_name }}" value="{{ account.pk }}">
  {% endfor %}
  <input type="hidden" name="action" value="{{ action }}">
  <input type="hidden" name="apply" value="1">
  <input type="submit" value="{{ submit }}">
</form>
{% endblock %}"""


class SuspendReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit trail)"), widget=forms.Textarea, max_length=2000
    )


class ReinstateReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept in the audit trail)"),
        widget=forms.Textarea,
        max_length=2000,
        required=False,
    )


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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Suspending and reinstating go through the actions, which ask for a reason and write
        # the audit trail; a ticked box in this form would do neither.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "is_active"] if obj is not None else fields

    @admin.action(description=_("Suspend the selected accounts (they are signed out everywhere)"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse | None:
        return self._act_with_reason(
            request,
            queryset.filter(is_active=True),
            action="suspend",
            form_class=SuspendReasonForm,
            question=gettext("Suspend these accounts? They are signed out everywhere."),
            submit=gettext("Suspend"),
        )

    @admin.action(description=_("Reinstate the selected accounts"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse | None:
        return self._act_with_reason(
            request,
            queryset.filter(is_active=False),
            action="reinstate",
            form_class=ReinstateReasonForm,
            question=gettext("Reinstate these accounts?"),
            submit=gettext("Reinstate"),
        )

    def _act_with_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet[User],
        *,
        action: str,
        form_class: type[forms.Form],
        question: str,
        submit: str,
    ) -> TemplateResponse | None:
        """Ask for the reason, then act through the moderation services (audited)."""
        from diaspora.moderation.services import member_reinstate, member_suspend

        if not queryset.exists():
            self.message_user(
                request, gettext("None of the selected accounts needed that."), messages.WARNING
            )
            return None
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            service = member_suspend if action == "suspend" else member_reinstate
            done = 0
            for member in queryset:
                try:
                    service(
                        actor=cast(User, request.user),
                        member=member,
                        reason=form.cleaned_data["reason"],
                    )
                    done += 1
                except (PermissionDenied, ValidationError) as error:
                    message = " ".join(getattr(error, "messages", [str(error)]))
                    self.message_user(request, f"{member.email}: {message}", messages.ERROR)
            if done:
                self.message_user(
                    request, gettext("%(n)d accounts changed.") % {"n": done}, messages.SUCCESS
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": question,
            "question": question,
            "submit": submit,
            "queryset": queryset,
            "form": form,
            "action": action,
            "checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        page = engines["django"].from_string(REASON_PAGE)
        return TemplateResponse(request, page, context)


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__email", "hint"]
    list_select_related = ["user"]
    readonly_fields = ["hint", "created_at", "last_used_at"]
    raw_id_fields = ["user"]

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from diaspora.http import AuthedRequest
from diaspora.matching.assignment import DEFAULT_CANDIDATES, IndexNotReady, suggest_assignments
from diaspora.matching.permissions import require_moderator

MAX_BATCH = 5000


class AssignmentForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Which needs"),
        choices=[("all", _("All open needs")), ("limit", _("The oldest open needs, at most:"))],
        initial="limit",
        widget=forms.RadioSelect,
    )
    limit = forms.IntegerField(
        label=_("How many needs"), min_value=1, max_value=MAX_BATCH, initial=100, required=False
    )
    candidates = forms.IntegerField(
        label=_("Candidates per need"),
        min_value=1,
        max_value=100,
        initial=DEFAULT_CANDIDATES,
        help_text=_("The solver chooses among each need's best experts."),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("scope") == "limit" and not data.get("limit"):
            self.add_error("limit", _("Say how many needs, or choose all open needs."))
        return data


@login_required
@require_GET
def assignment_suggest(request: AuthedRequest) -> HttpResponse:
    """Moderators: experts proposed for a batch of open needs. Proposes only, writes nothing."""
    require_moderator(request.user)
    form = AssignmentForm(request.GET if "scope" in request.GET else None)
    context: dict = {"form": form, "report": None, "not_ready": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            report = suggest_assignments(
                limit=data["limit"] if data["scope"] == "limit" else None,
                k=data["candidates"],
                wait=False,
            )
        except IndexNotReady:
            context["not_ready"] = True
        else:
            context.update(report=report, assignments=report.as_dict()["assignments"])
    return render(request, "matching/assignments.html", context)

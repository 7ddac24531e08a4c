from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from diaspora.http import AuthedRequest
from diaspora.pagination import paginate, querystring_without_page
from diaspora.people.forms import (
    ExpertFilterForm,
    ExpertProfileForm,
    LanguageFormSet,
    QualificationFormSet,
    kept_forms,
)
from diaspora.people.models import ExpertProfile
from diaspora.people.permissions import get_expert_profile_for_user
from diaspora.people.selectors import (
    ExpertFilters,
    expert_cards,
    expert_directory,
    expert_profiles_with_details,
)
from diaspora.people.services import EDITABLE_FIELDS, expert_profile_ensure, expert_profile_update
from diaspora.people.visibility import expert_view


def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET or None)
    # A bad value is shown next to its field; the other filters still apply.
    form.is_valid()
    filters = ExpertFilters(**getattr(form, "cleaned_data", {}))
    page = paginate(request, expert_cards(expert_directory(viewer=request.user, filters=filters)))
    experts = [expert_view(profile, request.user) for profile in page.object_list]
    return render(
        request,
        "people/expert_list.html",
        {
            "form": form,
            "page": page,
            "experts": experts,
            "query": querystring_without_page(request),
        },
    )


def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_expert_profile_for_user(request.user, pk)
    profile = expert_profiles_with_details(type(profile).objects.filter(pk=profile.pk)).get()
    return render(
        request, "people/expert_detail.html", {"expert": expert_view(profile, request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_profile_edit(request: AuthedRequest) -> HttpResponse:
    # Opening the page creates nothing (an empty profile would be listed in the directory):
    # someone without a profile sees an unsaved one, created on their first valid save.
    profile = ExpertProfile.objects.filter(user=request.user).first() or ExpertProfile(
        user=request.user, timezone=request.user.timezone
    )
    initial = {"keywords": ", ".join(k.name for k in profile.keywords.all()) if profile.pk else ""}
    form = ExpertProfileForm(request.POST or None, instance=profile, initial=initial)
    languages = LanguageFormSet(request.POST or None, instance=profile, prefix="lang")
    qualifications = QualificationFormSet(request.POST or None, instance=profile, prefix="qual")
    if (
        request.method == "POST"
        and form.is_valid()
        and languages.is_valid()
        and qualifications.is_valid()
    ):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                saved = profile if profile.pk else expert_profile_ensure(user=request.user)
                expert_profile_update(
                    profile=saved,
                    values={name: data[name] for name in EDITABLE_FIELDS},
                    bio=data["bio"],
                    disciplines=list(data["disciplines"]),
                    keywords=data["keywords"],
                    engagement_types=list(data["engagement_types"]),
                    modes=list(data["modes"]),
                    languages=[f.to_input() for f in kept_forms(languages)],
                    qualifications=[f.to_input() for f in kept_forms(qualifications)],
                )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("expert_detail", pk=saved.pk)
    return render(
        request,
        "people/expert_form.html",
        {
            "form": form,
            "languages": languages,
            "qualifications": qualifications,
            "profile": profile,
        },
    )

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.needs import services
from diaspora.needs.forms import (
    MyNeedsFilterForm,
    NeedFilterForm,
    NeedForm,
    NeedStatusForm,
    OfferFilterForm,
    OfferForm,
    OfferRequestAnswerForm,
    OfferRequestFilterForm,
    OfferRequestForm,
)
from diaspora.needs.models import Need, Offer, OfferRequest, RequestStatus
from diaspora.needs.permissions import (
    RequestSide,
    get_member_institution,
    get_need_for_user,
    get_offer_for_user,
    get_offer_request_for_user,
    get_own_expert_profile_or_deny,
    is_member,
    is_moderator,
    offer_request_sides,
)
from diaspora.needs.selectors import (
    NeedFilters,
    OfferFilters,
    institutions_of,
    institutions_with_open_needs,
    need_cards,
    need_directory,
    need_with_details,
    needs_of_member,
    offer_cards,
    offer_directory,
    offer_requests_incoming,
    offer_requests_outgoing,
    offers_of_expert,
)
from diaspora.pagination import paginate, querystring_without_page
from diaspora.people.models import ExpertProfile
from diaspora.reference.languages import language_name

# -- needs ----------------------------------------------------------------------------------


def need_list(request: HttpRequest) -> HttpResponse:
    form = NeedFilterForm(request.GET or None, institutions=institutions_with_open_needs())
    # A bad value is shown next to its field; the other filters still apply.
    form.is_valid()
    filters = NeedFilters(**getattr(form, "cleaned_data", {}))
    page = paginate(request, need_cards(need_directory(filters=filters)))
    return render(
        request,
        "needs/need_list.html",
        {"form": form, "page": page, "query": querystring_without_page(request)},
    )


@login_required
def need_mine(request: AuthedRequest) -> HttpResponse:
    institutions = list(institutions_of(user=request.user))
    form = MyNeedsFilterForm(request.GET or None, institutions=institutions)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    page = paginate(
        request,
        need_cards(
            needs_of_member(
                user=request.user,
                status=data.get("status") or "",
                institution=data.get("institution"),
            )
        ),
    )
    return render(
        request,
        "needs/need_mine.html",
        {
            "form": form,
            "page": page,
            "query": querystring_without_page(request),
            "has_institution": bool(institutions),
        },
    )


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_need_for_user(request.user, pk)
    need = need_with_details(Need.objects.filter(pk=need.pk)).get()
    member = is_member(request.user, need.institution_id)
    context: dict[str, Any] = {
        "need": need,
        "is_member": member,
        "may_see_matches": member or is_moderator(request.user),
        "editable": member and need.status not in services.FINAL_STATUSES,
        "transitions": services.allowed_transitions(need) if member else [],
        "required_languages": [language_name(c) for c in need.required_language_codes],
        "preferred_languages": [language_name(c) for c in need.preferred_language_codes],
        "expert": (
            ExpertProfile.objects.filter(user=request.user).first()
            if request.user.is_authenticated
            else None
        ),
    }
    return render(request, "needs/need_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: AuthedRequest) -> HttpResponse:
    institutions = institutions_of(user=request.user)
    if not institutions.exists():
        return render(request, "needs/need_no_institution.html", status=403)
    form = NeedForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = get_member_institution(request.user, data["institution"].pk)
        try:
            need = services.need_create(
                institution=institution,
                created_by=request.user,
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The need is saved as a draft. Open it when it is ready for experts.")
            )
            return redirect(need)
    return render(request, "needs/need_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def need_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    need = get_need_for_user(request.user, pk, for_write=True)
    if need.status in services.FINAL_STATUSES:
        messages.error(request, _("This need is finished and can no longer be changed."))
        return redirect(need)
    # The form writes into the instance as it validates; the heading keeps the saved title.
    saved_title = need.title
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(
                need=need,
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(need)
    return render(
        request, "needs/need_form.html", {"form": form, "need": need, "saved_title": saved_title}
    )


@login_required
@require_POST
def need_status(request: AuthedRequest, pk: int) -> HttpResponse:
    need = get_need_for_user(request.user, pk, for_write=True)
    form = NeedStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
        return redirect(need)
    try:
        services.need_set_status(need=need, status=form.cleaned_data["status"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The need is now %(status)s.") % {"status": need.get_status_display().lower()},
        )
    return redirect(need)


# -- offers ---------------------------------------------------------------------------------


def offer_list(request: HttpRequest) -> HttpResponse:
    form = OfferFilterForm(request.GET or None)
    form.is_valid()
    filters = OfferFilters(**getattr(form, "cleaned_data", {}))
    page = paginate(request, offer_cards(offer_directory(filters=filters)))
    return render(
        request,
        "needs/offer_list.html",
        {"form": form, "page": page, "query": querystring_without_page(request)},
    )


def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk)
    offer = offer_cards(Offer.objects.filter(pk=offer.pk)).get()
    is_own = request.user.is_authenticated and offer.expert.user_id == request.user.pk
    institutions = institutions_of(user=request.user) if not is_own else None
    return render(
        request,
        "needs/offer_detail.html",
        {
            "offer": offer,
            "is_own": is_own,
            "may_request": bool(institutions) and offer.is_active,
            "languages": [language_name(lang.code) for lang in offer.languages.all()],
        },
    )


@login_required
def offer_mine(request: AuthedRequest) -> HttpResponse:
    profile = ExpertProfile.objects.filter(user=request.user).first()
    offers = list(offers_of_expert(expert=profile)) if profile else []
    return render(request, "needs/offer_mine.html", {"profile": profile, "offers": offers})


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: AuthedRequest) -> HttpResponse:
    try:
        profile = get_own_expert_profile_or_deny(request.user)
    except PermissionDenied:
        return render(request, "needs/offer_no_profile.html", status=403)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(
                expert=profile,
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your offer is published."))
            return redirect(offer)
    return render(request, "needs/offer_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk, for_write=True)
    saved_title = offer.title
    form = OfferForm(request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(
                offer=offer,
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(offer)
    return render(
        request,
        "needs/offer_form.html",
        {"form": form, "offer": offer, "saved_title": saved_title},
    )


@login_required
@require_POST
def offer_set_active(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk, for_write=True)
    choice = request.POST.get("active")
    if choice not in ("0", "1"):
        messages.error(request, _("Say whether to open the offer or close it."))
        return redirect(offer)
    services.offer_set_active(offer=offer, active=choice == "1")
    messages.success(
        request,
        _("The offer is open to requests.")
        if offer.is_active
        else _("The offer is closed to new requests."),
    )
    return redirect(offer)


@login_required
@require_http_methods(["GET", "POST"])
def offer_request(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = get_offer_for_user(request.user, pk)
    institutions = institutions_of(user=request.user)
    if not institutions.exists():
        return render(request, "needs/need_no_institution.html", status=403)
    form = OfferRequestForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = get_member_institution(request.user, data["institution"].pk)
        try:
            made = services.offer_request_create(
                offer=offer,
                institution=institution,
                requested_by=request.user,
                message=data["message"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is sent. The expert will answer here."))
            return redirect("offer_request_detail", pk=made.pk)
    return render(request, "needs/offer_request_form.html", {"form": form, "offer": offer})


@login_required
def offer_request_list(request: AuthedRequest) -> HttpResponse:
    """Requests for my offers (incoming) or from my institutions (outgoing), one at a time."""
    form = OfferRequestFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    direction = data.get("direction") or (
        "incoming" if ExpertProfile.objects.filter(user=request.user).exists() else "outgoing"
    )
    select = offer_requests_incoming if direction == "incoming" else offer_requests_outgoing
    page = paginate(request, select(user=request.user, status=data.get("status") or ""))
    return render(
        request,
        "needs/offer_request_list.html",
        {
            "form": form,
            "page": page,
            "direction": direction,
            "query": querystring_without_page(request),
        },
    )


def _render_request(
    request: AuthedRequest, offer_request: OfferRequest, form: OfferRequestAnswerForm | None = None
) -> HttpResponse:
    sides = offer_request_sides(request.user, offer_request)
    pending = offer_request.status == RequestStatus.PENDING
    return render(
        request,
        "needs/offer_request_detail.html",
        {
            "offer_request": offer_request,
            "may_answer": pending and RequestSide.EXPERT in sides,
            "may_withdraw": pending and RequestSide.INSTITUTION in sides,
            "form": form or OfferRequestAnswerForm(),
        },
    )


@login_required
def offer_request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _render_request(request, get_offer_request_for_user(request.user, pk))


@login_required
@require_POST
def offer_request_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    offer_request = get_offer_request_for_user(request.user, pk, side=RequestSide.EXPERT)
    form = OfferRequestAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.offer_request_answer(
                offer_request=offer_request,
                accept=form.accept,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("You accepted the request.") if form.accept else _("You declined the request."),
            )
        return redirect("offer_request_detail", pk=offer_request.pk)
    return _render_request(request, offer_request, form)


@login_required
@require_POST
def offer_request_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    offer_request = get_offer_request_for_user(request.user, pk, side=RequestSide.INSTITUTION)
    try:
        services.offer_request_withdraw(offer_request=offer_request, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("offer_request_detail", pk=offer_request.pk)

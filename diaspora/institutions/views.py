from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.http import AuthedRequest
from diaspora.institutions import services
from diaspora.institutions.forms import (
    InstitutionFilterForm,
    InstitutionForm,
    InvitationForm,
    MembershipRoleForm,
)
from diaspora.institutions.models import Invitation
from diaspora.institutions.permissions import (
    get_institution_for_moderator,
    get_institution_for_user,
    get_membership_for_admin,
    is_institution_admin,
)
from diaspora.institutions.selectors import (
    InstitutionFilters,
    institution_directory,
    institution_members,
)
from diaspora.pagination import paginate, querystring_without_page

FIELDS = ("name", "type", "country", "city", "website")


def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(request.GET or None)
    # A bad value is shown next to its field; the other filters still apply.
    form.is_valid()
    filters = InstitutionFilters(**getattr(form, "cleaned_data", {}))
    page = paginate(request, institution_directory(filters=filters))
    return render(
        request,
        "institutions/institution_list.html",
        {"form": form, "page": page, "query": querystring_without_page(request)},
    )


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk)
    is_admin = is_institution_admin(request.user, institution)
    # Who represents an institution is shown to signed-in members only.
    members = (
        list(institution_members(institution=institution)) if request.user.is_authenticated else []
    )
    context = {
        "institution": institution,
        "is_admin": is_admin,
        "is_member": any(member.user_id == request.user.pk for member in members),
        "members": members,
    }
    return render(request, "institutions/institution_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def institution_create(request: AuthedRequest) -> HttpResponse:
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            institution = services.institution_create(
                creator=request.user,
                values={name: data[name] for name in FIELDS},
                description=data["description"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The institution is created. A moderator will verify it."))
            return redirect(institution)
    return render(request, "institutions/institution_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk, for_write=True)
    # The form writes into the instance as it validates; the heading keeps the saved name.
    saved_name = institution.name
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.institution_update(
                institution=institution,
                values={name: data[name] for name in FIELDS},
                description=data["description"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect(institution)
    return render(
        request,
        "institutions/institution_form.html",
        {"form": form, "institution": institution, "saved_name": saved_name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def institution_members_manage(request: AuthedRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk, for_write=True)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                institution=institution,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error("email", error.messages)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
            return redirect("institution_members", pk=institution.pk)
    context = {
        "institution": institution,
        "form": form,
        "members": institution_members(institution=institution),
        "invitations": institution.invitations.pending().select_related("invited_by"),
        "role_form": MembershipRoleForm(),
    }
    return render(request, "institutions/institution_members.html", context)


@login_required
@require_POST
def membership_role(request: AuthedRequest, pk: int, membership_pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk, for_write=True)
    membership = get_membership_for_admin(request.user, institution, membership_pk)
    form = MembershipRoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
            messages.success(request, _("Role changed."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose a role from the list."))
    return redirect("institution_members", pk=institution.pk)


@login_required
@require_POST
def membership_remove(request: AuthedRequest, pk: int, membership_pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk, for_write=True)
    membership = get_membership_for_admin(request.user, institution, membership_pk)
    try:
        services.membership_remove(membership=membership)
        messages.success(request, _("Member removed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("institution_members", pk=institution.pk)


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk, for_write=True)
    invitation = institution.invitations.filter(pk=invitation_pk).first()
    if invitation is None:
        raise Http404
    services.invitation_revoke(invitation=invitation)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("institution_members", pk=institution.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: AuthedRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("institution", "invited_by").filter(token=token).first()
    )
    if invitation is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("You are now a member of %(name)s.") % {"name": membership.institution.name},
            )
            return redirect(membership.institution)
    return render(
        request, "institutions/invitation_accept.html", {"invitation": invitation, "error": error}
    )


@login_required
@require_POST
def institution_verify(request: AuthedRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_moderator(request.user, pk)
    choice = request.POST.get("verified")
    if choice not in ("0", "1"):
        messages.error(request, _("Say whether to verify the institution or withdraw it."))
        return redirect(institution)
    verified = choice == "1"
    services.institution_set_verification(
        institution=institution,
        moderator=request.user,
        verified=verified,
    )
    messages.success(request, _("Verified.") if verified else _("Verification withdrawn."))
    return redirect(institution)

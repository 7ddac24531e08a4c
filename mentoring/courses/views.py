"""Pages of courses: the public catalogue and course page, creating and editing a course,
enrolling, the instructors' enrolment board, certificates (granting, and a public page that
verifies one), and materials for every kind of engagement."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.form_errors import add_service_errors
from diaspora.http import AuthedRequest
from diaspora.institutions.models import Institution
from diaspora.pagination import paginate, querystring_without_page
from mentoring.courses import services
from mentoring.courses.forms import (
    CapacityForm,
    CatalogueForm,
    CourseForm,
    EnrolForm,
    InviteForm,
    MaterialFileForm,
    MaterialPageForm,
    OptionalReasonForm,
    ReasonForm,
)
from mentoring.courses.models import (
    Certificate,
    Course,
    Enrolment,
    EnrolmentPolicy,
    EnrolmentStatus,
    Level,
    MaterialKind,
)
from mentoring.courses.permissions import (
    CourseViewer,
    get_certificate_for_manager,
    get_course_access,
    get_course_for_viewer,
    get_enrolment_for_manager,
    get_material_for_user,
    get_own_enrolment,
    is_expert,
)
from mentoring.courses.selectors import (
    CatalogueFilters,
    card_for,
    catalogue,
    certificate_of,
    course_card,
    enrolment_board,
    enrolment_counts,
    public_name,
    waitlist_position,
)
from mentoring.engagements.permissions import Access, get_engagement_access

# --- Catalogue and course page ------------------------------------------------------------


def course_list(request: HttpRequest) -> HttpResponse:
    form = CatalogueForm(request.GET or None)
    filters = CatalogueFilters()
    if form.is_bound and form.is_valid():
        filters = CatalogueFilters(**form.cleaned_data)
    page = paginate(request, catalogue(filters=filters))
    context = {
        "form": form,
        "page": page,
        "cards": [course_card(course) for course in page.object_list],
        "query": querystring_without_page(request),
        "may_create": is_expert(request.user),
    }
    return render(request, "courses/course_list.html", context)


def enrol_state(viewer: CourseViewer, user: Any) -> str:
    """Which button (or sentence) the course page shows this viewer."""
    course = viewer.course
    enrolment = viewer.enrolment
    if viewer.access is not None and viewer.access.role != "learner" and viewer.is_manager:
        return "staff"
    if enrolment is not None and enrolment.status in (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.REQUESTED,
        EnrolmentStatus.INVITED,
    ):
        if enrolment.status == EnrolmentStatus.INVITED and not course.engagement.is_open:
            return "closed"
        return str(enrolment.status)
    if not course.engagement.is_open:
        return "closed"
    if not user.is_authenticated:
        return "anonymous"
    if enrolment is not None and enrolment.status == EnrolmentStatus.REMOVED:
        return "removed"
    if (
        enrolment is not None
        and enrolment.status == EnrolmentStatus.DECLINED
        and enrolment.decided_by_id != user.pk
    ):
        return "declined"
    if course.enrolment_policy == EnrolmentPolicy.INVITATION:
        return "invitation_only"
    return "may_request" if course.enrolment_policy == EnrolmentPolicy.APPROVAL else "may_enrol"


def _detail(
    request: HttpRequest, viewer: CourseViewer, enrol_form: EnrolForm | None = None
) -> HttpResponse:
    course = viewer.course
    card = card_for(course.pk)
    enrolment = viewer.enrolment
    context = {
        "course": course,
        "engagement": course.engagement,
        "card": card,
        "viewer": viewer,
        "enrolment": enrolment,
        "state": enrol_state(viewer, request.user),
        "position": waitlist_position(enrolment) if enrolment else 0,
        "certificate": certificate_of(course, request.user),
        "enrol_form": enrol_form or EnrolForm(),
    }
    return render(request, "courses/course_detail.html", context)


def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_course_for_viewer(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: AuthedRequest) -> HttpResponse:
    if not is_expert(request.user):
        return render(request, "courses/course_no_profile.html", status=403)
    institutions = Institution.objects.filter(memberships__user=request.user).order_by("name")
    form = CourseForm(
        request.POST or None,
        institutions=institutions,
        initial={
            "level": Level.INTRODUCTORY,
            "enrolment_policy": EnrolmentPolicy.OPEN,
            "capacity": 20,
            "listed": True,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(
                created_by=request.user,
                institution=form.cleaned_data.get("institution"),
                **form.values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your course is created."))
            return redirect(course)
    return render(request, "courses/course_form.html", {"form": form, "course": None})


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _access, course = get_course_access(request.user, pk, for_write=True)
    saved_title = course.engagement.title
    form = CourseForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(course=course, by=request.user, values=form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The course is saved."))
            return redirect("course_detail", pk=course.pk)
    return render(
        request,
        "courses/course_form.html",
        {"form": form, "course": course, "saved_title": saved_title},
    )


# --- A learner's enrolment ----------------------------------------------------------------


def _enrol_message(enrolment: Enrolment) -> str:
    if enrolment.status == EnrolmentStatus.ENROLLED:
        return _("You are enrolled.")
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        return _("The course is full: you are on the waiting list.")
    return _("Your request is sent to the instructors.")


@login_required
@require_POST
def course_enrol(request: AuthedRequest, pk: int) -> HttpResponse:
    viewer = get_course_for_viewer(request.user, pk)
    form = EnrolForm(request.POST)
    if form.is_valid():
        try:
            enrolment = services.enrolment_request(
                course=viewer.course, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _enrol_message(enrolment))
            return redirect("course_detail", pk=pk)
    return _detail(request, get_course_for_viewer(request.user, pk), enrol_form=form)


@login_required
@require_POST
def course_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    enrolment = get_own_enrolment(request.user, pk)
    try:
        services.enrolment_withdraw(enrolment=enrolment, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You left the course."))
    return redirect("course_detail", pk=pk)


@login_required
@require_POST
def course_invitation_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    enrolment = get_own_enrolment(request.user, pk)
    try:
        if request.POST.get("decision") == "accept":
            enrolment = services.enrolment_invitation_accept(enrolment=enrolment, user=request.user)
            messages.success(request, _enrol_message(enrolment))
        else:
            services.enrolment_invitation_decline(enrolment=enrolment, user=request.user)
            messages.success(request, _("You declined the invitation."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("course_detail", pk=pk)


# --- The instructors' enrolment board -----------------------------------------------------


def _board(
    request: AuthedRequest,
    access: Access,
    course: Course,
    *,
    invite_form: InviteForm | None = None,
    capacity_form: CapacityForm | None = None,
    row_error: tuple[int, str, list[str], str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "course": course,
        "engagement": course.engagement,
        "access": access,
        "board": enrolment_board(course),
        "counts": enrolment_counts(course),
        "invite_form": invite_form or InviteForm(),
        "capacity_form": capacity_form or CapacityForm(initial={"capacity": course.capacity}),
        # (row id, what was tried, errors, the reason typed): shown beside that row.
        "row_error": row_error,
    }
    return render(request, "courses/course_enrolments.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def course_enrolments(request: AuthedRequest, pk: int) -> HttpResponse:
    """Requests, invitations, the enrolled and the waiting list; POST invites someone."""
    access, course = get_course_access(request.user, pk, for_write=True)
    invite_form = None
    if request.method == "POST":
        invite_form = InviteForm(request.POST)
        if invite_form.is_valid():
            try:
                enrolment = services.enrolment_invite(
                    course=course,
                    email=invite_form.cleaned_data["email"],
                    message=invite_form.cleaned_data["message"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(invite_form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is invited.") % {"name": enrolment.user.display_name},
                )
                return redirect("course_enrolments", pk=pk)
    return _board(request, access, course, invite_form=invite_form)


@login_required
@require_POST
def course_enrolment_decide(request: AuthedRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    """approve / decline (with a reason) / remove one row."""
    enrolment = get_enrolment_for_manager(request.user, pk, enrolment_pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            approved = services.enrolment_approve(enrolment=enrolment, by=request.user)
            done = (
                _("%(name)s is approved and enrolled.")
                if approved.status == EnrolmentStatus.ENROLLED
                else _(
                    "%(name)s is approved, but the course is full: they are on the waiting list."
                )
            )
        elif action == "decline":
            form: BaseForm = ReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError(list(form.errors["reason"]))
            services.enrolment_decline(
                enrolment=enrolment, by=request.user, reason=form.cleaned_data["reason"]
            )
            done = _("%(name)s's request is declined.")
        elif action == "remove":
            form = OptionalReasonForm(request.POST)
            if not form.is_valid():
                raise ValidationError(list(form.errors["reason"]))
            services.enrolment_remove(
                enrolment=enrolment, by=request.user, reason=form.cleaned_data["reason"]
            )
            done = _("%(name)s is removed.")
        else:
            raise ValidationError(_("Choose approve, decline or remove."))
    except ValidationError as error:
        access, course = get_course_access(request.user, pk, for_write=True)
        return _board(
            request,
            access,
            course,
            row_error=(enrolment.pk, action, error.messages, reason),
            status=400,
        )
    messages.success(request, done % {"name": enrolment.user.display_name})
    return redirect("course_enrolments", pk=pk)


@login_required
@require_POST
def course_capacity(request: AuthedRequest, pk: int) -> HttpResponse:
    access, course = get_course_access(request.user, pk, for_write=True)
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            services.course_capacity_set(
                course=course, capacity=form.cleaned_data["capacity"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The number of seats is saved."))
            return redirect("course_enrolments", pk=pk)
    return _board(request, access, course, capacity_form=form, status=400)


# --- Certificates -------------------------------------------------------------------------


@login_required
@require_POST
def certificate_grant(request: AuthedRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_manager(request.user, pk, enrolment_pk)
    try:
        certificate = services.certificate_grant(
            course=enrolment.course, user=enrolment.user, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Certificate granted to %(name)s.") % {"name": certificate.holder_name},
        )
    return redirect("course_enrolments", pk=pk)


@login_required
@require_POST
def certificate_revoke(request: AuthedRequest, pk: int, certificate_pk: int) -> HttpResponse:
    certificate = get_certificate_for_manager(request.user, pk, certificate_pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["reason"]))
        services.certificate_revoke(
            certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        access, course = get_course_access(request.user, pk, for_write=True)
        enrolment = Enrolment.objects.filter(course=course, user_id=certificate.user_id).first()
        return _board(
            request,
            access,
            course,
            row_error=(
                enrolment.pk if enrolment else 0,
                "revoke",
                error.messages,
                request.POST.get("reason", ""),
            ),
            status=400,
        )
    messages.success(request, _("The certificate is revoked."))
    return redirect("course_enrolments", pk=pk)


def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone with the link, signed in or not, can check a certificate."""
    certificate = (
        Certificate.objects.select_related(
            "course", "course__engagement", "course__engagement__institution", "granted_by"
        )
        .filter(code=code)
        .first()
    )
    if certificate is None:
        raise Http404
    return render(
        request,
        "courses/certificate_verify.html",
        {
            "certificate": certificate,
            "granted_by": public_name(certificate.granted_by) if certificate.granted_by else "",
            "course": certificate.course,
        },
    )


# --- Materials (every kind of engagement) -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def material_create(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk, for_write=True)
    engagement = access.engagement
    max_mb = settings.MATERIAL_MAX_MB
    page_form = MaterialPageForm(prefix="page")
    file_form = MaterialFileForm(prefix="file", max_mb=max_mb)
    if request.method == "POST":
        kind = request.POST.get("kind")
        try:
            if kind == MaterialKind.FILE:
                file_form = MaterialFileForm(
                    request.POST, request.FILES, prefix="file", max_mb=max_mb
                )
                if file_form.is_valid():
                    material = services.material_file_add(
                        engagement=engagement,
                        by=request.user,
                        upload=file_form.cleaned_data["file"],
                        title=file_form.cleaned_data["title"],
                    )
                    messages.success(request, _("The file is added."))
                    return redirect("material_detail", pk=pk, material_pk=material.pk)
            else:
                page_form = MaterialPageForm(request.POST, prefix="page")
                if page_form.is_valid():
                    material = services.material_page_add(
                        engagement=engagement,
                        by=request.user,
                        title=page_form.cleaned_data["title"],
                        body=page_form.cleaned_data["body"],
                    )
                    messages.success(request, _("The page is added."))
                    return redirect("material_detail", pk=pk, material_pk=material.pk)
        except ValidationError as error:
            add_service_errors(file_form if kind == MaterialKind.FILE else page_form, error)
    return render(
        request,
        "courses/material_form.html",
        {
            "engagement": engagement,
            "access": access,
            "page_form": page_form,
            "file_form": file_form,
            "max_mb": max_mb,
        },
    )


@login_required
def material_detail(request: AuthedRequest, pk: int, material_pk: int) -> HttpResponse:
    access, material = get_material_for_user(request.user, pk, material_pk)
    return render(
        request,
        "courses/material_detail.html",
        {"engagement": access.engagement, "access": access, "material": material},
    )


@login_required
def material_download(request: AuthedRequest, pk: int, material_pk: int) -> FileResponse:
    """The file, to current participants and overseers only, as an attachment with the
    content type checked at upload; nothing under MEDIA_URL ever serves it."""
    _access, material = get_material_for_user(request.user, pk, material_pk)
    if material.kind != MaterialKind.FILE or not material.file:
        raise Http404
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name or "file",
        content_type=material.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def material_delete(request: AuthedRequest, pk: int, material_pk: int) -> HttpResponse:
    _access, material = get_material_for_user(request.user, pk, material_pk, for_write=True)
    services.material_delete(material=material, by=request.user)
    messages.success(request, _("The material is deleted."))
    return redirect("engagement_detail", pk=pk)

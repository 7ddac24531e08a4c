"""Courses, enrolment, materials and certificates over the API, with the pages' permission
helpers: an unlisted course is a 404 to outsiders, an instructor's action a 403 to a learner."""

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.api_utils import ANYONE, PageMeta, PageQuery, paginated, signed_in_user, viewer
from diaspora.institutions.models import Institution
from mentoring.courses import services
from mentoring.courses.models import (
    Certificate,
    Enrolment,
    Material,
    MaterialKind,
)
from mentoring.courses.permissions import (
    get_course_access,
    get_course_for_viewer,
    get_enrolment_for_manager,
    get_own_enrolment,
    is_expert,
)
from mentoring.courses.selectors import (
    CatalogueFilters,
    card_for,
    catalogue,
    certificate_of,
    course_card,
    enrolments_for_managers,
    enrolments_of_user,
    materials_of,
    public_name,
    waitlist_position,
)
from mentoring.engagements.permissions import get_engagement_access

router = Router()


# -- schemas --------------------------------------------------------------------------------


class HostOut(Schema):
    id: int
    name: str
    url: str


class CourseCardOut(Schema):
    id: int
    url: str
    title: str
    summary_html: str
    status: str
    instructors: list[str]
    host: HostOut | None
    language: str = Field(description="ISO 639-1")
    level: str
    capacity: int
    enrolled: int
    seats_left: int
    enrolment_policy: str
    listed: bool


class CoursePage(Schema):
    meta: PageMeta
    results: list[CourseCardOut]


class MyEnrolmentOut(Schema):
    id: int
    status: str
    waitlist_position: int = Field(description="1 = next to get a seat; 0 when not waiting")
    reason: str


class CertificateOut(Schema):
    code: str
    url: str
    holder_name: str
    course_title: str
    granted_at: datetime
    granted_by: str
    valid: bool
    revoked_at: datetime | None


class CourseOut(CourseCardOut):
    summary: str
    syllabus: str
    syllabus_html: str
    engagement_url: str | None = Field(description="The course space, for its participants")
    my_enrolment: MyEnrolmentOut | None
    my_certificate: CertificateOut | None


class CourseRef(Schema):
    id: int
    title: str
    url: str


class LearnerRef(Schema):
    id: int
    name: str


class EnrolmentOut(Schema):
    id: int
    course: CourseRef
    learner: LearnerRef
    status: str
    message: str
    reason: str
    waitlisted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EnrolmentPage(Schema):
    meta: PageMeta
    results: list[EnrolmentOut]


class MaterialOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    body_html: str
    download_url: str | None
    file_name: str
    content_type: str
    size: int
    created_at: datetime


class MaterialPage(Schema):
    meta: PageMeta
    results: list[MaterialOut]


def _card_out(card: Any) -> dict[str, Any]:
    data = asdict(card)
    data["host"] = (
        {"id": card.host_id, "name": card.host_name, "url": card.host_url} if card.host_id else None
    )
    return data


def certificate_out(certificate: Certificate) -> dict[str, Any]:
    return {
        "code": certificate.code,
        "url": certificate.get_absolute_url(),
        "holder_name": certificate.holder_name,
        "course_title": certificate.course_title,
        "granted_at": certificate.granted_at,
        "granted_by": public_name(certificate.granted_by) if certificate.granted_by else "",
        "valid": certificate.is_valid,
        "revoked_at": certificate.revoked_at,
    }


def enrolment_out(enrolment: Enrolment) -> dict[str, Any]:
    course = enrolment.course
    return {
        "id": enrolment.pk,
        "course": {
            "id": course.pk,
            "title": course.engagement.title,
            "url": course.get_absolute_url(),
        },
        "learner": {"id": enrolment.user_id, "name": enrolment.user.display_name},
        "status": enrolment.status,
        "message": enrolment.message,
        "reason": enrolment.reason,
        "waitlisted_at": enrolment.waitlisted_at,
        "created_at": enrolment.created_at,
        "updated_at": enrolment.updated_at,
    }


def material_out(material: Material) -> dict[str, Any]:
    is_file = material.kind == MaterialKind.FILE
    return {
        "id": material.pk,
        "kind": material.kind,
        "title": material.title,
        "url": reverse("material_detail", args=[material.engagement_id, material.pk]),
        "body_html": material.body_html,
        "download_url": reverse("material_download", args=[material.engagement_id, material.pk])
        if is_file
        else None,
        "file_name": material.original_name,
        "content_type": material.content_type,
        "size": material.size,
        "created_at": material.created_at,
    }


def _course_out(request: HttpRequest, course_id: int) -> dict[str, Any]:
    who = viewer(request)
    seen = get_course_for_viewer(who, course_id)
    course = seen.course
    data = _card_out(card_for(course.pk))
    enrolment = seen.enrolment
    certificate = certificate_of(course, who)
    data.update(
        {
            "summary": course.engagement.summary,
            "syllabus": course.syllabus,
            "syllabus_html": course.syllabus_html,
            "engagement_url": course.engagement.get_absolute_url() if seen.is_participant else None,
            "my_enrolment": {
                "id": enrolment.pk,
                "status": enrolment.status,
                "waitlist_position": waitlist_position(enrolment),
                "reason": enrolment.reason,
            }
            if enrolment
            else None,
            "my_certificate": certificate_out(certificate) if certificate else None,
        }
    )
    return data


def _enrolment_response(enrolment: Enrolment) -> dict[str, Any]:
    fresh = (
        Enrolment.objects.select_related("user", "course", "course__engagement")
        .filter(pk=enrolment.pk)
        .get()
    )
    return enrolment_out(fresh)


# -- courses --------------------------------------------------------------------------------


class CourseQuery(PageQuery):
    q: str = ""
    language: str = Field("", description="ISO 639-1")
    level: Literal["", "introductory", "intermediate", "advanced"] = ""


@router.get(
    "/courses/",
    response=CoursePage,
    auth=ANYONE,
    summary="The course catalogue (listed courses, proposed or active)",
)
def list_courses(request: HttpRequest, query: Query[CourseQuery]) -> dict[str, Any]:
    filters = CatalogueFilters(q=query.q, language=query.language, level=query.level)
    return paginated(catalogue(filters=filters), query, lambda c: _card_out(course_card(c)))


@router.get("/courses/{int:course_id}", response=CourseOut, auth=ANYONE, summary="One course")
def get_course(request: HttpRequest, course_id: int) -> dict[str, Any]:
    return _course_out(request, course_id)


class CourseIn(Schema):
    title: str
    summary: str = Field("", description="Markdown")
    syllabus: str = Field("", description="Markdown")
    language: str = Field(description="ISO 639-1")
    level: Literal["introductory", "intermediate", "advanced"] = "introductory"
    capacity: int = Field(ge=1, le=100_000)
    enrolment_policy: Literal["open", "approval", "invitation"] = "open"
    listed: bool = True
    institution: int | None = Field(None, description="A host institution you are a member of")


class CoursePatch(Schema):
    title: str | None = None
    summary: str | None = None
    syllabus: str | None = None
    language: str | None = None
    level: Literal["introductory", "intermediate", "advanced"] | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    enrolment_policy: Literal["open", "approval", "invitation"] | None = None
    listed: bool | None = None


@router.post("/courses/", response={201: CourseOut}, summary="Create a course (experts)")
def create_course(request: HttpRequest, payload: CourseIn) -> Status:
    user = signed_in_user(request)
    if not is_expert(user):
        raise PermissionDenied
    given = payload.dict()
    institution_id = given.pop("institution")
    institution = None
    if institution_id is not None:
        institution = Institution.objects.filter(pk=institution_id).first()
        if institution is None:
            raise ValidationError({"institution": [_("There is no such institution.")]})
    course = services.course_create(created_by=user, institution=institution, **given)
    return Status(201, _course_out(request, course.pk))


@router.patch(
    "/courses/{int:course_id}", response=CourseOut, summary="Change a course (its managers)"
)
def update_course(request: HttpRequest, course_id: int, payload: CoursePatch) -> dict[str, Any]:
    user = signed_in_user(request)
    _access, course = get_course_access(user, course_id, for_write=True)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.course_update(course=course, by=user, values=values)
    return _course_out(request, course_id)


# -- enrolment ------------------------------------------------------------------------------


class EnrolmentQuery(PageQuery):
    status: Literal[
        "", "requested", "invited", "enrolled", "waitlisted", "declined", "withdrawn", "removed"
    ] = ""


class EnrolIn(Schema):
    message: str = Field("", max_length=services.MESSAGE_MAX)


class DecisionIn(Schema):
    action: Literal["approve", "decline", "remove"]
    reason: str = Field("", max_length=services.MESSAGE_MAX)


class InviteIn(Schema):
    email: str
    message: str = Field("", max_length=services.MESSAGE_MAX)


@router.get(
    "/courses/{int:course_id}/enrolments/",
    response=EnrolmentPage,
    summary="Everyone who asked, was invited, is enrolled or waiting (the course's managers)",
)
def list_enrolments(
    request: HttpRequest, course_id: int, query: Query[EnrolmentQuery]
) -> dict[str, Any]:
    _access, course = get_course_access(signed_in_user(request), course_id, for_write=True)
    qs = enrolments_for_managers(course, status=query.status)

    def out(enrolment: Enrolment) -> dict[str, Any]:
        enrolment.course = course
        return enrolment_out(enrolment)

    return paginated(qs, query, out)


@router.post(
    "/courses/{int:course_id}/enrolments/",
    response={201: EnrolmentOut},
    summary="Enrol yourself: a seat or the waiting list (open), a request (on approval), or "
    "accepting your invitation",
)
def enrol(request: HttpRequest, course_id: int, payload: EnrolIn) -> Status:
    user = signed_in_user(request)
    course = get_course_for_viewer(user, course_id).course
    enrolment = services.enrolment_request(course=course, user=user, message=payload.message)
    return Status(201, _enrolment_response(enrolment))


@router.patch(
    "/courses/{int:course_id}/enrolments/{int:enrolment_id}",
    response=EnrolmentOut,
    summary="Approve or decline a request, or remove a learner (the course's managers)",
)
def decide_enrolment(
    request: HttpRequest, course_id: int, enrolment_id: int, payload: DecisionIn
) -> dict[str, Any]:
    user = signed_in_user(request)
    enrolment = get_enrolment_for_manager(user, course_id, enrolment_id)
    if payload.action == "approve":
        services.enrolment_approve(enrolment=enrolment, by=user)
    elif payload.action == "decline":
        services.enrolment_decline(enrolment=enrolment, by=user, reason=payload.reason)
    else:
        services.enrolment_remove(enrolment=enrolment, by=user, reason=payload.reason)
    return _enrolment_response(enrolment)


@router.post(
    "/courses/{int:course_id}/invitations",
    response={201: EnrolmentOut},
    summary="Invite a learner who has an account, by email (the course's managers)",
)
def invite_learner(request: HttpRequest, course_id: int, payload: InviteIn) -> Status:
    user = signed_in_user(request)
    _access, course = get_course_access(user, course_id, for_write=True)
    enrolment = services.enrolment_invite(
        course=course, email=payload.email, by=user, message=payload.message
    )
    return Status(201, _enrolment_response(enrolment))


@router.delete(
    "/courses/{int:course_id}/enrolment",
    response=EnrolmentOut,
    summary="Withdraw yourself (or decline your invitation); your seat goes to the waiting list",
)
def withdraw(request: HttpRequest, course_id: int) -> dict[str, Any]:
    user = signed_in_user(request)
    enrolment = get_own_enrolment(user, course_id)
    services.enrolment_withdraw(enrolment=enrolment, user=user)
    return _enrolment_response(enrolment)


@router.get("/me/enrolments/", response=EnrolmentPage, summary="My enrolments, newest first")
def my_enrolments(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    user = signed_in_user(request)

    def out(enrolment: Enrolment) -> dict[str, Any]:
        enrolment.user = user
        return enrolment_out(enrolment)

    return paginated(enrolments_of_user(user), query, out)


# -- certificates ---------------------------------------------------------------------------


class GrantIn(Schema):
    enrolment_id: int


@router.post(
    "/courses/{int:course_id}/certificates",
    response={201: CertificateOut},
    summary="Grant a certificate of completion to an enrolled learner (the course's managers)",
)
def grant_certificate(request: HttpRequest, course_id: int, payload: GrantIn) -> Status:
    user = signed_in_user(request)
    enrolment = get_enrolment_for_manager(user, course_id, payload.enrolment_id)
    certificate = services.certificate_grant(course=enrolment.course, user=enrolment.user, by=user)
    return Status(201, certificate_out(certificate))


@router.get(
    "/certificates/{code}",
    response=CertificateOut,
    auth=ANYONE,
    summary="Verify a certificate (anyone with its code)",
)
def verify_certificate(request: HttpRequest, code: str) -> dict[str, Any]:
    certificate = Certificate.objects.select_related("granted_by").filter(code=code).first()
    if certificate is None:
        raise Http404
    return certificate_out(certificate)


# -- materials ------------------------------------------------------------------------------


@router.get(
    "/engagements/{int:engagement_id}/materials/",
    response=MaterialPage,
    summary="Materials of an engagement (its participants and overseers)",
)
def list_materials(
    request: HttpRequest, engagement_id: int, query: Query[PageQuery]
) -> dict[str, Any]:
    access = get_engagement_access(signed_in_user(request), engagement_id)
    return paginated(materials_of(access.engagement), query, material_out)

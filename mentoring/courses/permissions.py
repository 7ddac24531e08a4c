"""Who may see a course, run it, and read its materials.

A listed course's page is public: the catalogue is how learners find it. An unlisted one is
seen only by its participants, its overseers and whoever has an enrolment row (a request, an
invitation, a place on the waiting list, even a withdrawn one); anyone else gets 404, as for
a course that does not exist. Running it goes through the engagement's `Access`: instructors,
coordinators and admins of the host institution; a learner who asks gets PermissionDenied.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from diaspora.people.models import ExpertProfile
from mentoring.courses.models import Certificate, Course, Enrolment, Material
from mentoring.engagements.permissions import Access, access_for, get_engagement_access


@dataclass(frozen=True)
class CourseViewer:
    """A course as one viewer may see it: their access to the engagement (None for the
    public) and their enrolment row, if any."""

    course: Course
    access: Access | None
    enrolment: Enrolment | None

    @property
    def is_manager(self) -> bool:
        return bool(self.access and self.access.is_manager)

    @property
    def is_participant(self) -> bool:
        return self.access is not None


def _course_with_engagement(pk: int) -> Course:
    course = (
        Course.objects.select_related("engagement", "engagement__institution").filter(pk=pk).first()
    )
    if course is None:
        raise Http404
    return course


def get_course_for_viewer(user: Any, pk: int) -> CourseViewer:
    course = _course_with_engagement(pk)
    access = access_for(user, course.engagement) if user.is_authenticated else None
    enrolment = (
        Enrolment.objects.filter(course=course, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if not course.listed and access is None and enrolment is None:
        raise Http404
    return CourseViewer(course=course, access=access, enrolment=enrolment)


def get_course_access(user: Any, pk: int, *, for_write: bool = False) -> tuple[Access, Course]:
    """The engagement's access (404 for outsiders, 403 for a learner when writing) and its
    course (404 when the engagement is not a course)."""
    access = get_engagement_access(user, pk, for_write=for_write)
    course = Course.objects.filter(pk=access.engagement.pk).first()
    if course is None:
        raise Http404
    course.engagement = access.engagement
    return access, course


def get_enrolment_for_manager(user: Any, course_pk: int, enrolment_pk: int) -> Enrolment:
    _access, course = get_course_access(user, course_pk, for_write=True)
    enrolment = (
        Enrolment.objects.select_related("user").filter(course=course, pk=enrolment_pk).first()
    )
    if enrolment is None:
        raise Http404
    enrolment.course = course
    return enrolment


def get_certificate_for_manager(user: Any, course_pk: int, certificate_pk: int) -> Certificate:
    _access, course = get_course_access(user, course_pk, for_write=True)
    certificate = Certificate.objects.filter(course=course, pk=certificate_pk).first()
    if certificate is None:
        raise Http404
    certificate.course = course
    return certificate


def get_own_enrolment(user: Any, course_pk: int) -> Enrolment:
    """The signed-in learner's own row in a course they may see."""
    viewer = get_course_for_viewer(user, course_pk)
    if viewer.enrolment is None:
        raise Http404
    viewer.enrolment.course = viewer.course
    return viewer.enrolment


def get_material_for_user(
    user: Any, engagement_pk: int, material_pk: int, *, for_write: bool = False
) -> tuple[Access, Material]:
    """Materials are read by current participants and overseers only: a learner who
    withdrew, someone on the waiting list and the public all get 404."""
    access = get_engagement_access(user, engagement_pk, for_write=for_write)
    material = Material.objects.filter(engagement=access.engagement, pk=material_pk).first()
    if material is None:
        raise Http404
    material.engagement = access.engagement
    return access, material


def is_expert(user: Any) -> bool:
    return bool(user.is_authenticated and ExpertProfile.objects.filter(user_id=user.pk).exists())


def require_expert(user: Any) -> None:
    if not is_expert(user):
        raise PermissionDenied

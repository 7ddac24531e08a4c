"""The course's sections of the engagement page: seats and enrolment (courses), materials
(every kind of engagement)."""

from typing import Any

from mentoring.courses.models import Course
from mentoring.courses.selectors import certificate_of, enrolment_counts, materials_of
from mentoring.engagements.permissions import Access


def course_panel(access: Access) -> dict[str, Any]:
    course = Course.objects.filter(pk=access.engagement.pk).first()
    if course is None:
        return {"course": None}
    counts = enrolment_counts(course)
    participant = access.participant
    return {
        "course": course,
        "counts": counts,
        "seats_left": max(course.capacity - counts["enrolled"], 0),
        "is_manager": access.is_manager,
        "certificate": certificate_of(course, participant.user) if participant else None,
    }


def materials_panel(access: Access) -> dict[str, Any]:
    return {
        "materials": list(materials_of(access.engagement)),
        "can_add": access.is_manager,
        "engagement_id": access.engagement.pk,
    }

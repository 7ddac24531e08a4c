"""Reads for courses: the catalogue, a course's page, the enrolment board, materials."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from diaspora.querying import matching_every_term
from diaspora.reference.languages import language_name
from mentoring.courses.models import (
    Certificate,
    Course,
    Enrolment,
    EnrolmentStatus,
    Level,
    Material,
)
from mentoring.engagements.models import (
    Engagement,
    EngagementStatus,
    Participant,
    ParticipantRole,
)

# What the catalogue lists: courses that are about to start or running.
CATALOGUE_STATUSES = (EngagementStatus.PROPOSED, EngagementStatus.ACTIVE)
SEARCH_FIELDS = (
    "engagement__title",
    "engagement__summary",
    "syllabus",
    "engagement__institution__name",
)


def public_name(user: Any) -> str:
    """The name shown on public pages: never an email address."""
    return (user.name or "").strip() or _("An instructor")


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    language: str = ""
    level: str = ""


def _enrolled_count() -> Coalesce:
    enrolled = (
        Enrolment.objects.filter(course=OuterRef("pk"), status=EnrolmentStatus.ENROLLED)
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(enrolled, output_field=IntegerField()), 0)


def with_cards(qs: QuerySet[Course]) -> QuerySet[Course]:
    """What a course card shows, in three queries for any number of courses (the count of
    the page, the rows, their instructors)."""
    instructors = (
        Participant.objects.current()
        .filter(role=ParticipantRole.INSTRUCTOR)
        .select_related("user")
        .order_by("joined_at", "id")
    )
    return (
        qs.select_related("engagement", "engagement__institution")
        .annotate(enrolled_count=_enrolled_count())
        .prefetch_related(
            Prefetch("engagement__participants", queryset=instructors, to_attr="instructor_rows")
        )
    )


def catalogue(*, filters: CatalogueFilters) -> QuerySet[Course]:
    qs = Course.objects.filter(listed=True, engagement__status__in=CATALOGUE_STATUSES)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q.strip():
        qs = matching_every_term(qs, filters.q, SEARCH_FIELDS)
    return with_cards(qs).order_by("-engagement__created_at", "-pk")


@dataclass(frozen=True)
class CourseCard:
    id: int
    title: str
    url: str
    summary_html: str
    status: str
    status_label: str
    instructors: list[str]
    host_id: int | None
    host_name: str
    host_url: str
    language: str
    language_name: str
    level: str
    level_label: str
    capacity: int
    enrolled: int
    seats_left: int
    enrolment_policy: str
    policy_label: str
    listed: bool


def course_card(course: Course) -> CourseCard:
    """A course as the public sees it; `course` comes from `with_cards`."""
    engagement = course.engagement
    enrolled = getattr(course, "enrolled_count", None)
    if enrolled is None:
        enrolled = course.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    rows = getattr(engagement, "instructor_rows", None)
    if rows is None:
        rows = list(
            engagement.participants.current()
            .filter(role=ParticipantRole.INSTRUCTOR)
            .select_related("user")
        )
    host = engagement.institution
    return CourseCard(
        id=course.pk,
        title=engagement.title,
        url=course.get_absolute_url(),
        summary_html=engagement.summary_html,
        status=engagement.status,
        status_label=str(EngagementStatus(engagement.status).label),
        instructors=[public_name(row.user) for row in rows],
        host_id=host.pk if host else None,
        host_name=host.name if host else "",
        host_url=host.get_absolute_url() if host else "",
        language=course.language,
        language_name=language_name(course.language),
        level=course.level,
        level_label=str(Level(course.level).label),
        capacity=course.capacity,
        enrolled=enrolled,
        seats_left=max(course.capacity - enrolled, 0),
        enrolment_policy=course.enrolment_policy,
        policy_label=str(course.get_enrolment_policy_display()),
        listed=course.listed,
    )


def card_for(course_pk: int) -> CourseCard:
    return course_card(with_cards(Course.objects.filter(pk=course_pk)).get())


def waitlist_position(enrolment: Enrolment) -> int:
    """1 for the next to get a seat."""
    if enrolment.status != EnrolmentStatus.WAITLISTED or enrolment.waitlisted_at is None:
        return 0
    ahead = Enrolment.objects.filter(
        course_id=enrolment.course_id, status=EnrolmentStatus.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=enrolment.waitlisted_at)
        | Q(waitlisted_at=enrolment.waitlisted_at, id__lt=enrolment.pk)
    )
    return ahead.count() + 1


def certificate_of(course: Course, user: Any) -> Certificate | None:
    if not user.is_authenticated:
        return None
    return Certificate.objects.filter(course=course, user_id=user.pk).first()


def enrolment_counts(course: Course) -> dict[str, int]:
    """How many rows of each open status, in one query."""
    result = Enrolment.objects.filter(course=course).aggregate(
        **{
            str(status): Count("id", filter=Q(status=status))
            for status in (
                EnrolmentStatus.ENROLLED,
                EnrolmentStatus.WAITLISTED,
                EnrolmentStatus.REQUESTED,
                EnrolmentStatus.INVITED,
            )
        }
    )
    return {str(key): int(value or 0) for key, value in result.items()}


@dataclass
class EnrolmentBoard:
    """The instructors' view of enrolment, each list in the order it is served."""

    requested: list[Enrolment] = field(default_factory=list)
    invited: list[Enrolment] = field(default_factory=list)
    enrolled: list[Enrolment] = field(default_factory=list)
    waitlisted: list[Enrolment] = field(default_factory=list)
    past: list[Enrolment] = field(default_factory=list)


def enrolment_board(course: Course) -> EnrolmentBoard:
    """Every row of the course in two queries (enrolments with their users, certificates);
    each enrolled row gets `certificate` (or None)."""
    board = EnrolmentBoard()
    certificates = {c.user_id: c for c in Certificate.objects.filter(course=course)}
    rows = (
        Enrolment.objects.filter(course=course)
        .select_related("user")
        .order_by("waitlisted_at", "created_at", "id")
    )
    lists = {
        EnrolmentStatus.REQUESTED: board.requested,
        EnrolmentStatus.INVITED: board.invited,
        EnrolmentStatus.ENROLLED: board.enrolled,
        EnrolmentStatus.WAITLISTED: board.waitlisted,
    }
    for row in rows:
        row.certificate = certificates.get(row.user_id)  # type: ignore[attr-defined]
        lists.get(EnrolmentStatus(row.status), board.past).append(row)
    return board


def enrolments_for_managers(course: Course, *, status: str = "") -> QuerySet[Enrolment]:
    qs = Enrolment.objects.filter(course=course).select_related("user")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "waitlisted_at", "created_at", "id")


def enrolments_of_user(user: Any) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(user_id=user.pk)
        .select_related("course", "course__engagement")
        .order_by("-updated_at", "-id")
    )


def materials_of(engagement: Engagement) -> QuerySet[Material]:
    return Material.objects.filter(engagement=engagement).select_related("added_by")

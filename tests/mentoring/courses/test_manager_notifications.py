"""Those who run a course hear when a learner leaves and when the waiting list moves up;
the board says whether an approved request got a seat or a place on the waiting list."""

from collections.abc import Callable

import pytest
from django.test import Client

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification, NotificationKind
from mentoring.courses import services
from mentoring.courses.models import Course, EnrolmentPolicy, EnrolmentStatus
from mentoring.engagements.models import ParticipantRole, Side
from mentoring.engagements.services import participant_add
from tests.mentoring.courses.conftest import MakeLearner, fresh

pytestmark = pytest.mark.django_db


def enrolment_titles(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind=NotificationKind.ENROLMENT)
        .order_by("id")
        .values_list("title", flat=True)
    )


@pytest.fixture
def co_instructor(course_row: Course, make_user: Callable[..., User], alice: User) -> User:
    dina = make_user("dina@example.org", name="Dina Diallo")
    participant_add(
        engagement=course_row.engagement,
        user=dina,
        role=ParticipantRole.INSTRUCTOR,
        side=Side.EXPERT,
        by=alice,
    )
    return dina


def test_it_tells_the_instructors_when_a_learner_leaves_and_who_moves_up(
    course_row: Course, alice: User, make_learner: MakeLearner
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    seat = services.enrolment_request(course=course_row, user=ann)
    services.enrolment_request(course=course_row, user=ben)
    services.enrolment_request(course=course_row, user=cat)
    assert enrolment_titles(alice) == []

    services.enrolment_withdraw(enrolment=seat, user=ann)

    title = "Research Methods for Public Health"
    assert enrolment_titles(alice) == [
        f"Ann left “{title}”",
        f"Cat moved up from the waiting list and is now enrolled in “{title}”",
    ]
    note = Notification.objects.filter(user=alice).latest("id")
    assert note.url == f"/courses/{course_row.pk}/enrolments/"
    # The learners hear only what concerns them.
    assert not any("left" in t for t in enrolment_titles(ann))
    assert not any("moved up" in t for t in enrolment_titles(cat))
    assert any("A seat freed up" in t for t in enrolment_titles(cat))


def test_it_tells_no_instructor_when_someone_leaves_the_waiting_list(
    course_row: Course, alice: User, make_learner: MakeLearner
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    for who in (ann, ben):
        services.enrolment_request(course=course_row, user=who)
    waiting = services.enrolment_request(course=course_row, user=cat)
    services.enrolment_withdraw(enrolment=waiting, user=cat)
    assert fresh(waiting).status == EnrolmentStatus.WITHDRAWN
    assert enrolment_titles(alice) == []


def test_it_tells_the_other_instructors_not_the_one_who_freed_the_seat(
    course_row: Course, alice: User, co_instructor: User, make_learner: MakeLearner
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    seat = services.enrolment_request(course=course_row, user=ann)
    services.enrolment_request(course=course_row, user=ben)
    services.enrolment_request(course=course_row, user=cat)

    services.enrolment_remove(enrolment=seat, by=alice)

    assert enrolment_titles(alice) == []
    assert enrolment_titles(co_instructor) == [
        "Cat moved up from the waiting list and is now enrolled in "
        "“Research Methods for Public Health”"
    ]


def test_it_names_everyone_who_moved_up_in_one_notification(
    course_row: Course, alice: User, co_instructor: User, make_learner: MakeLearner
) -> None:
    for name in ("Ann", "Ben", "Cat", "Dan", "Eve"):
        services.enrolment_request(course=course_row, user=make_learner(name))
    services.course_capacity_set(course=course_row, capacity=4, by=alice)
    assert enrolment_titles(alice) == []
    assert enrolment_titles(co_instructor) == [
        "Cat, Dan moved up from the waiting list and are now enrolled in "
        "“Research Methods for Public Health”"
    ]


# --- The board's message on approval ----------------------------------------------------


def approve(client: Client, course: Course, enrolment_pk: int) -> list[str]:
    response = client.post(
        f"/courses/{course.pk}/enrolments/{enrolment_pk}/", {"action": "approve"}, follow=True
    )
    assert response.redirect_chain == [(f"/courses/{course.pk}/enrolments/", 302)]
    return [str(m) for m in response.context["messages"]]


def test_the_board_says_whether_an_approved_learner_got_a_seat_or_the_waiting_list(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    Course.objects.filter(pk=course_row.pk).update(
        enrolment_policy=EnrolmentPolicy.APPROVAL, capacity=1
    )
    course_row.refresh_from_db()
    ann, ben = make_learner("Ann"), make_learner("Ben")
    to_ann = services.enrolment_request(course=course_row, user=ann)
    to_ben = services.enrolment_request(course=course_row, user=ben)
    client = login(alice)

    assert approve(client, course_row, to_ann.pk) == ["Ann is approved and enrolled."]
    assert fresh(to_ann).status == EnrolmentStatus.ENROLLED

    said = approve(client, course_row, to_ben.pk)
    assert fresh(to_ben).status == EnrolmentStatus.WAITLISTED
    assert said == ["Ben is approved, but the course is full: they are on the waiting list."]

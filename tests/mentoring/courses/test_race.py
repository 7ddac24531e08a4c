"""Two people take the last seat at the same moment (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection

from diaspora.accounts.models import User
from mentoring.courses import services
from mentoring.courses.models import Course, Enrolment, EnrolmentStatus
from mentoring.engagements.models import Participant, ParticipantRole
from tests.mentoring.courses.conftest import MakeLearner


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_last_seat_to_exactly_one_of_two_racing_learners(
    postgres: None, course_row: Course, make_learner: MakeLearner
) -> None:
    services.enrolment_request(course=course_row, user=make_learner("Ann"))  # 1 of 2 seats
    ben, cat = make_learner("Ben"), make_learner("Cat")
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}
    errors: list[BaseException] = []

    def take_seat(user: User) -> None:
        try:
            course = Course.objects.get(pk=course_row.pk)  # this thread's own connection
            barrier.wait(timeout=10)
            enrolment = services.enrolment_request(course=course, user=user)
            outcomes[user.pk] = enrolment.status
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_seat, args=(who,)) for who in (ben, cat)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes.values()) == [EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]
    assert Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED).count() == 2
    learners = Participant.objects.filter(
        engagement_id=course_row.pk, role=ParticipantRole.LEARNER, left_at__isnull=True
    )
    assert learners.count() == 2
    winner = next(pk for pk, status in outcomes.items() if status == EnrolmentStatus.ENROLLED)
    assert set(learners.values_list("user_id", flat=True)) >= {winner}

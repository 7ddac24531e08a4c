"""The course's section of the engagement page."""

from collections.abc import Callable

import pytest
from django.test import Client

from diaspora.accounts.models import User
from mentoring.courses import services
from mentoring.courses.models import Course
from mentoring.engagements.services import engagement_transition
from tests.mentoring.courses.conftest import MakeLearner

pytestmark = pytest.mark.django_db


def test_the_course_panel_shows_seats_and_for_managers_the_board(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    for who in (ann, ben, cat):
        services.enrolment_request(course=course_row, user=who)
    page = f"/engagements/{course_row.pk}/"
    manager = login(alice).get(page).content.decode()
    assert "2 of 2 seats taken (0 left)" in manager
    assert "1 waiting · 0 requests · 0 invited" in manager
    assert f"/courses/{course_row.pk}/enrolments/" in manager
    learner = login(ann).get(page).content.decode()
    assert "2 of 2 seats taken (0 left)" in learner
    assert "1 waiting" not in learner
    assert f"/courses/{course_row.pk}/enrolments/" not in learner
    assert f"/courses/{course_row.pk}/" in learner


def test_the_course_panel_links_the_learners_certificate(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    engagement_transition(engagement=course_row.engagement, to_status="active", by=alice)
    ann = make_learner("Ann")
    services.enrolment_request(course=course_row, user=ann)
    certificate = services.certificate_grant(course=course_row, user=ann, by=alice)
    page = login(ann).get(f"/engagements/{course_row.pk}/").content.decode()
    assert certificate.get_absolute_url() in page


def test_co_instructors_are_invited_through_the_engagement_invitations(
    course_row: Course, alice: User, login: Callable[[User], Client]
) -> None:
    people = f"/engagements/{course_row.pk}/people/"
    assert people in login(alice).get(f"/engagements/{course_row.pk}/").content.decode()
    assert people in login(alice).get(f"/courses/{course_row.pk}/enrolments/").content.decode()

"""Courses for the course tests: `course` (tests/mentoring/conftest.py) is alice's, open,
two seats, proposed; `learners` makes signed-up learners with a name."""

from collections.abc import Callable

import pytest

from diaspora.accounts.models import User
from mentoring.courses.models import Course, Enrolment
from mentoring.engagements.models import Engagement

MakeLearner = Callable[[str], User]


@pytest.fixture
def make_learner(make_user: Callable[..., User]) -> MakeLearner:
    def make(name: str) -> User:
        return make_user(f"{name.lower()}@example.org", name=name)

    return make


@pytest.fixture
def course_row(course: Engagement) -> Course:
    return Course.objects.select_related("engagement").get(pk=course.pk)


def fresh(enrolment: Enrolment) -> Enrolment:
    enrolment.refresh_from_db()
    return enrolment

"""Destructive buttons ask first: a learner who answers "no" to "Leave the course" keeps the
seat; "yes" gives it up (to the next person waiting). Without JavaScript the form submits."""

import re
import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings

from diaspora.accounts.models import User
from mentoring.courses import services
from mentoring.courses.models import Course, Enrolment, EnrolmentPolicy, EnrolmentStatus
from mentoring.engagements.models import EngagementKind, ParticipantRole, Side
from mentoring.engagements.services import engagement_create, participant_add
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    # allauth counts logins in the cache: a fresh prefix keeps its rate limit out of the way.
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}


@pytest.fixture
def full_course(alice: User) -> Course:
    engagement = engagement_create(
        kind=EngagementKind.COURSE, title="Research Methods for Public Health", created_by=alice
    )
    course = Course(
        engagement=engagement, language="en", capacity=1, enrolment_policy=EnrolmentPolicy.OPEN
    )
    course.set_syllabus("## Week 1\nStudy design.")
    course.save()
    participant_add(
        engagement=engagement,
        user=alice,
        role=ParticipantRole.INSTRUCTOR,
        side=Side.EXPERT,
        by=alice,
    )
    return course


def sign_in(page: Any, live_server: Any, user: User) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def status(course: Course, user: User) -> str:
    return Enrolment.objects.get(course=course, user=user).status


def test_it_asks_before_a_learner_leaves_the_course(
    live_server: Any, page: Any, full_course: Course, charlie: User, bob: User
) -> None:
    services.enrolment_request(course=full_course, user=charlie)
    services.enrolment_request(course=full_course, user=bob)  # waits for the only seat
    sign_in(page, live_server, charlie)
    url = f"{live_server.url}/courses/{full_course.pk}/"
    page.goto(url)
    leave = page.get_by_role("button", name="Leave the course")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    leave.click()
    page.wait_for_timeout(500)  # a submit that slipped through would have landed by now
    assert asked and asked[0].startswith("Leave this course?")
    assert asked[0].count("?") == 1 and "next person waiting" in asked[0]
    assert page.url == url
    assert status(full_course, charlie) == EnrolmentStatus.ENROLLED
    assert status(full_course, bob) == EnrolmentStatus.WAITLISTED

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        leave.click()
    page.wait_for_load_state()
    assert status(full_course, charlie) == EnrolmentStatus.WITHDRAWN
    assert status(full_course, bob) == EnrolmentStatus.ENROLLED  # the seat went on at once
    assert page.get_by_role("button", name="Leave the course").count() == 0


def test_it_submits_without_asking_when_javascript_is_off(
    live_server: Any, browser: Any, full_course: Course, charlie: User, bob: User
) -> None:
    services.enrolment_request(course=full_course, user=bob)
    services.enrolment_request(course=full_course, user=charlie)  # on the waiting list
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, live_server, charlie)
        page.goto(f"{live_server.url}/courses/{full_course.pk}/")
        form = page.locator("form[data-confirm]", has_text="Leave the waiting list")
        assert form.get_attribute("data-confirm") == (
            "Leave the waiting list? You lose your place in the queue."
        )
        with page.expect_navigation():
            form.get_by_role("button").click()
        assert status(full_course, charlie) == EnrolmentStatus.WITHDRAWN
    finally:
        context.close()

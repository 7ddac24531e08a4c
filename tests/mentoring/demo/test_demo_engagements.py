"""`seed_demo` adds the engagements the issue names, and running it again adds nothing."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.demo.services import demo_seed
from diaspora.matches.models import Proposal, ProposalStatus
from mentoring.courses.models import Enrolment, EnrolmentStatus
from mentoring.demo import COURSE_TITLE, PROJECT_TITLE
from mentoring.engagements.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    StatusChange,
    TimelineEntry,
)
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.selectors import joinable_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated_cache(settings: Any) -> None:
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}


@pytest.fixture
def seeded() -> None:
    demo_seed()


def _user(email: str) -> User:
    return User.objects.get(email=email)


def test_it_adds_the_course_with_the_learner_enrolled_and_the_outsider_not(seeded: None) -> None:
    course = Engagement.objects.get(kind=EngagementKind.COURSE, title=COURSE_TITLE)
    assert course.status == EngagementStatus.ACTIVE
    instructors = course.participants.current().filter(role="instructor")
    assert [p.user.email for p in instructors] == ["expert@example.org"]
    enrolments = dict(
        Enrolment.objects.filter(course__engagement=course).values_list("user__email", "status")
    )
    assert enrolments["learner@example.org"] == EnrolmentStatus.ENROLLED
    assert "outsider@example.org" not in enrolments
    assert course.participants.current().filter(user__email="learner@example.org").exists()
    assert not course.participants.filter(user__email="outsider@example.org").exists()


def test_it_leaves_the_course_full_so_the_next_learner_is_waitlisted(seeded: None) -> None:
    from mentoring.courses.services import enrolment_request

    course = Engagement.objects.get(title=COURSE_TITLE).course
    enrolment = enrolment_request(course=course, user=_user("outsider@example.org"))
    assert enrolment.status == EnrolmentStatus.WAITLISTED


def test_it_gives_the_course_a_live_session_open_for_joining_at_any_time(seeded: None) -> None:
    course = Engagement.objects.get(title=COURSE_TITLE)
    room = LiveSession.objects.get(engagement=course, always_open=True)
    for later in (0, 1, 24 * 30):
        assert joinable_now(room, timezone.now() + timedelta(hours=later))
    client = Client()
    client.force_login(_user("learner@example.org"))
    sessions = client.get("/api/me/sessions/").json()
    assert room.pk in [item["id"] for item in sessions["results"]]
    client.force_login(_user("outsider@example.org"))
    assert room.pk not in [item["id"] for item in client.get("/api/me/sessions/").json()["results"]]


def test_it_opens_the_mentorship_from_an_accepted_match(seeded: None) -> None:
    mentorship = Engagement.objects.get(kind=EngagementKind.MENTORSHIP)
    assert mentorship.match is not None
    assert mentorship.match.proposal.status == ProposalStatus.ACCEPTED
    roles = {p.user.email: p.role for p in mentorship.participants.current()}
    assert roles == {
        "expert@example.org": "mentor",
        "learner@example.org": "mentee",
        "institution@example.org": "coordinator",
    }
    assert mentorship.status == EngagementStatus.ACTIVE
    assert mentorship.mentoring_sessions.count() == 1


def test_it_adds_an_active_project_with_an_overdue_milestone(seeded: None) -> None:
    project = Engagement.objects.get(title=PROJECT_TITLE)
    assert project.status == EngagementStatus.ACTIVE
    assert any(m.is_overdue for m in project.milestones.all())
    assert project.outputs.exists() and project.impact_reports.exists()


def test_it_leaves_an_invitation_for_the_expert_to_accept(seeded: None) -> None:
    pending = Proposal.objects.pending().filter(expert__user__email="expert@example.org")
    assert pending.count() == 1


def test_it_adds_nothing_when_run_again(seeded: None) -> None:
    counts = (
        Engagement.objects.count(),
        TimelineEntry.objects.count(),
        StatusChange.objects.count(),
        Enrolment.objects.count(),
        LiveSession.objects.count(),
    )
    demo_seed()
    assert counts == (
        Engagement.objects.count(),
        TimelineEntry.objects.count(),
        StatusChange.objects.count(),
        Enrolment.objects.count(),
        LiveSession.objects.count(),
    )

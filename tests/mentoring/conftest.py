"""Engagements for the mentoring tests: alice runs them, bob takes part, charlie is outside.

The engagements belong to no institution unless a test says otherwise, so alice (an admin
of `institution`) is there as a participant, not as an overseer.
"""

import pytest

from diaspora.accounts.models import User
from mentoring.courses.models import Course, EnrolmentPolicy
from mentoring.engagements.models import Engagement, EngagementKind, ParticipantRole, Side
from mentoring.engagements.services import engagement_create, participant_add
from mentoring.mentorships.models import Agreement
from mentoring.projects.models import Project


@pytest.fixture
def mentorship(alice: User, bob: User) -> Engagement:
    engagement = engagement_create(
        kind=EngagementKind.MENTORSHIP,
        title="Grant writing for early-career researchers",
        created_by=alice,
    )
    Agreement.objects.create(engagement=engagement)
    participant_add(
        engagement=engagement, user=alice, role=ParticipantRole.MENTOR, side=Side.EXPERT, by=alice
    )
    participant_add(
        engagement=engagement,
        user=bob,
        role=ParticipantRole.MENTEE,
        side=Side.INSTITUTION,
        by=alice,
    )
    return engagement


@pytest.fixture
def course(alice: User) -> Engagement:
    engagement = engagement_create(
        kind=EngagementKind.COURSE, title="Research Methods for Public Health", created_by=alice
    )
    course = Course(
        engagement=engagement, language="en", capacity=2, enrolment_policy=EnrolmentPolicy.OPEN
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
    return engagement


@pytest.fixture
def project(alice: User, bob: User) -> Engagement:
    engagement = engagement_create(
        kind=EngagementKind.PROJECT, title="Malaria surveillance data platform", created_by=alice
    )
    project = Project(engagement=engagement)
    project.set_work_plan("1. Collect data\n2. Build the dashboard")
    project.save()
    participant_add(
        engagement=engagement, user=alice, role=ParticipantRole.LEAD, side=Side.EXPERT, by=alice
    )
    participant_add(
        engagement=engagement,
        user=bob,
        role=ParticipantRole.MEMBER,
        side=Side.INSTITUTION,
        by=alice,
    )
    return engagement

"""Enrolment: seats, the waiting list and its order, approval, invitations, withdrawal."""

import pytest
from django.core.exceptions import ValidationError

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification, NotificationKind
from mentoring.courses import services
from mentoring.courses.models import Course, Enrolment, EnrolmentPolicy, EnrolmentStatus
from mentoring.engagements.models import (
    Audience,
    EngagementStatus,
    Participant,
    ParticipantRole,
    TimelineEntry,
    TimelineVerb,
)
from mentoring.engagements.permissions import access_for
from mentoring.engagements.services import engagement_transition
from mentoring.engagements.timeline import visible_entries
from tests.mentoring.courses.conftest import MakeLearner, fresh

pytestmark = pytest.mark.django_db


def enrol(course: Course, user: User, message: str = "") -> Enrolment:
    return services.enrolment_request(course=course, user=user, message=message)


def is_learner(course: Course, user: User) -> bool:
    return Participant.objects.filter(
        engagement_id=course.pk, user=user, role=ParticipantRole.LEARNER, left_at__isnull=True
    ).exists()


def titles(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind=NotificationKind.ENROLMENT)
        .order_by("id")
        .values_list("title", flat=True)
    )


def set_policy(course: Course, policy: str) -> Course:
    Course.objects.filter(pk=course.pk).update(enrolment_policy=policy)
    course.refresh_from_db()
    return course


# --- Open enrolment, capacity and the waiting list ----------------------------------------


def test_it_seats_learners_until_full_then_waitlists_in_order(
    course_row: Course, make_learner: MakeLearner
) -> None:
    ann, ben, cat, dan = (make_learner(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    results = [enrol(course_row, who) for who in (ann, ben, cat, dan)]
    assert [e.status for e in results] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert results[2].waitlisted_at is not None
    assert results[2].waitlisted_at <= results[3].waitlisted_at  # type: ignore[operator]
    assert [is_learner(course_row, u) for u in (ann, ben, cat, dan)] == [True, True, False, False]
    assert services.seats_taken(course_row) == 2


def test_it_promotes_the_longest_waiting_learner_when_a_seat_frees(
    course_row: Course, make_learner: MakeLearner
) -> None:
    ann, ben, cat, dan, eve = (make_learner(n) for n in ("Ann", "Ben", "Cat", "Dan", "Eve"))
    first, second = enrol(course_row, ann), enrol(course_row, ben)
    waiting = [enrol(course_row, who) for who in (cat, dan, eve)]

    services.enrolment_withdraw(enrolment=first, user=ann)
    assert fresh(first).status == EnrolmentStatus.WITHDRAWN
    assert not is_learner(course_row, ann)
    assert [fresh(e).status for e in waiting] == ["enrolled", "waitlisted", "waitlisted"]
    assert is_learner(course_row, cat)
    assert any("A seat freed up" in t for t in titles(cat))
    assert titles(dan) == []

    services.enrolment_remove(enrolment=second, by=course_row.engagement.created_by)  # type: ignore[arg-type]
    assert fresh(second).status == EnrolmentStatus.REMOVED
    assert [fresh(e).status for e in waiting] == ["enrolled", "enrolled", "waitlisted"]
    assert services.seats_taken(course_row) == 2


def test_it_keeps_the_order_when_someone_waiting_leaves_the_list(
    course_row: Course, make_learner: MakeLearner
) -> None:
    ann, ben, cat, dan = (make_learner(n) for n in ("Ann", "Ben", "Cat", "Dan"))
    first = enrol(course_row, ann)
    enrol(course_row, ben)
    cat_row, dan_row = enrol(course_row, cat), enrol(course_row, dan)
    services.enrolment_withdraw(enrolment=cat_row, user=cat)
    assert fresh(cat_row).status == EnrolmentStatus.WITHDRAWN
    services.enrolment_withdraw(enrolment=first, user=ann)
    assert fresh(dan_row).status == EnrolmentStatus.ENROLLED


def test_it_promotes_from_the_waiting_list_when_capacity_is_raised(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    people = [make_learner(n) for n in ("Ann", "Ben", "Cat", "Dan", "Eve")]
    rows = [enrol(course_row, who) for who in people]
    services.course_capacity_set(course=course_row, capacity=4, by=alice)
    assert [fresh(e).status for e in rows] == [
        "enrolled",
        "enrolled",
        "enrolled",
        "enrolled",
        "waitlisted",
    ]
    assert any("A seat freed up" in t for t in titles(people[3]))


def test_it_refuses_fewer_seats_than_learners_enrolled(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    enrol(course_row, make_learner("Ann"))
    enrol(course_row, make_learner("Ben"))
    with pytest.raises(ValidationError) as caught:
        services.course_capacity_set(course=course_row, capacity=1, by=alice)
    assert "capacity" in caught.value.message_dict
    course_row.refresh_from_db()
    assert course_row.capacity == 2


def test_it_lets_a_withdrawn_learner_enrol_again_at_the_end_of_the_list(
    course_row: Course, make_learner: MakeLearner
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    first = enrol(course_row, ann)
    enrol(course_row, ben)
    services.enrolment_withdraw(enrolment=first, user=ann)
    assert enrol(course_row, cat).status == EnrolmentStatus.ENROLLED
    again = enrol(course_row, ann)
    assert again.pk == first.pk
    assert again.status == EnrolmentStatus.WAITLISTED


def test_it_refuses_enrolling_twice(course_row: Course, make_learner: MakeLearner) -> None:
    ann = make_learner("Ann")
    enrol(course_row, ann)
    with pytest.raises(ValidationError, match="already enrolled"):
        enrol(course_row, ann)


def test_it_refuses_the_instructor_as_a_learner(course_row: Course, alice: User) -> None:
    with pytest.raises(ValidationError, match="You run this course"):
        enrol(course_row, alice)
    participant = Participant.objects.get(engagement_id=course_row.pk, user=alice)
    assert participant.role == ParticipantRole.INSTRUCTOR


@pytest.mark.parametrize("status", [EngagementStatus.COMPLETED, EngagementStatus.CANCELLED])
def test_it_takes_no_enrolment_in_an_ended_course(
    course_row: Course, make_learner: MakeLearner, alice: User, status: str
) -> None:
    engagement_transition(
        engagement=course_row.engagement, to_status=EngagementStatus.ACTIVE, by=alice
    )
    engagement_transition(
        engagement=course_row.engagement, to_status=status, by=alice, reason="Over."
    )
    with pytest.raises(ValidationError, match="takes no more enrolments"):
        enrol(course_row, make_learner("Ann"))
    assert not Enrolment.objects.exists()


def test_it_does_not_promote_in_a_completed_course(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    first = enrol(course_row, ann)
    enrol(course_row, ben)
    waiting = enrol(course_row, cat)
    engagement_transition(engagement=course_row.engagement, to_status="active", by=alice)
    engagement_transition(engagement=course_row.engagement, to_status="completed", by=alice)
    services.enrolment_withdraw(enrolment=first, user=ann)
    assert fresh(waiting).status == EnrolmentStatus.WAITLISTED


# --- The timeline -------------------------------------------------------------------------


def test_it_records_enrolment_for_managers_only(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    first = enrol(course_row, ann)
    enrol(course_row, ben)
    enrol(course_row, cat)
    services.enrolment_withdraw(enrolment=first, user=ann)
    verbs = list(
        TimelineEntry.objects.filter(engagement_id=course_row.pk, audience=Audience.MANAGERS)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert [v for v in verbs if v not in (TimelineVerb.JOINED, TimelineVerb.LEFT)] == [
        TimelineVerb.ENROLLED,
        TimelineVerb.ENROLLED,
        TimelineVerb.WAITLISTED,
        TimelineVerb.UNENROLLED,
        TimelineVerb.PROMOTED,
    ]
    instructor_view = access_for(alice, course_row.engagement)
    assert instructor_view is not None
    assert TimelineVerb.PROMOTED in {e.verb for e in visible_entries(instructor_view)}
    learner_view = access_for(ben, course_row.engagement)
    assert learner_view is not None
    seen = list(visible_entries(learner_view))
    assert [e for e in seen if e.params.get("name") in {"Ann", "Ben", "Cat"}] == []
    # What is not about learners stays visible: the opening, the instructor joining.
    assert {TimelineVerb.OPENED, TimelineVerb.JOINED} <= {e.verb for e in seen}


# --- On approval --------------------------------------------------------------------------


def test_it_asks_the_instructors_and_seats_on_approval(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    set_policy(course_row, EnrolmentPolicy.APPROVAL)
    ann = make_learner("Ann")
    request = enrol(course_row, ann, "I teach biostatistics.")
    assert request.status == EnrolmentStatus.REQUESTED
    assert not is_learner(course_row, ann)
    assert titles(alice) == ["Ann asks to enrol in “Research Methods for Public Health”"]
    services.enrolment_approve(enrolment=request, by=alice)
    assert fresh(request).status == EnrolmentStatus.ENROLLED
    assert request.decided_by == alice
    assert is_learner(course_row, ann)
    assert titles(ann) == ["You are enrolled in “Research Methods for Public Health”"]


def test_it_waitlists_an_approved_request_when_full(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    enrol(course_row, make_learner("Ann"))
    enrol(course_row, make_learner("Ben"))
    set_policy(course_row, EnrolmentPolicy.APPROVAL)
    cat = make_learner("Cat")
    request = enrol(course_row, cat)
    services.enrolment_approve(enrolment=request, by=alice)
    assert fresh(request).status == EnrolmentStatus.WAITLISTED
    assert "waiting list" in titles(cat)[-1]


def test_it_declines_with_a_reason_and_keeps_the_learner_from_asking_again(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    set_policy(course_row, EnrolmentPolicy.APPROVAL)
    ann = make_learner("Ann")
    request = enrol(course_row, ann)
    with pytest.raises(ValidationError) as caught:
        services.enrolment_decline(enrolment=request, by=alice, reason="  ")
    assert "reason" in caught.value.message_dict
    services.enrolment_decline(enrolment=request, by=alice, reason="The course needs R.")
    assert fresh(request).status == EnrolmentStatus.DECLINED
    assert request.reason == "The course needs R."
    note = Notification.objects.get(user=ann, title__contains="declined")
    assert note.body == "The course needs R."
    with pytest.raises(ValidationError, match="declined your request"):
        enrol(course_row, ann)
    with pytest.raises(ValidationError, match="Only a request"):
        services.enrolment_approve(enrolment=request, by=alice)


# --- By invitation ------------------------------------------------------------------------


def test_it_takes_only_invited_learners_by_invitation(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    set_policy(course_row, EnrolmentPolicy.INVITATION)
    ann, ben = make_learner("Ann"), make_learner("Ben")
    with pytest.raises(ValidationError, match="by invitation only"):
        enrol(course_row, ann)
    invitation = services.enrolment_invite(
        course=course_row, email="ANN@example.org", by=alice, message="Join us"
    )
    assert invitation.status == EnrolmentStatus.INVITED
    assert invitation.user == ann
    assert titles(ann) == [
        "Alice Ndiaye invites you to the course “Research Methods for Public Health”"
    ]
    assert not is_learner(course_row, ann)
    with pytest.raises(ValidationError, match="no invitation"):
        services.enrolment_invitation_accept(enrolment=invitation, user=ben)
    services.enrolment_invitation_accept(enrolment=invitation, user=ann)
    assert fresh(invitation).status == EnrolmentStatus.ENROLLED
    assert is_learner(course_row, ann)
    assert Notification.objects.filter(user=alice, title__contains="accepted").exists()


def test_it_waitlists_an_accepted_invitation_when_full_and_lets_invitees_decline(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    enrol(course_row, make_learner("Ann"))
    enrol(course_row, make_learner("Ben"))
    set_policy(course_row, EnrolmentPolicy.INVITATION)
    cat, dan = make_learner("Cat"), make_learner("Dan")
    to_cat = services.enrolment_invite(course=course_row, email=cat.email, by=alice)
    to_dan = services.enrolment_invite(course=course_row, email=dan.email, by=alice)
    services.enrolment_invitation_accept(enrolment=to_cat, user=cat)
    assert fresh(to_cat).status == EnrolmentStatus.WAITLISTED
    services.enrolment_invitation_decline(enrolment=to_dan, user=dan)
    assert fresh(to_dan).status == EnrolmentStatus.DECLINED
    assert Notification.objects.filter(user=alice, title__contains="declined").exists()


def test_it_invites_only_existing_accounts_once(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.enrolment_invite(course=course_row, email="nobody@example.org", by=alice)
    assert "No account uses" in caught.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as caught:
        services.enrolment_invite(course=course_row, email=alice.email, by=alice)
    assert "runs this course" in caught.value.message_dict["email"][0]
    ann = make_learner("Ann")
    services.enrolment_invite(course=course_row, email=ann.email, by=alice)
    with pytest.raises(ValidationError, match="already invited"):
        services.enrolment_invite(course=course_row, email=ann.email, by=alice)


def test_an_invitation_accepted_by_enrolling_on_an_open_course(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    ann = make_learner("Ann")
    invitation = services.enrolment_invite(course=course_row, email=ann.email, by=alice)
    assert enrol(course_row, ann).pk == invitation.pk
    assert fresh(invitation).status == EnrolmentStatus.ENROLLED


def test_a_removed_learner_cannot_come_back_alone_but_can_be_invited(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    ann = make_learner("Ann")
    row = enrol(course_row, ann)
    services.enrolment_remove(enrolment=row, by=alice, reason="Never came.")
    assert not is_learner(course_row, ann)
    assert Notification.objects.get(user=ann, title__contains="removed").body == "Never came."
    with pytest.raises(ValidationError, match="removed you"):
        enrol(course_row, ann)
    services.enrolment_invite(course=course_row, email=ann.email, by=alice)
    services.enrolment_invitation_accept(enrolment=row, user=ann)
    assert fresh(row).status == EnrolmentStatus.ENROLLED


def test_only_the_learner_withdraws_and_only_what_is_open(
    course_row: Course, make_learner: MakeLearner, alice: User
) -> None:
    ann = make_learner("Ann")
    row = enrol(course_row, ann)
    with pytest.raises(ValidationError, match="Only the learner"):
        services.enrolment_withdraw(enrolment=row, user=alice)
    services.enrolment_withdraw(enrolment=row, user=ann)
    with pytest.raises(ValidationError, match="not enrolled"):
        services.enrolment_withdraw(enrolment=row, user=ann)

"""The instructors' enrolment board, and certificates: granting, revoking, verifying."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.notifications.models import Notification
from mentoring.courses import services
from mentoring.courses.models import Certificate, Course, EnrolmentPolicy, EnrolmentStatus
from mentoring.engagements.models import Audience, TimelineEntry, TimelineVerb
from mentoring.engagements.services import engagement_transition
from tests.mentoring.courses.conftest import MakeLearner

pytestmark = pytest.mark.django_db


def board_url(course: Course) -> str:
    return f"/courses/{course.pk}/enrolments/"


# --- The enrolment board ------------------------------------------------------------------


def test_the_board_lists_requests_invited_enrolled_and_the_waitlist_in_order(
    course_row: Course,
    alice: User,
    make_learner: MakeLearner,
    login: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    ann, ben, cat, dan, eve, fay = (
        make_learner(n) for n in ("Ann", "Ben", "Cat", "Dan", "Eve", "Fay")
    )
    for who in (ann, ben, cat, dan):
        services.enrolment_request(course=course_row, user=who)
    services.enrolment_invite(course=course_row, email=eve.email, by=alice)
    Course.objects.filter(pk=course_row.pk).update(enrolment_policy=EnrolmentPolicy.APPROVAL)
    course_row.refresh_from_db()
    services.enrolment_request(course=course_row, user=fay, message="Please")
    client = login(alice)
    # session, user, engagement, participant, course, certificates, enrolments, counts,
    # badge (no host institution: no admin check)
    with django_assert_num_queries(9):
        response = client.get(board_url(course_row))
    board = response.context["board"]
    assert [e.user for e in board.enrolled] == [ann, ben]
    assert [e.user for e in board.waitlisted] == [cat, dan]
    assert [e.user for e in board.invited] == [eve]
    assert [e.user for e in board.requested] == [fay]
    content = response.content.decode()
    assert content.index("Cat") < content.index("Dan")
    assert "Please" in content
    assert response.context["counts"]["waitlisted"] == 2


def test_the_board_approves_declines_and_removes(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    Course.objects.filter(pk=course_row.pk).update(enrolment_policy=EnrolmentPolicy.APPROVAL)
    course_row.refresh_from_db()
    ann, ben = make_learner("Ann"), make_learner("Ben")
    to_ann = services.enrolment_request(course=course_row, user=ann)
    to_ben = services.enrolment_request(course=course_row, user=ben)
    client = login(alice)
    url = f"/courses/{course_row.pk}/enrolments/"
    assert client.post(f"{url}{to_ann.pk}/", {"action": "approve"}).status_code == 302
    to_ann.refresh_from_db()
    assert to_ann.status == EnrolmentStatus.ENROLLED
    # A decline without a reason keeps the row and says why.
    response = client.post(f"{url}{to_ben.pk}/", {"action": "decline", "reason": ""})
    assert response.status_code == 400
    assert response.context["row_error"][0] == to_ben.pk
    to_ben.refresh_from_db()
    assert to_ben.status == EnrolmentStatus.REQUESTED
    client.post(f"{url}{to_ben.pk}/", {"action": "decline", "reason": "Full this term."})
    to_ben.refresh_from_db()
    assert (to_ben.status, to_ben.reason) == (EnrolmentStatus.DECLINED, "Full this term.")
    client.post(f"{url}{to_ann.pk}/", {"action": "remove", "reason": ""})
    to_ann.refresh_from_db()
    assert to_ann.status == EnrolmentStatus.REMOVED
    assert client.post(f"{url}{to_ann.pk}/", {"action": "dance"}).status_code == 400


def test_the_board_invites_and_keeps_a_bad_address(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    ann = make_learner("Ann")
    client = login(alice)
    response = client.post(board_url(course_row), {"email": "ghost@example.org", "message": "Hi"})
    assert response.status_code == 200
    assert "No account uses" in response.context["invite_form"].errors["email"][0]
    assert "ghost@example.org" in response.content.decode()
    assert client.post(board_url(course_row), {"email": ann.email}).status_code == 302
    assert course_row.enrolments.get(user=ann).status == EnrolmentStatus.INVITED


def test_the_board_changes_capacity_and_promotes(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    rows = [
        services.enrolment_request(course=course_row, user=make_learner(n))
        for n in ("Ann", "Ben", "Cat")
    ]
    client = login(alice)
    response = client.post(f"/courses/{course_row.pk}/capacity/", {"capacity": "1"})
    assert response.status_code == 400
    assert "2 learners are enrolled" in response.context["capacity_form"].errors["capacity"][0]
    assert client.post(f"/courses/{course_row.pk}/capacity/", {"capacity": "3"}).status_code == 302
    rows[2].refresh_from_db()
    assert rows[2].status == EnrolmentStatus.ENROLLED


def test_the_board_permissions(
    course_row: Course,
    alice: User,
    bob: User,
    charlie: User,
    client: Client,
    login: Callable[[User], Client],
    make_learner: MakeLearner,
) -> None:
    row = services.enrolment_request(course=course_row, user=bob)
    cert_grant = f"/courses/{course_row.pk}/enrolments/{row.pk}/certificate/"
    posts = [
        board_url(course_row),
        f"/courses/{course_row.pk}/enrolments/{row.pk}/",
        f"/courses/{course_row.pk}/capacity/",
        cert_grant,
    ]
    assert client.get(board_url(course_row)).status_code == 302
    for url in posts:
        assert client.post(url, {"action": "remove"}).status_code == 302
        assert login(charlie).post(url, {"action": "remove"}).status_code == 404
        assert login(bob).post(url, {"action": "remove", "capacity": "9"}).status_code == 403
    assert login(charlie).get(board_url(course_row)).status_code == 404
    assert login(bob).get(board_url(course_row)).status_code == 403
    row.refresh_from_db()
    assert row.status == EnrolmentStatus.ENROLLED
    # Another course's enrolment through this course's address: 404.
    other = services.course_create(created_by=alice, title="Other", language="en", capacity=3)
    elsewhere = services.enrolment_request(course=other, user=make_learner("Ann"))
    response = login(alice).post(
        f"/courses/{course_row.pk}/enrolments/{elsewhere.pk}/", {"action": "remove"}
    )
    assert response.status_code == 404


# --- Certificates -------------------------------------------------------------------------


@pytest.fixture
def started(course_row: Course, alice: User) -> Course:
    engagement_transition(engagement=course_row.engagement, to_status="active", by=alice)
    course_row.refresh_from_db()
    return course_row


def test_it_grants_a_certificate_to_an_enrolled_learner(
    started: Course, alice: User, make_learner: MakeLearner
) -> None:
    ann = make_learner("Ann")
    services.enrolment_request(course=started, user=ann)
    certificate = services.certificate_grant(course=started, user=ann, by=alice)
    assert certificate.holder_name == "Ann"
    assert certificate.course_title == "Research Methods for Public Health"
    assert certificate.is_valid
    assert len(certificate.code) >= 20
    entry = TimelineEntry.objects.get(verb=TimelineVerb.CERTIFICATE_GRANTED)
    assert entry.audience == Audience.MANAGERS
    assert entry.url == f"/certificates/{certificate.code}/"
    note = Notification.objects.get(user=ann, title__contains="certificate")
    assert note.url == certificate.get_absolute_url()
    # Frozen: renaming the learner or the course changes nothing printed.
    ann.name = "Ann Renamed"
    ann.save()
    started.engagement.title = "New title"
    started.engagement.save()
    certificate.refresh_from_db()
    assert (certificate.holder_name, certificate.course_title) == (
        "Ann",
        "Research Methods for Public Health",
    )


def test_it_refuses_certificates_it_should_not_grant(
    course_row: Course,
    alice: User,
    make_learner: MakeLearner,
    make_user: Callable[..., User],
) -> None:
    from django.core.exceptions import ValidationError

    ann = make_learner("Ann")
    services.enrolment_request(course=course_row, user=ann)
    with pytest.raises(ValidationError, match="once a course has started"):
        services.certificate_grant(course=course_row, user=ann, by=alice)
    engagement_transition(engagement=course_row.engagement, to_status="active", by=alice)
    course_row.refresh_from_db()
    services.certificate_grant(course=course_row, user=ann, by=alice)
    with pytest.raises(ValidationError, match="already holds"):
        services.certificate_grant(course=course_row, user=ann, by=alice)
    ben = make_learner("Ben")
    with pytest.raises(ValidationError, match="not enrolled"):
        services.certificate_grant(course=course_row, user=ben, by=alice)
    nameless = make_user("nameless@example.org")
    services.enrolment_request(course=course_row, user=nameless)
    with pytest.raises(ValidationError, match="no full name"):
        services.certificate_grant(course=course_row, user=nameless, by=alice)


def test_it_revokes_with_a_reason_and_can_grant_again(
    started: Course, alice: User, make_learner: MakeLearner
) -> None:
    from django.core.exceptions import ValidationError

    ann = make_learner("Ann")
    services.enrolment_request(course=started, user=ann)
    certificate = services.certificate_grant(course=started, user=ann, by=alice)
    with pytest.raises(ValidationError):
        services.certificate_revoke(certificate=certificate, by=alice, reason="")
    services.certificate_revoke(certificate=certificate, by=alice, reason="Granted by mistake.")
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_by == alice
    again = services.certificate_grant(course=started, user=ann, by=alice)
    assert again.pk == certificate.pk
    assert again.is_valid


def test_anyone_can_verify_a_certificate(
    started: Course, alice: User, make_learner: MakeLearner, client: Client
) -> None:
    ann = make_learner("Ann")
    services.enrolment_request(course=started, user=ann)
    certificate = services.certificate_grant(course=started, user=ann, by=alice)
    url = reverse("certificate_verify", args=[certificate.code])
    assert url == f"/certificates/{certificate.code}/"
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Valid" in content
    assert "Ann completed the course “Research Methods for Public Health”" in content
    assert "ann@example.org" not in content
    assert "alice@example.org" not in content
    services.certificate_revoke(certificate=certificate, by=alice, reason="Plagiarism.")
    content = client.get(url).content.decode()
    assert "Revoked" in content
    assert "Plagiarism" not in content
    assert client.get("/certificates/not-a-real-code/").status_code == 404


def test_the_learner_sees_their_certificate_on_the_course_page(
    started: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    ann = make_learner("Ann")
    services.enrolment_request(course=started, user=ann)
    certificate = services.certificate_grant(course=started, user=ann, by=alice)
    assert (
        certificate.get_absolute_url() in login(ann).get(f"/courses/{started.pk}/").content.decode()
    )
    ben = make_learner("Ben")
    assert (
        certificate.get_absolute_url()
        not in login(ben).get(f"/courses/{started.pk}/").content.decode()
    )


def test_certificates_from_the_board(
    started: Course,
    alice: User,
    make_learner: MakeLearner,
    login: Callable[[User], Client],
) -> None:
    ann = make_learner("Ann")
    row = services.enrolment_request(course=started, user=ann)
    client = login(alice)
    assert client.post(f"/courses/{started.pk}/enrolments/{row.pk}/certificate/").status_code == 302
    certificate = Certificate.objects.get(user=ann)
    assert certificate.get_absolute_url() in client.get(board_url(started)).content.decode()
    revoke = f"/courses/{started.pk}/certificates/{certificate.pk}/revoke/"
    response = client.post(revoke, {"reason": ""})
    assert response.status_code == 400
    assert response.context["row_error"][0] == row.pk
    assert client.post(revoke, {"reason": "Mistake"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "Mistake"


def test_revoking_permissions(
    started: Course,
    alice: User,
    charlie: User,
    make_learner: MakeLearner,
    client: Client,
    login: Callable[[User], Client],
) -> None:
    ann = make_learner("Ann")
    services.enrolment_request(course=started, user=ann)
    certificate = services.certificate_grant(course=started, user=ann, by=alice)
    revoke = f"/courses/{started.pk}/certificates/{certificate.pk}/revoke/"
    assert client.post(revoke, {"reason": "x"}).status_code == 302
    assert login(charlie).post(revoke, {"reason": "x"}).status_code == 404
    assert login(ann).post(revoke, {"reason": "x"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.is_valid

"""Courses, enrolment, materials and certificates over the API, with the pages' permissions."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.accounts.services import api_token_create
from diaspora.institutions.models import Institution
from mentoring.courses import services
from mentoring.courses.models import Course, EnrolmentPolicy, EnrolmentStatus
from mentoring.engagements.models import Engagement
from mentoring.engagements.services import engagement_transition
from tests.mentoring.courses.conftest import MakeLearner

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(path, json.dumps(body or {}), content_type="application/json")


def bearer(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


# --- The catalogue and one course ---------------------------------------------------------


def test_it_lists_the_catalogue_with_filters_and_pages(
    alice: User,
    client: Client,
    make_learner: MakeLearner,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(5):
        course = services.course_create(
            created_by=alice,
            title=f"Course {n}",
            language="fr" if n % 2 else "en",
            capacity=3,
            level="advanced" if n == 4 else "introductory",
        )
        services.enrolment_request(course=course, user=make_learner(f"L{n}"))
    services.course_create(
        created_by=alice, title="Hidden", language="en", capacity=3, listed=False
    )
    # count, rows, instructors
    with django_assert_num_queries(3):
        body = client.get("/api/courses/?page_size=2").json()
    assert body["meta"] == {"count": 5, "page": 1, "pages": 3, "page_size": 2}
    first = body["results"][0]
    assert first["title"] == "Course 4"
    assert first["instructors"] == ["Alice Ndiaye"]
    assert (first["capacity"], first["enrolled"], first["seats_left"]) == (3, 1, 2)
    assert first["host"] is None
    assert [c["title"] for c in client.get("/api/courses/?language=fr").json()["results"]] == [
        "Course 3",
        "Course 1",
    ]
    assert [c["title"] for c in client.get("/api/courses/?level=advanced").json()["results"]] == [
        "Course 4"
    ]
    assert client.get("/api/courses/?q=hidden").json()["meta"]["count"] == 0
    assert client.get("/api/courses/?level=expert").status_code == 422


def test_one_course_for_the_public_and_for_its_learner(
    course_row: Course, client: Client, bob: User, login: Callable[[User], Client]
) -> None:
    public = client.get(f"/api/courses/{course_row.pk}").json()
    assert public["syllabus"] == "## Week 1\nStudy design."
    assert public["my_enrolment"] is None
    assert public["engagement_url"] is None
    services.enrolment_request(course=course_row, user=bob)
    mine = login(bob).get(f"/api/courses/{course_row.pk}").json()
    assert mine["my_enrolment"]["status"] == "enrolled"
    assert mine["engagement_url"] == f"/engagements/{course_row.pk}/"
    assert client.get("/api/courses/999999").status_code == 404


def test_an_unlisted_course_is_404_to_outsiders(
    course_row: Course,
    client: Client,
    alice: User,
    charlie: User,
    bob: User,
    login: Callable[[User], Client],
) -> None:
    Course.objects.filter(pk=course_row.pk).update(listed=False)
    url = f"/api/courses/{course_row.pk}"
    assert error_code(client.get(url)) == "not_found"
    assert login(charlie).get(url).status_code == 404
    assert (
        login(charlie).post(f"{url}/enrolments/", {}, content_type="application/json").status_code
        == 404
    )
    assert login(alice).get(url).status_code == 200
    services.enrolment_invite(course=course_row, email=bob.email, by=alice)
    assert login(bob).get(url).json()["my_enrolment"]["status"] == "invited"


# --- Creating and changing ----------------------------------------------------------------


def test_experts_create_courses(
    alice: User, charlie: User, institution: Institution, client: Client
) -> None:
    body = {
        "title": "Survey design",
        "syllabus": "## Week 1",
        "language": "fr",
        "capacity": 12,
        "enrolment_policy": "approval",
        "institution": institution.pk,
    }
    assert error_code(send(client, "post", "/api/courses/", body)) == "unauthenticated"
    assert send(bearer(charlie), "post", "/api/courses/", body).status_code == 403
    response = send(bearer(alice), "post", "/api/courses/", body)
    assert response.status_code == 201
    created = response.json()
    assert created["host"]["id"] == institution.pk
    assert created["enrolment_policy"] == "approval"
    assert created["syllabus_html"] == "<h2>Week 1</h2>"
    assert created["engagement_url"] == f"/engagements/{created['id']}/"
    bad = send(
        bearer(alice), "post", "/api/courses/", {**body, "language": "zz", "institution": 99999}
    )
    assert bad.status_code == 400
    assert "institution" in bad.json()["error"]["fields"]
    bad = send(
        bearer(alice), "post", "/api/courses/", {**body, "language": "zz", "institution": None}
    )
    assert "language" in bad.json()["error"]["fields"]


def test_managers_change_a_course(
    course_row: Course, alice: User, bob: User, charlie: User
) -> None:
    url = f"/api/courses/{course_row.pk}"
    services.enrolment_request(course=course_row, user=bob)
    assert send(bearer(charlie), "patch", url, {"capacity": 5}).status_code == 404
    assert send(bearer(bob), "patch", url, {"capacity": 5}).status_code == 403
    response = send(bearer(alice), "patch", url, {"capacity": 5, "title": "Renamed"})
    assert response.status_code == 200
    assert (response.json()["capacity"], response.json()["title"]) == (5, "Renamed")
    response = send(bearer(alice), "patch", url, {"capacity": 0})
    assert response.status_code == 422


# --- Enrolment ----------------------------------------------------------------------------


def test_enrolling_waitlisting_and_withdrawing_through_the_api(
    course_row: Course, make_learner: MakeLearner, client: Client
) -> None:
    url = f"/api/courses/{course_row.pk}/enrolments/"
    assert error_code(send(client, "post", url)) == "unauthenticated"
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    assert send(bearer(ann), "post", url).json()["status"] == "enrolled"
    assert send(bearer(ben), "post", url).json()["status"] == "enrolled"
    waiting = send(bearer(cat), "post", url)
    assert waiting.status_code == 201
    assert waiting.json()["status"] == "waitlisted"
    again = send(bearer(cat), "post", url)
    assert again.status_code == 400
    assert "already on the waiting list" in again.json()["error"]["message"]
    gone = send(bearer(ann), "delete", f"/api/courses/{course_row.pk}/enrolment")
    assert gone.status_code == 200
    assert gone.json()["status"] == "withdrawn"
    mine = bearer(cat).get(f"/api/courses/{course_row.pk}").json()["my_enrolment"]
    assert mine["status"] == "enrolled"
    assert error_code(send(client, "delete", f"/api/courses/{course_row.pk}/enrolment")) == (
        "unauthenticated"
    )
    nobody = make_learner("Dan")
    assert (
        send(bearer(nobody), "delete", f"/api/courses/{course_row.pk}/enrolment").status_code == 404
    )


def test_managers_list_and_decide_enrolments(
    course_row: Course,
    alice: User,
    bob: User,
    charlie: User,
    make_learner: MakeLearner,
    client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    Course.objects.filter(pk=course_row.pk).update(enrolment_policy=EnrolmentPolicy.APPROVAL)
    course_row.refresh_from_db()
    rows = [
        services.enrolment_request(course=course_row, user=make_learner(n), message="hi")
        for n in ("Ann", "Ben", "Cat")
    ]
    url = f"/api/courses/{course_row.pk}/enrolments/"
    alice_client = bearer(alice)
    # token (read, mark used), engagement, participant, course, count, rows
    with django_assert_num_queries(7):
        listed = alice_client.get(url).json()
    assert listed["meta"]["count"] == 3
    assert {r["status"] for r in listed["results"]} == {"requested"}
    assert listed["results"][0]["learner"]["name"] in {"Ann", "Ben", "Cat"}
    assert alice_client.get(f"{url}?status=enrolled").json()["meta"]["count"] == 0
    one = f"{url}{rows[0].pk}"
    assert send(alice_client, "patch", one, {"action": "approve"}).json()["status"] == "enrolled"
    declined = send(alice_client, "patch", f"{url}{rows[1].pk}", {"action": "decline"})
    assert declined.status_code == 400
    assert "reason" in declined.json()["error"]["fields"]
    declined = send(
        alice_client, "patch", f"{url}{rows[1].pk}", {"action": "decline", "reason": "Full"}
    )
    assert (declined.json()["status"], declined.json()["reason"]) == ("declined", "Full")
    assert send(alice_client, "patch", one, {"action": "remove"}).json()["status"] == "removed"
    assert send(alice_client, "patch", one, {"action": "fly"}).status_code == 422
    # The permission matrix.
    services.enrolment_approve(enrolment=rows[2], by=alice)
    learner = rows[2].user
    assert error_code(client.get(url)) == "unauthenticated"
    assert bearer(charlie).get(url).status_code == 404
    assert bearer(learner).get(url).status_code == 403
    assert (
        send(bearer(learner), "patch", f"{url}{rows[2].pk}", {"action": "remove"}).status_code
        == 403
    )
    assert (
        send(bearer(charlie), "patch", f"{url}{rows[2].pk}", {"action": "remove"}).status_code
        == 404
    )
    assert send(client, "patch", f"{url}{rows[2].pk}", {"action": "remove"}).status_code == 401
    rows[2].refresh_from_db()
    assert rows[2].status == EnrolmentStatus.ENROLLED


def test_invitations_through_the_api(
    course_row: Course, alice: User, make_learner: MakeLearner, charlie: User
) -> None:
    ann = make_learner("Ann")
    url = f"/api/courses/{course_row.pk}/invitations"
    assert send(bearer(charlie), "post", url, {"email": ann.email}).status_code == 404
    invited = send(bearer(alice), "post", url, {"email": ann.email, "message": "Join"})
    assert invited.status_code == 201
    assert invited.json()["status"] == "invited"
    accepted = send(bearer(ann), "post", f"/api/courses/{course_row.pk}/enrolments/")
    assert accepted.json()["status"] == "enrolled"


def test_my_enrolments(
    course_row: Course,
    alice: User,
    bob: User,
    client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    other = services.course_create(created_by=alice, title="Other", language="en", capacity=1)
    services.enrolment_request(course=course_row, user=bob)
    services.enrolment_request(course=other, user=bob)
    bob_client = bearer(bob)
    # token (read, mark used), count, rows
    with django_assert_num_queries(4):
        body = bob_client.get("/api/me/enrolments/").json()
    assert body["meta"]["count"] == 2
    assert {r["course"]["title"] for r in body["results"]} == {
        "Other",
        "Research Methods for Public Health",
    }
    assert client.get("/api/me/enrolments/").status_code == 401


# --- Certificates and materials -----------------------------------------------------------


def test_certificates_are_granted_by_managers_and_verified_by_anyone(
    course_row: Course, alice: User, bob: User, client: Client
) -> None:
    engagement_transition(engagement=course_row.engagement, to_status="active", by=alice)
    row = services.enrolment_request(course=course_row, user=bob)
    url = f"/api/courses/{course_row.pk}/certificates"
    assert send(bearer(bob), "post", url, {"enrolment_id": row.pk}).status_code == 403
    granted = send(bearer(alice), "post", url, {"enrolment_id": row.pk})
    assert granted.status_code == 201
    code = granted.json()["code"]
    verified = client.get(f"/api/certificates/{code}").json()
    assert verified["valid"] is True
    assert verified["holder_name"] == "Bob Mensah"
    assert verified["granted_by"] == "Alice Ndiaye"
    assert client.get("/api/certificates/nope").status_code == 404
    mine = bearer(bob).get(f"/api/courses/{course_row.pk}").json()
    assert mine["my_certificate"]["code"] == code


def test_materials_are_listed_to_participants_only(
    course_row: Course,
    alice: User,
    bob: User,
    charlie: User,
    make_learner: MakeLearner,
    client: Client,
    settings: Any,
    tmp_path: Path,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    engagement: Engagement = course_row.engagement
    services.material_page_add(engagement=engagement, by=alice, title="Intro", body="Hello")
    services.material_file_add(
        engagement=engagement,
        by=alice,
        upload=SimpleUploadedFile("w1.pdf", b"%PDF-1.4 x"),
        title="Week 1",
    )
    url = f"/api/engagements/{course_row.pk}/materials/"
    row = services.enrolment_request(course=course_row, user=bob)
    bob_client = bearer(bob)
    # token (read, mark used), engagement, participant, count, rows
    with django_assert_num_queries(6):
        body = bob_client.get(url).json()
    assert [m["title"] for m in body["results"]] == ["Intro", "Week 1"]
    assert body["results"][0]["download_url"] is None
    assert body["results"][1]["download_url"] == (
        f"/engagements/{course_row.pk}/materials/{body['results'][1]['id']}/download/"
    )
    assert "/media/" not in json.dumps(body)
    assert client.get(url).status_code == 401
    assert bearer(charlie).get(url).status_code == 404
    services.enrolment_withdraw(enrolment=row, user=bob)
    assert bob_client.get(url).status_code == 404


def test_the_remaining_manager_endpoints_refuse_others(
    course_row: Course, alice: User, bob: User, charlie: User, client: Client
) -> None:
    row = services.enrolment_request(course=course_row, user=bob)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("patch", f"/api/courses/{course_row.pk}", {"capacity": 9}),
        ("post", f"/api/courses/{course_row.pk}/invitations", {"email": charlie.email}),
        ("post", f"/api/courses/{course_row.pk}/certificates", {"enrolment_id": row.pk}),
    ]
    for method, url, body in calls:
        assert error_code(send(client, method, url, body)) == "unauthenticated"
        assert error_code(send(bearer(charlie), method, url, body)) == "not_found"
        assert error_code(send(bearer(bob), method, url, body)) == "forbidden"
    course_row.refresh_from_db()
    assert course_row.capacity == 2
    assert not course_row.enrolments.filter(user=charlie).exists()
    assert not course_row.certificates.exists()

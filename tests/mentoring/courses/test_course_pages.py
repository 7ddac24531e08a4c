"""Creating and editing a course, the catalogue, and the public course page."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from mentoring.courses import services
from mentoring.courses.models import Course, EnrolmentPolicy, EnrolmentStatus, Level
from mentoring.engagements.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    Participant,
    ParticipantRole,
    Side,
)
from mentoring.engagements.services import engagement_transition
from tests.mentoring.courses.conftest import MakeLearner

pytestmark = pytest.mark.django_db


def new_course(by: User, title: str, **values: object) -> Course:
    defaults: dict[str, object] = {"language": "en", "capacity": 10}
    defaults.update(values)
    return services.course_create(created_by=by, title=title, **defaults)  # type: ignore[arg-type]


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Survey design",
        "summary": "For **district** health officers.",
        "syllabus": "## Week 1\nSampling.",
        "language": "fr",
        "level": "intermediate",
        "capacity": "25",
        "enrolment_policy": "approval",
        "listed": "on",
        "institution": "",
    }
    data.update(overrides)
    return data


# --- Creating -----------------------------------------------------------------------------


def test_it_creates_a_course_with_its_instructor(alice: User, institution: Institution) -> None:
    course = new_course(
        alice,
        "Survey design",
        summary="For *officers*.",
        syllabus="## Week 1",
        level=Level.ADVANCED,
        enrolment_policy=EnrolmentPolicy.APPROVAL,
        listed=False,
        institution=institution,
    )
    engagement = course.engagement
    assert engagement.kind == EngagementKind.COURSE
    assert engagement.institution == institution
    assert engagement.status == EngagementStatus.PROPOSED
    assert "<em>officers</em>" in engagement.summary_html
    assert "<h2>Week 1</h2>" in course.syllabus_html
    assert (course.level, course.enrolment_policy, course.listed) == ("advanced", "approval", False)
    instructor = Participant.objects.get(engagement=engagement)
    assert (instructor.user, instructor.role, instructor.side) == (
        alice,
        ParticipantRole.INSTRUCTOR,
        Side.EXPERT,
    )


def test_it_refuses_non_experts_and_foreign_hosts(
    alice: User, bob: User, make_user: Callable[..., User]
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Only experts"):
        new_course(bob, "Survey design")
    other = Institution.objects.create(name="Other", country="GH", city="Accra")
    with pytest.raises(ValidationError) as caught:
        new_course(alice, "Survey design", institution=other)
    assert "institution" in caught.value.message_dict
    assert not Engagement.objects.exists()


def test_it_reports_every_bad_field_at_once(alice: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        new_course(alice, " ", language="xx", capacity=0)
    assert {"title", "language", "capacity"} <= set(caught.value.message_dict)
    assert not Engagement.objects.exists()


def test_the_create_page_creates_and_redirects(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    client = login(alice)
    assert client.get("/courses/new/").status_code == 200
    response = client.post("/courses/new/", form_data(institution=str(institution.pk)))
    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/courses/{course.pk}/"
    assert course.engagement.institution == institution
    assert course.language == "fr"
    assert course.capacity == 25


def test_the_create_page_keeps_what_was_typed(alice: User, login: Callable[[User], Client]) -> None:
    response = login(alice).post("/courses/new/", form_data(capacity="0", language="zz"))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"capacity", "language"}
    assert "Survey design" in response.content.decode()
    assert "For **district** health officers." in response.content.decode()
    assert not Course.objects.exists()


def test_the_create_page_offers_only_my_institutions(
    alice: User, institution: Institution, login: Callable[[User], Client]
) -> None:
    other = Institution.objects.create(name="Other", country="GH", city="Accra")
    response = login(alice).post("/courses/new/", form_data(institution=str(other.pk)))
    assert "institution" in response.context["form"].errors
    assert not Course.objects.exists()


def test_the_create_page_is_for_experts_and_signed_in_users(
    client: Client, charlie: User, login: Callable[[User], Client]
) -> None:
    response = client.get("/courses/new/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = login(charlie).post("/courses/new/", form_data())
    assert response.status_code == 403
    assert "Create an expert profile" in response.content.decode()
    assert not Course.objects.exists()


# --- Editing ------------------------------------------------------------------------------


def test_managers_edit_the_course(
    course_row: Course, alice: User, login: Callable[[User], Client]
) -> None:
    client = login(alice)
    page = client.get(f"/courses/{course_row.pk}/edit/")
    assert page.status_code == 200
    assert page.context["form"].initial["capacity"] == 2
    response = client.post(
        f"/courses/{course_row.pk}/edit/",
        form_data(title="Research Methods II", capacity="5", enrolment_policy="invitation"),
    )
    assert response.status_code == 302
    course_row.refresh_from_db()
    course_row.engagement.refresh_from_db()
    assert course_row.engagement.title == "Research Methods II"
    assert (course_row.capacity, course_row.enrolment_policy) == (5, "invitation")


def test_editing_refuses_fewer_seats_than_enrolled(
    course_row: Course, alice: User, login: Callable[[User], Client], make_learner: MakeLearner
) -> None:
    services.enrolment_request(course=course_row, user=make_learner("Ann"))
    services.enrolment_request(course=course_row, user=make_learner("Ben"))
    response = login(alice).post(f"/courses/{course_row.pk}/edit/", form_data(capacity="1"))
    assert response.status_code == 200
    assert "2 learners are enrolled" in response.context["form"].errors["capacity"][0]


def test_editing_permissions(
    course_row: Course,
    bob: User,
    charlie: User,
    client: Client,
    login: Callable[[User], Client],
) -> None:
    url = f"/courses/{course_row.pk}/edit/"
    assert client.get(url).status_code == 302
    assert login(charlie).get(url).status_code == 404
    services.enrolment_request(course=course_row, user=bob)
    assert login(bob).get(url).status_code == 403
    assert login(bob).post(url, form_data()).status_code == 403


# --- The catalogue ------------------------------------------------------------------------


@pytest.fixture
def catalogue_courses(alice: User, institution: Institution) -> dict[str, Course]:
    made = {
        "fr": new_course(
            alice,
            "Épidémiologie de terrain",
            language="fr",
            level=Level.ADVANCED,
            summary="Malaria",
        ),
        "en": new_course(alice, "Data management", language="en", institution=institution),
        "unlisted": new_course(alice, "Private masterclass", listed=False),
        "done": new_course(alice, "Finished course"),
    }
    done = made["done"].engagement
    engagement_transition(engagement=done, to_status="active", by=alice)
    engagement_transition(engagement=done, to_status="completed", by=alice)
    engagement_transition(engagement=made["en"].engagement, to_status="active", by=alice)
    return made


def catalogue_titles(client: Client, **params: str) -> list[str]:
    response = client.get("/courses/", params)
    assert response.status_code == 200
    return [card.title for card in response.context["cards"]]


def test_the_catalogue_lists_listed_proposed_and_active_courses(
    client: Client, catalogue_courses: dict[str, Course]
) -> None:
    assert reverse("course_list") == "/courses/"
    assert sorted(catalogue_titles(client)) == ["Data management", "Épidémiologie de terrain"]


def test_the_catalogue_filters(client: Client, catalogue_courses: dict[str, Course]) -> None:
    assert catalogue_titles(client, language="fr") == ["Épidémiologie de terrain"]
    assert catalogue_titles(client, level="advanced") == ["Épidémiologie de terrain"]
    assert catalogue_titles(client, q="malaria") == ["Épidémiologie de terrain"]
    assert catalogue_titles(client, q="Université") == ["Data management"]
    assert catalogue_titles(client, q="masterclass") == []
    assert catalogue_titles(client, language="en", level="advanced") == []


def test_the_catalogue_shows_cards(
    client: Client, catalogue_courses: dict[str, Course], make_learner: MakeLearner
) -> None:
    services.enrolment_request(course=catalogue_courses["en"], user=make_learner("Ann"))
    content = client.get("/courses/").content.decode()
    assert "Data management" in content
    assert "9 seats left" in content
    assert "Alice Ndiaye" in content
    assert "Université Cheikh Anta Diop" in content
    assert "alice@example.org" not in content


def test_the_catalogue_pages_and_pins_its_queries(
    client: Client,
    alice: User,
    make_learner: MakeLearner,
    settings: object,
    django_assert_num_queries: DjangoAssertNumQueries,
    login: Callable[[User], Client],
) -> None:
    settings.DIRECTORY_PAGE_SIZE = 3  # type: ignore[attr-defined]
    for n in range(7):
        course = new_course(alice, f"Course {n}")
        services.enrolment_request(course=course, user=make_learner(f"Learner{n}"))
    first = client.get("/courses/")
    assert len(first.context["cards"]) == 3
    assert first.context["page"].paginator.num_pages == 3
    assert len(client.get("/courses/?page=3").context["cards"]) == 1
    # count, rows, instructors
    with django_assert_num_queries(3):
        client.get("/courses/")
    signed_in = login(make_learner("Reader"))
    # + session, user, unread badge, "may create" (is this an expert?)
    with django_assert_num_queries(7):
        signed_in.get("/courses/?q=course&level=introductory")


# --- The course page ----------------------------------------------------------------------


def test_the_course_page_is_public_for_a_listed_course(client: Client, course_row: Course) -> None:
    response = client.get(f"/courses/{course_row.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Research Methods for Public Health" in content
    assert "<h2>Week 1</h2>" in content
    assert "English" in content
    assert "Sign in to enrol" in content
    assert response.context["state"] == "anonymous"
    assert "/engagements/" not in content


def test_an_unlisted_course_is_seen_only_by_those_involved(
    course_row: Course,
    client: Client,
    alice: User,
    bob: User,
    charlie: User,
    make_learner: MakeLearner,
    login: Callable[[User], Client],
) -> None:
    Course.objects.filter(pk=course_row.pk).update(listed=False)
    url = f"/courses/{course_row.pk}/"
    assert client.get(url).status_code == 404
    assert login(charlie).get(url).status_code == 404
    assert login(alice).get(url).status_code == 200
    services.enrolment_invite(course=course_row, email=bob.email, by=alice)
    assert login(bob).get(url).context["state"] == "invited"
    assert client.get("/courses/999999/").status_code == 404


def test_the_course_page_shows_each_state_and_its_button(
    course_row: Course,
    alice: User,
    make_learner: MakeLearner,
    login: Callable[[User], Client],
) -> None:
    url = f"/courses/{course_row.pk}/"
    ann, ben, cat = (make_learner(n) for n in ("Ann", "Ben", "Cat"))
    assert login(ann).get(url).context["state"] == "may_enrol"
    assert "Enrol</button>" in login(ann).get(url).content.decode()
    services.enrolment_request(course=course_row, user=ann)
    services.enrolment_request(course=course_row, user=ben)
    enrolled = login(ann).get(url)
    assert enrolled.context["state"] == "enrolled"
    assert f"/engagements/{course_row.pk}/" in enrolled.content.decode()
    assert "Join the waiting list" in login(cat).get(url).content.decode()
    services.enrolment_request(course=course_row, user=cat)
    waiting = login(cat).get(url)
    assert waiting.context["state"] == "waitlisted"
    assert "number 1 on the waiting list" in waiting.content.decode()
    staff = login(alice).get(url)
    assert staff.context["state"] == "staff"
    assert f"/courses/{course_row.pk}/enrolments/" in staff.content.decode()


def test_the_course_page_for_approval_and_invitation_and_ended_courses(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    url = f"/courses/{course_row.pk}/"
    ann = make_learner("Ann")
    Course.objects.filter(pk=course_row.pk).update(enrolment_policy=EnrolmentPolicy.APPROVAL)
    page = login(ann).get(url)
    assert page.context["state"] == "may_request"
    assert "Ask to enrol" in page.content.decode()
    Course.objects.filter(pk=course_row.pk).update(enrolment_policy=EnrolmentPolicy.INVITATION)
    assert login(ann).get(url).context["state"] == "invitation_only"
    engagement_transition(
        engagement=course_row.engagement, to_status="cancelled", by=alice, reason="No"
    )
    assert login(ann).get(url).context["state"] == "closed"


def test_enrolling_from_the_page(
    course_row: Course, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    ann = make_learner("Ann")
    response = login(ann).post(f"/courses/{course_row.pk}/enrol/")
    assert response.status_code == 302
    assert course_row.enrolments.get(user=ann).status == EnrolmentStatus.ENROLLED


def test_a_request_message_too_long_is_kept_with_the_error(
    course_row: Course, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    Course.objects.filter(pk=course_row.pk).update(enrolment_policy=EnrolmentPolicy.APPROVAL)
    message = "x" * 2001
    response = login(make_learner("Ann")).post(
        f"/courses/{course_row.pk}/enrol/", {"message": message}
    )
    assert response.status_code == 200
    assert "message" in response.context["enrol_form"].errors
    assert message in response.content.decode()
    assert not course_row.enrolments.exists()


def test_an_error_from_the_service_is_shown_on_the_page(
    course_row: Course, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    ann = make_learner("Ann")
    services.enrolment_request(course=course_row, user=ann)
    response = login(ann).post(f"/courses/{course_row.pk}/enrol/")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<div class="form-errors" role="alert"><p>You are already enrolled' in content


def test_withdrawing_and_answering_an_invitation_from_the_page(
    course_row: Course, alice: User, make_learner: MakeLearner, login: Callable[[User], Client]
) -> None:
    ann, ben = make_learner("Ann"), make_learner("Ben")
    services.enrolment_request(course=course_row, user=ann)
    assert login(ann).post(f"/courses/{course_row.pk}/withdraw/").status_code == 302
    assert course_row.enrolments.get(user=ann).status == EnrolmentStatus.WITHDRAWN
    services.enrolment_invite(course=course_row, email=ben.email, by=alice)
    login(ben).post(f"/courses/{course_row.pk}/invitation/", {"decision": "accept"})
    assert course_row.enrolments.get(user=ben).status == EnrolmentStatus.ENROLLED


def test_learner_pages_permissions(
    course_row: Course,
    client: Client,
    charlie: User,
    login: Callable[[User], Client],
) -> None:
    for path in ("enrol", "withdraw", "invitation"):
        url = f"/courses/{course_row.pk}/{path}/"
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    # Nothing to withdraw or answer: 404, not an error page about someone else's row.
    assert login(charlie).post(f"/courses/{course_row.pk}/withdraw/").status_code == 404
    assert login(charlie).post(f"/courses/{course_row.pk}/invitation/").status_code == 404
    assert login(charlie).get(f"/courses/{course_row.pk}/enrol/").status_code == 405
    Course.objects.filter(pk=course_row.pk).update(listed=False)
    assert login(charlie).post(f"/courses/{course_row.pk}/enrol/").status_code == 404
    assert not course_row.enrolments.exists()


def test_a_co_instructor_teaches_and_manages(
    course_row: Course, bob: User, client: Client, login: Callable[[User], Client]
) -> None:
    from mentoring.engagements.services import participant_add

    participant_add(
        engagement=course_row.engagement,
        user=bob,
        role=ParticipantRole.INSTRUCTOR,
        side=Side.EXPERT,
        by=course_row.engagement.created_by,
    )
    page = client.get(f"/courses/{course_row.pk}/")
    assert page.context["card"].instructors == ["Alice Ndiaye", "Bob Mensah"]
    assert login(bob).get(f"/courses/{course_row.pk}/enrolments/").status_code == 200
    assert login(bob).get(f"/courses/{course_row.pk}/").context["state"] == "staff"

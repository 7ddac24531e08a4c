"""The live room page: who gets it and as what, what it carries for the script, and the
"Join the room" button on the session page."""

import json
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import Role, User
from mentoring.courses.models import Material, MaterialKind
from mentoring.courses.services import enrolment_request, material_page_add
from mentoring.engagements.models import Engagement, EngagementStatus
from mentoring.rooms.models import Removal, Room
from mentoring.scheduling.models import LiveSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(make_user: Callable[..., User], course: Engagement) -> User:
    user = make_user("lina@example.org", name="Lina Learner", role=Role.LEARNER)
    enrolment_request(course=course.course, user=user)
    return user


def make_session(engagement: Engagement, by: User, *, starts_in: timedelta) -> LiveSession:
    session = LiveSession(
        engagement=engagement,
        title="Week 1: study design",
        starts_at=timezone.now() + starts_in,
        duration_minutes=60,
        created_by=by,
    )
    session.set_agenda("# Welcome\n---\n## Cohort studies")
    session.save()
    return session


@pytest.fixture
def soon(course: Engagement, alice: User) -> LiveSession:
    """Starts in five minutes: joinable now."""
    return make_session(course, alice, starts_in=timedelta(minutes=5))


@pytest.fixture
def later(course: Engagement, alice: User) -> LiveSession:
    """Starts in three days: not joinable yet."""
    return make_session(course, alice, starts_in=timedelta(days=3))


def room_url(session: LiveSession) -> str:
    return reverse("room", args=[session.pk])


def config_of(html: str) -> dict[str, object]:
    start = html.index('<script id="room-config" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return dict(json.loads(body))


# --- Who gets the page --------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(soon: LiveSession) -> None:
    response = Client().get(room_url(soon))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_answers_404_to_an_outsider_as_for_a_missing_session(
    login: Callable[[User], Client], charlie: User, soon: LiveSession
) -> None:
    client = login(charlie)
    assert client.get(room_url(soon)).status_code == 404
    assert client.get(reverse("room", args=[soon.pk + 1000])).status_code == 404


def test_it_lets_an_enrolled_learner_in_as_a_participant(
    login: Callable[[User], Client], learner: User, soon: LiveSession
) -> None:
    response = login(learner).get(room_url(soon))
    assert response.status_code == 200
    html = response.content.decode()
    config = config_of(html)
    assert config["role"] == "participant"
    assert config["ws_path"] == f"/ws/live/{soon.pk}/"
    assert config["user"] == {"id": learner.pk, "name": "Lina Learner"}
    assert soon.title in html
    assert 'id="slide-form"' not in html
    assert 'id="poll-form"' not in html
    assert 'id="room-open"' not in html
    assert "live-room.js" in html
    # One socket per participant: the navigation's live count stays out of the room.
    assert "nav-live.js" not in html
    assert "nav-live.js" in login(learner).get("/dashboard/").content.decode()


def test_it_lets_the_instructor_in_as_the_host_with_the_pages_to_show(
    login: Callable[[User], Client], alice: User, course: Engagement, soon: LiveSession
) -> None:
    page = material_page_add(engagement=course, by=alice, title="Slides: cohorts", body="# A")
    Material.objects.create(
        engagement=course,
        kind=MaterialKind.FILE,
        title="Reading list (PDF)",
        file=SimpleUploadedFile("reading.pdf", b"%PDF-1.4"),
        original_name="reading.pdf",
    )
    response = login(alice).get(room_url(soon))
    assert response.status_code == 200
    html = response.content.decode()
    assert config_of(html)["role"] == "host"
    assert f'<option value="{page.pk}">Slides: cohorts</option>' in html
    assert "Reading list (PDF)" not in html  # a file cannot be shown as slides
    assert 'id="room-open"' in html and 'id="room-end"' in html and 'id="poll-form"' in html


def test_it_lets_a_moderator_in_as_a_moderator(
    login: Callable[[User], Client], moderator: User, soon: LiveSession
) -> None:
    response = login(moderator).get(room_url(soon))
    assert response.status_code == 200
    assert config_of(response.content.decode())["role"] == "moderator"
    assert 'id="slide-form"' not in response.content.decode()


def test_it_answers_404_to_someone_removed_from_the_room(
    login: Callable[[User], Client], alice: User, learner: User, soon: LiveSession
) -> None:
    client = login(learner)
    assert client.get(room_url(soon)).status_code == 200
    Removal.objects.create(room=Room.objects.create(session=soon), user=learner, removed_by=alice)
    assert client.get(room_url(soon)).status_code == 404


def test_it_answers_404_for_a_cancelled_session_and_a_finished_course(
    login: Callable[[User], Client], alice: User, course: Engagement, soon: LiveSession
) -> None:
    client = login(alice)
    soon.cancelled_at = timezone.now()
    soon.save()
    assert client.get(room_url(soon)).status_code == 404

    other = make_session(course, alice, starts_in=timedelta(hours=1))
    Engagement.objects.filter(pk=course.pk).update(status=EngagementStatus.COMPLETED)
    assert client.get(room_url(other)).status_code == 404


# --- What the page shows ------------------------------------------------------------------


def test_it_shows_the_times_in_the_viewers_time_zone(
    login: Callable[[User], Client], learner: User, course: Engagement, alice: User
) -> None:
    start = datetime(timezone.now().year + 1, 1, 15, 14, 0, tzinfo=UTC)
    session = make_session(course, alice, starts_in=timedelta(0))
    session.starts_at = start
    session.save()
    learner.timezone = "Asia/Tokyo"
    learner.save()
    html = login(learner).get(room_url(session)).content.decode()
    tokyo = timezone.localtime(start, zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert formats.date_format(tokyo, "DATETIME_FORMAT") in html  # 11 p.m. on the 15th
    assert formats.date_format(tokyo + timedelta(hours=1), "TIME_FORMAT") in html
    assert "Asia/Tokyo" in html
    assert f'datetime="{start.year}-01-15T14:00:00+00:00"' in html
    assert config_of(html)["time_zone"] == "Asia/Tokyo"


def test_it_escapes_names_and_titles_and_keeps_the_agenda_html(
    login: Callable[[User], Client], alice: User, learner: User, soon: LiveSession
) -> None:
    material_page_add(
        engagement=soon.engagement, by=alice, title="<script>alert(1)</script>", body="x"
    )
    learner.name = "</script><script>alert(2)</script>"
    learner.save()
    host_html = login(alice).get(room_url(soon)).content.decode()
    assert "<script>alert(1)</script>" not in host_html
    learner_html = login(learner).get(room_url(soon)).content.decode()
    assert "<script>alert(2)</script>" not in learner_html
    assert config_of(learner_html)["user"] == {"id": learner.pk, "name": learner.name}
    assert "<h1>Welcome</h1>" in learner_html  # the agenda, before any slide is shown


def test_it_takes_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    alice: User,
    learner: User,
    course: Engagement,
    soon: LiveSession,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for number in range(5):
        material_page_add(engagement=course, by=alice, title=f"Deck {number}", body="# A")
    host, guest = login(alice), login(learner)
    # session, user, live session + engagement, participant, removal, materials (the host
    # only), unread badge; the course has no institution, so no admin check
    with django_assert_num_queries(7):
        assert "Deck 4" in host.get(room_url(soon)).content.decode()
    with django_assert_num_queries(6):
        assert guest.get(room_url(soon)).status_code == 200


# --- The call -------------------------------------------------------------------------------

TURN = ["turn:turn.example.org:3478"]


@pytest.fixture
def turn(settings: Any) -> None:
    settings.RTC_STUN_URLS = ["stun:stun.example.org:3478"]
    settings.RTC_TURN_URLS = TURN
    settings.RTC_TURN_USERNAME = "diaspora"
    settings.RTC_TURN_CREDENTIAL = "turn-password-for-members"
    settings.RTC_TURN_SECRET = ""
    settings.RTC_MESH_LIMIT = 4


def test_it_gives_participants_the_call_panel_and_its_configuration(
    login: Callable[[User], Client], learner: User, soon: LiveSession, turn: None
) -> None:
    soon.external_url = "https://meet.example.org/week-1"
    soon.save()
    html = login(learner).get(room_url(soon)).content.decode()
    config = config_of(html)
    assert config["rtc"] == {
        "ice_servers": [
            {"urls": ["stun:stun.example.org:3478"]},
            {"urls": TURN, "username": "diaspora", "credential": "turn-password-for-members"},
        ],
        "mesh_limit": 4,
        "external_url": "https://meet.example.org/week-1",
    }
    assert 'id="call-join"' in html and 'id="call-tiles"' in html
    assert "for up to 4 people" in html
    # After live-room.js, whose window.LiveRoom it uses.
    assert html.index("js/live-room.js") < html.index("js/live-call.js")
    strings = config["strings"]
    assert isinstance(strings, dict)
    assert strings["call_full"] == "The call is full (at most %(limit)s people)."
    assert "TURN server" in strings["call_failed"]


def test_it_counts_a_limit_of_one_in_the_singular(
    login: Callable[[User], Client], learner: User, soon: LiveSession, settings: Any
) -> None:
    settings.RTC_MESH_LIMIT = 1

    html = login(learner).get(room_url(soon)).content.decode()

    assert "for up to 1 person." in html
    strings = config_of(html)["strings"]
    assert isinstance(strings, dict)
    assert strings["call_full"] == "The call is full (at most %(limit)s person)."


def test_it_gives_the_host_a_login_of_her_own_with_a_shared_secret(
    login: Callable[[User], Client], alice: User, soon: LiveSession, turn: None, settings: Any
) -> None:
    settings.RTC_TURN_SECRET = "coturn-secret"
    html = login(alice).get(room_url(soon)).content.decode()
    config = config_of(html)
    rtc = config["rtc"]
    assert isinstance(rtc, dict)
    turn_server = rtc["ice_servers"][1]
    assert turn_server["username"].endswith(f":{alice.pk}")
    assert turn_server["credential"] != "turn-password-for-members"
    assert "coturn-secret" not in html
    assert rtc["external_url"] == ""
    assert 'id="call-join"' in html


def test_it_gives_outsiders_no_turn_credentials(
    login: Callable[[User], Client], charlie: User, soon: LiveSession, turn: None
) -> None:
    response = login(charlie).get(room_url(soon))
    assert response.status_code == 404
    body = response.content.decode()
    assert "turn-password-for-members" not in body
    assert "turn.example.org" not in body
    anonymous = Client().get(room_url(soon))
    assert anonymous.status_code == 302
    assert "turn-password-for-members" not in anonymous.content.decode()


# --- The button on the session page -------------------------------------------------------


def join_button(client: Client, session: LiveSession) -> bool:
    html = client.get(reverse("live_session_detail", args=[session.pk])).content.decode()
    return f'href="{room_url(session)}"' in html and "Join the room" in html


def test_it_offers_the_room_to_participants_when_it_is_joinable(
    login: Callable[[User], Client], learner: User, soon: LiveSession, later: LiveSession
) -> None:
    client = login(learner)
    assert join_button(client, soon)
    assert not join_button(client, later)


def test_it_always_offers_the_room_to_the_host(
    login: Callable[[User], Client], alice: User, soon: LiveSession, later: LiveSession
) -> None:
    client = login(alice)
    assert join_button(client, soon)
    assert join_button(client, later)


def test_it_offers_no_room_for_a_cancelled_session(
    login: Callable[[User], Client], alice: User, learner: User, soon: LiveSession
) -> None:
    soon.cancelled_at = timezone.now()
    soon.save()
    assert not join_button(login(alice), soon)
    assert not join_button(login(learner), soon)

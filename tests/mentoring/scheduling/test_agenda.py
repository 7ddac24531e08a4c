"""A live session's optional agenda: Markdown stored beside its HTML, shown on the session's
page, in the calendar feed's DESCRIPTION, and read and written over the API."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pytest_django.fixtures import Settings

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement, ParticipantRole
from mentoring.engagements.services import participant_add
from mentoring.scheduling import services
from mentoring.scheduling.models import AGENDA_MAX_LENGTH, LiveSession

pytestmark = pytest.mark.django_db

AGENDA = "**Read** chapter 2 first.\n\n- sampling frames\n- bias <script>alert(1)</script>"


def send(client: Client, method: str, path: str, body: Any) -> Any:
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


# --- Service ------------------------------------------------------------------------------


def test_it_stores_the_agenda_beside_its_sanitised_html(
    alice: User, course: Engagement, session: LiveSession
) -> None:
    created = services.live_session_schedule(
        engagement=course,
        by=alice,
        title="Week 2: sampling",
        starts_at=session.starts_at + timedelta(days=7),
        duration_minutes=60,
        agenda=AGENDA,
    )
    created.refresh_from_db()
    assert created.agenda == AGENDA
    assert "<strong>Read</strong>" in created.agenda_html
    assert "<li>sampling frames</li>" in created.agenda_html
    assert "<script" not in created.agenda_html
    # Without one, both stay empty.
    assert (session.agenda, session.agenda_html) == ("", "")


def test_it_changes_the_agenda_and_bumps_the_sequence(alice: User, session: LiveSession) -> None:
    changed = services.live_session_update(session=session, by=alice, agenda="*Bring* data")
    changed.refresh_from_db()
    assert changed.agenda_html == "<p><em>Bring</em> data</p>"
    assert changed.sequence == 1
    same = services.live_session_update(session=session, by=alice, agenda="*Bring* data")
    assert same.sequence == 1
    cleared = services.live_session_update(session=session, by=alice, agenda="")
    cleared.refresh_from_db()
    assert (cleared.agenda, cleared.agenda_html, cleared.sequence) == ("", "", 2)


def test_it_refuses_a_too_long_agenda_on_its_field(alice: User, session: LiveSession) -> None:
    with pytest.raises(ValidationError) as caught:
        services.live_session_update(
            session=session, by=alice, agenda="a" * (AGENDA_MAX_LENGTH + 1)
        )
    assert "agenda" in caught.value.message_dict
    session.refresh_from_db()
    assert (session.agenda, session.sequence) == ("", 0)


# --- Pages --------------------------------------------------------------------------------


def test_it_shows_the_agenda_on_the_session_page_to_participants(
    login: Callable[[User], Client], alice: User, bob: User, session: LiveSession
) -> None:
    participant_add(engagement=session.engagement, user=bob, role=ParticipantRole.LEARNER, by=alice)
    page = reverse("live_session_detail", args=[session.pk])
    assert "Agenda" not in login(bob).get(page).content.decode()
    services.live_session_update(session=session, by=alice, agenda=AGENDA)
    body = login(bob).get(page).content.decode()
    assert "<h2>Agenda</h2>" in body
    assert "<strong>Read</strong> chapter 2 first." in body
    assert "<script>alert(1)</script>" not in body


def test_it_schedules_and_edits_the_agenda_from_the_form(
    login: Callable[[User], Client], alice: User, course: Engagement
) -> None:
    client = login(alice)
    r = client.post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Week 2",
            "starts_at": "2099-01-01T10:00",  # refused: kept with the agenda
            "duration_minutes": "60",
            "agenda": "Chapter *two*",
        },
    )
    assert r.status_code == 200
    assert "Chapter *two*</textarea>" in r.content.decode()
    assert not LiveSession.objects.exists()
    tomorrow = timezone.now() + timedelta(days=1)
    r = client.post(
        reverse("live_session_create", args=[course.pk]),
        {
            "title": "Week 2",
            "starts_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "60",
            "agenda": "Chapter *two*",
        },
    )
    assert r.status_code == 302
    session = LiveSession.objects.get()
    assert session.agenda_html == "<p>Chapter <em>two</em></p>"
    edit = reverse("live_session_edit", args=[session.pk])
    form = client.get(edit).content.decode()
    assert "Chapter *two*</textarea>" in form
    assert 'name="weekly_sessions"' not in form  # a series is made at once, changed one by one
    r = client.post(
        edit,
        {
            "title": "Week 2",
            "starts_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "60",
            "agenda": "Chapter *three*",
        },
    )
    assert r.status_code == 302
    session.refresh_from_db()
    assert (session.agenda_html, session.sequence) == ("<p>Chapter <em>three</em></p>", 1)


# --- Calendar and API ---------------------------------------------------------------------


def test_it_puts_the_agenda_in_the_calendar_description(
    alice: User, session: LiveSession, settings: Settings
) -> None:
    settings.SITE_URL = "https://dkn.example.org"
    services.live_session_update(session=session, by=alice, agenda="Read chapter 2.\nBring data.")
    token = services.calendar_feed_ensure(user=alice).token
    body = Client().get(reverse("calendar_feed", args=[token])).content
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    description = str(event["description"])
    assert description.startswith(f"https://dkn.example.org/sessions/{session.pk}/")
    assert "Read chapter 2.\nBring data." in description


def test_it_reads_and_writes_the_agenda_over_the_api(
    login: Callable[[User], Client], alice: User, bob: User, course: Engagement
) -> None:
    client = login(alice)
    r = send(
        client,
        "post",
        f"/api/engagements/{course.pk}/sessions",
        {
            "title": "Week 2",
            "starts_at": (timezone.now() + timedelta(days=2)).isoformat(),
            "duration_minutes": 60,
            "agenda": "**Sampling**",
        },
    )
    assert r.status_code == 201
    created = r.json()
    assert (created["agenda"], created["agenda_html"]) == (
        "**Sampling**",
        "<p><strong>Sampling</strong></p>",
    )
    path = f"/api/sessions/{created['id']}"
    r = send(client, "patch", path, {"agenda": "*Bias*"})
    assert r.status_code == 200
    assert (r.json()["agenda_html"], r.json()["sequence"]) == ("<p><em>Bias</em></p>", 1)
    r = send(client, "patch", path, {"agenda": "x" * (AGENDA_MAX_LENGTH + 1)})
    assert r.status_code == 422
    r = send(client, "patch", path, {"agenda": None})
    assert (r.json()["agenda"], r.json()["agenda_html"]) == ("", "")
    # A learner reads it, and may not write it.
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    learner = login(bob)
    assert learner.get(path).json()["agenda"] == ""
    assert send(learner, "patch", path, {"agenda": "Mine"}).status_code == 403

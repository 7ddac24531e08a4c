"""Session times are stored in UTC and shown in each viewer's own time zone."""

import re
from collections.abc import Callable
from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement
from tests.mentoring.mentorships.conftest import log

HELD = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def shown(content: str) -> str:
    match = re.search(r'<time datetime="[^"]*" id="held-at">([^<]+)</time>', content)
    assert match, "no held-at time on the page"
    return match.group(1)


def test_it_shows_held_at_in_each_viewers_time_zone(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    User.objects.filter(pk=alice.pk).update(timezone="Africa/Dakar")
    User.objects.filter(pk=bob.pk).update(timezone="Asia/Tokyo")
    session = log(mentorship, alice, held_at=HELD)
    url = reverse("mentorship_session_detail", args=[mentorship.pk, session.pk])

    dakar = login(alice).get(url).content.decode()
    tokyo = login(bob).get(url).content.decode()
    assert shown(dakar) == "March 1, 2024, 10 a.m."
    assert shown(tokyo) == "March 1, 2024, 7 p.m."
    # The machine-readable time is the same instant for both.
    assert 'datetime="2024-03-01T10:00:00+00:00"' in dakar
    assert 'datetime="2024-03-01T10:00:00+00:00"' in tokyo

    # The session log and the engagement page's panel follow the same rule.
    sessions = reverse("mentorship_sessions", args=[mentorship.pk])
    assert "March 1, 2024, 7 p.m." in login(bob).get(sessions).content.decode()
    assert "March 1, 2024, 10 a.m." in login(alice).get(sessions).content.decode()
    panel = login(bob).get(mentorship.get_absolute_url()).content.decode()
    assert "March 1, 2024, 7 p.m." in panel

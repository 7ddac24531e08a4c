"""A live session of the mentorship (alice mentors, so she hosts; bob is the mentee) and
helpers to run the room's services as someone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement
from mentoring.rooms import services
from mentoring.rooms.models import Room
from mentoring.scheduling.models import LiveSession


@pytest.fixture
def live(mentorship: Engagement, alice: User) -> LiveSession:
    session = LiveSession(
        engagement=mentorship,
        title="Budget review",
        starts_at=timezone.now() + timedelta(minutes=5),
        duration_minutes=60,
        created_by=alice,
    )
    session.set_agenda("# Welcome\n---\n## Budget\n---\n## Questions")
    session.save()
    return session


@pytest.fixture
def open_room(live: LiveSession, alice: User) -> Room:
    services.room_open(session=live, actor=alice, client_id="open")
    return Room.objects.get(pk=live.pk)

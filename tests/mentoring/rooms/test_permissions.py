"""`room_role`: who is in a live room, and as what."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from mentoring.engagements.models import Engagement, EngagementStatus, Participant
from mentoring.rooms.models import Removal, Room
from mentoring.rooms.permissions import room_role
from mentoring.scheduling.models import LiveSession

pytestmark = pytest.mark.django_db


def test_it_makes_the_managers_hosts_and_the_others_participants(
    live: LiveSession, alice: User, bob: User
) -> None:
    assert room_role(alice, live) == "host"
    assert room_role(bob, live) == "participant"


def test_it_lets_moderators_and_staff_in_as_moderators(
    live: LiveSession, moderator: User, make_user: Callable[..., User]
) -> None:
    staff = make_user("staff@example.org", is_staff=True)

    assert room_role(moderator, live) == "moderator"
    assert room_role(staff, live) == "moderator"


def test_it_keeps_outsiders_and_anonymous_people_out(live: LiveSession, charlie: User) -> None:
    assert room_role(charlie, live) is None
    assert room_role(AnonymousUser(), live) is None


def test_it_makes_an_admin_of_the_engagements_institution_a_host(
    live: LiveSession, mentorship: Engagement, institution: Institution, alice: User
) -> None:
    Participant.objects.filter(engagement=mentorship, user=alice).update(left_at=timezone.now())
    assert room_role(alice, live) is None

    mentorship.institution = institution
    mentorship.save()

    assert room_role(alice, live) == "host"


def test_it_keeps_out_someone_who_left_the_engagement(
    live: LiveSession, mentorship: Engagement, bob: User
) -> None:
    Participant.objects.filter(engagement=mentorship, user=bob).update(left_at=timezone.now())

    assert room_role(bob, live) is None


def test_it_keeps_out_someone_who_was_removed(
    live: LiveSession, alice: User, bob: User, moderator: User
) -> None:
    room = Room.objects.create(session=live)
    Removal.objects.create(room=room, user=bob, removed_by=alice)
    Removal.objects.create(room=room, user=moderator, removed_by=alice)

    assert room_role(bob, live) is None
    assert room_role(moderator, live) is None
    assert room_role(alice, live) == "host"


def test_it_lets_nobody_into_a_cancelled_session(
    live: LiveSession, alice: User, bob: User, moderator: User
) -> None:
    live.cancelled_at = timezone.now()
    live.save()

    assert [room_role(u, live) for u in (alice, bob, moderator)] == [None, None, None]


@pytest.mark.parametrize("status", [EngagementStatus.COMPLETED, EngagementStatus.CANCELLED])
def test_it_lets_nobody_in_once_the_engagement_is_over(
    live: LiveSession, mentorship: Engagement, alice: User, moderator: User, status: str
) -> None:
    mentorship.status = status
    mentorship.save()

    assert room_role(alice, live) is None
    assert room_role(moderator, live) is None


def test_it_lets_people_in_while_the_engagement_is_proposed_active_or_paused(
    live: LiveSession, mentorship: Engagement, bob: User
) -> None:
    for status in (EngagementStatus.PROPOSED, EngagementStatus.ACTIVE, EngagementStatus.PAUSED):
        mentorship.status = status
        mentorship.save()
        assert room_role(bob, live) == "participant"

"""Many people sending at once (PostgreSQL: real row locks): the sequence stays dense and a
repeated client_id is stored once, whichever request wins."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement, ParticipantRole, Side
from mentoring.engagements.services import participant_add
from mentoring.rooms import services
from mentoring.rooms.models import Room, RoomEvent
from mentoring.scheduling.models import LiveSession

THREADS = 6
MESSAGES = 8


def _run_in_threads(work: Callable[[int], None], count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(n)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_it_numbers_concurrent_events_densely(
    postgres: None,
    live: LiveSession,
    alice: User,
    mentorship: Engagement,
    make_user: Callable[..., User],
) -> None:
    services.room_open(session=live, actor=alice, client_id="open")
    people = [make_user(f"mentee{n}@example.org", name=f"Mentee {n}") for n in range(THREADS)]
    for person in people:
        participant_add(
            engagement=mentorship,
            user=person,
            role=ParticipantRole.MENTEE,
            side=Side.INSTITUTION,
            by=alice,
        )

    def send(n: int) -> None:
        session = LiveSession.objects.select_related("engagement").get(pk=live.pk)
        for m in range(MESSAGES):
            services.reaction_send(session=session, actor=people[n], emoji="👍", client_id=f"r{m}")

    assert _run_in_threads(send, THREADS) == []

    seqs = list(RoomEvent.objects.filter(room_id=live.pk).values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * MESSAGES + 2))
    assert Room.objects.get(pk=live.pk).last_seq == THREADS * MESSAGES + 1


@pytest.mark.django_db(transaction=True)
def test_it_stores_a_client_id_sent_at_once_from_several_tabs_once(
    postgres: None, live: LiveSession, alice: User, bob: User
) -> None:
    services.room_open(session=live, actor=alice, client_id="open")
    returned: list[int] = []

    def send(n: int) -> None:
        session = LiveSession.objects.select_related("engagement").get(pk=live.pk)
        event = services.chat_send(session=session, actor=bob, text="once", client_id="same")
        returned.append(event.pk)

    assert _run_in_threads(send, THREADS) == []

    stored = RoomEvent.objects.filter(room_id=live.pk, type="chat.message")
    assert stored.count() == 1
    assert set(returned) == {stored.get().pk}
    assert Room.objects.get(pk=live.pk).last_seq == 2


@pytest.mark.django_db(transaction=True)
def test_it_creates_the_room_once_when_two_people_arrive_together(
    postgres: None, live: LiveSession
) -> None:
    rooms: list[int] = []

    def arrive(n: int) -> None:
        session = LiveSession.objects.get(pk=live.pk)
        rooms.append(services.room_get_or_create(session).pk)

    assert _run_in_threads(arrive, THREADS) == []
    assert set(rooms) == {live.pk}
    assert Room.objects.count() == 1

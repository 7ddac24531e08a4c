"""The room's services: one per client message, each storing one event with the next seq."""

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from diaspora.accounts.models import User
from mentoring.courses.models import Material, MaterialKind
from mentoring.engagements.models import Engagement, TimelineEntry, TimelineVerb
from mentoring.rooms import selectors, services
from mentoring.rooms.models import (
    Hand,
    Poll,
    PollStatus,
    PollVote,
    Question,
    QuestionStatus,
    QuestionVote,
    Removal,
    Room,
    RoomEvent,
    RoomState,
    Visit,
)
from mentoring.scheduling.models import LiveSession
from realtime import groups, protocol

pytestmark = pytest.mark.django_db


def types(room: Room | LiveSession) -> list[str]:
    return list(RoomEvent.objects.filter(room_id=room.pk).values_list("type", flat=True))


# --- Opening, ending and the sequence ------------------------------------------------------


def test_it_opens_the_room_for_the_host_only(live: LiveSession, alice: User, bob: User) -> None:
    with pytest.raises(PermissionDenied):
        services.room_open(session=live, actor=bob, client_id="b")

    event = services.room_open(session=live, actor=alice, client_id="a")

    room = Room.objects.get(pk=live.pk)
    assert room.state == RoomState.OPEN
    assert room.opened_at is not None
    assert (event.seq, event.type, event.actor) == (1, "room.opened", alice)
    assert event.payload == {"state": "open", "by": {"id": alice.pk, "name": "Alice Ndiaye"}}


def test_it_refuses_to_open_an_open_room(open_room: Room, alice: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.room_open(session=open_room.session, actor=alice, client_id="again")

    assert "already open" in str(error.value)
    assert types(open_room) == ["room.opened"]


def test_it_refuses_messages_while_the_room_is_in_the_lobby(live: LiveSession, bob: User) -> None:
    with pytest.raises(services.RoomNotOpen):
        services.chat_send(session=live, actor=bob, text="hello?", client_id="c1")

    assert types(live) == []


def test_it_ends_the_room_and_records_it_on_the_timeline(
    open_room: Room, alice: User, bob: User, moderator: User, mentorship: Engagement
) -> None:
    session = open_room.session
    services.visit_start(room=open_room, user=alice, channel_name="a1")
    services.visit_start(room=open_room, user=alice, channel_name="a2")
    services.visit_start(room=open_room, user=bob, channel_name="b1")
    services.visit_start(room=open_room, user=moderator, channel_name="m1")  # not counted
    poll = services.poll_open(
        session=session, actor=alice, question="Ready?", choices=["Yes", "No"], client_id="p"
    ).payload["poll"]

    event = services.room_end(session=session, actor=alice, client_id="end")

    room = Room.objects.get(pk=session.pk)
    assert (room.state, event.type, event.seq) == (RoomState.ENDED, "room.ended", 3)
    assert room.ended_at is not None
    assert Poll.objects.get(pk=poll["id"]).status == PollStatus.CLOSED
    entry = TimelineEntry.objects.get(engagement=mentorship, verb=TimelineVerb.LIVE_SESSION_HELD)
    assert entry.params["session"] == "Budget review"
    assert entry.params["people"] == 2
    assert entry.actor == alice
    try:
        expected = reverse("room_replay", args=[session.pk])
    except Exception:
        expected = reverse("live_session_detail", args=[session.pk])
    assert entry.url == expected
    with pytest.raises(services.RoomNotOpen):
        services.chat_send(session=session, actor=bob, text="still here?", client_id="late")
    with pytest.raises(services.RoomNotOpen):
        services.room_open(session=session, actor=alice, client_id="reopen")


def test_it_lets_only_the_host_end_the_room(open_room: Room, bob: User) -> None:
    with pytest.raises(PermissionDenied):
        services.room_end(session=open_room.session, actor=bob, client_id="x")

    assert Room.objects.get(pk=open_room.pk).state == RoomState.OPEN


def test_it_numbers_events_densely_and_reads_them_back_in_order(
    open_room: Room, alice: User, bob: User
) -> None:
    session = open_room.session
    for n in range(5):
        services.chat_send(session=session, actor=bob, text=f"message {n}", client_id=f"m{n}")

    assert list(RoomEvent.objects.filter(room=open_room).values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert Room.objects.get(pk=open_room.pk).last_seq == 6
    assert [e.seq for e in selectors.events_after(open_room, 2)] == [3, 4, 5, 6]
    assert [e.seq for e in selectors.events_after(open_room, 2, before=5)] == [3, 4]
    assert [e.seq for e in selectors.events_after(open_room, 0, limit=2)] == [1, 2]
    assert [e.seq for e in selectors.events_after(open_room, 6)] == []


def test_it_makes_a_frame_of_an_event(open_room: Room, bob: User) -> None:
    event = services.chat_send(session=open_room.session, actor=bob, text="*hi*", client_id="c")

    frame = selectors.event_frame(event)

    assert frame == {
        "type": "chat.message",
        "seq": 2,
        "ts": event.created_at.isoformat().replace("+00:00", "Z"),
        "author": {"id": bob.pk, "name": "Bob Mensah"},
        "html": "<p><em>hi</em></p>",
        "client_id": "c",
    }
    assert frame["ts"].endswith("Z")


# --- Idempotency --------------------------------------------------------------------------


def test_it_returns_the_stored_event_for_a_repeated_client_id(
    open_room: Room, alice: User, bob: User
) -> None:
    session = open_room.session
    first = services.question_ask(session=session, actor=bob, text="Why?", client_id="q1")

    again = services.question_ask(session=session, actor=bob, text="Why?", client_id="q1")

    assert again.pk == first.pk
    assert Question.objects.count() == 1
    assert Room.objects.get(pk=open_room.pk).last_seq == 2
    # The same client_id from someone else is their own message.
    other = services.question_ask(session=session, actor=alice, text="Why?", client_id="q1")
    assert other.pk != first.pk


def test_it_does_not_broadcast_a_repeated_message(
    open_room: Room, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    session = open_room.session
    with mock.patch.object(services, "send_group") as send:
        with django_capture_on_commit_callbacks(execute=True):
            services.reaction_send(session=session, actor=bob, emoji="🎉", client_id="r")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.reaction_send(session=session, actor=bob, emoji="🎉", client_id="r")

    assert callbacks == []
    send.assert_called_once()


def test_it_returns_the_stored_event_when_a_racing_insert_wins(open_room: Room, bob: User) -> None:
    session = open_room.session
    stored = services.chat_send(session=session, actor=bob, text="hi", client_id="race")
    real_stored = services._stored
    calls: list[int] = []

    def miss_twice(room_id: int, actor: User, client_id: str) -> RoomEvent | None:
        # Both looks before the insert find nothing, as if the other request had not
        # committed yet: the insert hits the unique constraint.
        calls.append(1)
        return None if len(calls) <= 2 else real_stored(room_id, actor, client_id)

    with mock.patch.object(services, "_stored", side_effect=miss_twice):
        again = services.chat_send(session=session, actor=bob, text="hi", client_id="race")

    assert len(calls) == 3
    assert again.pk == stored.pk
    assert RoomEvent.objects.filter(room=open_room).count() == 2
    assert Room.objects.get(pk=open_room.pk).last_seq == 2


def test_it_refuses_a_client_id_longer_than_64_characters(open_room: Room, bob: User) -> None:
    with pytest.raises(ValidationError) as error:
        services.chat_send(session=open_room.session, actor=bob, text="hi", client_id="x" * 65)

    assert "client_id" in error.value.message_dict


# --- Broadcasting -------------------------------------------------------------------------


def test_it_broadcasts_the_frame_only_after_commit(
    open_room: Room, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch.object(services, "send_group") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        event = services.chat_send(session=open_room.session, actor=bob, text="hi", client_id="c")
        send.assert_not_called()

    assert len(callbacks) == 1
    send.assert_called_once_with(
        groups.live_room(open_room.pk),
        {"type": protocol.LIVE_EVENT, "event": selectors.event_frame(event)},
    )


def test_it_broadcasts_nothing_when_the_message_is_refused(
    open_room: Room, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch.object(services, "send_group") as send,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),
    ):
        services.chat_send(session=open_room.session, actor=bob, text="  ", client_id="c")

    send.assert_not_called()


# --- Chat and questions -------------------------------------------------------------------


def test_it_renders_chat_markdown_once_and_sanitises_it(open_room: Room, bob: User) -> None:
    event = services.chat_send(
        session=open_room.session,
        actor=bob,
        text="**bold** <script>alert(1)</script>",
        client_id="c",
    )

    assert "<strong>bold</strong>" in event.payload["html"]
    assert "<script>" not in event.payload["html"]


@pytest.mark.parametrize(
    ("text", "field_message"),
    [("", "Write something"), ("   ", "Write something"), ("x" * 5001, "limit is 5,000"), (7, "")],
)
def test_it_refuses_an_empty_or_too_long_chat_message(
    open_room: Room, bob: User, text: object, field_message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        services.chat_send(session=open_room.session, actor=bob, text=text, client_id="c")

    assert field_message in " ".join(error.value.message_dict["text"])


def test_it_lets_an_outsider_say_nothing(open_room: Room, charlie: User) -> None:
    with pytest.raises(PermissionDenied):
        services.chat_send(session=open_room.session, actor=charlie, text="hi", client_id="c")


def test_it_asks_and_votes_for_questions_once_per_person(
    open_room: Room, alice: User, bob: User, moderator: User
) -> None:
    session = open_room.session
    asked = services.question_ask(session=session, actor=bob, text="What *is* it?", client_id="q")
    question = asked.payload["question"]
    assert question == {
        "id": Question.objects.get().pk,
        "author": {"id": bob.pk, "name": "Bob Mensah"},
        "html": "<p>What <em>is</em> it?</p>",
        "votes": 0,
        "status": "open",
    }

    own = services.question_vote(session=session, actor=bob, question_id=question["id"])
    other = services.question_vote(session=session, actor=moderator, question_id=question["id"])
    with pytest.raises(ValidationError) as error:
        services.question_vote(session=session, actor=bob, question_id=question["id"])

    assert own.payload == {"question_id": question["id"], "votes": 1}
    assert other.payload == {"question_id": question["id"], "votes": 2}
    assert "already voted" in str(error.value)
    assert QuestionVote.objects.count() == 2
    assert Question.objects.get().votes == 2


@pytest.mark.parametrize("question_id", [999_999, "1", None, True, -1])
def test_it_refuses_a_vote_for_a_missing_question(
    open_room: Room, bob: User, question_id: object
) -> None:
    with pytest.raises(ValidationError) as error:
        services.question_vote(session=open_room.session, actor=bob, question_id=question_id)

    assert "question_id" in error.value.message_dict


def test_it_refuses_a_question_of_another_room(
    open_room: Room, alice: User, bob: User, mentorship: Engagement
) -> None:
    other = LiveSession.objects.create(
        engagement=mentorship,
        title="Other",
        starts_at=open_room.session.starts_at,
        duration_minutes=30,
    )
    services.room_open(session=other, actor=alice, client_id="o")
    question = services.question_ask(session=other, actor=bob, text="Elsewhere", client_id="q")

    with pytest.raises(ValidationError):
        services.question_vote(
            session=open_room.session, actor=bob, question_id=question.payload["question"]["id"]
        )


def test_it_lets_the_host_mark_questions_answered_or_hidden(
    open_room: Room, alice: User, bob: User
) -> None:
    session = open_room.session
    question_id = services.question_ask(
        session=session, actor=bob, text="One?", client_id="q"
    ).payload["question"]["id"]
    with pytest.raises(PermissionDenied):
        services.question_mark(
            session=session, actor=bob, question_id=question_id, status="answered"
        )

    answered = services.question_mark(
        session=session, actor=alice, question_id=question_id, status="answered"
    )
    hidden = services.question_mark(
        session=session, actor=alice, question_id=question_id, status="hidden"
    )

    assert (answered.type, answered.payload) == ("question.answered", {"question_id": question_id})
    assert (hidden.type, hidden.payload) == ("question.hidden", {"question_id": question_id})
    assert Question.objects.get().status == QuestionStatus.HIDDEN
    with pytest.raises(ValidationError):
        services.question_vote(session=session, actor=bob, question_id=question_id)
    with pytest.raises(ValidationError):
        services.question_mark(session=session, actor=alice, question_id=question_id, status="open")


# --- Polls --------------------------------------------------------------------------------


def test_it_runs_a_poll_and_never_says_who_voted(
    open_room: Room, alice: User, bob: User, moderator: User
) -> None:
    session = open_room.session
    opened = services.poll_open(
        session=session, actor=alice, question="Which day?", choices=[" Mon ", "Tue", "Wed"]
    )
    poll_id = opened.payload["poll"]["id"]
    assert opened.payload == {
        "poll": {"id": poll_id, "question": "Which day?", "choices": ["Mon", "Tue", "Wed"]}
    }

    first = services.poll_vote(session=session, actor=bob, poll_id=poll_id, choice=1)
    second = services.poll_vote(session=session, actor=moderator, poll_id=poll_id, choice=1)
    with pytest.raises(ValidationError) as twice:
        services.poll_vote(session=session, actor=bob, poll_id=poll_id, choice=0)
    closed = services.poll_close(session=session, actor=alice, poll_id=poll_id)

    assert first.payload == {"poll_id": poll_id, "tally": [0, 1, 0]}
    assert second.payload == {"poll_id": poll_id, "tally": [0, 2, 0]}
    assert "already voted" in str(twice.value)
    assert closed.payload == {"poll_id": poll_id, "tally": [0, 2, 0]}
    assert PollVote.objects.count() == 2
    with pytest.raises(ValidationError) as late:
        services.poll_vote(session=session, actor=alice, poll_id=poll_id, choice=0)
    assert "closed" in str(late.value)
    with pytest.raises(ValidationError):
        services.poll_close(session=session, actor=alice, poll_id=poll_id)


@pytest.mark.parametrize(
    ("question", "choices", "field"),
    [
        ("Q?", ["only one"], "choices"),
        ("Q?", [str(n) for n in range(11)], "choices"),
        ("Q?", ["a", "  "], "choices"),
        ("Q?", ["a", 3], "choices"),
        ("Q?", "a,b", "choices"),
        ("Q?", ["a", "b" * 201], "choices"),
        ("Q?", ["Same", "same "], "choices"),
        ("", ["a", "b"], "question"),
        ("q" * 301, ["a", "b"], "question"),
    ],
)
def test_it_refuses_a_malformed_poll(
    open_room: Room, alice: User, question: str, choices: object, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        services.poll_open(
            session=open_room.session, actor=alice, question=question, choices=choices
        )

    assert field in error.value.message_dict
    assert Poll.objects.count() == 0


def test_it_lets_only_the_host_open_and_close_polls(
    open_room: Room, alice: User, bob: User
) -> None:
    session = open_room.session
    with pytest.raises(PermissionDenied):
        services.poll_open(session=session, actor=bob, question="Q?", choices=["a", "b"])
    poll_id = services.poll_open(
        session=session, actor=alice, question="Q?", choices=["a", "b"]
    ).payload["poll"]["id"]
    with pytest.raises(PermissionDenied):
        services.poll_close(session=session, actor=bob, poll_id=poll_id)


@pytest.mark.parametrize("choice", [2, -1, "0", None, True])
def test_it_refuses_a_vote_for_a_missing_choice(
    open_room: Room, alice: User, bob: User, choice: object
) -> None:
    session = open_room.session
    poll_id = services.poll_open(
        session=session, actor=alice, question="Q?", choices=["a", "b"]
    ).payload["poll"]["id"]

    with pytest.raises(ValidationError) as error:
        services.poll_vote(session=session, actor=bob, poll_id=poll_id, choice=choice)

    assert "choice" in error.value.message_dict


# --- Hands and reactions ------------------------------------------------------------------


def test_it_keeps_one_raised_hand_per_person(open_room: Room, alice: User, bob: User) -> None:
    session = open_room.session
    raised = services.hand_raise(session=session, actor=bob)
    with pytest.raises(ValidationError):
        services.hand_raise(session=session, actor=bob)

    lowered = services.hand_lower(session=session, actor=bob)
    again = services.hand_raise(session=session, actor=bob)

    assert raised.payload == {"user": {"id": bob.pk, "name": "Bob Mensah"}}
    assert lowered.payload == {
        "user": {"id": bob.pk, "name": "Bob Mensah"},
        "by": {"id": bob.pk, "name": "Bob Mensah"},
    }
    assert again.type == "hand.raised"
    assert Hand.objects.filter(user=bob).count() == 2
    with pytest.raises(ValidationError):
        services.hand_lower(session=session, actor=alice)


def test_it_lets_the_host_lower_anyones_hand_and_nobody_else(
    open_room: Room, alice: User, bob: User, moderator: User
) -> None:
    session = open_room.session
    services.hand_raise(session=session, actor=bob)
    with pytest.raises(PermissionDenied):
        services.hand_lower(session=session, actor=moderator, user=bob.pk)

    lowered = services.hand_lower(session=session, actor=alice, user=bob.pk)

    assert lowered.payload["user"]["id"] == bob.pk
    assert lowered.payload["by"]["id"] == alice.pk
    hand = Hand.objects.get(user=bob)
    assert hand.lowered_by == alice
    assert hand.lowered_at is not None


@pytest.mark.parametrize("emoji", ["👍", "👏", "❤️", "❤", "😂", "😮", "🎉"])
def test_it_sends_an_allowed_reaction(open_room: Room, bob: User, emoji: str) -> None:
    event = services.reaction_send(session=open_room.session, actor=bob, emoji=emoji)

    assert event.type == "reaction"
    assert event.payload["emoji"] in services.REACTIONS
    assert event.payload["user"] == {"id": bob.pk, "name": "Bob Mensah"}


@pytest.mark.parametrize("emoji", ["💩", "", "👍👍", None, 1])
def test_it_refuses_any_other_reaction(open_room: Room, bob: User, emoji: object) -> None:
    with pytest.raises(ValidationError) as error:
        services.reaction_send(session=open_room.session, actor=bob, emoji=emoji)

    assert "emoji" in error.value.message_dict


# --- Slides -------------------------------------------------------------------------------


def test_it_splits_slides_on_lines_that_are_exactly_three_dashes() -> None:
    text = "# One\n---\nTwo\n----\n --- \nstill two\r\n---\r\nThree"

    assert services.split_slides(text) == ["# One", "Two\n----\n --- \nstill two", "Three"]
    assert services.split_slides("") == [""]


def test_it_shows_a_slide_of_a_page(open_room: Room, alice: User, mentorship: Engagement) -> None:
    page = Material(engagement=mentorship, kind=MaterialKind.PAGE, title="Deck")
    page.set_body("# Intro\n---\n## Method\n---\n## End")
    page.save()

    shown = services.slide_show(
        session=open_room.session, actor=alice, material_id=page.pk, index=1
    )
    clamped = services.slide_show(
        session=open_room.session, actor=alice, material_id=page.pk, index=99
    )

    assert shown.payload == {
        "material_id": page.pk,
        "title": "Deck",
        "index": 1,
        "count": 3,
        "html": "<h2>Method</h2>",
    }
    assert (clamped.payload["index"], clamped.payload["html"]) == (2, "<h2>End</h2>")
    room = Room.objects.get(pk=open_room.pk)
    assert (room.slide_material, room.slide_index) == (page, 2)


def test_it_shows_the_agenda_without_a_material(open_room: Room, alice: User) -> None:
    shown = services.slide_show(session=open_room.session, actor=alice, material_id=None, index=0)

    assert shown.payload["material_id"] is None
    assert shown.payload["title"] == "Budget review"
    assert shown.payload["count"] == 3
    assert shown.payload["html"] == "<h1>Welcome</h1>"


def test_it_refuses_a_file_or_a_page_of_another_engagement(
    open_room: Room, alice: User, bob: User, course: Engagement, mentorship: Engagement
) -> None:
    foreign = Material.objects.create(engagement=course, kind=MaterialKind.PAGE, title="x")
    upload = Material.objects.create(engagement=mentorship, kind=MaterialKind.FILE, title="f")

    for material in (foreign, upload):
        with pytest.raises(ValidationError) as error:
            services.slide_show(
                session=open_room.session, actor=alice, material_id=material.pk, index=0
            )
        assert "material_id" in error.value.message_dict
    with pytest.raises(ValidationError) as negative:
        services.slide_show(session=open_room.session, actor=alice, material_id=None, index=-1)
    assert "index" in negative.value.message_dict
    with pytest.raises(PermissionDenied):
        services.slide_show(session=open_room.session, actor=bob, material_id=None, index=0)


# --- Removing someone ---------------------------------------------------------------------


def test_it_removes_a_participant_and_closes_their_sockets_after_commit(
    open_room: Room, alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    session = open_room.session
    services.hand_raise(session=session, actor=bob)
    with (
        mock.patch.object(services, "send_group") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = services.participant_remove(
            session=session, actor=alice, user=bob.pk, reason="Spamming the chat"
        )
        send.assert_not_called()

    assert event.type == "participant.removed"
    assert event.payload == {
        "user": {"id": bob.pk, "name": "Bob Mensah"},
        "by": {"id": alice.pk, "name": "Alice Ndiaye"},
    }
    assert "Spamming" not in str(event.payload)
    removal = Removal.objects.get()
    assert (removal.user, removal.removed_by, removal.reason) == (bob, alice, "Spamming the chat")
    assert send.call_args_list[0] == mock.call(
        groups.live_member(session.pk, bob.pk), {"type": protocol.LIVE_KICK}
    )
    assert send.call_args_list[1].args[1]["event"]["type"] == "participant.removed"
    assert not Hand.objects.filter(user=bob, lowered_at__isnull=True).exists()
    with pytest.raises(PermissionDenied):
        services.chat_send(session=session, actor=bob, text="let me back", client_id="c")


def test_it_lets_a_moderator_remove_but_never_a_host(
    open_room: Room, alice: User, bob: User, moderator: User
) -> None:
    session = open_room.session
    with pytest.raises(ValidationError) as host:
        services.participant_remove(session=session, actor=moderator, user=alice.pk)
    assert "host cannot be removed" in str(host.value)

    services.participant_remove(session=session, actor=moderator, user=bob.pk)

    assert Removal.objects.get().user == bob
    with pytest.raises(ValidationError) as twice:
        services.participant_remove(session=session, actor=moderator, user=bob.pk)
    assert "already removed" in str(twice.value)


def test_it_refuses_removals_by_participants_and_of_outsiders(
    open_room: Room, alice: User, bob: User, charlie: User, moderator: User
) -> None:
    session = open_room.session
    with pytest.raises(PermissionDenied):
        services.participant_remove(session=session, actor=bob, user=moderator.pk)
    with pytest.raises(ValidationError):
        services.participant_remove(session=session, actor=alice, user=charlie.pk)
    with pytest.raises(ValidationError):
        services.participant_remove(session=session, actor=alice, user=alice.pk)
    with pytest.raises(ValidationError):
        services.participant_remove(session=session, actor=alice, user=bob.pk, reason="x" * 1001)
    assert Removal.objects.count() == 0


# --- Visits and presence ------------------------------------------------------------------


def test_it_shows_who_is_connected_once_each_hosts_first(
    live: LiveSession, alice: User, bob: User, moderator: User
) -> None:
    room = services.room_get_or_create(live)
    assert services.room_get_or_create(live) == room
    laptop = services.visit_start(room=room, user=bob, channel_name="b1")
    services.visit_start(room=room, user=bob, channel_name="b2")
    services.visit_start(room=room, user=moderator, channel_name="m1")
    host = services.visit_start(room=room, user=alice, channel_name="a1")

    assert selectors.presence(room) == [
        {"id": alice.pk, "name": "Alice Ndiaye", "role": "host", "in_call": False},
        {"id": bob.pk, "name": "Bob Mensah", "role": "participant", "in_call": False},
        {"id": moderator.pk, "name": "Maya Moderator", "role": "moderator", "in_call": False},
    ]

    services.visit_end(visit_id=laptop.pk)
    services.visit_end(visit_id=host.pk)
    services.visit_end(visit_id=host.pk)  # twice is harmless

    assert [p["id"] for p in selectors.presence(room)] == [bob.pk, moderator.pk]
    assert Visit.objects.get(pk=host.pk).left_at is not None


def test_it_reads_presence_in_a_fixed_number_of_queries(
    live: LiveSession,
    make_user: Callable[..., User],
    django_assert_num_queries: Any,
) -> None:
    room = services.room_get_or_create(live)
    for n in range(5):
        services.visit_start(room=room, user=make_user(f"p{n}@example.org"), channel_name="c")
    room = Room.objects.select_related("session__engagement").get(pk=room.pk)

    with django_assert_num_queries(3):
        assert len(selectors.presence(room)) == 5


def test_it_renders_a_repeated_message_only_once(open_room: Room, bob: User) -> None:
    session = open_room.session
    with mock.patch.object(services, "render_markdown", wraps=services.render_markdown) as render:
        services.chat_send(session=session, actor=bob, text="*once*", client_id="c")
        services.chat_send(session=session, actor=bob, text="*once*", client_id="c")

    assert render.call_count == 1

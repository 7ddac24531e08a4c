"""After a live session: the replay, attendance from the room's visits and who did what,
with their CSV exports. Rows are made directly: these pages only read them."""

import csv
import io
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.courses.models import Material, MaterialKind
from mentoring.engagements.models import Engagement, ParticipantRole
from mentoring.engagements.services import participant_add
from mentoring.rooms import reports
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

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """A moment `minutes` after the session's start."""
    return START + timedelta(minutes=minutes)


@pytest.fixture
def session(course: Engagement, alice: User, bob: User) -> LiveSession:
    """A session of the course, held on START, with bob as its learner."""
    participant_add(engagement=course, user=bob, role=ParticipantRole.LEARNER, by=alice)
    return LiveSession.objects.create(
        engagement=course, title="Week 1: study design", starts_at=START, duration_minutes=60
    )


@pytest.fixture
def room(session: LiveSession) -> Room:
    return Room.objects.create(
        session=session, state=RoomState.ENDED, opened_at=at(0), ended_at=at(60)
    )


@pytest.fixture
def event(room: Room) -> Callable[..., RoomEvent]:
    def make(
        type: str, payload: dict[str, Any], *, actor: User | None, when: datetime
    ) -> RoomEvent:
        room.last_seq += 1
        room.save(update_fields=["last_seq"])
        return RoomEvent.objects.create(
            room=room, seq=room.last_seq, type=type, payload=payload, actor=actor, created_at=when
        )

    return make


def person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": user.display_name}


def visit(room: Room, user: User, joined: float, left: float | None) -> Visit:
    return Visit.objects.create(
        room=room,
        user=user,
        channel_name=f"c.{user.pk}.{joined}",
        joined_at=at(joined),
        left_at=at(left) if left is not None else None,
    )


def local(value: datetime, zone: str) -> str:
    return formats.date_format(
        timezone.localtime(value, zoneinfo.ZoneInfo(zone)), "DATETIME_FORMAT"
    )


def read_csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def overseer(make_user: Callable[..., User], institution: Institution, course: Engagement) -> User:
    """An admin of the course's institution who does not take part in it."""
    Engagement.objects.filter(pk=course.pk).update(institution=institution)
    olga = make_user("olga@example.org", name="Olga Overseer")
    Membership.objects.create(institution=institution, user=olga, role=MemberRole.ADMIN)
    return olga


# --- Minute arithmetic ----------------------------------------------------------------------


def test_it_counts_overlapping_spans_once() -> None:
    spans = [(at(0), at(30)), (at(10), at(40)), (at(15), at(20)), (at(50), at(60))]
    assert reports.merged_seconds(spans) == 50 * 60
    # Touching spans join; empty and backwards ones count nothing.
    assert reports.merged_seconds([(at(0), at(10)), (at(10), at(20))]) == 20 * 60
    assert reports.merged_seconds([(at(5), at(5)), (at(9), at(3))]) == 0
    assert reports.merged_seconds([]) == 0


def test_it_rounds_to_the_nearest_minute() -> None:
    assert reports.whole_minutes(89) == 1
    assert reports.whole_minutes(90) == 2
    assert reports.whole_minutes(29) == 0


def test_it_counts_two_tabs_of_one_person_once(
    session: LiveSession, room: Room, alice: User, bob: User
) -> None:
    visit(room, bob, 0, 30)
    visit(room, bob, 20, 45)  # a second tab
    visit(room, bob, 50, 55)
    report = reports.attendance(session, room, at(120))
    (row,) = [r for r in report.present if r.person.user_id == bob.pk]
    assert row.minutes == 50
    assert (row.first_join, row.last_leave, row.still_here) == (at(0), at(55), False)
    assert len(row.visits) == 3
    assert [p.user_id for p in report.absent] == [alice.pk]


def test_an_open_visit_counts_until_now_while_the_room_is_open(
    login: Callable[[User], Client], session: LiveSession, room: Room, alice: User, bob: User
) -> None:
    room.state, room.ended_at = RoomState.OPEN, None
    room.save()
    visit(room, bob, 10, None)
    visit(room, bob, 0, 15)
    row = reports.attendance(session, room, at(40)).present[0]
    assert row.minutes == 40
    assert row.still_here and row.last_leave is None
    assert reports.seconds_by_person(room, at(40)) == {bob.pk: 40 * 60}
    page = login(alice).get(reverse("room_attendance", args=[room.pk])).content.decode()
    assert "In the room now" in page
    assert "still here" in page


def test_an_open_visit_counts_until_the_room_ended(
    session: LiveSession, room: Room, alice: User, bob: User
) -> None:
    visit(room, bob, 30, None)  # never closed: the room ended at 60
    visit(room, alice, -5, 70)  # waited before the start; left after the end
    report = reports.attendance(session, room, at(600))
    rows = {r.person.user_id: r for r in report.present}
    assert rows[bob.pk].minutes == 30
    assert not rows[bob.pk].still_here
    assert rows[bob.pk].last_leave == at(60)
    # Nothing counts past the end of the room.
    assert rows[alice.pk].minutes == 65
    assert rows[alice.pk].last_leave == at(60)
    # By first join.
    assert [r.person.user_id for r in report.present] == [alice.pk, bob.pk]
    assert report.absent == []


def test_it_lists_current_participants_who_never_came_as_absent(
    session: LiveSession, room: Room, alice: User, bob: User, make_user: Callable[..., User]
) -> None:
    gone = make_user("gone@example.org", name="Gone Learner")
    participant = participant_add(
        engagement=session.engagement, user=gone, role=ParticipantRole.LEARNER, by=alice
    )
    visit(room, gone, 0, 10)
    participant.left_at = timezone.now()
    participant.save()
    never = make_user("never@example.org", name="Never Came")
    participant_add(
        engagement=session.engagement, user=never, role=ParticipantRole.LEARNER, by=alice
    )
    report = reports.attendance(session, room, at(90))
    # Someone who came and has left the course since still has their visit.
    assert [(r.person.user_id, r.person.role, r.minutes) for r in report.present] == [
        (gone.pk, "", 10)
    ]
    assert [(p.user_id, p.role) for p in report.absent] == [
        (alice.pk, "Instructor"),
        (bob.pk, "Learner"),
        (never.pk, "Learner"),
    ]


def test_without_a_room_everyone_is_absent_and_nothing_replays(
    session: LiveSession, alice: User, bob: User
) -> None:
    report = reports.attendance(session, None, at(90))
    assert report.present == []
    assert {p.user_id for p in report.absent} == {alice.pk, bob.pk}
    assert reports.replay(session, None, show_hidden=True).chat == []
    assert list(reports.replay_csv_rows(session, None)) == []
    assert {r.person.user_id: r.minutes for r in reports.summary(session, None, at(90))} == {
        alice.pk: 0,
        bob.pk: 0,
    }


# --- Permissions ------------------------------------------------------------------------------

PAGES = [
    "room_replay",
    "room_replay_csv",
    "room_attendance",
    "room_attendance_csv",
    "room_summary",
    "room_summary_csv",
]
MANAGER_ONLY = set(PAGES) - {"room_replay"}


@pytest.mark.parametrize("name", PAGES)
def test_every_report_asks_anonymous_people_to_sign_in(
    client: Client, room: Room, name: str
) -> None:
    r = client.get(reverse(name, args=[room.pk]))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PAGES)
def test_every_report_is_a_404_for_an_outsider_and_a_missing_session(
    login: Callable[[User], Client], room: Room, charlie: User, alice: User, name: str
) -> None:
    assert login(charlie).get(reverse(name, args=[room.pk])).status_code == 404
    assert login(alice).get(reverse(name, args=[room.pk + 1000])).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_learner_reads_the_replay_only(
    login: Callable[[User], Client], room: Room, bob: User, name: str
) -> None:
    expected = 403 if name in MANAGER_ONLY else 200
    assert login(bob).get(reverse(name, args=[room.pk])).status_code == expected


@pytest.mark.parametrize("name", PAGES)
def test_the_host_and_an_overseer_read_every_report(
    login: Callable[[User], Client], room: Room, alice: User, overseer: User, name: str
) -> None:
    assert login(alice).get(reverse(name, args=[room.pk])).status_code == 200
    assert login(overseer).get(reverse(name, args=[room.pk])).status_code == 200


def test_a_moderator_outside_the_engagement_gets_404(
    login: Callable[[User], Client], room: Room, moderator: User
) -> None:
    assert login(moderator).get(reverse("room_replay", args=[room.pk])).status_code == 404


def test_the_reports_of_a_session_never_held_say_so(
    login: Callable[[User], Client], session: LiveSession, alice: User, bob: User
) -> None:
    page = login(alice).get(reverse("room_replay", args=[session.pk])).content.decode()
    assert "never opened" in page
    attendance = login(alice).get(reverse("room_attendance", args=[session.pk])).content.decode()
    assert f'id="absent-{bob.pk}"' in attendance
    r = login(alice).get(reverse("room_replay_csv", args=[session.pk]))
    assert r.content == "\ufeffseq,time_utc,type,author,text\r\n".encode()


# --- Replay -----------------------------------------------------------------------------------


@pytest.fixture
def held(
    room: Room, event: Callable[..., RoomEvent], alice: User, bob: User, course: Engagement
) -> dict[str, Any]:
    """A session that took place: chat, questions (one hidden), a poll, slides."""
    event("room.opened", {}, actor=alice, when=at(0))
    material = Material.objects.create(
        engagement=course, kind=MaterialKind.PAGE, title="Cohort studies"
    )
    event(
        "slide.changed",
        {"material_id": None, "index": 0, "html": "<p>Agenda</p>"},
        actor=alice,
        when=at(1),
    )
    event(
        "chat.message",
        {"author": person(alice), "html": "<p>Welcome, <em>everyone</em></p>", "client_id": "a1"},
        actor=alice,
        when=at(2),
    )
    event(
        "chat.message",
        {"author": person(bob), "html": "<p>=HYPERLINK(&quot;x&quot;) hi</p>", "client_id": "b1"},
        actor=bob,
        when=at(3),
    )
    asked = Question.objects.create(
        room=room,
        author=bob,
        text="What is a cohort?",
        text_html="<p>What is a cohort?</p>",
        status=QuestionStatus.ANSWERED,
        votes=1,
        created_at=at(4),
    )
    event(
        "question.asked",
        {
            "question": {
                "id": asked.pk,
                "author": person(bob),
                "html": asked.text_html,
                "votes": 0,
                "status": "open",
            }
        },
        actor=bob,
        when=at(4),
    )
    QuestionVote.objects.create(question=asked, user=alice, created_at=at(5))
    event("question.voted", {"question_id": asked.pk, "votes": 1}, actor=alice, when=at(5))
    hidden = Question.objects.create(
        room=room,
        author=bob,
        text="Off-topic secret",
        text_html="<p>Off-topic secret</p>",
        status=QuestionStatus.HIDDEN,
        created_at=at(6),
    )
    event("question.hidden", {"question_id": hidden.pk}, actor=alice, when=at(7))
    poll = Poll.objects.create(
        room=room,
        question="Which design?",
        choices=["Cohort", "Case-control", "-1"],
        status=PollStatus.CLOSED,
        opened_by=alice,
        created_at=at(10),
        closed_at=at(15),
    )
    event(
        "poll.opened",
        {"poll": {"id": poll.pk, "question": poll.question, "choices": poll.choices}},
        actor=alice,
        when=at(10),
    )
    PollVote.objects.create(poll=poll, user=bob, choice=1)
    event("poll.voted", {"poll_id": poll.pk, "tally": [0, 1, 0]}, actor=bob, when=at(11))
    PollVote.objects.create(poll=poll, user=alice, choice=1)
    event("poll.voted", {"poll_id": poll.pk, "tally": [0, 2, 0]}, actor=alice, when=at(12))
    event("poll.closed", {"poll_id": poll.pk, "tally": [0, 2, 0]}, actor=alice, when=at(15))
    event(
        "slide.changed",
        {"material_id": material.pk, "index": 2, "html": "<p>Slide</p>"},
        actor=alice,
        when=at(20),
    )
    Hand.objects.create(room=room, user=bob, raised_at=at(21), lowered_at=at(22), lowered_by=alice)
    event("hand.raised", {"user": person(bob)}, actor=bob, when=at(21))
    event("hand.lowered", {"user": person(bob), "by": person(alice)}, actor=alice, when=at(22))
    event("reaction", {"user": person(bob), "emoji": "👏"}, actor=bob, when=at(23))
    event("reaction", {"user": person(bob), "emoji": "🎉"}, actor=bob, when=at(24))
    event("room.ended", {}, actor=alice, when=at(60))
    visit(room, alice, 0, 60)
    visit(room, bob, 5, 35)
    visit(room, bob, 30, None)  # a second tab, never closed
    return {"asked": asked, "hidden": hidden, "poll": poll, "material": material}


def test_the_replay_shows_the_chat_questions_polls_and_slides(
    login: Callable[[User], Client], room: Room, held: dict[str, Any], alice: User
) -> None:
    page = login(alice).get(reverse("room_replay", args=[room.pk])).content.decode()
    assert page.index("Welcome, <em>everyone</em>") < page.index("=HYPERLINK")
    assert "What is a cohort?" in page
    assert "Off-topic secret" in page  # the host sees hidden questions, marked
    assert f'id="question-{held["hidden"].pk}"' in page
    assert "Which design?" in page
    assert "2 voters" in page
    assert '<progress max="100" value="100">' in page
    assert "Agenda, slide 1" in page
    assert "Cohort studies, slide 3" in page
    assert reverse("room_replay_csv", args=[room.pk]) in page


def test_the_replay_keeps_hidden_questions_from_learners(
    login: Callable[[User], Client], room: Room, held: dict[str, Any], bob: User
) -> None:
    page = login(bob).get(reverse("room_replay", args=[room.pk])).content.decode()
    assert "What is a cohort?" in page
    assert "Off-topic secret" not in page
    assert f'id="question-{held["hidden"].pk}"' not in page
    # Learners get no links to the reports they may not read.
    assert reverse("room_attendance", args=[room.pk]) not in page
    assert reverse("room_replay_csv", args=[room.pk]) not in page


def test_the_replay_gives_final_tallies_and_slide_spans(
    session: LiveSession, room: Room, held: dict[str, Any]
) -> None:
    result = reports.replay(session, room, show_hidden=False)
    (poll,) = result.polls
    assert [(c.label, c.votes, c.percent) for c in poll.choices] == [
        ("Cohort", 0, 0),
        ("Case-control", 2, 100),
        ("-1", 0, 0),
    ]
    assert poll.voters == 2
    assert [(s.material, s.number, s.at, s.until) for s in result.slides] == [
        ("", 1, at(1), at(20)),
        ("Cohort studies", 3, at(20), at(60)),
    ]
    assert [q.pk for q in result.questions] == [held["asked"].pk]
    assert [line.seq for line in result.chat] == [3, 4]


def test_the_replay_shows_times_in_the_viewers_zone(
    login: Callable[[User], Client], room: Room, held: dict[str, Any], bob: User
) -> None:
    bob.timezone = "Asia/Tokyo"
    bob.save()
    page = login(bob).get(reverse("room_replay", args=[room.pk])).content.decode()
    assert local(at(2), "Asia/Tokyo") in page  # 9:02 p.m. in Tokyo
    assert local(at(2), "UTC") not in page
    assert "Asia/Tokyo" in page
    assert 'datetime="2025-03-04T12:02:00+00:00"' in page


# Session, user, notification badge, live session (with its room), participant, events,
# questions, polls, poll tallies, materials.
REPLAY_QUERIES = 10


def test_the_replay_runs_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    room: Room,
    held: dict[str, Any],
    event: Callable[..., RoomEvent],
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    url = reverse("room_replay", args=[room.pk])
    with django_assert_num_queries(REPLAY_QUERIES):
        assert client.get(url).status_code == 200
    for i in range(5):
        event("chat.message", {"html": f"<p>more {i}</p>"}, actor=bob, when=at(30 + i))
        Question.objects.create(room=room, author=bob, text=f"Q{i}", created_at=at(30 + i))
        Poll.objects.create(room=room, question=f"P{i}", choices=["a", "b"], created_at=at(30 + i))
    with django_assert_num_queries(REPLAY_QUERIES):
        assert client.get(url).status_code == 200


# --- CSV ----------------------------------------------------------------------------------


def test_the_replay_csv_has_one_row_per_event(
    login: Callable[[User], Client], room: Room, held: dict[str, Any], alice: User
) -> None:
    r = login(alice).get(reverse("room_replay_csv", args=[room.pk]))
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == f'attachment; filename="session-{room.pk}-replay.csv"'
    assert r.content.startswith(b"\xef\xbb\xbfseq,time_utc,type,author,text\r\n")
    rows = read_csv(r)
    assert [int(row["seq"]) for row in rows] == list(range(1, room.last_seq + 1))
    by_type: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    welcome, injected = by_type["chat.message"]
    assert welcome == {
        "seq": "3",
        "time_utc": "2025-03-04T12:02:00Z",
        "type": "chat.message",
        "author": "Alice Ndiaye",
        "text": "Welcome, everyone",
    }
    # Never run as a formula by a spreadsheet.
    assert injected["text"] == '\'=HYPERLINK("x") hi'
    assert by_type["question.asked"][0]["text"] == "What is a cohort?"
    assert by_type["question.hidden"][0]["text"] == "Off-topic secret"
    assert by_type["poll.opened"][0]["text"] == "Which design? — Cohort | Case-control | -1"
    assert (
        by_type["poll.closed"][0]["text"] == "Which design? — Cohort: 0 | Case-control: 2 | -1: 0"
    )
    # Whose vote moved the tally stays secret.
    assert {row["author"] for row in by_type["poll.voted"]} == {""}
    assert [row["text"] for row in by_type["slide.changed"]] == [
        "Agenda, slide 1",
        "Cohort studies, slide 3",
    ]
    assert [row["text"] for row in by_type["reaction"]] == ["👏", "🎉"]
    assert by_type["hand.lowered"][0] | {"seq": ""} == {
        "seq": "",
        "time_utc": "2025-03-04T12:22:00Z",
        "type": "hand.lowered",
        "author": "Alice Ndiaye",
        "text": "Bob Mensah",
    }


def test_csv_cells_that_look_like_formulas_are_quoted() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert reports.csv_cell(text) == "'" + text
    assert reports.csv_cell("plain = text") == "plain = text"
    assert reports.csv_cell("") == ""


def test_the_attendance_csv_lists_visits_in_utc_then_the_absent(
    login: Callable[[User], Client],
    room: Room,
    held: dict[str, Any],
    alice: User,
    bob: User,
    make_user: Callable[..., User],
) -> None:
    nobody = make_user("nobody@example.org", name="=cmd|' /C calc'!A0")
    participant_add(
        engagement=room.session.engagement, user=nobody, role=ParticipantRole.LEARNER, by=alice
    )
    r = login(alice).get(reverse("room_attendance_csv", args=[room.pk]))
    assert r.content.startswith(b"\xef\xbb\xbfuser_id,name,role,status,")
    rows = {row["user_id"]: row for row in read_csv(r)}
    assert rows[str(bob.pk)] == {
        "user_id": str(bob.pk),
        "name": "Bob Mensah",
        "role": "Learner",
        "status": "present",
        "first_join_utc": "2025-03-04T12:05:00Z",
        "last_leave_utc": "2025-03-04T13:00:00Z",
        "minutes": "55",
        "visits": "2025-03-04T12:05:00Z/2025-03-04T12:35:00Z; 2025-03-04T12:30:00Z/",
        "removed_at_utc": "",
        "removed_by": "",
        "removal_reason": "",
    }
    assert rows[str(alice.pk)]["minutes"] == "60"
    assert rows[str(nobody.pk)]["status"] == "absent"
    assert rows[str(nobody.pk)]["name"] == "'=cmd|' /C calc'!A0"


def test_the_attendance_page_shows_minutes_and_times_in_the_viewers_zone(
    login: Callable[[User], Client], room: Room, held: dict[str, Any], alice: User, bob: User
) -> None:
    alice.timezone = "America/New_York"
    alice.save()
    page = login(alice).get(reverse("room_attendance", args=[room.pk])).content.decode()
    assert local(at(5), "America/New_York") in page
    assert local(at(5), "UTC") not in page
    assert "(the room ended)" in page
    assert '<td class="minutes">55</td>' in page


def test_the_summary_counts_what_each_person_did(
    login: Callable[[User], Client],
    session: LiveSession,
    room: Room,
    held: dict[str, Any],
    alice: User,
    bob: User,
) -> None:
    rows = {row.person.user_id: row for row in reports.summary(session, room, at(600))}
    b = rows[bob.pk]
    assert (b.messages, b.questions, b.upvotes_given, b.upvotes_received) == (1, 2, 0, 1)
    assert (b.poll_votes, b.hands, b.reactions, b.minutes) == (1, 1, 2, 55)
    a = rows[alice.pk]
    assert (a.messages, a.questions, a.upvotes_given, a.poll_votes, a.hands, a.reactions) == (
        1,
        0,
        1,
        1,
        0,
        0,
    )
    assert a.minutes == 60
    r = login(alice).get(reverse("room_summary_csv", args=[room.pk]))
    assert r.content.startswith(b"\xef\xbb\xbfuser_id,name,role,messages,")
    csv_rows = {row["user_id"]: row for row in read_csv(r)}
    assert csv_rows[str(bob.pk)] == {
        "user_id": str(bob.pk),
        "name": "Bob Mensah",
        "role": "Learner",
        "messages": "1",
        "questions": "2",
        "upvotes_given": "0",
        "upvotes_received": "1",
        "poll_votes": "1",
        "hands_raised": "1",
        "reactions": "2",
        "minutes": "55",
    }
    page = login(alice).get(reverse("room_summary", args=[room.pk])).content.decode()
    assert f'<tr id="person-{bob.pk}">' in page


def test_the_summary_names_someone_who_left_the_engagement(
    session: LiveSession,
    room: Room,
    event: Callable[..., RoomEvent],
    alice: User,
    make_user: Callable[..., User],
) -> None:
    gone = make_user("gone@example.org", name="Gone Learner")
    event("chat.message", {"html": "<p>bye</p>"}, actor=gone, when=at(3))
    rows = {row.person.user_id: row for row in reports.summary(session, room, at(90))}
    assert rows[gone.pk].messages == 1
    assert rows[gone.pk].person.role == ""


# Session, user, notification badge, live session (with its room), participant, visits,
# removals, participants.
ATTENDANCE_QUERIES = 8
# Session, user, badge, live session (with its room), participant, events, questions,
# question votes, poll votes, hands, visits, participants.
SUMMARY_QUERIES = 12


@pytest.mark.parametrize(
    ("name", "queries"),
    [("room_attendance", ATTENDANCE_QUERIES), ("room_summary", SUMMARY_QUERIES)],
)
def test_the_reports_run_a_fixed_number_of_queries(
    login: Callable[[User], Client],
    room: Room,
    held: dict[str, Any],
    alice: User,
    make_user: Callable[..., User],
    django_assert_num_queries: DjangoAssertNumQueries,
    name: str,
    queries: int,
) -> None:
    client = login(alice)
    url = reverse(name, args=[room.pk])
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    for i in range(4):
        learner = make_user(f"learner{i}@example.org", name=f"Learner {i}")
        participant_add(
            engagement=room.session.engagement, user=learner, role=ParticipantRole.LEARNER, by=alice
        )
        visit(room, learner, i, i + 10)
        PollVote.objects.create(poll=held["poll"], user=learner, choice=0)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_attendance_says_who_was_removed_when_by_whom_and_why(
    login: Callable[[User], Client], room: Room, held: dict[str, Any], alice: User, bob: User
) -> None:
    Removal.objects.create(
        room=room, user=bob, removed_by=alice, reason="Posting adverts", removed_at=at(40)
    )

    page = login(alice).get(reverse("room_attendance", args=[room.pk])).content.decode()
    rows = {
        row["user_id"]: row
        for row in read_csv(login(alice).get(reverse("room_attendance_csv", args=[room.pk])))
    }

    assert "Removed" in page and "by Alice Ndiaye" in page and "Posting adverts" in page
    assert rows[str(bob.pk)]["removed_at_utc"] == "2025-03-04T12:40:00Z"
    assert rows[str(bob.pk)]["removed_by"] == "Alice Ndiaye"
    assert rows[str(bob.pk)]["removal_reason"] == "Posting adverts"
    assert rows[str(alice.pk)]["removal_reason"] == ""
    # Learners never see the reports, reasons included.
    assert login(bob).get(reverse("room_attendance", args=[room.pk])).status_code in (403, 404)


def test_a_visit_whose_server_died_ends_when_it_was_last_seen(
    login: Callable[[User], Client], room: Room, alice: User, bob: User
) -> None:
    lost = visit(room, bob, 5, None)
    Visit.objects.filter(pk=lost.pk).update(seen_at=at(20))

    page = login(alice).get(reverse("room_attendance", args=[room.pk])).content.decode()

    assert "(last seen: the connection was lost)" in page
    assert '<td class="minutes">15</td>' in page

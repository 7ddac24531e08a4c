"""Reads for after a live session: the replay (chat, questions, polls, slides), attendance
worked out from the room's visits, and what each person did in the room; and the CSV rows
of each. Reads only: the room's services write these rows while the session runs.

Attendance arithmetic: a visit runs from `joined_at` to `left_at`; one still open counts
until the room ended (or until now while the room is still going), and no visit counts past
the room's end. Overlapping visits of one person (two tabs) are counted once.
"""

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Sum
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.csv_export import csv_cell, utc_iso
from mentoring.courses.models import Material
from mentoring.engagements.models import Participant
from mentoring.rooms import selectors
from mentoring.rooms.models import (
    Hand,
    Poll,
    PollVote,
    Question,
    QuestionStatus,
    QuestionVote,
    Removal,
    Room,
    RoomEvent,
    Visit,
)
from mentoring.scheduling.models import LiveSession

CHAT_MESSAGE = "chat.message"
SLIDE_CHANGED = "slide.changed"
REACTION = "reaction"
QUESTION_EVENTS = frozenset(
    {"question.asked", "question.voted", "question.answered", "question.hidden"}
)
POLL_EVENTS = frozenset({"poll.opened", "poll.voted", "poll.closed"})
PERSON_EVENTS = frozenset({"hand.raised", "hand.lowered", "participant.removed"})
# Whose vote moved a tally is never shown (the protocol keeps ballots secret), so these
# events have no author in the export.
ANONYMOUS_EVENTS = frozenset({"poll.voted"})


def room_of(session: LiveSession) -> Room | None:
    """The session's room, or None when it was never opened (no query when the session was
    read with select_related("room"), as `get_live_session_access` does)."""
    try:
        return session.room
    except ObjectDoesNotExist:
        return None


# --- Time arithmetic ----------------------------------------------------------------------


def merged_seconds(spans: Iterable[tuple[datetime, datetime]]) -> float:
    """Seconds covered by the spans, each moment counted once however many spans hold it."""
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in sorted(spans):
        if end <= start:
            continue
        if current_end is None or current_start is None or start > current_end:
            if current_end is not None and current_start is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None and current_start is not None:
        total += (current_end - current_start).total_seconds()
    return total


def whole_minutes(seconds: float) -> int:
    """Minutes, rounded to the nearest (half a minute rounds up)."""
    return int((seconds + 30) // 60)


def counted_until(visit: Visit, room: Room, now: datetime) -> datetime:
    """Where a visit stops counting: when the person left, but never past the room's end;
    an open visit runs until the room ended, or until now."""
    if visit.left_at is not None:
        end = visit.left_at
    elif visit.seen_at < now - selectors.VISIT_STALE:
        end = visit.seen_at  # its process died: it ended when last seen
    else:
        end = room.ended_at or now
    if room.ended_at is not None and end > room.ended_at:
        end = room.ended_at
    return max(end, visit.joined_at)


# --- Who ----------------------------------------------------------------------------------


@dataclass
class Person:
    user_id: int
    name: str
    role: str  # the participant role's label; "" for someone no longer taking part


def _people(
    session: LiveSession, others: Iterable[int], users: dict[int, User] | None = None
) -> dict[int, Person]:
    """The current participants of the session's engagement, plus everyone else in `others`
    (someone who has left the engagement, an overseer): one query, two with `others`."""
    people: dict[int, Person] = {}
    for participant in (
        Participant.objects.current()
        .filter(engagement_id=session.engagement_id)
        .select_related("user")
        .order_by("user__name", "user__email")
    ):
        people[participant.user_id] = Person(
            user_id=participant.user_id,
            name=participant.user.display_name,
            role=str(participant.get_role_display()),
        )
    known = users or {}
    missing = {pk for pk in others if pk not in people and pk not in known}
    fetched = {user.pk: user for user in User.objects.filter(pk__in=missing)} if missing else {}
    for pk in others:
        if pk in people:
            continue
        user = known.get(pk) or fetched.get(pk)
        if user is not None:
            people[pk] = Person(user_id=pk, name=user.display_name, role="")
    return people


def _sorted(people: Iterable[Person]) -> list[Person]:
    return sorted(people, key=lambda p: (p.name.casefold(), p.user_id))


# --- Attendance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitSpan:
    joined_at: datetime
    left_at: datetime | None  # as stored: None while the visit is open
    until: datetime  # where it stops counting

    @property
    def open(self) -> bool:
        return self.left_at is None


@dataclass
class AttendanceRow:
    person: Person
    visits: list[VisitSpan] = field(default_factory=list)
    seconds: float = 0.0
    # Someone still in a room that has not ended: no last leave yet.
    still_here: bool = False
    # Taken out of the room by the host or a moderator (with the reason they gave).
    removal: Removal | None = None

    @property
    def minutes(self) -> int:
        return whole_minutes(self.seconds)

    @property
    def first_join(self) -> datetime | None:
        return min((v.joined_at for v in self.visits), default=None)

    @property
    def last_leave(self) -> datetime | None:
        if self.still_here:
            return None
        return max((v.until for v in self.visits), default=None)


@dataclass
class AttendanceReport:
    room: Room | None
    present: list[AttendanceRow]
    absent: list[Person]


def attendance(session: LiveSession, room: Room | None, now: datetime) -> AttendanceReport:
    """Everyone who came, with every visit, their minutes and any removal, then the current
    participants who never did. Three queries (four when someone outside the engagement
    came)."""
    if room is None:
        return AttendanceReport(
            room=None, present=[], absent=_sorted(_people(session, []).values())
        )
    visits = list(
        Visit.objects.filter(room=room).select_related("user").order_by("joined_at", "id")
    )
    users = {visit.user_id: visit.user for visit in visits}
    people = _people(session, users, users)
    rows: dict[int, AttendanceRow] = {}
    for visit in visits:
        row = rows.setdefault(visit.user_id, AttendanceRow(person=people[visit.user_id]))
        until = counted_until(visit, room, now)
        row.visits.append(VisitSpan(joined_at=visit.joined_at, left_at=visit.left_at, until=until))
        if visit.left_at is None and room.ended_at is None:
            row.still_here = True
    for row in rows.values():
        row.seconds = merged_seconds((v.joined_at, v.until) for v in row.visits)
    for removal in Removal.objects.filter(room=room).select_related("removed_by"):
        if removal.user_id in rows:
            rows[removal.user_id].removal = removal
    present = sorted(
        rows.values(),
        key=lambda r: (r.first_join or now, r.person.name.casefold(), r.person.user_id),
    )
    absent = _sorted(p for pk, p in people.items() if pk not in rows)
    return AttendanceReport(room=room, present=present, absent=absent)


def seconds_by_person(room: Room | None, now: datetime) -> dict[int, float]:
    """Each visitor's time in the room (one query)."""
    if room is None:
        return {}
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for visit in Visit.objects.filter(room=room).only("user_id", "joined_at", "left_at", "seen_at"):
        spans.setdefault(visit.user_id, []).append(
            (visit.joined_at, counted_until(visit, room, now))
        )
    return {user_id: merged_seconds(user_spans) for user_id, user_spans in spans.items()}


# --- Engagement summary -------------------------------------------------------------------


@dataclass
class SummaryRow:
    person: Person
    messages: int = 0
    questions: int = 0
    upvotes_given: int = 0
    upvotes_received: int = 0
    poll_votes: int = 0
    hands: int = 0
    reactions: int = 0
    seconds: float = 0.0

    @property
    def minutes(self) -> int:
        return whole_minutes(self.seconds)


def summary(session: LiveSession, room: Room | None, now: datetime) -> list[SummaryRow]:
    """What each person did in the room, for every current participant and anyone else who
    took part; by name. Seven queries (eight when someone outside the engagement did)."""
    counts: dict[int, dict[str, float]] = {}

    def add(user_id: int | None, key: str, value: float | None) -> None:
        if user_id is not None and value:
            counts.setdefault(user_id, {})[key] = counts.get(user_id, {}).get(key, 0) + value

    if room is not None:
        for row in (
            RoomEvent.objects.filter(room=room, type__in=[CHAT_MESSAGE, REACTION])
            .values("actor_id", "type")
            .annotate(n=Count("id"))
            .order_by()
        ):
            add(
                row["actor_id"],
                "messages" if row["type"] == CHAT_MESSAGE else "reactions",
                row["n"],
            )
        for row in (
            Question.objects.filter(room=room)
            .values("author_id")
            .annotate(n=Count("id"), received=Sum("votes"))
            .order_by()
        ):
            add(row["author_id"], "questions", row["n"])
            add(row["author_id"], "upvotes_received", row["received"])
        for row in (
            QuestionVote.objects.filter(question__room=room)
            .values("user_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            add(row["user_id"], "upvotes_given", row["n"])
        for row in (
            PollVote.objects.filter(poll__room=room)
            .values("user_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            add(row["user_id"], "poll_votes", row["n"])
        for row in (
            Hand.objects.filter(room=room).values("user_id").annotate(n=Count("id")).order_by()
        ):
            add(row["user_id"], "hands", row["n"])
        for user_id, seconds in seconds_by_person(room, now).items():
            add(user_id, "seconds", seconds)
    people = _people(session, counts)
    rows = []
    for person in _sorted(people.values()):
        values = counts.get(person.user_id, {})
        rows.append(
            SummaryRow(
                person=person,
                messages=int(values.get("messages", 0)),
                questions=int(values.get("questions", 0)),
                upvotes_given=int(values.get("upvotes_given", 0)),
                upvotes_received=int(values.get("upvotes_received", 0)),
                poll_votes=int(values.get("poll_votes", 0)),
                hands=int(values.get("hands", 0)),
                reactions=int(values.get("reactions", 0)),
                seconds=float(values.get("seconds", 0.0)),
            )
        )
    return rows


# --- Replay -------------------------------------------------------------------------------


def _person_id(value: Any) -> int | None:
    """A person in a payload: their id, or an object with `id` (and `name`)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _payload_name(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return str(value["name"])
    return ""


def _author(event: RoomEvent) -> str:
    if event.actor is not None:
        return event.actor.display_name
    return _payload_name(event.payload.get("author")) or _("Someone who has left")


@dataclass(frozen=True)
class ChatLine:
    seq: int
    at: datetime
    author: str
    html: str


@dataclass(frozen=True)
class ChoiceResult:
    label: str
    votes: int
    percent: int


@dataclass(frozen=True)
class PollResult:
    poll: Poll
    choices: list[ChoiceResult]
    voters: int


@dataclass(frozen=True)
class SlideStep:
    at: datetime
    until: datetime | None
    material: str  # the material's title, or "" for the session's agenda
    number: int  # 1-based, as people count slides


@dataclass
class Replay:
    room: Room | None
    chat: list[ChatLine]
    questions: list[Question]
    polls: list[PollResult]
    slides: list[SlideStep]


def _tallies(polls: list[Poll]) -> dict[int, dict[int, int]]:
    tallies: dict[int, dict[int, int]] = {}
    if polls:
        for row in (
            PollVote.objects.filter(poll__in=polls)
            .values("poll_id", "choice")
            .annotate(n=Count("id"))
            .order_by()
        ):
            tallies.setdefault(row["poll_id"], {})[row["choice"]] = row["n"]
    return tallies


def _poll_result(poll: Poll, tally: dict[int, int]) -> PollResult:
    voters = sum(tally.values())
    labels = [str(label) for label in poll.choices] if isinstance(poll.choices, list) else []
    return PollResult(
        poll=poll,
        choices=[
            ChoiceResult(
                label=label,
                votes=tally.get(i, 0),
                percent=round(100 * tally.get(i, 0) / voters) if voters else 0,
            )
            for i, label in enumerate(labels)
        ],
        voters=voters,
    )


def _material_titles(session: LiveSession, ids: Iterable[Any]) -> dict[int, str]:
    wanted = {pk for pk in ids if isinstance(pk, int)}
    if not wanted:
        return {}
    return dict(
        Material.objects.filter(engagement_id=session.engagement_id, pk__in=wanted).values_list(
            "pk", "title"
        )
    )


def _index(payload: dict[str, Any]) -> int:
    index = payload.get("index")
    return index if isinstance(index, int) and index >= 0 else 0


def replay(session: LiveSession, room: Room | None, *, show_hidden: bool) -> Replay:
    """The chat in order, the questions (hidden ones only with `show_hidden`), the polls with
    their final tallies and the slide timeline. Four queries, five when slides of a
    material were shown, none without a room."""
    if room is None:
        return Replay(room=None, chat=[], questions=[], polls=[], slides=[])
    events = list(
        RoomEvent.objects.filter(room=room, type__in=[CHAT_MESSAGE, SLIDE_CHANGED])
        .select_related("actor")
        .order_by("seq")
    )
    chat = [
        ChatLine(
            seq=event.seq,
            at=event.created_at,
            author=_author(event),
            html=str(event.payload.get("html", "")),
        )
        for event in events
        if event.type == CHAT_MESSAGE
    ]
    slide_events = [event for event in events if event.type == SLIDE_CHANGED]
    titles = _material_titles(session, (e.payload.get("material_id") for e in slide_events))
    slides = []
    for i, event in enumerate(slide_events):
        following = slide_events[i + 1] if i + 1 < len(slide_events) else None
        material_id = event.payload.get("material_id")
        slides.append(
            SlideStep(
                at=event.created_at,
                until=following.created_at if following else room.ended_at,
                material=(
                    titles.get(material_id, _("A material no longer there"))
                    if material_id is not None
                    else ""
                ),
                number=_index(event.payload) + 1,
            )
        )
    questions_qs = Question.objects.filter(room=room).select_related("author")
    if not show_hidden:
        questions_qs = questions_qs.exclude(status=QuestionStatus.HIDDEN)
    questions = list(questions_qs.order_by("created_at", "id"))
    polls = list(Poll.objects.filter(room=room).order_by("created_at", "id"))
    tallies = _tallies(polls)
    return Replay(
        room=room,
        chat=chat,
        questions=questions,
        polls=[_poll_result(poll, tallies.get(poll.pk, {})) for poll in polls],
        slides=slides,
    )


# --- CSV ----------------------------------------------------------------------------------


def plain_text(markup: Any) -> str:
    """Stored HTML as one line of plain text."""
    if not isinstance(markup, str):
        return ""
    return " ".join(html.unescape(strip_tags(markup)).split())


REPLAY_CSV_HEADER = ["seq", "time_utc", "type", "author", "text"]


def _question_id(payload: dict[str, Any]) -> int | None:
    question = payload.get("question")
    if isinstance(question, dict):
        return _person_id(question)
    return _person_id(payload.get("question_id"))


def _poll_id(payload: dict[str, Any]) -> int | None:
    poll = payload.get("poll")
    if isinstance(poll, dict):
        return _person_id(poll)
    return _person_id(payload.get("poll_id"))


def replay_csv_rows(session: LiveSession, room: Room | None) -> Iterator[list[Any]]:
    """One row per stored event, in order: the plain text of what it carried. Four queries
    (five with slides of a material, six when a payload names someone else)."""
    if room is None:
        return
    events = list(RoomEvent.objects.filter(room=room).select_related("actor").order_by("seq"))
    questions = {q.pk: q for q in Question.objects.filter(room=room)}
    polls = {p.pk: p for p in Poll.objects.filter(room=room)}
    titles = _material_titles(
        session,
        (e.payload.get("material_id") for e in events if e.type == SLIDE_CHANGED),
    )
    named = {
        pk
        for e in events
        if e.type in PERSON_EVENTS
        for pk in (_person_id(e.payload.get("user")),)
        if pk is not None
    }
    names = (
        {user.pk: user.display_name for user in User.objects.filter(pk__in=named)} if named else {}
    )
    for event in events:
        author = "" if event.type in ANONYMOUS_EVENTS else _author(event)
        yield [
            event.seq,
            utc_iso(event.created_at),
            event.type,
            csv_cell(author),
            csv_cell(_event_text(event, questions, polls, titles, names)),
        ]


def _event_text(
    event: RoomEvent,
    questions: dict[int, Question],
    polls: dict[int, Poll],
    titles: dict[int, str],
    names: dict[int, str],
) -> str:
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.type == CHAT_MESSAGE:
        return plain_text(payload.get("html")) or plain_text(payload.get("text"))
    if event.type in QUESTION_EVENTS:
        question = questions.get(_question_id(payload) or 0)
        if question is not None:
            return plain_text(question.text_html) or " ".join(question.text.split())
        asked = payload.get("question")
        return plain_text(asked.get("html")) if isinstance(asked, dict) else ""
    if event.type in POLL_EVENTS:
        poll = polls.get(_poll_id(payload) or 0)
        if poll is None:
            return ""
        labels = [str(label) for label in poll.choices] if isinstance(poll.choices, list) else []
        tally = payload.get("tally")
        if isinstance(tally, list):
            choices = " | ".join(
                f"{label}: {tally[i] if i < len(tally) else 0}" for i, label in enumerate(labels)
            )
        else:
            choices = " | ".join(labels)
        return f"{poll.question} — {choices}"
    if event.type == SLIDE_CHANGED:
        material_id = payload.get("material_id")
        title = (
            titles.get(material_id, _("A material no longer there"))
            if material_id is not None
            else _("Agenda")
        )
        return _("%(material)s, slide %(number)d") % {
            "material": title,
            "number": _index(payload) + 1,
        }
    if event.type == REACTION:
        return str(payload.get("emoji", ""))
    if event.type in PERSON_EVENTS:
        user = payload.get("user")
        return names.get(_person_id(user) or 0, "") or _payload_name(user)
    return ""


ATTENDANCE_CSV_HEADER = [
    "user_id",
    "name",
    "role",
    "status",
    "first_join_utc",
    "last_leave_utc",
    "minutes",
    "visits",
    "removed_at_utc",
    "removed_by",
    "removal_reason",
]


def _removal_cells(removal: Removal | None) -> list[str]:
    if removal is None:
        return ["", "", ""]
    by = removal.removed_by.display_name if removal.removed_by else ""
    return [utc_iso(removal.removed_at), csv_cell(by), csv_cell(removal.reason)]


def attendance_csv_rows(report: AttendanceReport) -> Iterator[list[Any]]:
    """One row per person: present ones with their visits as ISO 8601 intervals
    (`joined/left`, `joined/` while still open), then the absent."""
    for row in report.present:
        yield [
            row.person.user_id,
            csv_cell(row.person.name),
            csv_cell(row.person.role),
            "present",
            utc_iso(row.first_join),
            utc_iso(row.last_leave),
            row.minutes,
            "; ".join(f"{utc_iso(v.joined_at)}/{utc_iso(v.left_at)}" for v in row.visits),
            *_removal_cells(row.removal),
        ]
    for person in report.absent:
        yield [
            person.user_id,
            csv_cell(person.name),
            csv_cell(person.role),
            "absent",
            "",
            "",
            0,
            "",
            "",
            "",
            "",
        ]


SUMMARY_CSV_HEADER = [
    "user_id",
    "name",
    "role",
    "messages",
    "questions",
    "upvotes_given",
    "upvotes_received",
    "poll_votes",
    "hands_raised",
    "reactions",
    "minutes",
]


def summary_csv_rows(rows: list[SummaryRow]) -> Iterator[list[Any]]:
    for row in rows:
        yield [
            row.person.user_id,
            csv_cell(row.person.name),
            csv_cell(row.person.role),
            row.messages,
            row.questions,
            row.upvotes_given,
            row.upvotes_received,
            row.poll_votes,
            row.hands,
            row.reactions,
            row.minutes,
        ]

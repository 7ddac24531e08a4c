"""Writes of a live room: one service per client message of docs/live-protocol.md.

Every service stores a RoomEvent before anything is broadcast. The next `seq` is taken
under a row lock on the Room, so numbers are dense and in commit order. A sender's
`client_id` makes a message idempotent: the same one again returns the stored event and
changes nothing. After commit, the event's frame goes to every socket of the room.

Markdown (chat, questions, slides) is rendered once, before the transaction: a render may
take up to MARKDOWN_RENDER_TIMEOUT and must not hold the room's lock. A repeated
`client_id` is answered before rendering anything.

Roles are worked out again on every call (`room_role`), so someone who left the
engagement or was removed cannot act through a socket opened before.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.markup import render_markdown
from mentoring.courses.models import Material, MaterialKind
from mentoring.engagements.models import TimelineVerb
from mentoring.engagements.services import timeline_record
from mentoring.rooms import selectors
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
from mentoring.rooms.permissions import HOST, MODERATOR, RoomRole, base_role, room_role
from mentoring.scheduling.models import LiveSession
from realtime import groups, protocol
from realtime.broadcast import send_group

CHAT_MAX_LENGTH = 5000
QUESTION_MAX_LENGTH = Question._meta.get_field("text").max_length or 2000
POLL_QUESTION_MAX_LENGTH = Poll._meta.get_field("question").max_length or 300
POLL_CHOICE_MAX_LENGTH = 200
POLL_MIN_CHOICES = 2
POLL_MAX_CHOICES = 10
REASON_MAX_LENGTH = 1000
CLIENT_ID_MAX_LENGTH = 64
# The reactions anyone may send; a heart without its variation selector is the same heart.
REACTIONS = ("👍", "👏", "❤️", "😂", "😮", "🎉")
_REACTION_ALIASES = {"❤": "❤️"}
SLIDE_SEPARATOR = "---"

ALL_ROLES: frozenset[str] = frozenset({HOST, "participant", MODERATOR})
HOST_ONLY: frozenset[str] = frozenset({HOST})
HOST_OR_MODERATOR: frozenset[str] = frozenset({HOST, MODERATOR})


class RoomNotOpen(ValidationError):
    """The room is in the lobby or has ended: the socket answers `not_open`."""


# --- The room and visits ------------------------------------------------------------------


def room_get_or_create(session: LiveSession) -> Room:
    room, _created = Room.objects.get_or_create(session=session)
    return room


@transaction.atomic
def visit_start(*, room: Room, user: User, channel_name: str) -> Visit:
    return Visit.objects.create(room=room, user=user, channel_name=channel_name[:200])


@transaction.atomic
def visit_end(*, visit_id: int) -> None:
    Visit.objects.filter(pk=visit_id, left_at__isnull=True).update(
        left_at=timezone.now(), in_call=False
    )


@transaction.atomic
def visits_touch(*, visit_ids: list[int]) -> None:
    """These sockets are still open (see `Visit.seen_at`)."""
    Visit.objects.filter(pk__in=visit_ids, left_at__isnull=True).update(seen_at=timezone.now())


@transaction.atomic
def visits_close_stale(*, room_id: int) -> int:
    """Close the visits whose process stopped refreshing them (it crashed or was killed):
    they end when they were last seen. Returns how many were closed."""
    stale = Visit.objects.filter(
        room_id=room_id, left_at__isnull=True, seen_at__lt=selectors.stale_before()
    )
    return stale.update(left_at=F("seen_at"), in_call=False)


# --- The call (WebRTC, peer to peer; signals are relayed by the consumer) -------------------


class CallFull(ValidationError):
    """The call has RTC_MESH_LIMIT people: the socket answers `call_full`."""


@transaction.atomic
def call_join(*, session: LiveSession, actor: User, visit_id: int) -> list[int]:
    """Join the room's call from this socket. Returns the ids of the people already in it,
    whom the joiner calls. Nothing is stored beyond the visit: a call is not an event."""
    _authorise(actor, session, ALL_ROLES)
    room = Room.objects.select_for_update().get(pk=session.pk)
    if room.state != RoomState.OPEN:
        raise RoomNotOpen(_("Calls start once the host opens the room."), code="not_open")
    visit = Visit.objects.filter(pk=visit_id, room=room, user=actor, left_at__isnull=True).first()
    if visit is None:
        raise ValidationError(_("This connection has closed. Reload the page."))
    members = selectors.call_members(room.pk)
    others = sorted({user_id for user_id in members if user_id != actor.pk})
    if visit.in_call:
        return others
    if actor.pk in members:
        raise ValidationError(_("You are already in this call in another window."))
    if len(members) >= settings.RTC_MESH_LIMIT:
        raise CallFull(
            _("The call is full: at most %(limit)s people can take part.")
            % {"limit": settings.RTC_MESH_LIMIT},
            code="call_full",
        )
    visit.in_call = True
    visit.save(update_fields=["in_call"])
    _presence_changed(session.pk)
    return others


@transaction.atomic
def call_leave(*, visit_id: int) -> None:
    visit = Visit.objects.filter(pk=visit_id, in_call=True).first()
    if visit is None:
        return
    visit.in_call = False
    visit.save(update_fields=["in_call"])
    _presence_changed(visit.room_id)


def _presence_changed(session_id: int) -> None:
    transaction.on_commit(
        lambda: send_group(groups.live_room(session_id), {"type": protocol.LIVE_PRESENCE})
    )


# --- The common path of every message -----------------------------------------------------


def _authorise(actor: User, session: LiveSession, allowed: frozenset[str]) -> RoomRole:
    role = room_role(actor, session)
    if role is None:
        raise PermissionDenied(_("You are not in this room."))
    if role not in allowed:
        raise PermissionDenied(_("Only the host can do this."))
    return role


def _begin(actor: User, session: LiveSession, client_id: str, allowed: frozenset[str]) -> RoomRole:
    """What every service does first: check the client_id, then the role."""
    _check_client_id(client_id)
    return _authorise(actor, session, allowed)


def _check_client_id(client_id: str) -> None:
    if not isinstance(client_id, str) or len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise ValidationError(
            {
                "client_id": [
                    _("client_id must be a string of at most %(max)s characters.")
                    % {"max": CLIENT_ID_MAX_LENGTH}
                ]
            }
        )


def _stored(room_id: int, actor: User, client_id: str) -> RoomEvent | None:
    if not client_id:
        return None
    event = RoomEvent.objects.filter(room_id=room_id, actor=actor, client_id=client_id).first()
    if event is not None:
        event.repeated = True
    return event


def _broadcast(session_id: int, event: RoomEvent) -> None:
    frame = selectors.event_frame(event)
    transaction.on_commit(
        lambda: send_group(
            groups.live_room(session_id), {"type": protocol.LIVE_EVENT, "event": frame}
        )
    )


@transaction.atomic
def _record(
    *,
    session: LiveSession,
    actor: User,
    client_id: str,
    event_type: str,
    role: RoomRole,
    apply: Callable[[Room, RoomRole], dict[str, Any]],
    needs_open: bool = True,
) -> RoomEvent:
    """Lock the room, return the stored event for a repeated `client_id`, check the room
    is open, run `apply` (validation and changes; it returns the payload), store the event
    with the next seq, and broadcast it after commit. The caller has authorised (`_begin`)
    and checked what it can before the lock."""
    room = Room.objects.select_for_update().filter(pk=session.pk).first()
    if room is None:
        room_get_or_create(session)
        room = Room.objects.select_for_update().get(pk=session.pk)
    room.session = session
    stored = _stored(room.pk, actor, client_id)
    if stored is not None:
        return stored
    if needs_open and room.state != RoomState.OPEN:
        if room.state == RoomState.ENDED:
            raise RoomNotOpen(_("This live session has ended."), code="not_open")
        raise RoomNotOpen(_("The host has not opened the room yet."), code="not_open")
    try:
        with transaction.atomic():
            payload = apply(room, role)
            room.last_seq += 1
            room.save(update_fields=["last_seq"])
            event = RoomEvent.objects.create(
                room=room,
                seq=room.last_seq,
                type=event_type,
                payload=payload,
                actor=actor,
                client_id=client_id,
            )
    except IntegrityError:
        # Another request with the same client_id got there first.
        stored = _stored(room.pk, actor, client_id)
        if stored is None:
            raise
        return stored
    _broadcast(session.pk, event)
    return event


def _text(value: object, *, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({field: [_("Write something first.")]})
    if len(value) > limit:
        raise ValidationError(
            {
                field: [
                    _("This is %(length)s characters long; the limit is %(limit)s.")
                    % {"length": f"{len(value):,}", "limit": f"{limit:,}"}
                ]
            }
        )
    return value


def _markdown(text: str, *, field: str) -> str:
    try:
        return render_markdown(text)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _integer(value: object, *, field: str) -> int:
    # bool is an int in Python, never a valid id or index here.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({field: [_("This must be a whole number.")]})
    return value


# --- Opening and ending -------------------------------------------------------------------


@transaction.atomic
def room_open(*, session: LiveSession, actor: User, client_id: str = "") -> RoomEvent:
    role = _begin(actor, session, client_id, HOST_ONLY)

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        if room.state == RoomState.ENDED:
            raise RoomNotOpen(_("This live session has ended."), code="not_open")
        if room.state == RoomState.OPEN:
            raise ValidationError({"state": [_("The room is already open.")]})
        room.state = RoomState.OPEN
        room.opened_at = timezone.now()
        room.save(update_fields=["state", "opened_at"])
        return {"state": RoomState.OPEN, "by": selectors.person(actor)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="room.opened",
        role=role,
        apply=apply,
        needs_open=False,
    )


def _replay_url(session: LiveSession) -> str:
    try:
        return reverse("room_replay", args=[session.pk])
    except NoReverseMatch:
        return reverse("live_session_detail", args=[session.pk])


@transaction.atomic
def room_end(*, session: LiveSession, actor: User, client_id: str = "") -> RoomEvent:
    role = _begin(actor, session, client_id, HOST_ONLY)

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        now = timezone.now()
        room.state = RoomState.ENDED
        room.ended_at = now
        room.save(update_fields=["state", "ended_at"])
        Poll.objects.filter(room=room, status=PollStatus.OPEN).update(
            status=PollStatus.CLOSED, closed_at=now
        )
        visitors = set(Visit.objects.filter(room=room).values_list("user_id", flat=True))
        # Platform moderators who looked in are not the engagement's people.
        people = sum(1 for r in selectors.roles_of(room, visitors).values() if r != MODERATOR)
        timeline_record(
            engagement=session.engagement,
            verb=TimelineVerb.LIVE_SESSION_HELD,
            actor=actor,
            params={"session": session.title, "people": people},
            url=_replay_url(session),
        )
        return {"state": RoomState.ENDED, "by": selectors.person(actor)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="room.ended",
        role=role,
        apply=apply,
    )


# --- Chat and questions -------------------------------------------------------------------


# Not atomic as a whole: Markdown is rendered before the transaction begins, so no
# lock or transaction waits on it; `_record` is the transaction.
def chat_send(*, session: LiveSession, actor: User, text: object, client_id: str = "") -> RoomEvent:
    role = _begin(actor, session, client_id, ALL_ROLES)
    if stored := _stored(session.pk, actor, client_id):
        return stored
    body = _text(text, field="text", limit=CHAT_MAX_LENGTH)
    # Rendered before the room is locked: rendering may take a while.
    html = _markdown(body, field="text")

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        return {"author": selectors.person(actor), "html": html, "client_id": client_id}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="chat.message",
        role=role,
        apply=apply,
    )


def _question_frame(question: Question, author: User) -> dict[str, Any]:
    return {
        "id": question.pk,
        "author": selectors.person(author),
        "html": question.text_html,
        "votes": question.votes,
        "status": question.status,
    }


# Not atomic as a whole: Markdown is rendered before the transaction begins, so no
# lock or transaction waits on it; `_record` is the transaction.
def question_ask(
    *, session: LiveSession, actor: User, text: object, client_id: str = ""
) -> RoomEvent:
    role = _begin(actor, session, client_id, ALL_ROLES)
    if stored := _stored(session.pk, actor, client_id):
        return stored
    body = _text(text, field="text", limit=QUESTION_MAX_LENGTH)
    html = _markdown(body, field="text")

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        question = Question.objects.create(room=room, author=actor, text=body, text_html=html)
        return {"question": _question_frame(question, actor)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="question.asked",
        role=role,
        apply=apply,
    )


def _question(room: Room, question_id: object) -> Question:
    pk = _integer(question_id, field="question_id")
    question = Question.objects.filter(room=room, pk=pk).first()
    if question is None:
        raise ValidationError({"question_id": [_("There is no such question in this room.")]})
    return question


@transaction.atomic
def question_vote(
    *, session: LiveSession, actor: User, question_id: object, client_id: str = ""
) -> RoomEvent:
    """One vote per person and question; people may vote for their own question."""
    role = _begin(actor, session, client_id, ALL_ROLES)

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        question = _question(room, question_id)
        if question.status != QuestionStatus.OPEN:
            raise ValidationError({"question_id": [_("This question is no longer open.")]})
        if QuestionVote.objects.filter(question=question, user=actor).exists():
            raise ValidationError({"question_id": [_("You already voted for this question.")]})
        QuestionVote.objects.create(question=question, user=actor)
        Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
        question.refresh_from_db(fields=["votes"])
        return {"question_id": question.pk, "votes": question.votes}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="question.voted",
        role=role,
        apply=apply,
    )


@transaction.atomic
def question_mark(
    *, session: LiveSession, actor: User, question_id: object, status: str, client_id: str = ""
) -> RoomEvent:
    """The host marks a question answered or hides it."""
    role = _begin(actor, session, client_id, HOST_ONLY)
    if status not in (QuestionStatus.ANSWERED, QuestionStatus.HIDDEN):
        raise ValidationError({"status": [_("A question is marked answered or hidden.")]})

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        question = _question(room, question_id)
        if question.status == status:
            raise ValidationError({"question_id": [_("This question is already marked so.")]})
        question.status = status
        question.save(update_fields=["status"])
        return {"question_id": question.pk}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type=f"question.{status}",
        role=role,
        apply=apply,
    )


# --- Polls --------------------------------------------------------------------------------


def _tally(poll: Poll) -> list[int]:
    counts = dict(
        PollVote.objects.filter(poll=poll)
        .values_list("choice")
        .annotate(n=Count("id"))
        .values_list("choice", "n")
    )
    return [counts.get(index, 0) for index in range(len(poll.choices))]


@transaction.atomic
def poll_open(
    *, session: LiveSession, actor: User, question: object, choices: object, client_id: str = ""
) -> RoomEvent:
    role = _begin(actor, session, client_id, HOST_ONLY)
    text = _text(question, field="question", limit=POLL_QUESTION_MAX_LENGTH).strip()
    if not isinstance(choices, list):
        raise ValidationError({"choices": [_("Give the choices as a list.")]})
    cleaned = [c.strip() if isinstance(c, str) else "" for c in choices]
    if not POLL_MIN_CHOICES <= len(cleaned) <= POLL_MAX_CHOICES:
        raise ValidationError(
            {
                "choices": [
                    _("A poll has between %(min)s and %(max)s choices.")
                    % {"min": POLL_MIN_CHOICES, "max": POLL_MAX_CHOICES}
                ]
            }
        )
    if any(not c for c in cleaned):
        raise ValidationError({"choices": [_("Every choice needs some text.")]})
    if any(len(c) > POLL_CHOICE_MAX_LENGTH for c in cleaned):
        raise ValidationError(
            {
                "choices": [
                    _("A choice is at most %(max)s characters long.")
                    % {"max": POLL_CHOICE_MAX_LENGTH}
                ]
            }
        )
    if len({c.casefold() for c in cleaned}) < len(cleaned):
        raise ValidationError({"choices": [_("Each choice must be different from the others.")]})

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        poll = Poll.objects.create(room=room, question=text, choices=cleaned, opened_by=actor)
        return {"poll": {"id": poll.pk, "question": poll.question, "choices": poll.choices}}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="poll.opened",
        role=role,
        apply=apply,
    )


def _poll(room: Room, poll_id: object) -> Poll:
    pk = _integer(poll_id, field="poll_id")
    poll = Poll.objects.filter(room=room, pk=pk).first()
    if poll is None:
        raise ValidationError({"poll_id": [_("There is no such poll in this room.")]})
    return poll


@transaction.atomic
def poll_vote(
    *, session: LiveSession, actor: User, poll_id: object, choice: object, client_id: str = ""
) -> RoomEvent:
    """One vote per person, while the poll is open. The event carries only the tally."""
    role = _begin(actor, session, client_id, ALL_ROLES)

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        poll = _poll(room, poll_id)
        if poll.status != PollStatus.OPEN:
            raise ValidationError({"poll_id": [_("This poll is closed.")]})
        index = _integer(choice, field="choice")
        if index >= len(poll.choices):
            raise ValidationError({"choice": [_("There is no such choice in this poll.")]})
        if PollVote.objects.filter(poll=poll, user=actor).exists():
            raise ValidationError({"poll_id": [_("You already voted in this poll.")]})
        PollVote.objects.create(poll=poll, user=actor, choice=index)
        return {"poll_id": poll.pk, "tally": _tally(poll)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="poll.voted",
        role=role,
        apply=apply,
    )


@transaction.atomic
def poll_close(
    *, session: LiveSession, actor: User, poll_id: object, client_id: str = ""
) -> RoomEvent:
    role = _begin(actor, session, client_id, HOST_ONLY)

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        poll = _poll(room, poll_id)
        if poll.status != PollStatus.OPEN:
            raise ValidationError({"poll_id": [_("This poll is already closed.")]})
        poll.status = PollStatus.CLOSED
        poll.closed_at = timezone.now()
        poll.save(update_fields=["status", "closed_at"])
        return {"poll_id": poll.pk, "tally": _tally(poll)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="poll.closed",
        role=role,
        apply=apply,
    )


# --- Hands and reactions ------------------------------------------------------------------


@transaction.atomic
def hand_raise(*, session: LiveSession, actor: User, client_id: str = "") -> RoomEvent:
    role = _begin(actor, session, client_id, ALL_ROLES)

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        if Hand.objects.filter(room=room, user=actor, lowered_at__isnull=True).exists():
            raise ValidationError({"hand": [_("Your hand is already raised.")]})
        Hand.objects.create(room=room, user=actor)
        return {"user": selectors.person(actor)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="hand.raised",
        role=role,
        apply=apply,
    )


@transaction.atomic
def hand_lower(
    *, session: LiveSession, actor: User, user: object = None, client_id: str = ""
) -> RoomEvent:
    """Lower one's own hand or, for the host, anyone's (`user` is their id)."""
    role = _begin(actor, session, client_id, ALL_ROLES)
    target_id = actor.pk if user is None else _integer(user, field="user")

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        if target_id != actor.pk and role != HOST:
            raise PermissionDenied(_("Only the host can lower someone else's hand."))
        hand = (
            Hand.objects.select_related("user")
            .filter(room=room, user_id=target_id, lowered_at__isnull=True)
            .first()
        )
        if hand is None:
            raise ValidationError({"user": [_("This hand is not raised.")]})
        hand.lowered_at = timezone.now()
        hand.lowered_by = actor
        hand.save(update_fields=["lowered_at", "lowered_by"])
        return {"user": selectors.person(hand.user), "by": selectors.person(actor)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="hand.lowered",
        role=role,
        apply=apply,
    )


@transaction.atomic
def reaction_send(
    *, session: LiveSession, actor: User, emoji: object, client_id: str = ""
) -> RoomEvent:
    role = _begin(actor, session, client_id, ALL_ROLES)
    value = _REACTION_ALIASES.get(emoji, emoji) if isinstance(emoji, str) else emoji
    if value not in REACTIONS:
        raise ValidationError(
            {"emoji": [_("React with one of %(allowed)s.") % {"allowed": " ".join(REACTIONS)}]}
        )

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        return {"user": selectors.person(actor), "emoji": value}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="reaction",
        role=role,
        apply=apply,
    )


# --- Slides -------------------------------------------------------------------------------


def split_slides(markdown: str) -> list[str]:
    """A page's slides: its Markdown cut on lines that are exactly `---`."""
    slides: list[list[str]] = [[]]
    for line in markdown.splitlines():
        if line.rstrip("\r") == SLIDE_SEPARATOR:
            slides.append([])
        else:
            slides[-1].append(line)
    return ["\n".join(lines).strip("\n") for lines in slides]


# Not atomic as a whole: Markdown is rendered before the transaction begins, so no
# lock or transaction waits on it; `_record` is the transaction.
def slide_show(
    *, session: LiveSession, actor: User, material_id: object, index: object, client_id: str = ""
) -> RoomEvent:
    """Show one slide of a page of the engagement's materials, or of the session's agenda
    (`material_id` None). An index past the last slide shows the last one."""
    role = _begin(actor, session, client_id, HOST_ONLY)
    if stored := _stored(session.pk, actor, client_id):
        return stored
    number = _integer(index, field="index")
    material: Material | None = None
    if material_id is not None:
        pk = _integer(material_id, field="material_id")
        material = Material.objects.filter(
            pk=pk, engagement_id=session.engagement_id, kind=MaterialKind.PAGE
        ).first()
        if material is None:
            raise ValidationError(
                {"material_id": [_("There is no such page among this engagement's materials.")]}
            )
    slides = split_slides(material.body if material else session.agenda)
    number = min(number, len(slides) - 1)
    html = _markdown(slides[number], field="material_id")

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        room.slide_material = material
        room.slide_index = number
        room.save(update_fields=["slide_material", "slide_index"])
        return {
            "material_id": material.pk if material else None,
            "title": material.title if material else session.title,
            "index": number,
            "count": len(slides),
            "html": html,
        }

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="slide.changed",
        role=role,
        apply=apply,
    )


# --- Removing someone ---------------------------------------------------------------------


@transaction.atomic
def participant_remove(
    *, session: LiveSession, actor: User, user: object, reason: object = "", client_id: str = ""
) -> RoomEvent:
    """The host or a moderator removes someone who is not a host: their sockets close at
    once and they cannot come back to this room."""
    role = _begin(actor, session, client_id, HOST_OR_MODERATOR)
    target_id = _integer(user, field="user")
    if not isinstance(reason, str) or len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("The reason is at most %(max)s characters.") % {"max": REASON_MAX_LENGTH}
                ]
            }
        )

    def apply(room: Room, role: RoomRole) -> dict[str, Any]:
        target = User.objects.filter(pk=target_id).first()
        if target_id == actor.pk:
            raise ValidationError({"user": [_("You cannot remove yourself.")]})
        target_role = base_role(target, session) if target else None
        if target is None or target_role is None:
            raise ValidationError({"user": [_("This person is not in this room.")]})
        if target_role == HOST:
            raise ValidationError({"user": [_("A host cannot be removed.")]})
        if Removal.objects.filter(room=room, user=target).exists():
            raise ValidationError({"user": [_("This person was already removed.")]})
        Removal.objects.create(room=room, user=target, removed_by=actor, reason=reason)
        Hand.objects.filter(room=room, user=target, lowered_at__isnull=True).update(
            lowered_at=timezone.now(), lowered_by=actor
        )
        transaction.on_commit(
            lambda: send_group(
                groups.live_member(session.pk, target_id), {"type": protocol.LIVE_KICK}
            )
        )
        # The reason stays with the room's records: it is not broadcast.
        return {"user": selectors.person(target), "by": selectors.person(actor)}

    return _record(
        session=session,
        actor=actor,
        client_id=client_id,
        event_type="participant.removed",
        role=role,
        apply=apply,
    )

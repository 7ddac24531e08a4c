from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.courses.models import Material
from mentoring.scheduling.models import LiveSession


class RoomState(models.TextChoices):
    LOBBY = "lobby", _("Waiting for the host")
    OPEN = "open", _("Open")
    ENDED = "ended", _("Ended")


class Room(models.Model):
    """The live state of one session. `last_seq` is the sequence counter: an event takes the
    next number under a lock on this row, so numbers are dense and ordered per session."""

    session = models.OneToOneField(
        LiveSession, on_delete=models.CASCADE, primary_key=True, related_name="room"
    )
    state = models.CharField(max_length=10, choices=RoomState.choices, default=RoomState.LOBBY)
    last_seq = models.PositiveBigIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # What the host presents: a material (a Markdown page split on "---" lines) or the
    # session's agenda, and which slide of it.
    slide_material = models.ForeignKey(
        Material, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    slide_index = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("live room")
        verbose_name_plural = _("live rooms")

    def __str__(self) -> str:
        return f"room of {self.session}"


class RoomEvent(models.Model):
    """Everything that must not be lost, stored before it is broadcast. A client resumes
    with `?after=<seq>` and receives exactly the events it missed, in order."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    # The event as sent to clients, minus `seq` and `ts`, which come from the columns.
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sender's id for the message: sending it again returns the stored event.
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Not a column: True on the event a service returns for a client_id it had stored
    # before, so the caller answers the repeat instead of broadcasting anything.
    repeated = False

    class Meta:
        ordering = ["room", "seq"]
        verbose_name = _("room event")
        verbose_name_plural = _("room events")
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="one_event_per_seq"),
            models.UniqueConstraint(
                fields=["room", "actor", "client_id"],
                condition=~models.Q(client_id=""),
                name="one_event_per_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq} {self.type}"


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    HIDDEN = "hidden", _("Hidden")


class Question(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=2000)
    text_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    votes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:60]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="upvotes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="one_upvote_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} +1 {self.question_id}"


class PollStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Poll(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=300)
    choices = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=PollStatus.choices, default=PollStatus.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.question


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choice = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="one_vote_per_poll")]

    def __str__(self) -> str:
        return f"{self.user_id} voted {self.choice} in {self.poll_id}"


class Hand(models.Model):
    """A raised hand; the queue is the raised ones by `raised_at`."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="hands")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    lowered_at = models.DateTimeField(null=True, blank=True)
    lowered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"],
                condition=models.Q(lowered_at__isnull=True),
                name="one_raised_hand_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"hand of {self.user_id} in {self.room_id}"


class Removal(models.Model):
    """Someone the host or a moderator removed: their sockets close and they cannot rejoin."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=1000)
    removed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_removal_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} removed from {self.room_id}"


class Visit(models.Model):
    """One connection of one person: attendance is the sum of their visits."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="visits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # Refreshed while the socket is open: a visit whose process died stops being refreshed
    # and is closed at this time (`services.visits_close_stale`).
    seen_at = models.DateTimeField(default=timezone.now)
    # In the room's peer-to-peer call from this socket (not stored as an event: a call leaves
    # no record beyond attendance).
    in_call = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["room", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} from {self.joined_at:%H:%M}"

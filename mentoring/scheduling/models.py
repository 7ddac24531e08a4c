import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.markup import render_markdown
from mentoring.engagements.models import Engagement

AGENDA_MAX_LENGTH = 10_000


class LiveSessionQuerySet(models.QuerySet["LiveSession"]):
    def scheduled(self) -> "LiveSessionQuerySet":
        return self.filter(cancelled_at__isnull=True)


class LiveSession(models.Model):
    """A scheduled live session of an engagement (a class, a mentoring meeting, a project
    call). Times are UTC; pages show them in the viewer's time zone. An `always_open`
    session is a drop-in room that participants may join at any time."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="live_sessions"
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(12 * 60)]
    )
    external_url = models.URLField(
        _("external video link"),
        blank=True,
        max_length=500,
        help_text=_("Optional: a link to another video service."),
    )
    always_open = models.BooleanField(
        _("open room"), default=False, help_text=_("Participants may join at any time.")
    )
    agenda = models.TextField(
        _("agenda"),
        blank=True,
        max_length=AGENDA_MAX_LENGTH,
        help_text=_("Optional: what the session covers, in plain text or Markdown."),
    )
    agenda_html = models.TextField(editable=False, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change, so calendar clients replace the old event.
    sequence = models.PositiveIntegerField(default=0)

    objects = LiveSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def set_agenda(self, markdown: str) -> None:
        self.agenda = markdown
        self.agenda_html = render_markdown(markdown)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(models.Model):
    live_session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=AttendanceStatus.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["live_session", "user"], name="one_attendance_per_session_and_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.status} at {self.live_session}"


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret that makes a user's iCalendar URL. Resetting it breaks the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar of {self.user}"


class ReminderSent(models.Model):
    """One row per reminder ever sent; the unique key is what makes each fire once, even
    when two schedulers run at the same time."""

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return self.key

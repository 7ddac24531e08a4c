from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.markup import render_markdown
from mentoring.engagements.models import Engagement, TimelineEntry


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")
    AS_NEEDED = "as_needed", _("When needed")


class Agreement(models.Model):
    """What mentor and mentees agree on before starting. Every edit bumps `version`, and
    only confirmations of the current version count."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="agreement"
    )
    goals = models.TextField(_("goals"), blank=True, max_length=10_000, help_text=_("Markdown."))
    goals_html = models.TextField(editable=False, blank=True)
    expectations = models.TextField(
        _("expectations"), blank=True, max_length=10_000, help_text=_("Markdown.")
    )
    expectations_html = models.TextField(editable=False, blank=True)
    cadence = models.CharField(
        _("meeting cadence"), max_length=20, choices=Cadence.choices, default=Cadence.FORTNIGHTLY
    )
    end_date = models.DateField(_("ends on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mentoring agreement")
        verbose_name_plural = _("mentoring agreements")

    def __str__(self) -> str:
        return f"{self.engagement} v{self.version}"

    def set_goals(self, markdown: str) -> None:
        self.goals = markdown
        self.goals_html = render_markdown(markdown)

    def set_expectations(self, markdown: str) -> None:
        self.expectations = markdown
        self.expectations_html = render_markdown(markdown)


class AgreementConfirmation(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="confirmations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agreement confirmation")
        verbose_name_plural = _("agreement confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user", "version"], name="one_confirmation_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} confirmed {self.agreement} v{self.version}"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.title


class Task(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentoring_tasks",
        verbose_name=_("assigned to"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["done_at", "due_date"])]

    def __str__(self) -> str:
        return self.title


class MentoringSession(models.Model):
    """A meeting that took place, logged afterwards. Shared notes are for everyone in the
    mentorship; each person's private notes are in `PrivateNote`."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="mentoring_sessions"
    )
    held_at = models.DateTimeField(_("held at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    shared_notes = models.TextField(
        _("shared notes"), blank=True, max_length=20_000, help_text=_("Markdown.")
    )
    shared_notes_html = models.TextField(editable=False, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The mentor and mentees who were there: they, and only they, give feedback on it.
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="attended_mentoring_sessions",
        verbose_name=_("who attended"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("mentoring session")
        verbose_name_plural = _("mentoring sessions")

    def __str__(self) -> str:
        return f"{self.engagement} @ {self.held_at:%Y-%m-%d}"

    def set_shared_notes(self, markdown: str) -> None:
        self.shared_notes = markdown
        self.shared_notes_html = render_markdown(markdown)


class PrivateNote(models.Model):
    """Notes on a session that only their author ever reads."""

    session = models.ForeignKey(
        MentoringSession, on_delete=models.CASCADE, related_name="private_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("private notes"), max_length=20_000)
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Its entry on the timeline (audience "author"), edited together with the note.
    timeline_entry = models.OneToOneField(
        TimelineEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "author"], name="one_private_note_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.session}"

    def set_body(self, markdown: str) -> None:
        self.body = markdown
        self.body_html = render_markdown(markdown)


class SessionFeedback(models.Model):
    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # How far the session moved the goals, 1 (not at all) to 5 (a big step).
    goal_progress = models.PositiveSmallIntegerField(
        _("progress on goals"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session feedback")
        verbose_name_plural = _("session feedback")
        constraints = [
            models.UniqueConstraint(fields=["session", "author"], name="one_feedback_per_author")
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.rating}/5 on {self.session}"


class FitCheck(models.Model):
    """After the first session each side is asked whether the pairing fits. Answers are
    seen by the person and the coordinators, not the other side."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="fit_checks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fits = models.BooleanField(null=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    asked_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fit check")
        verbose_name_plural = _("fit checks")
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="one_fit_check_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.engagement}: {self.fits}"

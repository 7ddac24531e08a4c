from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    INVITATION = "invitation", _("An institution invites me to a need")
    INTEREST = "interest", _("An expert is interested in one of our needs")
    ANSWER = "answer", _("An invitation or interest is accepted or declined")
    EXPIRY = "expiry", _("An invitation expires without an answer")
    NEW_MATCHING_NEED = "new_matching_need", _("A new need fits my profile")
    OFFER_REQUEST = "offer_request", _("Requests about offers")
    ENGAGEMENT = "engagement", _("Invitations and changes in my engagements")
    ENROLMENT = "enrolment", _("Enrolments in my courses and their answers")
    REMINDER = "reminder", _("Reminders of live sessions and overdue items")
    FORUM = "forum", _("Replies, mentions and watched threads in communities")
    MODERATION = "moderation", _("Warnings, silences and moderation of my posts")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Whether a kind of notification also reaches the user by email. No row means yes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} email={self.email}"

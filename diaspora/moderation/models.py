"""Flags, the review queue, warnings, silences, and the audit trail of every moderator act.

`ModerationAction` rows are written by the moderation services in the same transaction as
the act itself, so an act that happened is always in the trail and a trail entry never
describes an act that was rolled back.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    OFF_TOPIC = "off_topic", _("Off-topic")
    ABUSIVE = "abusive", _("Abusive")
    OTHER = "other", _("Something else")


class FlagStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    AGREED = "agreed", _("Agreed: the post was hidden")
    DISAGREED = "disagreed", _("Disagreed: the post stays")


class Flag(models.Model):
    post = models.ForeignKey("communities.Post", on_delete=models.CASCADE, related_name="flags")
    # Denormalised from the post's thread so the queue of a community is one indexed filter.
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="flags"
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_raised"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    # Required when the reason is "other".
    note = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=FlagStatus.choices, default=FlagStatus.PENDING)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            # One open flag per person per post; after a review they may flag again.
            models.UniqueConstraint(
                fields=["post", "flagged_by"],
                condition=models.Q(status="pending"),
                name="one_pending_flag_per_person",
            )
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.reason} on {self.post_id} by {self.flagged_by_id}"


class ActionKind(models.TextChoices):
    POST_HIDE = "post_hide", _("Hid a post")
    POST_AUTO_HIDE = "post_auto_hide", _("A post was hidden by flags")
    POST_RESTORE = "post_restore", _("Restored a post")
    POST_EDIT = "post_edit", _("Edited a post")
    THREAD_LOCK = "thread_lock", _("Locked a thread")
    THREAD_UNLOCK = "thread_unlock", _("Unlocked a thread")
    THREAD_PIN = "thread_pin", _("Pinned a thread")
    THREAD_UNPIN = "thread_unpin", _("Unpinned a thread")
    THREAD_MOVE = "thread_move", _("Moved a thread")
    FLAG_AGREE = "flag_agree", _("Agreed with flags")
    FLAG_DISAGREE = "flag_disagree", _("Disagreed with flags")
    MEMBER_WARN = "member_warn", _("Warned a member")
    MEMBER_SILENCE = "member_silence", _("Silenced a member")
    MEMBER_UNSILENCE = "member_unsilence", _("Lifted a silence")
    MEMBER_REMOVE = "member_remove", _("Removed a member")
    MEMBER_SUSPEND = "member_suspend", _("Suspended an account")
    MEMBER_REINSTATE = "member_reinstate", _("Reinstated an account")
    MODERATOR_ADD = "moderator_add", _("Made a member a moderator")
    MODERATOR_REMOVE = "moderator_remove", _("Removed a moderator")
    INVITATION_SEND = "invitation_send", _("Invited someone")
    INVITATION_REVOKE = "invitation_revoke", _("Revoked an invitation")
    COMMUNITY_UPDATE = "community_update", _("Changed the community's settings")
    TAG_CREATE = "tag_create", _("Added a tag")


class ModerationAction(models.Model):
    """One entry of the audit trail: who did what, to what, when, why, and what it was
    before. `community` is empty only for platform-wide acts (suspensions)."""

    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions",
    )
    # Empty for what the platform did by itself (a post hidden by flags).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions",
    )
    action = models.CharField(max_length=30, choices=ActionKind.choices)
    # What it was done to: at most one of each; SET_NULL keeps the entry if rows go.
    post = models.ForeignKey(
        "communities.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey(
        "communities.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions_received",
    )
    # A readable name of the target, kept even if the target is deleted later.
    target_label = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    # The content and state before and after the act (e.g. the post's Markdown, the
    # thread's community, a silence's end), as JSON.
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        indexes = [models.Index(fields=["community", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Warning(models.Model):
    """A message from a moderator to a member, which the member can read and acknowledge."""

    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warnings_received"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"))
    post = models.ForeignKey(
        "communities.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")

    def __str__(self) -> str:
        return f"warning to {self.member_id}"


class SilenceQuerySet(models.QuerySet["Silence"]):
    def in_force(self, at: datetime | None = None) -> "SilenceQuerySet":
        moment = at or timezone.now()
        return self.filter(lifted_at__isnull=True, ends_at__gt=moment)


class Silence(models.Model):
    """A member may not post in one community until `ends_at` (or until lifted)."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="silences"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="silences"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("until"))
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SilenceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("silence")
        verbose_name_plural = _("silences")
        indexes = [models.Index(fields=["community", "member", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.member_id} silenced in {self.community_id}"

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile


class ProposalKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation from the institution")
    INTEREST = "interest", _("Interest from the expert")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def pending(self) -> "ProposalQuerySet":
        return self.filter(status=ProposalStatus.PENDING)

    def overdue(self) -> "ProposalQuerySet":
        return self.pending().filter(deadline__lte=timezone.now())


class Proposal(models.Model):
    """One side proposes working together on a need: the institution invites an expert
    (`invitation`) or the expert says they are interested (`interest`). The other side answers."""

    kind = models.CharField(max_length=20, choices=ProposalKind.choices)
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="proposals")
    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="proposals")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(_("message"), max_length=5000, blank=True)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    deadline = models.DateTimeField(_("answer by"))
    # The score and reasons when it was sent, as both sides saw them.
    score = models.FloatField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "expert"],
                condition=models.Q(status="pending"),
                name="one_pending_proposal_per_need_and_expert",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.expert} / {self.need}"


class Match(models.Model):
    """An accepted proposal: an expert and a need agreed to work together. Engagements open
    from here."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="matches")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="match")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["need", "expert"], name="one_match_per_need_and_expert")
        ]

    def __str__(self) -> str:
        return f"{self.expert} ↔ {self.need}"

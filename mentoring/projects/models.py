from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.markup import render_markdown
from mentoring.engagements.models import Engagement, Side


class Project(models.Model):
    """The plans of a joint project. Editing the work plan bumps `work_plan_version`, and
    the project can start only when both sides approved the current version."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="project"
    )
    work_plan = models.TextField(
        _("work plan"), blank=True, max_length=50_000, help_text=_("Markdown.")
    )
    work_plan_html = models.TextField(editable=False, blank=True)
    work_plan_version = models.PositiveIntegerField(default=1)
    impact_plan = models.TextField(
        _("impact plan"), blank=True, max_length=50_000, help_text=_("Markdown.")
    )
    impact_plan_html = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("joint project")
        verbose_name_plural = _("joint projects")

    def __str__(self) -> str:
        return self.engagement.title

    def set_work_plan(self, markdown: str) -> None:
        self.work_plan = markdown
        self.work_plan_html = render_markdown(markdown)

    def set_impact_plan(self, markdown: str) -> None:
        self.impact_plan = markdown
        self.impact_plan_html = render_markdown(markdown)


class WorkPlanApproval(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals")
    side = models.CharField(max_length=20, choices=Side.choices)
    version = models.PositiveIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("work plan approval")
        verbose_name_plural = _("work plan approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "side", "version"], name="one_approval_per_side_and_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} v{self.version} by {self.side}"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_MILESTONE_STATUSES = frozenset({MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS})

# The only moves allowed: planned → in progress → done, and dropped from either open state.
# Done and dropped are final.
MILESTONE_TRANSITIONS: dict[str, frozenset[str]] = {
    MilestoneStatus.PLANNED: frozenset({MilestoneStatus.IN_PROGRESS, MilestoneStatus.DROPPED}),
    MilestoneStatus.IN_PROGRESS: frozenset({MilestoneStatus.DONE, MilestoneStatus.DROPPED}),
    MilestoneStatus.DONE: frozenset(),
    MilestoneStatus.DROPPED: frozenset(),
}


class Milestone(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        """Open and past due in the active time zone (the viewer's, during a request)."""
        return self.is_overdue_on(timezone.localdate())

    def is_overdue_on(self, today: date) -> bool:
        return self.status in OPEN_MILESTONE_STATUSES and self.due_date < today

    @property
    def next_statuses(self) -> list[str]:
        return [s for s in MilestoneStatus.values if s in MILESTONE_TRANSITIONS[self.status]]


class OutputKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    CURRICULUM = "curriculum", _("Curriculum")
    DATASET = "dataset", _("Data set")
    SOFTWARE = "software", _("Software")
    LINK = "link", _("Link")
    OTHER = "other", _("Other")


class Output(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=20, choices=OutputKind.choices)
    title = models.CharField(_("title"), max_length=300)
    # Only web links: an ftp:// or javascript: address is no output anyone can open.
    url = models.URLField(
        _("link"),
        blank=True,
        max_length=500,
        validators=[
            URLValidator(
                schemes=["http", "https"],
                message=_("Enter a web address starting with http:// or https://."),
            )
        ],
    )
    description = models.TextField(_("description"), blank=True, max_length=5000)
    published_on = models.DateField(_("date"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("output")
        verbose_name_plural = _("outputs")

    def __str__(self) -> str:
        return self.title


class ImpactReport(models.Model):
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="impact_reports"
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("For example “Year 1”."))
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    body = models.TextField(_("report"), max_length=50_000, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("impact report")
        verbose_name_plural = _("impact reports")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": [_("The end of the period cannot come before its start.")]}
            )

    def set_body(self, markdown: str) -> None:
        self.body = markdown
        self.body_html = render_markdown(markdown)

from django.db import models
from django.utils.translation import gettext_lazy as _

from diaspora.reference import ford


class EngagementKind(models.TextChoices):
    MENTORING = "mentoring", _("Mentoring")
    COURSE = "course", _("Course")
    SUPERVISION = "supervision", _("Supervision")
    LECTURE = "lecture", _("Lecture")
    RESEARCH = "research", _("Joint research")
    CURRICULUM = "curriculum", _("Curriculum development")


class ModeKind(models.TextChoices):
    ONLINE = "online", _("Online")
    ONSITE = "onsite", _("On site")
    HYBRID = "hybrid", _("Hybrid")


class Discipline(models.Model):
    """A FORD field (`1.1`) or major field (`1`). Labels come from `ford`, translated."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120, help_text=_("English name, for search and export."))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField(default=0, help_text=_("Sort order of the codes."))

    class Meta:
        ordering = ["position"]
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return str(ford.FIELDS.get(self.code) or ford.MAJOR_FIELDS.get(self.code) or self.name)

    @property
    def major_code(self) -> str:
        return self.code.split(".")[0]


class EngagementType(models.Model):
    """One of `EngagementKind`, as a row so that profiles and needs can filter by it."""

    code = models.CharField(max_length=20, choices=EngagementKind.choices, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("engagement type")
        verbose_name_plural = _("engagement types")

    def __str__(self) -> str:
        return str(EngagementKind(self.code).label)


class Mode(models.Model):
    """One of `ModeKind`, as a row so that profiles and needs can filter by it."""

    code = models.CharField(max_length=20, choices=ModeKind.choices, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("mode")
        verbose_name_plural = _("modes")

    def __str__(self) -> str:
        return str(ModeKind(self.code).label)


class Keyword(models.Model):
    """A free keyword, stored lower-case once and shared by every profile that uses it."""

    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")

    def __str__(self) -> str:
        return self.name

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from diaspora.institutions.models import Institution
from diaspora.markup import render_markdown
from diaspora.people.models import ExpertProfile
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode
from diaspora.reference.validators import validate_language


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The only moves a need's status may make. Anything else is refused by `need_set_status`.
NEED_TRANSITIONS: dict[str, frozenset[str]] = {
    NeedStatus.DRAFT: frozenset({NeedStatus.OPEN, NeedStatus.WITHDRAWN}),
    NeedStatus.OPEN: frozenset({NeedStatus.IN_PROGRESS, NeedStatus.CLOSED, NeedStatus.WITHDRAWN}),
    NeedStatus.IN_PROGRESS: frozenset({NeedStatus.FULFILLED, NeedStatus.CLOSED}),
    NeedStatus.FULFILLED: frozenset(),
    NeedStatus.CLOSED: frozenset(),
    NeedStatus.WITHDRAWN: frozenset(),
}


class NeedQuerySet(models.QuerySet["Need"]):
    def open(self) -> "NeedQuerySet":
        return self.filter(status=NeedStatus.OPEN)


class Need(models.Model):
    """What an institution asks of the diaspora: a course, mentoring, a lecture, research."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="needs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The programme office's own reference, used by bulk imports."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown is supported.")
    )
    description_html = models.TextField(editable=False, blank=True)
    disciplines = models.ManyToManyField(
        Discipline, blank=True, related_name="needs", verbose_name=_("disciplines")
    )
    keywords = models.ManyToManyField(
        Keyword, blank=True, related_name="needs", verbose_name=_("keywords")
    )
    engagement_type = models.ForeignKey(
        EngagementType,
        on_delete=models.PROTECT,
        related_name="needs",
        verbose_name=_("engagement type"),
    )
    mode = models.ForeignKey(
        Mode, on_delete=models.PROTECT, related_name="needs", verbose_name=_("mode")
    )
    location_city = models.CharField(_("city"), max_length=100, blank=True)
    location_country = CountryField(_("country"), blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    effort_hours = models.PositiveIntegerField(_("effort in hours"), default=0)
    experts_wanted = models.PositiveSmallIntegerField(_("experts wanted"), default=1)
    response_deadline = models.DateField(_("respond by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("need_detail", args=[self.pk])

    def set_description(self, markdown: str) -> None:
        self.description = markdown
        self.description_html = render_markdown(markdown)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end cannot be before the start.")
        if self.experts_wanted < 1:
            errors["experts_wanted"] = _("Ask for at least one expert.")
        if self.mode_id and self.mode.code != "online" and not self.location_country:
            errors["location_country"] = _("Say where the work happens when it is not online.")
        if errors:
            raise ValidationError(errors)

    @property
    def required_language_codes(self) -> list[str]:
        return [lang.code for lang in self.languages.all() if lang.required]

    @property
    def preferred_language_codes(self) -> list[str]:
        return [lang.code for lang in self.languages.all() if not lang.required]


class NeedLanguage(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=2, validators=[validate_language])
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["-required", "code"]
        constraints = [
            models.UniqueConstraint(fields=["need", "code"], name="one_entry_per_need_language")
        ]

    def __str__(self) -> str:
        return self.code


class Offer(models.Model):
    """What an expert offers the network: a course they can teach, mentoring, a lecture."""

    expert = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="offers")
    engagement_type = models.ForeignKey(
        EngagementType, on_delete=models.PROTECT, related_name="offers", verbose_name=_("kind")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown is supported.")
    )
    description_html = models.TextField(editable=False, blank=True)
    disciplines = models.ManyToManyField(
        Discipline, blank=True, related_name="offers", verbose_name=_("disciplines")
    )
    modes = models.ManyToManyField(Mode, blank=True, related_name="offers", verbose_name=_("modes"))
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=1, help_text=_("How many institutions, groups or mentees at a time.")
    )
    hours_per_month = models.PositiveSmallIntegerField(_("hours per month"), default=0)
    is_active = models.BooleanField(_("open to requests"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("offer_detail", args=[self.pk])

    def set_description(self, markdown: str) -> None:
        self.description = markdown
        self.description_html = render_markdown(markdown)


class OfferLanguage(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=2, validators=[validate_language])

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "code"], name="one_entry_per_offer_language")
        ]

    def __str__(self) -> str:
        return self.code


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OfferRequest(models.Model):
    """An institution asks an expert for something the expert offers."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="requests")
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="offer_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(_("message"), max_length=5000)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    response_reason = models.TextField(_("reason"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer request")
        verbose_name_plural = _("offer requests")
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "institution"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_offer_and_institution",
            )
        ]

    def __str__(self) -> str:
        return f"{self.institution} → {self.offer}"
